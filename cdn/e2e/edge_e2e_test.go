package e2e_test

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/edge"
	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func TestMain(m *testing.M) { clustertest.Main(m) }

func variant(t *testing.T, source, key string, w int) string {
	return clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: w, Format: imgurl.WebP}}, Source: source, Key: key})
}

// pulls counts back-to-origin pulls that reached an origin (every image request of every node).
func pulls(t *testing.T, c *clustertest.Cluster) float64 {
	return c.Sum(t, "imgorigin_requests_total", nil)
}

func renders(t *testing.T, c *clustertest.Cluster) float64 {
	return c.Sum(t, "imgorigin_renders_total", nil)
}

// expectPulls fails when the pulls since before differ from want.
func expectPulls(t *testing.T, c *clustertest.Cluster, before, want float64, what string) {
	t.Helper()
	if got := c.SumAtLeast(t, "imgorigin_requests_total", nil, before+want, 5*time.Second) - before; got != want {
		t.Errorf("%s: %v back-to-origin pulls, want %v", what, got, want)
	}
}

// poll repeats get until cond holds, for at most limit.
func poll(t *testing.T, limit time.Duration, what string, get func() clustertest.Response, cond func(clustertest.Response) bool) clustertest.Response {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		r := get()
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v; last answer %d X-Cache %q", what, limit, r.Status, r.Header.Get("X-Cache"))
		}
		<-tick.C
	}
}

