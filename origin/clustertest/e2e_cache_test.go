package clustertest_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// parallel runs f(0..n-1) on workers goroutines and returns the errors.
func parallel(n, workers int, f func(i int) error) []error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := f(i); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return errs
}

func failErrs(t *testing.T, errs []error) {
	t.Helper()
	for i, err := range errs {
		if i == 10 {
			t.Errorf("… and %d more", len(errs)-10)
			break
		}
		t.Error(err)
	}
	if len(errs) > 0 {
		t.FailNow()
	}
}

// variantPath is /i/w_{w},f_{jpeg|webp}/local/{key}.
func variantPath(t *testing.T, key string, w int) string {
	f := imgurl.JPEG
	if w%40 == 0 {
		f = imgurl.WebP
	}
	return clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: w, Format: f}}, Source: "local", Key: key})
}

type counters struct{ fetches, renders, peerHits, peerRequests, peerErrors float64 }

func count(t *testing.T, c *clustertest.Cluster) counters {
	t.Helper()
	return counters{
		fetches:      c.Sum(t, "imgorigin_source_fetches_total", map[string]string{"result": "ok"}),
		renders:      c.Sum(t, "imgorigin_renders_total", map[string]string{"result": "ok"}),
		peerHits:     c.Sum(t, "imgorigin_cache_peer_hits_total", nil),
		peerRequests: c.Sum(t, "imgorigin_cache_peer_requests_total", nil),
		peerErrors:   c.Sum(t, "imgorigin_cache_peer_errors_total", nil),
	}
}

// TestOneFetchOneRenderPerCluster (issue 5): three origin processes behind the real front
// nginx. 200 distinct variants of 20 originals fired concurrently through nginx are rendered
// once each from 20 storage fetches, every request served by its ring owner with no peer hop.
// 200 more variants of 20 more originals sent round-robin straight to the nodes still cost one
// fetch per original and one render per variant cluster-wide: groupcache forwards each key to
// its owner, whose singleflight loads it once.
func TestOneFetchOneRenderPerCluster(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3})
	exp := time.Now().Add(time.Hour)
	workload := func(set string) []string {
		var paths []string
		for o := 0; o < 20; o++ {
			key := fmt.Sprintf("%s/photo %02d.jpg", set, o)
			c.WriteLocal(t, key, clustertest.JPEG(320, 240, o))
			for v := 0; v < 10; v++ {
				paths = append(paths, variantPath(t, key, 60+20*v))
			}
		}
		return paths
	}

	t.Run("through nginx", func(t *testing.T) {
		paths := workload("nginx")
		before := count(t, c)
		errs := parallel(len(paths), 50, func(i int) error {
			r, err := c.Do(http.MethodGet, c.FrontURL+c.Signed(t, paths[i], exp), nil)
			if err != nil {
				return err
			}
			if r.Status != http.StatusOK {
				return fmt.Errorf("%s: %d %s", paths[i], r.Status, r.Body)
			}
			if st := r.Header.Get("Server-Timing"); strings.Contains(st, `"peer"`) {
				return fmt.Errorf("%s: a peer hop: Server-Timing %s", paths[i], st)
			}
			if got, want := r.Header.Get("X-Origin-Node"), c.Owner(paths[i]).Name; got != want {
				return fmt.Errorf("%s: served by %s, ring owner %s", paths[i], got, want)
			}
			return nil
		})
		failErrs(t, errs)
		after := count(t, c)
		if d := after.fetches - before.fetches; d != 20 {
			t.Errorf("storage fetches = %v, want 20 (one per original)", d)
		}
		if d := after.renders - before.renders; d != 200 {
			t.Errorf("renders = %v, want 200 (one per variant)", d)
		}
		if after.peerHits != 0 || after.peerRequests != 0 {
			t.Errorf("peer hits %v, peer requests %v: want 0 when nginx routes to the owner", after.peerHits, after.peerRequests)
		}
	})

	t.Run("round-robin to the nodes", func(t *testing.T) {
		paths := workload("direct")
		before := count(t, c)
		errs := parallel(len(paths), 50, func(i int) error {
			n := c.Node(i % 3)
			r, err := c.Do(http.MethodGet, n.URL+c.Signed(t, paths[i], exp), nil)
			if err != nil {
				return err
			}
			if r.Status != http.StatusOK {
				return fmt.Errorf("%s via %s: %d %s", paths[i], n.Name, r.Status, r.Body)
			}
			return nil
		})
		failErrs(t, errs)
		after := count(t, c)
		if d := after.fetches - before.fetches; d != 20 {
			t.Errorf("storage fetches = %v, want 20 (one per original, cluster-wide)", d)
		}
		if d := after.renders - before.renders; d != 200 {
			t.Errorf("renders = %v, want 200 (one per variant, cluster-wide)", d)
		}
		if d := after.peerHits - before.peerHits; d == 0 {
			t.Errorf("no peer hits: the non-owners did not ask the owners")
		}
		if after.peerErrors != 0 {
			t.Errorf("peer errors = %v, want 0", after.peerErrors)
		}
	})
}

