package cache_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/ring"
	"github.com/imgorigin/imgorigin/origin/source"
)

// cluster is n Cache instances in this process, each with its peer handler on a real
// 127.0.0.1 listener, whose loaders count every load cluster-wide.
type cluster struct {
	nodes    []*node
	peers    []pool.Member
	mu       sync.Mutex
	origLd   map[string]int    // original key → loads
	varLd    map[string]int    // variant key → loads
	loadedOn map[string]string // key → node that loaded it
	missing  map[string]bool   // originals the "store" does not have
	down     map[string]bool   // originals the "store" cannot serve now
}

type node struct {
	name  string
	cache *cache.Cache
	srv   *http.Server
}

func newCluster(t *testing.T, n int, cfg cache.Config) *cluster {
	t.Helper()
	cfgs := make([]cache.Config, n)
	for i := range cfgs {
		cfgs[i] = cfg
	}
	return newClusterConfigs(t, cfgs)
}

// newClusterConfigs is newCluster with one configuration per node.
func newClusterConfigs(t *testing.T, cfgs []cache.Config) *cluster {
	t.Helper()
	n := len(cfgs)
	cl := &cluster{origLd: map[string]int{}, varLd: map[string]int{}, loadedOn: map[string]string{}, missing: map[string]bool{}, down: map[string]bool{}}
	var listeners []net.Listener
	for i := 0; i < n; i++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listeners = append(listeners, l)
		// The public name is what nginx's upstream lists; here a fixed-looking host:port per node.
		cl.peers = append(cl.peers, pool.Member{Name: fmt.Sprintf("10.9.0.%d:8080", i+1), Internal: l.Addr().String()})
	}
	for i := 0; i < n; i++ {
		nd := &node{name: cl.peers[i].Name}
		c, err := cache.New(cfgs[i], nd.name, cl.peers, render.Shard(cfgs[i].ShardKey), cl.loadOriginal(nd), cl.loadVariant(nd))
		if err != nil {
			t.Fatal(err)
		}
		nd.cache = c
		mux := http.NewServeMux()
		mux.Handle(cache.PeerPath, c.PeerHandler())
		nd.srv = &http.Server{Handler: mux}
		go func(l net.Listener) { _ = nd.srv.Serve(l) }(listeners[i])
		t.Cleanup(func() { _ = nd.srv.Close() })
		cl.nodes = append(cl.nodes, nd)
	}
	return cl
}

func (cl *cluster) loadOriginal(nd *node) render.Loader {
	return func(ctx context.Context, key string) ([]byte, error) {
		cl.mu.Lock()
		cl.origLd[key]++
		cl.loadedOn[key] = nd.name
		missing, down := cl.missing[key], cl.down[key]
		cl.mu.Unlock()
		if missing {
			return nil, failure.New(failure.KindNotFound, "no such image", fmt.Errorf("store: %w", source.ErrNotFound))
		}
		if down {
			return nil, failure.New(failure.KindUnavailable, "the image store is unavailable", fmt.Errorf("store: %w", source.ErrUnavailable))
		}
		return []byte("original:" + key), nil
	}
}

// loadVariant fetches its original through the cache, like render does.
func (cl *cluster) loadVariant(nd *node) render.Loader {
	return func(ctx context.Context, key string) ([]byte, error) {
		cl.mu.Lock()
		cl.varLd[key]++
		cl.loadedOn[key] = nd.name
		cl.mu.Unlock()
		path, ident, _ := strings.Cut(key, "#v1#")
		obj := path[strings.Index(path[3:], "/")+4:] // after /i/{variant}/
		orig, _, err := nd.cache.Original(ctx, obj+"#"+ident)
		if err != nil {
			return nil, err
		}
		return append([]byte("variant:"+key+":"), orig...), nil
	}
}

func variantKey(v, o int) string {
	return fmt.Sprintf("/i/w_%d,f_webp/s3/albums/a%d/photo%%20%d.jpg#v1#etag-%d", 100+v*10, o%4, o, o)
}

func originalKey(o int) string {
	return fmt.Sprintf("s3/albums/a%d/photo%%20%d.jpg#etag-%d", o%4, o, o)
}