// TestEdgeCachePolicy: through edge → nginx → three origins → local store.
func TestEdgeCachePolicy(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Edge: true,
		Env: []string{"IMGORIGIN_SERVER_CACHE_CONTROL_NOT_FOUND_MAX_AGE=2s"}})
	for i := 0; i < 4; i++ {
		c.WriteLocal(t, fmt.Sprintf("photos/%d.jpg", i), clustertest.JPEG(400, 300, i))
	}
	now := time.Now()
	get := func(pathQuery string) clustertest.Response { return c.Get(t, c.EdgeURL+pathQuery) }

	t.Run("miss then hit", func(t *testing.T) {
		p := variant(t, "local", "photos/0.jpg", 200)
		before := pulls(t, c)
		first := get(c.EdgeSigned(t, p, now.Add(time.Hour)))
		if first.Status != 200 || first.Header.Get("X-Cache") != "MISS" || first.Header.Get("Content-Type") != "image/webp" {
			t.Fatalf("first: %d X-Cache %q %s", first.Status, first.Header.Get("X-Cache"), first.Body)
		}
		second := get(c.EdgeSigned(t, p, now.Add(time.Hour)))
		if second.Status != 200 || second.Header.Get("X-Cache") != "HIT" || !bytes.Equal(first.Body, second.Body) {
			t.Fatalf("second: %d X-Cache %q", second.Status, second.Header.Get("X-Cache"))
		}
		expectPulls(t, c, before, 1, "MISS then HIT")
	})

	t.Run("one pull whatever the token", func(t *testing.T) {
		p := variant(t, "local", "photos/1.jpg", 200)
		before := pulls(t, c)
		urls := []string{
			c.EdgeSigned(t, p, now.Add(time.Hour)),
			c.EdgeSigned(t, p, now.Add(3*time.Hour)),
			c.EdgeSigned(t, p, now.Add(10*time.Minute)) + "&utm_source=x",
		}
		var body []byte
		for i, u := range urls {
			r := get(u)
			want := "HIT"
			if i == 0 {
				want = "MISS"
			}
			if r.Status != 200 || r.Header.Get("X-Cache") != want {
				t.Fatalf("%s: %d X-Cache %q, want 200 %s", u, r.Status, r.Header.Get("X-Cache"), want)
			}
			if body != nil && !bytes.Equal(body, r.Body) {
				t.Fatalf("%s: a different body", u)
			}
			body = r.Body
		}
		expectPulls(t, c, before, 1, "three tokens for one variant")
	})

	// /info/ (JSON about an original) is authenticated at the edge exactly as /i/: the edge
	// checks auth_key and pulls with the origin secret, which the origin admits.
	t.Run("info through the edge", func(t *testing.T) {
		p := clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 1, Format: imgurl.JPEG}}, Source: "local", Key: "photos/3.jpg"})
		info := imgurl.InfoPrefix + strings.TrimPrefix(p, "/i/w_1,f_jpeg/")
		if r := get(info); r.Status != http.StatusForbidden || r.Header.Get("X-Edge-Auth") != "missing" {
			t.Fatalf("%s without auth_key: %d %q, want 403 from the edge", info, r.Status, r.Header.Get("X-Edge-Auth"))
		}
		r := get(c.EdgeSigned(t, info, now.Add(time.Hour)))
		if r.Status != 200 || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || !bytes.Contains(r.Body, []byte(`"width":400`)) {
			t.Fatalf("%s: %d %q %s", info, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	})

	t.Run("bad edge token is refused at the edge", func(t *testing.T) {
		p := variant(t, "local", "photos/2.jpg", 200)
		valid := c.EdgeSigned(t, p, now.Add(time.Hour))
		tampered := valid[:len(valid)-1] + map[bool]string{true: "0", false: "1"}[!strings.HasSuffix(valid, "0")]
		before := pulls(t, c)
		for _, tc := range []struct{ name, target, reason string }{
			{"expired", c.EdgeSigned(t, p, now.Add(-time.Minute)), "expired"},
			{"tampered", tampered, "bad signature"},
			{"other path", p + "?" + c.EdgeAuth(t, variant(t, "local", "photos/3.jpg", 200), now.Add(time.Hour)), "bad signature"},
			{"missing", p, "missing"},
			{"origin token only", c.Signed(t, p, now.Add(time.Hour)), "missing"},
		} {
			r := get(tc.target)
			if r.Status != http.StatusForbidden || r.Header.Get("X-Edge-Auth") != tc.reason {
				t.Errorf("%s: %d X-Edge-Auth %q, want 403 %q", tc.name, r.Status, r.Header.Get("X-Edge-Auth"), tc.reason)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "private, no-store" {
				t.Errorf("%s: Cache-Control %q", tc.name, cc)
			}
		}
		expectPulls(t, c, before, 0, "refused edge tokens")
		// The refusals were not cached: the valid URL is a MISS, pulled once.
		if r := get(valid); r.Status != 200 || r.Header.Get("X-Cache") != "MISS" {
			t.Errorf("valid after refusals: %d X-Cache %q", r.Status, r.Header.Get("X-Cache"))
		}
		expectPulls(t, c, before, 1, "valid token after refusals")
	})

	t.Run("404 cached for not_found_max_age only", func(t *testing.T) {
		p := variant(t, "local", "photos/missing.jpg", 200)
		target := c.EdgeSigned(t, p, now.Add(time.Hour))
		before := pulls(t, c)
		start := time.Now()
		first := get(target)
		if first.Status != 404 || first.Header.Get("X-Cache") != "MISS" || first.Header.Get("Cache-Control") != "public, max-age=2, stale-while-revalidate=0, stale-if-error=0" {
			t.Fatalf("first: %d X-Cache %q Cache-Control %q", first.Status, first.Header.Get("X-Cache"), first.Header.Get("Cache-Control"))
		}
		if r := get(target); r.Status != 404 || r.Header.Get("X-Cache") != "HIT" {
			t.Fatalf("second: %d X-Cache %q, want a cached 404", r.Status, r.Header.Get("X-Cache"))
		}
		expectPulls(t, c, before, 1, "cached 404")
		r := poll(t, 15*time.Second, "the 404 expires at the edge", func() clustertest.Response { return get(target) },
			func(r clustertest.Response) bool { return r.Header.Get("X-Cache") != "HIT" })
		if took := time.Since(start); r.Status != 404 || took > 8*time.Second {
			t.Errorf("after expiry: %d X-Cache %q after %v, want 404 pulled again after ~2 s", r.Status, r.Header.Get("X-Cache"), took)
		}
		expectPulls(t, c, before, 2, "404 after its max-age")
	})

	t.Run("origin 403 is not cached", func(t *testing.T) {
		// An edge without edge auth that passes the query: the origin checks its own token.
		pass := c.StartEdge(t, "edge-pass", func(ec *edge.Config) {
			ec.Auth = edge.AuthConfig{TTL: time.Second, PathPrefixes: []string{"/i/"}, Param: "auth_key"}
			ec.PassQuery = true
			ec.OriginSecret = edge.OriginSecretConfig{}
		})
		p := variant(t, "local", "photos/3.jpg", 300)
		before := pulls(t, c)
		for i := 0; i < 2; i++ {
			r := c.Get(t, pass+p+"?token=k1.1.AAAA")
			if r.Status != 403 || r.Header.Get("X-Cache") != "MISS" || r.Header.Get("Cache-Control") != "private, no-store" {
				t.Errorf("bad origin token #%d: %d X-Cache %q Cache-Control %q", i, r.Status, r.Header.Get("X-Cache"), r.Header.Get("Cache-Control"))
			}
		}
		r := c.Get(t, pass+c.Signed(t, p, now.Add(time.Hour)))
		if r.Status != 200 || r.Header.Get("X-Cache") != "MISS" {
			t.Errorf("valid origin token: %d X-Cache %q", r.Status, r.Header.Get("X-Cache"))
		}
		expectPulls(t, c, before, 3, "two 403s and a 200")
	})

	t.Run("50 concurrent first requests", func(t *testing.T) {
		p := variant(t, "local", "photos/3.jpg", 120)
		target := c.EdgeSigned(t, p, now.Add(time.Hour))
		before, rendersBefore := pulls(t, c), renders(t, c)
		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			caches = map[string]int{}
			bodies = map[string]bool{}
		)
		gate := make(chan struct{})
		for i := 0; i < 50; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-gate
				r, err := c.Do(http.MethodGet, c.EdgeURL+target, nil)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					caches["error: "+err.Error()]++
					return
				}
				caches[fmt.Sprintf("%d %s", r.Status, r.Header.Get("X-Cache"))]++
				bodies[string(r.Body)] = true
			}()
		}
		close(gate)
		wg.Wait()
		if caches["200 MISS"] != 1 || caches["200 HIT"] != 49 || len(bodies) != 1 {
			t.Errorf("answers %v (%d distinct bodies), want one 200 MISS and 49 200 HIT", caches, len(bodies))
		}
		expectPulls(t, c, before, 1, "50 concurrent first requests")
		if got := renders(t, c) - rendersBefore; got != 1 {
			t.Errorf("renders = %v, want 1", got)
		}
	})
}

