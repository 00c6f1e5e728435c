package nginx_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
)

// cacheNode is a minimal origin node: a public listener whose handler answers /i/… from the
// cluster cache (variant ← original ← counted "store"), and an internal listener with the
// cache's peer endpoint.
type cacheNode struct {
	name  string
	cache *cache.Cache
}

type cacheCluster struct {
	nodes                  []*cacheNode
	origLoads, varLoads    sync.Map // key → *atomic.Int64
	peerOutcomes, requests atomic.Int64
}

func count(m *sync.Map, k string) int64 {
	v, _ := m.LoadOrStore(k, new(atomic.Int64))
	return v.(*atomic.Int64).Add(1)
}

func startCacheCluster(t *testing.T, n int) (*cacheCluster, []pool.Member) {
	t.Helper()
	cc := &cacheCluster{}
	var peers []pool.Member
	var pub, internal []net.Listener
	for i := 0; i < n; i++ {
		p, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		in, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		pub, internal = append(pub, p), append(internal, in)
		peers = append(peers, pool.Member{Name: p.Addr().String(), Internal: in.Addr().String()})
	}
	cfg := cache.DefaultConfig()
	cfg.OriginalsBytes, cfg.VariantsBytes = 16<<20, 16<<20
	cfg.PeerSecret.Current = "nginx-cluster-test-secret-0123456789ab"
	for i := 0; i < n; i++ {
		nd := &cacheNode{name: peers[i].Name}
		loadOrig := func(ctx context.Context, key string) ([]byte, error) {
			count(&cc.origLoads, key)
			return []byte("original " + key), nil
		}
		loadVar := func(ctx context.Context, key string) ([]byte, error) {
			count(&cc.varLoads, key)
			path, ident, _ := strings.Cut(key, "#v1#")
			rest := strings.TrimPrefix(path, "/i/")
			obj := rest[strings.IndexByte(rest, '/')+1:]
			orig, o, err := nd.cache.Original(ctx, obj+"#"+ident)
			if err != nil {
				return nil, err
			}
			if o == render.OutcomePeer {
				cc.peerOutcomes.Add(1)
			}
			return append([]byte("variant of "), orig...), nil
		}
		c, err := cache.New(cfg, nd.name, peers, render.Shard(cfg.ShardKey), loadOrig, loadVar)
		if err != nil {
			t.Fatal(err)
		}
		nd.cache = c
		mux := http.NewServeMux()
		mux.Handle(cache.PeerPath, c.PeerHandler())
		isrv := &http.Server{Handler: mux}
		psrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			cc.requests.Add(1)
			b, o, err := c.Variant(r.Context(), r.URL.EscapedPath()+"#v1#id1")
			if err != nil {
				http.Error(w, err.Error(), http.StatusInternalServerError)
				return
			}
			if o == render.OutcomePeer {
				cc.peerOutcomes.Add(1)
			}
			w.Header().Set("X-Backend", nd.name)
			w.Header().Set("X-Cache", string(o))
			_, _ = w.Write(b)
		})}
		go func(l net.Listener) { _ = isrv.Serve(l) }(internal[i])
		go func(l net.Listener) { _ = psrv.Serve(l) }(pub[i])
		t.Cleanup(func() { _ = isrv.Close(); _ = psrv.Close() })
		cc.nodes = append(cc.nodes, nd)
	}
	return cc, peers
}

// TestClusterThroughNginx: with real nginx rendered from the same pool list, every request
// lands on its key's cache owner: 200 distinct variants of 20 originals fired concurrently are
// loaded once each, the 20 originals once each, and no request or load needs a peer hop.
// The same workload sent round-robin to the nodes directly still loads everything once.
func TestClusterThroughNginx(t *testing.T) {
	cc, peers := startCacheCluster(t, 3)
	cfg := nginx.DefaultConfig()
	cfg.Pool = peers
	cfg.Listen = fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(t))
	cfg.RateLimit, cfg.RateBurst = 100000, 100000
	cfg.WorkerProcesses, cfg.ErrorLog, cfg.AccessLog = "1", "stderr", "off"
	conf, err := nginx.Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ngx := nginxtest.Start(t, string(conf))
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

	run := func(base func(i int) string, variantOffset int) {
		var wg sync.WaitGroup
		sem := make(chan struct{}, 16)
		errs := make(chan error, 200)
		for o := 0; o < 20; o++ {
			for v := 0; v < 10; v++ {
				i := o*10 + v
				path := fmt.Sprintf("/i/w_%d,f_webp/s3/albums/a%d/photo%%20%d.jpg", 100+(v+variantOffset)*10, o%3, o)
				wg.Add(1)
				sem <- struct{}{}
				go func() {
					defer wg.Done()
					defer func() { <-sem }()
					resp, err := client.Get(base(i) + path + "?token=k1.1.x")
					if err != nil {
						errs <- err
						return
					}
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						errs <- fmt.Errorf("%s: %d", path, resp.StatusCode)
					}
				}()
			}
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
	}
	total := func(m *sync.Map) (keys int, loads int64) {
		m.Range(func(_, v any) bool { keys++; loads += v.(*atomic.Int64).Load(); return true })
		return
	}

	run(func(int) string { return ngx.URL("") }, 0)
	if k, l := total(&cc.origLoads); k != 20 || l != 20 {
		t.Fatalf("through nginx: %d originals loaded %d times, want 20/20", k, l)
	}
	if k, l := total(&cc.varLoads); k != 200 || l != 200 {
		t.Fatalf("through nginx: %d variants loaded %d times, want 200/200", k, l)
	}
	if n := cc.peerOutcomes.Load(); n != 0 {
		t.Fatalf("through nginx: %d peer hops, want 0", n)
	}

	run(func(i int) string { return "http://" + peers[i%3].Name }, 10)
	if k, l := total(&cc.origLoads); k != 20 || l != 20 {
		t.Fatalf("direct: %d originals loaded %d times, want 20/20", k, l)
	}
	if k, l := total(&cc.varLoads); k != 400 || l != 400 {
		t.Fatalf("direct: %d variants loaded %d times, want 400/400", k, l)
	}
	t.Logf("direct round-robin: %d peer hops (requests not on their owner), loads still once per key", cc.peerOutcomes.Load())
}