func testConfig() cache.Config {
	cfg := cache.DefaultConfig()
	cfg.OriginalsBytes, cfg.VariantsBytes = 8<<20, 8<<20
	cfg.PeerTimeout = 2 * time.Second
	cfg.PeerSecret = cache.PeerSecret{Current: testPeerSecret}
	return cfg
}

const testPeerSecret = "cluster-secret-0123456789abcdefghij"

// TestLoadOncePerCluster: 200 variants of 20 originals, requested concurrently on every node,
// are each loaded exactly once in the cluster, on their owner.
func TestLoadOncePerCluster(t *testing.T) {
	for _, shard := range []string{pool.ShardObject, pool.ShardPath} {
		t.Run(shard, func(t *testing.T) {
			cfg := testConfig()
			cfg.ShardKey = shard
			cl := newCluster(t, 3, cfg)
			var keys []string
			for o := 0; o < 20; o++ {
				for v := 0; v < 10; v++ {
					keys = append(keys, variantKey(v, o))
				}
			}
			var wg sync.WaitGroup
			var peerOutcomes atomic.Int64
			errs := make(chan error, len(keys)*3)
			for round := 0; round < 3; round++ {
				for i, k := range keys {
					wg.Add(1)
					go func(nd *node, k string) {
						defer wg.Done()
						b, o, err := nd.cache.Variant(context.Background(), k)
						if err != nil {
							errs <- err
							return
						}
						if o == render.OutcomePeer {
							peerOutcomes.Add(1)
						}
						if !strings.HasPrefix(string(b), "variant:"+k+":original:") {
							errs <- fmt.Errorf("%s: wrong value %q", k, b)
						}
					}(cl.nodes[(i+round)%3], k)
				}
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Fatal(err)
			}
			for _, k := range keys {
				if n := cl.varLd[k]; n != 1 {
					t.Errorf("variant %s loaded %d times", k, n)
				}
				if owner := cl.nodes[0].cache.Owner(k); cl.loadedOn[k] != owner {
					t.Errorf("variant %s loaded on %s, owner %s", k, cl.loadedOn[k], owner)
				}
			}
			for o := 0; o < 20; o++ {
				if n := cl.origLd[originalKey(o)]; n != 1 {
					t.Errorf("original %d loaded %d times", o, n)
				}
			}
			t.Logf("shard=%s: variant loads %d, original loads %d, peer outcomes %d", shard, len(cl.varLd), len(cl.origLd), peerOutcomes.Load())
		})
	}
}

// TestOutcomes: through the owner a key is a miss then a hit; elsewhere it comes from the peer.
func TestOutcomes(t *testing.T) {
	cl := newCluster(t, 3, testConfig())
	k := variantKey(1, 7)
	owner := cl.byName(cl.nodes[0].cache.Owner(k))
	var other *node
	for _, nd := range cl.nodes {
		if nd != owner {
			other = nd
			break
		}
	}
	steps := []struct {
		nd   *node
		want render.Outcome
	}{{owner, render.OutcomeMiss}, {owner, render.OutcomeHit}, {other, render.OutcomePeer}}
	for i, s := range steps {
		_, o, err := s.nd.cache.Variant(context.Background(), k)
		if err != nil || o != s.want {
			t.Fatalf("step %d on %s: outcome %q err %v, want %q", i, s.nd.name, o, err, s.want)
		}
	}
	// In object mode the original was loaded on the owner too: no hop for it.
	if cl.loadedOn[originalKey(7)] != owner.name {
		t.Fatalf("original loaded on %s, variant owner %s", cl.loadedOn[originalKey(7)], owner.name)
	}
}

func (cl *cluster) byName(name string) *node {
	for _, nd := range cl.nodes {
		if nd.name == name {
			return nd
		}
	}
	return nil
}

// TestNegative: a missing original is asked from the store once, whichever node asks, and
// comes back as not found everywhere.
func TestNegative(t *testing.T) {
	cl := newCluster(t, 3, testConfig())
	k := originalKey(99)
	cl.missing[k] = true
	for round := 0; round < 3; round++ {
		for _, nd := range cl.nodes {
			_, _, err := nd.cache.Original(context.Background(), k)
			if !errors.Is(err, source.ErrNotFound) || failure.KindOf(err) != failure.KindNotFound {
				t.Fatalf("%s: err %v, want not found", nd.name, err)
			}
		}
	}
	if n := cl.origLd[k]; n != 1 {
		t.Fatalf("missing original fetched %d times, want 1", n)
	}
}