// TestEdgeServesStaleWhenOriginsDown: a cached variant past its s-maxage is still served when
// every origin is killed (the front answers 502: the edge's use_stale for 5xx), and when the
// front nginx is down too (connection refused: the origin's stale-if-error window, with an edge
// that has no unbounded use_stale conditions).
func TestEdgeServesStaleWhenOriginsDown(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Edge: true, Env: []string{
		"IMGORIGIN_SERVER_CACHE_CONTROL_S_MAXAGE=1s",
		"IMGORIGIN_SERVER_CACHE_CONTROL_MAX_AGE=1s",
		"IMGORIGIN_SERVER_CACHE_CONTROL_STALE_WHILE_REVALIDATE=0s",
	}})
	strict := c.StartEdge(t, "edge-strict", func(ec *edge.Config) { ec.UseStale = nil })
	c.WriteLocal(t, "stale.jpg", clustertest.JPEG(300, 200, 9))
	p := variant(t, "local", "stale.jpg", 150)
	target := c.EdgeSigned(t, p, time.Now().Add(time.Hour))
	first := c.Get(t, c.EdgeURL+target)
	firstStrict := c.Get(t, strict+target)
	if first.Status != 200 || firstStrict.Status != 200 || !strings.Contains(first.Header.Get("Cache-Control"), "stale-if-error=") {
		t.Fatalf("warm-up: %d, %d, Cache-Control %q", first.Status, firstStrict.Status, first.Header.Get("Cache-Control"))
	}

	for _, n := range c.Nodes {
		n.Kill()
	}
	r := poll(t, 15*time.Second, "edge serves STALE with every origin down", func() clustertest.Response { return c.Get(t, c.EdgeURL+target) },
		func(r clustertest.Response) bool { return r.Header.Get("X-Cache") == "STALE" })
	if r.Status != 200 || !bytes.Equal(r.Body, first.Body) {
		t.Errorf("stale answer: %d, same body %v", r.Status, bytes.Equal(r.Body, first.Body))
	}

	c.StopNginx(t, "front")
	r = poll(t, 15*time.Second, "strict edge serves STALE within stale-if-error with the front down", func() clustertest.Response { return c.Get(t, strict+target) },
		func(r clustertest.Response) bool { return r.Header.Get("X-Cache") == "STALE" })
	if r.Status != 200 || !bytes.Equal(r.Body, firstStrict.Body) {
		t.Errorf("stale-if-error answer: %d, same body %v", r.Status, bytes.Equal(r.Body, firstStrict.Body))
	}
}