// routingPath is the i-th path of the routing tests: distinct objects, some with escaped
// spaces and UTF-8, so nginx's decoded $uri and the cache's decoding must agree.
func routingPath(i int) string {
	names := []string{"plain", "with%20space", "caf%C3%A9", "a+b%2Cc", "x~y_z-1.2"}
	return fmt.Sprintf("/i/w_%d,f_webp/local/k%d/%s/%d.jpg", 100+i%7*10, i%97, names[i%len(names)], i)
}

// TestRoutingAgreesWithRing (issue 5): for 10,000 paths the node real nginx routes to (its
// X-Origin-Node) is the owner origin/ring computes from the pool list and render.Shard, for
// both shard-key modes. The requests carry no token (the node answers 403 without work): the
// route does not depend on the query.
func TestRoutingAgreesWithRing(t *testing.T) {
	for _, tc := range []struct {
		shard string
		n     int
	}{{"object", 10000}, {"path", 2000}} {
		t.Run(tc.shard, func(t *testing.T) {
			c := clustertest.Start(t, clustertest.Options{Nodes: 3, ShardKey: tc.shard})
			perNode := map[string]int{}
			var mu sync.Mutex
			errs := parallel(tc.n, 16, func(i int) error {
				p := routingPath(i)
				r, err := c.Do(http.MethodGet, c.FrontURL+p, nil)
				if err != nil {
					return err
				}
				if r.Status != http.StatusForbidden {
					return fmt.Errorf("%s: %d, want 403 (no token)", p, r.Status)
				}
				got, want := r.Header.Get("X-Origin-Node"), c.Owner(p).Name
				if got != want {
					return fmt.Errorf("%s: nginx routed to %s, ring owner %s", p, got, want)
				}
				mu.Lock()
				perNode[got]++
				mu.Unlock()
				return nil
			})
			failErrs(t, errs)
			t.Logf("%d paths per node: %v", tc.n, perNode)
		})
	}
}

// TestKillMovesOnlyItsKeys (issue 5): with one origin process killed, its keys move to the
// next node on the ring (PickN's second choice), every other key keeps its owner, and every
// request through nginx still succeeds; when it restarts, its keys come back to it.
func TestKillMovesOnlyItsKeys(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3})
	exp := time.Now().Add(time.Hour)
	const n = 300
	paths := make([]string, n)
	for i := range paths {
		key := fmt.Sprintf("kill/o%03d.jpg", i)
		c.WriteLocal(t, key, clustertest.JPEG(48, 32, i))
		paths[i] = variantPath(t, key, 20)
	}
	// servedBy sends every path through nginx and checks it against want(i).
	servedBy := func(want func(i int) string) []error {
		return parallel(n, 16, func(i int) error {
			r, err := c.Do(http.MethodGet, c.FrontURL+c.Signed(t, paths[i], exp), nil)
			if err != nil {
				return err
			}
			if r.Status != http.StatusOK {
				return fmt.Errorf("%s: %d %s", paths[i], r.Status, r.Body)
			}
			if got, w := r.Header.Get("X-Origin-Node"), want(i); got != w {
				return fmt.Errorf("%s: served by %s, want %s", paths[i], got, w)
			}
			return nil
		})
	}
	owner := func(i int) string { return c.Owner(paths[i]).Name }
	failErrs(t, servedBy(owner))

	victim := c.Node(1)
	moved := 0
	for i := range paths {
		if owner(i) == victim.Name {
			moved++
		}
	}
	if moved < n/6 || moved > n/2 {
		t.Fatalf("%s owns %d of %d keys: the ring is uneven", victim.Name, moved, n)
	}
	victim.Kill()
	failErrs(t, servedBy(func(i int) string {
		o := c.Owners(paths[i], 2)
		if o[0] == victim {
			return o[1].Name
		}
		return o[0].Name
	}))

	victim.Restart()
	// nginx retries a failed server after fail_timeout (1 s here); poll until every key of the
	// victim is back, then check the whole table once more.
	deadline := time.Now().Add(30 * time.Second)
	for {
		errs := servedBy(owner)
		if len(errs) == 0 {
			break
		}
		if time.Now().After(deadline) {
			failErrs(t, errs)
		}
	}
	t.Logf("%d of %d keys moved to the next node and came back", moved, n)
}