// TestUnavailableNotRemembered: a store that cannot serve now (a FastDFS group with no active
// storage) is never kept in the negative cache, on the owner or on the nodes that asked it:
// the first request after the store is back loads the original.
func TestUnavailableNotRemembered(t *testing.T) {
	cl := newCluster(t, 3, testConfig())
	k := originalKey(98)
	cl.mu.Lock()
	cl.down[k] = true
	cl.mu.Unlock()
	for _, nd := range cl.nodes {
		if _, _, err := nd.cache.Original(context.Background(), k); err == nil || failure.KindOf(err) == failure.KindNotFound {
			t.Fatalf("%s: err %v while the store is down", nd.name, err)
		}
	}
	cl.mu.Lock()
	cl.down[k] = false
	cl.mu.Unlock()
	for _, nd := range cl.nodes {
		if v, _, err := nd.cache.Original(context.Background(), k); err != nil || string(v) != "original:"+k {
			t.Fatalf("%s: %q, %v after the store is back", nd.name, v, err)
		}
	}
}

// TestHangingPeer: an owner that never answers costs at most peer_timeout, then the key is
// loaded locally.
func TestHangingPeer(t *testing.T) {
	cfg := testConfig()
	cfg.PeerTimeout = 300 * time.Millisecond
	hang := make(chan struct{})
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hsrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})}
	go func() { _ = hsrv.Serve(l) }()
	t.Cleanup(func() { close(hang); _ = hsrv.Close() })

	peers := []pool.Member{{Name: "10.9.0.1:8080", Internal: "127.0.0.1:1"}, {Name: "10.9.0.2:8080", Internal: l.Addr().String()}}
	var loads atomic.Int64
	load := func(ctx context.Context, key string) ([]byte, error) { loads.Add(1); return []byte("v"), nil }
	c, err := cache.New(cfg, peers[0].Name, peers, render.Shard(cfg.ShardKey), load, load)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ring.New(peers)
	var k string
	for i := 0; ; i++ {
		k = originalKey(i)
		if r.Pick(render.Shard(cfg.ShardKey)(k)) == peers[1].Name {
			break
		}
	}
	start := time.Now()
	b, o, err := c.Original(context.Background(), k)
	elapsed := time.Since(start)
	if err != nil || string(b) != "v" || o != render.OutcomeMiss {
		t.Fatalf("got %q %q %v", b, o, err)
	}
	if elapsed > cfg.PeerTimeout+time.Second {
		t.Fatalf("took %v with peer_timeout %v", elapsed, cfg.PeerTimeout)
	}
	t.Logf("hanging owner cost %v (peer_timeout %v)", elapsed.Round(time.Millisecond), cfg.PeerTimeout)
}

// TestHangingPeerBackoff: after one fetch from a hanging owner timed out, its other keys are
// loaded locally at once for cache.peer_backoff, without asking it.
func TestHangingPeerBackoff(t *testing.T) {
	cfg := testConfig()
	cfg.PeerTimeout = 300 * time.Millisecond
	cfg.PeerBackoff = time.Minute
	hang := make(chan struct{})
	var asked atomic.Int64
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	hsrv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	})}
	go func() { _ = hsrv.Serve(l) }()
	t.Cleanup(func() { close(hang); _ = hsrv.Close() })

	peers := []pool.Member{{Name: "10.9.0.1:8080", Internal: "127.0.0.1:1"}, {Name: "10.9.0.2:8080", Internal: l.Addr().String()}}
	load := func(ctx context.Context, key string) ([]byte, error) { return []byte("v"), nil }
	c, err := cache.New(cfg, peers[0].Name, peers, render.Shard(cfg.ShardKey), load, load)
	if err != nil {
		t.Fatal(err)
	}
	r, _ := ring.New(peers)
	var keys []string
	for i := 0; len(keys) < 6; i++ {
		if k := originalKey(i); r.Pick(render.Shard(cfg.ShardKey)(k)) == peers[1].Name {
			keys = append(keys, k)
		}
	}
	for i, k := range keys {
		start := time.Now()
		b, _, err := c.Original(context.Background(), k)
		elapsed := time.Since(start)
		if err != nil || string(b) != "v" {
			t.Fatalf("key %d: %q %v", i, b, err)
		}
		if i > 0 && elapsed >= cfg.PeerTimeout {
			t.Errorf("key %d took %v: the hanging owner was asked again within peer_backoff", i, elapsed)
		}
	}
	if n := asked.Load(); n != 1 {
		t.Errorf("the hanging owner was asked %d times, want 1", n)
	}
}