// TestEdgeWithMinIO: the same MISS/HIT and one-pull behaviour with the original in a real MinIO,
// one store fetch; with MinIO down a new variant's 502 (the origin's answer for a failed store)
// reaches the client and is not cached.
func TestEdgeWithMinIO(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Edge: true, MinIO: true})
	c.PutS3(t, "albums/a b/photo.jpg", clustertest.JPEG(400, 300, 5), "image/jpeg")
	p := variant(t, "s3", "albums/a b/photo.jpg", 240)
	now := time.Now()
	before := pulls(t, c)
	fetches := c.Sum(t, "imgorigin_source_fetches_total", map[string]string{"source": "s3", "result": "ok"})
	for i, want := range []string{"MISS", "HIT", "HIT"} {
		r := c.Get(t, c.EdgeURL+c.EdgeSigned(t, p, now.Add(time.Duration(i+1)*time.Hour)))
		if r.Status != 200 || r.Header.Get("X-Cache") != want {
			t.Fatalf("request %d: %d X-Cache %q, want %s: %s", i, r.Status, r.Header.Get("X-Cache"), want, r.Body)
		}
	}
	expectPulls(t, c, before, 1, "MinIO variant")
	if got := c.Sum(t, "imgorigin_source_fetches_total", map[string]string{"source": "s3", "result": "ok"}) - fetches; got != 1 {
		t.Errorf("s3 fetches = %v, want 1", got)
	}

	c.S3.Stop()
	q := variant(t, "s3", "albums/a b/other.jpg", 240)
	target := c.EdgeSigned(t, q, now.Add(time.Hour))
	for i := 0; i < 2; i++ {
		before := pulls(t, c)
		r := c.Get(t, c.EdgeURL+target)
		if r.Status != http.StatusBadGateway || r.Header.Get("X-Cache") != "MISS" || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("store down #%d: %d X-Cache %q Cache-Control %q, want 502 MISS no-store", i, r.Status, r.Header.Get("X-Cache"), r.Header.Get("Cache-Control"))
		}
		if got := c.SumAtLeast(t, "imgorigin_requests_total", nil, before+1, 5*time.Second) - before; got < 1 {
			t.Errorf("store down #%d: not pulled (a cached 503?)", i)
		}
	}
	// The cached variant is still a HIT.
	if r := c.Get(t, c.EdgeURL+c.EdgeSigned(t, p, now.Add(time.Hour))); r.Status != 200 || r.Header.Get("X-Cache") != "HIT" {
		t.Errorf("cached variant with MinIO down: %d X-Cache %q", r.Status, r.Header.Get("X-Cache"))
	}
}

// TestEdgeDoesNotCache503: an origin that sheds load answers 503 + Retry-After, no-store; the
// edge passes it on and does not keep it. One node (nginx has no other to retry on) with an
// admission controller that runs one render and queues none: concurrent first requests for
// distinct variants of a large original overlap, and those refused get 503. Each refused URL
// is pulled again on its next request.
func TestEdgeDoesNotCache503(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 1, Edge: true, Env: []string{
		"IMGORIGIN_ADMISSION_CAPACITY=1", "IMGORIGIN_ADMISSION_MAX_QUEUE=0", "IMGORIGIN_ADMISSION_MAX_WAIT=0s",
	}})
	c.WriteLocal(t, "big.jpg", clustertest.JPEG(2400, 1800, 4))
	now := time.Now()
	targets := make([]string, 8)
	for i := range targets {
		targets[i] = c.EdgeSigned(t, variant(t, "local", "big.jpg", 800+i), now.Add(time.Hour))
	}
	var (
		wg  sync.WaitGroup
		mu  sync.Mutex
		got = map[string]clustertest.Response{}
	)
	gate := make(chan struct{})
	for _, target := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-gate
			r, err := c.Do(http.MethodGet, c.EdgeURL+target, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			got[target] = r
			mu.Unlock()
		}()
	}
	close(gate)
	wg.Wait()
	refused := 0
	for _, target := range targets {
		r := got[target]
		if r.Status != http.StatusServiceUnavailable {
			continue
		}
		refused++
		if r.Header.Get("X-Cache") != "MISS" || r.Header.Get("Cache-Control") != "no-store" || r.Header.Get("Retry-After") == "" {
			t.Errorf("503: X-Cache %q Cache-Control %q Retry-After %q", r.Header.Get("X-Cache"), r.Header.Get("Cache-Control"), r.Header.Get("Retry-After"))
		}
		before := pulls(t, c)
		again := c.Get(t, c.EdgeURL+target)
		if again.Header.Get("X-Cache") == "HIT" {
			t.Errorf("repeat after a 503: X-Cache HIT (%d), the 503 was cached", again.Status)
		}
		expectPulls(t, c, before, 1, "repeat after a 503")
	}
	if refused == 0 {
		t.Fatalf("no request was shed (answers: %d): the overload was not exercised", len(got))
	}
	t.Logf("%d of %d concurrent first requests shed with 503, none cached", refused, len(targets))
}