// TestMembershipChange: after a node leaves, only its keys move (to the ring's next node).
func TestMembershipChange(t *testing.T) {
	cl := newCluster(t, 3, testConfig())
	c := cl.nodes[0].cache
	const n = 3000
	before := make([]string, n)
	for i := range before {
		before[i] = c.Owner(variantKey(i%10, i))
	}
	gone := cl.peers[2].Name
	if err := c.SetPeers(cl.peers[:2]); err != nil {
		t.Fatal(err)
	}
	moved := 0
	for i := range before {
		after := c.Owner(variantKey(i%10, i))
		switch {
		case before[i] == gone && after == gone:
			t.Fatalf("key still owned by the removed node")
		case before[i] == gone:
			moved++
		case after != before[i]:
			t.Fatalf("key of %s moved to %s", before[i], after)
		}
	}
	if moved < n/5 || moved > n/2 {
		t.Fatalf("%d of %d keys moved, want about 1/3", moved, n)
	}
	if err := c.SetPeers(cl.peers[1:]); err == nil {
		t.Fatal("SetPeers without self accepted")
	}
	// The cluster keeps working with the smaller pool on this node.
	if _, _, err := c.Variant(context.Background(), variantKey(3, 3)); err != nil {
		t.Fatal(err)
	}
}

// TestShardKeyWorkload measures both shard keys on the workload (200 variants of 20
// originals over 3 nodes): variant loads whose original lives on another node (peer hops),
// and the spread of variant loads over nodes.
func TestShardKeyWorkload(t *testing.T) {
	r, _ := ring.New([]pool.Member{{Name: "10.9.0.1:8080"}, {Name: "10.9.0.2:8080"}, {Name: "10.9.0.3:8080"}})
	for _, mode := range []string{pool.ShardObject, pool.ShardPath} {
		hops, per := 0, map[string]int{}
		for o := 0; o < 20; o++ {
			for v := 0; v < 10; v++ {
				owner := r.Pick(render.Shard(mode)(variantKey(v, o)))
				per[owner]++
				if owner != r.Pick(render.Shard(mode)(originalKey(o))) {
					hops++
				}
			}
		}
		t.Logf("shard_key=%s: %d of 200 variant loads fetch the original from a peer; variant loads per node %v", mode, hops, per)
		if mode == pool.ShardObject && hops != 0 {
			t.Fatalf("object sharding must never hop for the original, got %d", hops)
		}
	}
}

func TestConfigValidate(t *testing.T) {
	cases := []struct {
		name string
		edit func(*cache.Config)
		want string
	}{
		{"shard", func(c *cache.Config) { c.ShardKey = "x" }, "shard_key"},
		{"bytes", func(c *cache.Config) { c.VariantsBytes = -1 }, "variants_bytes"},
		{"timeout", func(c *cache.Config) { c.PeerTimeout = 0 }, "peer_timeout"},
		{"backoff", func(c *cache.Config) { c.PeerBackoff = -time.Second }, "peer_backoff"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cache.DefaultConfig()
			tc.edit(&cfg)
			if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
	if err := cache.DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}

func BenchmarkHit(b *testing.B) {
	for _, size := range []int{20 << 10, 200 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			val := make([]byte, size)
			load := func(ctx context.Context, key string) ([]byte, error) { return val, nil }
			c, err := cache.New(testConfig(), "", nil, render.Shard(pool.ShardObject), load, load)
			if err != nil {
				b.Fatal(err)
			}
			k := variantKey(1, 1)
			ctx := context.Background()
			if _, _, err := c.Variant(ctx, k); err != nil {
				b.Fatal(err)
			}
			b.SetBytes(int64(size))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, o, _ := c.Variant(ctx, k); o != render.OutcomeHit {
						panic("not a hit")
					}
				}
			})
		})
	}
}
