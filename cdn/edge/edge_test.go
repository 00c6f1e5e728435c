package edge

import (
	"crypto/md5"
	"encoding/hex"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/hotlink"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

const (
	testSecretHeader = "X-Origin-Secret"
	testSecret       = "edge-to-origin-secret-0123456789"
	testKey          = "primaryKey123"
	testBackupKey    = "backupKey456"
	testPurgeToken   = "purge-token-0123456789abcdef"
)

// reply is what the backend answers for one path.
type reply struct {
	Status       int
	CacheControl string
	ETag         string
	Body         string
	SurrogateKey string
	CacheTag     string
	Delay        time.Duration
}

// pull is one request the backend received.
type pull struct {
	URI, Host, Secret, IfNoneMatch, RequestID string
	Status                                    int
}

// backend is a real HTTP server on 127.0.0.1 standing in for the front nginx: controllable
// answers, and a record of every pull.
type backend struct {
	addr    string
	srv     *http.Server
	pulls   atomic.Int64
	mu      sync.Mutex
	replies map[string]reply
	log     []pull
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	b := &backend{addr: ln.Addr().String(), replies: map[string]reply{}}
	b.srv = &http.Server{Handler: b, ReadHeaderTimeout: 5 * time.Second}
	go b.srv.Serve(ln)
	t.Cleanup(func() { b.srv.Close() })
	return b
}

func (b *backend) set(path string, r reply) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.replies[path] = r
}

func (b *backend) pullsOf(path string) []pull {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []pull
	for _, p := range b.log {
		if strings.SplitN(p.URI, "?", 2)[0] == path {
			out = append(out, p)
		}
	}
	return out
}

func (b *backend) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.pulls.Add(1)
	b.mu.Lock()
	rp, ok := b.replies[r.URL.Path]
	b.mu.Unlock()
	if !ok {
		rp = reply{Status: 200, CacheControl: "public, max-age=60", ETag: `"v1"`, Body: "body of " + r.URL.Path}
	}
	if rp.Delay > 0 {
		select {
		case <-time.After(rp.Delay):
		case <-r.Context().Done():
		}
	}
	status := rp.Status
	h := w.Header()
	h.Set("Cache-Control", rp.CacheControl)
	if rp.ETag != "" {
		h.Set("ETag", rp.ETag)
	}
	if rp.SurrogateKey != "" {
		h.Set("Surrogate-Key", rp.SurrogateKey)
	}
	if rp.CacheTag != "" {
		h.Set("Cache-Tag", rp.CacheTag)
	}
	h.Set("Content-Type", "image/jpeg")
	if status == 200 && rp.ETag != "" && r.Header.Get("If-None-Match") == rp.ETag {
		status = http.StatusNotModified
	}
	b.mu.Lock()
	b.log = append(b.log, pull{URI: r.RequestURI, Host: r.Host, Secret: r.Header.Get(testSecretHeader), IfNoneMatch: r.Header.Get("If-None-Match"), RequestID: r.Header.Get("X-Request-Id"), Status: status})
	b.mu.Unlock()
	w.WriteHeader(status)
	if status != http.StatusNotModified {
		io.WriteString(w, rp.Body)
	}
}

type edgeUnderTest struct {
	cfg Config
	ng  *nginxtest.Instance
}

func startEdge(t *testing.T, be *backend, edit func(*Config)) *edgeUnderTest {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Listen = fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(t))
	cfg.PurgeListen = fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(t))
	cfg.Upstream = be.addr
	cfg.OriginSecret = OriginSecretConfig{Header: testSecretHeader, Value: testSecret}
	cfg.PurgeToken = testPurgeToken
	if os.Geteuid() == 0 {
		cfg.User = "root" // workers would run as nobody and could not write the prefix
	}
	if edit != nil {
		edit(&cfg)
	}
	conf, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &edgeUnderTest{cfg: cfg, ng: nginxtest.Start(t, conf)}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (r response) cache() string { return r.header.Get("X-Cache") }

func (e *edgeUnderTest) do(t *testing.T, method, target string, h http.Header) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, "http://"+e.cfg.Listen+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range h {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{res.StatusCode, res.Header, string(b)}
}

func (e *edgeUnderTest) get(t *testing.T, target string) response {
	t.Helper()
	return e.do(t, http.MethodGet, target, nil)
}

func (e *edgeUnderTest) purge(t *testing.T, method, tag string, header ...string) response {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), method, "http://"+e.cfg.PurgeListen+"/purge?tag="+tag, nil)
	req.Header.Set("Authorization", "Bearer "+testPurgeToken)
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
			continue
		}
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, string(b)}
}

// poll GETs target until cond holds, at most for limit; it returns the matching response.
func (e *edgeUnderTest) poll(t *testing.T, target string, limit time.Duration, cond func(response) bool) response {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last response
	for time.Now().Before(deadline) {
		last = e.get(t, target)
		if cond(last) {
			return last
		}
		<-tick.C
	}
	t.Fatalf("GET %s: condition not met within %v; last: %d X-Cache=%q body=%q", target, limit, last.status, last.cache(), last.body)
	return last
}

// waitFor polls cond (no requests) until it holds.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", limit, what)
		}
		time.Sleep(20 * time.Millisecond) // polling interval, not synchronisation
	}
}

// signA builds an Aliyun type A auth_key value.
func signA(path string, ts int64, rnd, uid, key string) string {
	sum := md5.Sum([]byte(fmt.Sprintf("%s-%d-%s-%s-%s", path, ts, rnd, uid, key)))
	return fmt.Sprintf("%d-%s-%s-%s", ts, rnd, uid, hex.EncodeToString(sum[:]))
}

func TestMissThenHit(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, nil)
	const p = "/i/thumb/local/photos/cat.jpg"
	r1 := e.get(t, p)
	if r1.status != 200 || r1.cache() != "MISS" || r1.body != "body of "+p {
		t.Fatalf("first GET: %d %q %q", r1.status, r1.cache(), r1.body)
	}
	r2 := e.get(t, p)
	if r2.status != 200 || r2.cache() != "HIT" || r2.body != r1.body {
		t.Fatalf("second GET: %d %q", r2.status, r2.cache())
	}
	if r := e.do(t, http.MethodGet, p, http.Header{"If-None-Match": {`"v1"`}}); r.status != 304 || r.cache() != "HIT" {
		t.Fatalf("conditional GET: %d %q", r.status, r.cache())
	}
	if r := e.do(t, http.MethodHead, p, nil); r.status != 200 || r.cache() != "HIT" {
		t.Fatalf("HEAD: %d %q", r.status, r.cache())
	}
	pulls := be.pullsOf(p)
	if len(pulls) != 1 {
		t.Fatalf("pulls = %d, want 1", len(pulls))
	}
	if pulls[0].Secret != testSecret || pulls[0].Host != "localhost" || pulls[0].URI != p {
		t.Fatalf("pull = %+v", pulls[0])
	}
}

func TestQueryNotInCacheKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		passQuery bool
		wantURI   string
	}{
		{"stripped", false, "/i/thumb/local/q.jpg"},
		{"passed to the origin", true, "/i/thumb/local/q.jpg?token=k1.100.aaaa"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			be := newBackend(t)
			e := startEdge(t, be, func(c *Config) { c.PassQuery = tt.passQuery })
			const p = "/i/thumb/local/q.jpg"
			if r := e.get(t, p+"?token=k1.100.aaaa"); r.cache() != "MISS" {
				t.Fatalf("first: %q", r.cache())
			}
			if r := e.get(t, p+"?token=k1.200.bbbb&x=1"); r.cache() != "HIT" {
				t.Fatalf("other query: %q", r.cache())
			}
			if r := e.get(t, p); r.cache() != "HIT" {
				t.Fatalf("no query: %q", r.cache())
			}
			pulls := be.pullsOf(p)
			if len(pulls) != 1 || pulls[0].URI != tt.wantURI {
				t.Fatalf("pulls = %+v, want one of %s", pulls, tt.wantURI)
			}
		})
	}
}

func TestPathEncodingKept(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, nil)
	// %2F and %20 are distinct objects from / and a space: the raw path is key and pull.
	for _, p := range []string{"/i/thumb/s3/a%2Fb.jpg", "/i/thumb/s3/a/b.jpg", "/i/thumb/s3/sp%20ace.jpg"} {
		if r := e.get(t, p); r.cache() != "MISS" {
			t.Fatalf("%s: %q", p, r.cache())
		}
		if got := be.pullsOf(p); len(got) != 1 {
			t.Fatalf("%s: not pulled", p)
		}
	}
	be.mu.Lock()
	defer be.mu.Unlock()
	if be.log[0].URI != "/i/thumb/s3/a%2Fb.jpg" {
		t.Fatalf("pull URI = %q, want the raw path", be.log[0].URI)
	}
}

func TestEdgeAuth(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, func(c *Config) {
		c.Auth.Type = AuthAliyunA
		c.Auth.Keys = []string{testKey, testBackupKey}
		c.Auth.TTL = 1800 * time.Second
	})
	const p = "/i/w_300,f_webp/s3/a/b.jpg"
	now := time.Now().Unix()
	good := signA(p, now, "477b3bbc253f467b8def6711128c7bec", "0", testKey)
	r := e.get(t, p+"?auth_key="+good)
	if r.status != 200 || r.cache() != "MISS" {
		t.Fatalf("signed GET: %d %q %s", r.status, r.cache(), r.header.Get("X-Edge-Auth"))
	}
	// Another valid token (other time, rand, backup key) is the same object.
	other := signA(p, now-60, "0", "0", testBackupKey)
	if r := e.get(t, p+"?auth_key="+other); r.status != 200 || r.cache() != "HIT" {
		t.Fatalf("second token: %d %q", r.status, r.cache())
	}
	pulls := be.pullsOf(p)
	if len(pulls) != 1 || pulls[0].URI != p || pulls[0].Secret != testSecret {
		t.Fatalf("pulls = %+v; want one, without query, with the origin secret", pulls)
	}

	expired := signA(p, now-1800-5, "0", "0", testKey)
	// Another hex digit in the hash's last place (flipping a bit could leave the hex alphabet,
	// 'f' → 'g', and test "malformed" instead).
	tampered := []byte(good)
	if tampered[len(tampered)-1] == '0' {
		tampered[len(tampered)-1] = '1'
	} else {
		tampered[len(tampered)-1] = '0'
	}
	denied := []struct {
		name, target, reason string
	}{
		{"missing", p, "missing"},
		{"expired", p + "?auth_key=" + expired, "expired"},
		{"tampered hash", p + "?auth_key=" + string(tampered), "bad signature"},
		{"other path", "/i/w_300,f_webp/s3/a/c.jpg?auth_key=" + good, "bad signature"},
		{"unknown key", p + "?auth_key=" + signA(p, now, "0", "0", "someOtherKey"), "bad signature"},
		{"malformed", p + "?auth_key=12-34", "malformed"},
		// A leaked key writing a far-future timestamp (the review's year 33658 was accepted).
		{"year 33658", p + "?auth_key=" + signA(p, 999_999_999_999, "0", "0", testKey), "beyond max lifetime"},
		{"beyond max lifetime", p + "?auth_key=" + signA(p, now+8*24*3600, "0", "0", testKey), "beyond max lifetime"},
		{"hyphen in rand", p + "?auth_key=" + signA(p, now, "a-b", "0", testKey), "malformed"},
		{"repeated param", p + "?auth_key=" + good + "&auth_key=" + good, "malformed"},
		{"encoded prefix", "/%69/w_300,f_webp/s3/a/x.jpg", "missing"},
		{"double slash", "//i/w_300,f_webp/s3/a/x.jpg", "missing"},
	}
	for _, tt := range denied {
		t.Run(tt.name, func(t *testing.T) {
			before := be.pulls.Load()
			r := e.get(t, tt.target)
			if r.status != 403 || r.header.Get("X-Edge-Auth") != tt.reason || r.header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("GET %s: %d X-Edge-Auth=%q Cache-Control=%q", tt.target, r.status, r.header.Get("X-Edge-Auth"), r.header.Get("Cache-Control"))
			}
			if n := be.pulls.Load() - before; n != 0 {
				t.Fatalf("%d pulls for a denied request", n)
			}
		})
	}
	t.Run("cached object still needs a token", func(t *testing.T) {
		if r := e.get(t, p+"?auth_key="+expired); r.status != 403 {
			t.Fatalf("expired token on a cached object: %d", r.status)
		}
	})
	t.Run("outside the prefix", func(t *testing.T) {
		if r := e.get(t, "/uploads/2014/07/cat.jpg"); r.status != 200 {
			t.Fatalf("legacy URL: %d", r.status)
		}
	})
}

func TestStaleIfError(t *testing.T) {
	t.Parallel()
	t.Run("origin down", func(t *testing.T) {
		t.Parallel()
		be := newBackend(t)
		e := startEdge(t, be, nil)
		be.set("/stale.jpg", reply{Status: 200, CacheControl: "public, max-age=1, stale-if-error=60", ETag: `"s"`, Body: "old"})
		be.set("/nostale.jpg", reply{Status: 200, CacheControl: "public, max-age=1", Body: "gone"})
		for _, p := range []string{"/stale.jpg", "/nostale.jpg"} {
			if r := e.get(t, p); r.cache() != "MISS" {
				t.Fatalf("%s: %q", p, r.cache())
			}
		}
		be.srv.Close()
		r := e.poll(t, "/stale.jpg", 10*time.Second, func(r response) bool { return r.cache() != "HIT" })
		if r.status != 200 || r.cache() != "STALE" || r.body != "old" {
			t.Fatalf("origin down within stale-if-error: %d %q %q", r.status, r.cache(), r.body)
		}
		// Without a stale-if-error window the error reaches the client.
		r = e.poll(t, "/nostale.jpg", 10*time.Second, func(r response) bool { return r.cache() != "HIT" })
		if r.status != 502 {
			t.Fatalf("origin down, no stale-if-error: %d %q", r.status, r.cache())
		}
	})
	// nginx bounds stale-if-error only for connection errors; 5xx answers are served stale by
	// the use_stale conditions (default: the 5xx statuses).
	for _, tt := range []struct {
		name     string
		useStale []string
		want     int
		cache    string
	}{
		{"origin 503, default use_stale", DefaultConfig().UseStale, 200, "STALE"},
		{"origin 503, use_stale off", nil, 503, "EXPIRED"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			be := newBackend(t)
			e := startEdge(t, be, func(c *Config) { c.UseStale = tt.useStale })
			be.set("/s.jpg", reply{Status: 200, CacheControl: "public, max-age=1, stale-if-error=60", Body: "old"})
			e.get(t, "/s.jpg")
			be.set("/s.jpg", reply{Status: 503, CacheControl: "no-store", Body: "overloaded"})
			r := e.poll(t, "/s.jpg", 10*time.Second, func(r response) bool { return r.cache() != "HIT" })
			if r.status != tt.want || r.cache() != tt.cache {
				t.Fatalf("origin 503 after expiry: %d %q %q, want %d %s", r.status, r.cache(), r.body, tt.want, tt.cache)
			}
		})
	}
}

func TestStaleWhileRevalidate(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, nil)
	const p = "/swr.jpg"
	be.set(p, reply{Status: 200, CacheControl: "public, max-age=1, stale-while-revalidate=60", ETag: `"a"`, Body: "v1"})
	e.get(t, p)
	be.set(p, reply{Status: 200, CacheControl: "public, max-age=60, stale-while-revalidate=60", ETag: `"b"`, Body: "v2"})
	r := e.poll(t, p, 10*time.Second, func(r response) bool { return r.cache() != "HIT" })
	if r.cache() != "STALE" || r.body != "v1" {
		t.Fatalf("expired within stale-while-revalidate: %q %q, want STALE v1", r.cache(), r.body)
	}
	waitFor(t, 10*time.Second, "the background update", func() bool { return len(be.pullsOf(p)) == 2 })
	r = e.poll(t, p, 5*time.Second, func(r response) bool { return r.body == "v2" })
	if r.cache() != "HIT" {
		t.Fatalf("after background update: %q", r.cache())
	}
	if n := len(be.pullsOf(p)); n != 2 {
		t.Fatalf("pulls = %d, want 2", n)
	}
}

func TestRevalidateWithETag(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, nil)
	const p = "/reval.jpg"
	be.set(p, reply{Status: 200, CacheControl: "public, max-age=1", ETag: `"e1"`, Body: "same"})
	e.get(t, p)
	r := e.poll(t, p, 10*time.Second, func(r response) bool { return r.cache() != "HIT" })
	if r.status != 200 || r.cache() != "REVALIDATED" || r.body != "same" {
		t.Fatalf("after expiry: %d %q %q", r.status, r.cache(), r.body)
	}
	pulls := be.pullsOf(p)
	if len(pulls) != 2 || pulls[1].IfNoneMatch != `"e1"` || pulls[1].Status != 304 {
		t.Fatalf("pulls = %+v; want a conditional second pull answered 304", pulls)
	}
}

func TestErrorCaching(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, nil)
	t.Run("404 cached for max-age only", func(t *testing.T) {
		const p = "/i/thumb/local/missing.jpg"
		be.set(p, reply{Status: 404, CacheControl: "public, max-age=2", Body: "not found"})
		start := time.Now()
		if r := e.get(t, p); r.status != 404 || r.cache() != "MISS" {
			t.Fatalf("first: %d %q", r.status, r.cache())
		}
		if r := e.get(t, p); r.status != 404 || r.cache() != "HIT" {
			t.Fatalf("second: %d %q", r.status, r.cache())
		}
		r := e.poll(t, p, 10*time.Second, func(r response) bool { return r.cache() != "HIT" })
		held := time.Since(start)
		if r.cache() != "EXPIRED" || held < time.Second || held > 4*time.Second {
			t.Fatalf("404 held %v (X-Cache %q); want about its max-age of 2s", held, r.cache())
		}
		if n := len(be.pullsOf(p)); n != 2 {
			t.Fatalf("pulls = %d, want 2", n)
		}
	})
	notCached := []struct {
		name string
		r    reply
	}{
		{"403 private no-store", reply{Status: 403, CacheControl: "private, no-store", Body: "forbidden"}},
		{"503 no-store", reply{Status: 503, CacheControl: "no-store", Body: "overloaded"}},
		{"400 no-store", reply{Status: 400, CacheControl: "no-store", Body: "bad variant"}},
		{"200 without cache-control", reply{Status: 200, Body: "?"}},
	}
	for i, tt := range notCached {
		t.Run(tt.name, func(t *testing.T) {
			p := fmt.Sprintf("/i/thumb/local/err%d.jpg", i)
			be.set(p, tt.r)
			for range 3 {
				if r := e.get(t, p); r.status != tt.r.Status || r.cache() != "MISS" {
					t.Fatalf("GET: %d %q", r.status, r.cache())
				}
			}
			if n := len(be.pullsOf(p)); n != 3 {
				t.Fatalf("pulls = %d, want 3 (never cached)", n)
			}
		})
	}
}

func TestConcurrentMissesCollapse(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, nil)
	const p = "/i/w_800,f_avif/s3/big.jpg"
	be.set(p, reply{Status: 200, CacheControl: "public, max-age=60", ETag: `"x"`, Body: "resized once", Delay: 300 * time.Millisecond})
	const n = 50
	var wg sync.WaitGroup
	statuses := make([]string, n)
	for i := range n {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+e.cfg.Listen+p+fmt.Sprintf("?token=t%d", i), nil)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				statuses[i] = err.Error()
				return
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			statuses[i] = fmt.Sprintf("%d %s", res.StatusCode, b)
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != "200 resized once" {
			t.Fatalf("request %d: %q", i, s)
		}
	}
	if got := len(be.pullsOf(p)); got != 1 {
		t.Fatalf("pulls = %d, want exactly 1 for %d concurrent misses", got, n)
	}
}

func TestPurgeByTag(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, nil)
	cat := []string{"/i/thumb/local/photos/cat.jpg", "/i/w_300,f_webp/local/photos/cat.jpg"}
	const dog = "/i/thumb/local/photos/dog.jpg"
	const tagged = "/i/thumb/s3/x.jpg"
	for _, p := range cat {
		be.set(p, reply{Status: 200, CacheControl: "public, max-age=600", Body: p, SurrogateKey: "local/photos/cat.jpg", CacheTag: "local/photos/cat.jpg"})
	}
	be.set(dog, reply{Status: 200, CacheControl: "public, max-age=600", Body: dog, SurrogateKey: "local/photos/dog.jpg"})
	be.set(tagged, reply{Status: 200, CacheControl: "public, max-age=600", Body: tagged, CacheTag: "s3/x.jpg,campaign-7"})
	all := append(append([]string{}, cat...), dog, tagged)
	for _, p := range all {
		e.get(t, p)
		if r := e.get(t, p); r.cache() != "HIT" {
			t.Fatalf("%s not cached: %q", p, r.cache())
		}
	}
	if r := e.purge(t, http.MethodPost, "local/photos/cat.jpg"); r.status != 200 || strings.TrimSpace(r.body) != "purged 2" {
		t.Fatalf("purge: %d %q", r.status, r.body)
	}
	for _, p := range cat {
		if r := e.get(t, p); r.cache() != "MISS" || r.body != p {
			t.Fatalf("%s after purge: %q", p, r.cache())
		}
	}
	if r := e.get(t, dog); r.cache() != "HIT" {
		t.Fatalf("untagged object purged: %q", r.cache())
	}
	// Cache-Tag is a comma list; each tag purges.
	if r := e.purge(t, "PURGE", "campaign-7"); strings.TrimSpace(r.body) != "purged 1" {
		t.Fatalf("purge campaign-7: %q", r.body)
	}
	if r := e.get(t, tagged); r.cache() != "MISS" {
		t.Fatalf("%s after purge: %q", tagged, r.cache())
	}
	// Refilled objects are tagged again.
	if r := e.purge(t, http.MethodPost, "local/photos/cat.jpg"); strings.TrimSpace(r.body) != "purged 2" {
		t.Fatalf("second purge: %q", r.body)
	}
	if r := e.purge(t, http.MethodPost, "nothing/here.jpg"); strings.TrimSpace(r.body) != "purged 0" {
		t.Fatalf("unknown tag: %q", r.body)
	}
	if r := e.purge(t, http.MethodGet, "local/photos/cat.jpg"); r.status != 405 {
		t.Fatalf("GET /purge: %d", r.status)
	}
	// Issue 14: the purge API needs its bearer token and refuses browsers' cross-site POSTs
	// (before, any page could purge through a form POST, any local process without a token).
	e.get(t, dog)
	for _, tt := range []struct {
		name   string
		header []string
		status int
	}{
		{"no token", []string{"Authorization", ""}, 401},
		{"wrong token", []string{"Authorization", "Bearer purge-token-0123456789abcdeX"}, 401},
		{"basic", []string{"Authorization", "Basic " + testPurgeToken}, 401},
		{"cross-site form POST", []string{"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"}, 403},
		{"Origin header", []string{"Origin", "null"}, 403},
		{"same-site fetch", []string{"Sec-Fetch-Site", "same-site"}, 403},
	} {
		if r := e.purge(t, http.MethodPost, "local/photos/dog.jpg", tt.header...); r.status != tt.status {
			t.Errorf("%s: purge answered %d, want %d", tt.name, r.status, tt.status)
		}
	}
	if r := e.get(t, dog); r.cache() != "HIT" {
		t.Fatalf("a refused purge purged: %q", r.cache())
	}
	if want := 2*len(cat) + 3; int(be.pulls.Load()) != want {
		t.Fatalf("pulls = %d, want %d", be.pulls.Load(), want)
	}
}

// TestCacheKeyIgnoresClientHost: the cache key's host is the configured one, so a client's Host
// header neither splits the cache nor lands its own entries (before issue 14 the key was $host).
func TestCacheKeyIgnoresClientHost(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, func(c *Config) { c.Host = "img.example.com" })
	const p = "/i/thumb/local/host.jpg"
	if r := e.get(t, p); r.cache() != "MISS" {
		t.Fatalf("first: %q", r.cache())
	}
	for _, host := range []string{"evil.example", "img.example.com", "127.0.0.1"} {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://"+e.cfg.Listen+p, nil)
		req.Host = host
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.Header.Get("X-Cache"); got != "HIT" {
			t.Errorf("Host %s: X-Cache %q, want HIT (one object per path)", host, got)
		}
	}
	if pulls := be.pullsOf(p); len(pulls) != 1 || pulls[0].Host != "img.example.com" {
		t.Fatalf("pulls %+v, want one with Host img.example.com", pulls)
	}
}

// TestOriginSecretOnlyOnImagePulls: the origin secret rides only on pulls under the auth prefix
// (/i/); legacy paths go to the front (and on to the legacy site) without it, and the client's
// X-Request-Id is not passed on. Tokens stay out of the edge's access log.
func TestOriginSecretOnlyOnImagePulls(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, func(c *Config) {
		c.Auth.Type, c.Auth.Keys = AuthAliyunA, []string{testKey}
	})
	const img, legacy = "/i/thumb/local/s.jpg", "/attachment/forum/201906/18/old.jpg"
	tok := signA(img, time.Now().Unix(), "0", "0", testKey)
	if r := e.do(t, http.MethodGet, img+"?auth_key="+tok, http.Header{"X-Request-Id": {"client-chosen"}}); r.status != 200 {
		t.Fatalf("image: %d", r.status)
	}
	if r := e.get(t, legacy+"?token=k1.999.secretish"); r.status != 200 {
		t.Fatalf("legacy: %d", r.status)
	}
	if p := be.pullsOf(img); len(p) != 1 || p[0].Secret != testSecret {
		t.Fatalf("image pull %+v: want the origin secret", p)
	}
	if p := be.pullsOf(legacy); len(p) != 1 || p[0].Secret != "" {
		t.Fatalf("legacy pull %+v: the origin secret went to a legacy path", p)
	}
	// /info/ (the origin's info endpoint) is authenticated exactly as /i/.
	const info = "/info/local/s.jpg"
	if r := e.get(t, info); r.status != http.StatusForbidden || r.header.Get("X-Edge-Auth") != "missing" {
		t.Fatalf("info without auth_key: %d %q, want 403 missing", r.status, r.header.Get("X-Edge-Auth"))
	}
	if r := e.get(t, info+"?auth_key="+signA(img, time.Now().Unix(), "0", "0", testKey)); r.status != http.StatusForbidden {
		t.Fatalf("info with the image's auth_key: %d, want 403", r.status)
	}
	if r := e.get(t, info+"?auth_key="+signA(info, time.Now().Unix(), "0", "0", testKey)); r.status != 200 {
		t.Fatalf("info: %d", r.status)
	}
	if p := be.pullsOf(info); len(p) != 1 || p[0].Secret != testSecret {
		t.Fatalf("info pull %+v: want the origin secret", p)
	}
	be.mu.Lock()
	for _, p := range be.log {
		if p.RequestID == "client-chosen" {
			t.Errorf("the client's X-Request-Id reached the upstream")
		}
	}
	be.mu.Unlock()
	logPath := filepath.Join(e.ng.Prefix(), e.cfg.AccessLog)
	waitFor(t, 5*time.Second, "five access log lines", func() bool {
		b, _ := os.ReadFile(logPath)
		return strings.Count(string(b), "\n") >= 5
	})
	b, _ := os.ReadFile(logPath)
	for _, secret := range []string{tok, "auth_key=", "token=", "secretish"} {
		if strings.Contains(string(b), secret) {
			t.Errorf("the edge's access log holds %q:\n%s", secret, b)
		}
	}
}

func TestRenderGolden(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Upstream = "127.0.0.1:8080"
	cfg.Auth.Type = AuthAliyunA
	cfg.Auth.Keys = []string{"primaryKey123", "backupKey456"}
	cfg.OriginSecret.Value = "change-me-0123456789abcdef"
	cfg.PurgeToken = "change-me-purge-0123456789"
	got, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "edge.conf.golden")
	if *update {
		os.MkdirAll("testdata", 0o755)
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test -update to create)", err)
	}
	if got != string(want) {
		t.Fatalf("rendered config differs from %s (go test -update to accept):\n%s", golden, got)
	}
	if out, err := nginxtest.Check(t, got); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

func TestValidate(t *testing.T) {
	base := func() Config {
		c := DefaultConfig()
		c.Upstream = "127.0.0.1:8080"
		c.PurgeToken = testPurgeToken
		return c
	}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"ok", func(*Config) {}, ""},
		{"no upstream", func(c *Config) { c.Upstream = "" }, "upstream:"},
		{"same ports", func(c *Config) { c.PurgeListen = c.Listen }, "purge_listen:"},
		{"auth without keys", func(c *Config) { c.Auth.Type = AuthAliyunA }, "auth.keys:"},
		{"auth with pass_query", func(c *Config) {
			c.Auth.Type, c.Auth.Keys, c.OriginSecret.Value, c.PassQuery = AuthAliyunA, []string{"abcdefg"}, "0123456789abcdef", true
		}, "pass_query:"},
		{"auth without secret", func(c *Config) { c.Auth.Type, c.Auth.Keys = AuthAliyunA, []string{"abcdefg"} }, "origin_secret:"},
		{"key injection", func(c *Config) {
			c.Auth.Type, c.Auth.Keys, c.OriginSecret.Value = AuthAliyunA, []string{`abc"; os.exit() --`}, "0123456789abcdef"
		}, "auth.keys:"},
		{"secret injection", func(c *Config) { c.OriginSecret.Value = `x"; more_set_headers` }, "origin_secret.value:"},
		{"unknown auth", func(c *Config) { c.Auth.Type = "tencent-b" }, "auth.type:"},
		{"use_stale", func(c *Config) { c.UseStale = []string{"always"} }, "use_stale:"},
		{"lock_timeout", func(c *Config) { c.LockTimeout = 0 }, "lock_timeout:"},
		{"cache_dir", func(c *Config) { c.CacheDir = "cache;" }, "cache_dir:"},
		{"lua path", func(c *Config) { c.LuaPackagePath = "/opt/lua/?.lua;;" }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := base()
			tt.edit(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
}

// BenchmarkEdgeHit measures a cache hit through the real edge (one client connection).
func BenchmarkEdgeHit(b *testing.B) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	body := strings.Repeat("x", 20<<10)
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=600")
		io.WriteString(w, body)
	})}
	go srv.Serve(ln)
	b.Cleanup(func() { srv.Close() })
	cfg := DefaultConfig()
	cfg.Listen = fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(b))
	cfg.PurgeListen = fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(b))
	cfg.Upstream = ln.Addr().String()
	cfg.PurgeToken = testPurgeToken
	cfg.AccessLog = "off"
	if os.Geteuid() == 0 {
		cfg.User = "root"
	}
	conf, err := Render(cfg)
	if err != nil {
		b.Fatal(err)
	}
	nginxtest.Start(b, conf)
	url := "http://" + cfg.Listen + "/i/thumb/local/bench.jpg?token=x"
	get := func() {
		res, err := http.Get(url)
		if err != nil {
			b.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	get()
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		get()
	}
}

// Tencent Cloud CDN type A is Aliyun's algorithm with a configurable parameter name.
func TestTencentTypeAParam(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, func(c *Config) {
		c.Auth.Type, c.Auth.Keys, c.Auth.Param = AuthAliyunA, []string{testKey}, "sign"
	})
	const p = "/i/thumb/local/t.jpg"
	tok := signA(p, time.Now().Unix(), "im1acp76sx9sdqe601v", "0", testKey)
	if r := e.get(t, p+"?sign="+tok); r.status != 200 {
		t.Fatalf("sign=: %d %s", r.status, r.header.Get("X-Edge-Auth"))
	}
	if r := e.get(t, p+"?auth_key="+tok); r.status != 403 || r.header.Get("X-Edge-Auth") != "missing" {
		t.Fatalf("auth_key= with param sign: %d %q", r.status, r.header.Get("X-Edge-Auth"))
	}
	if n := len(be.pullsOf(p)); n != 1 {
		t.Fatalf("pulls = %d, want 1", n)
	}
}

// TestUploadsPassThrough: the write path reaches the origin every time, query included,
// never cached, without the origin secret (uploads carry their own policy), and only with the
// write methods.
func TestUploadsPassThrough(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, func(c *Config) {
		c.Auth.Type = AuthAliyunA
		c.Auth.Keys = []string{testKey}
		c.OriginSecret.Value = testSecret
	})
	const p = "/u/s3/users/7/a.jpg"
	be.set(p, reply{Status: 201, CacheControl: "public, max-age=600", Body: "{}"})
	for i := range 2 {
		if r := e.do(t, http.MethodPut, p+"?policy=k1.x.y", nil); r.status != 201 || r.cache() != "" {
			t.Fatalf("PUT %d: status %d, X-Cache %q", i, r.status, r.cache())
		}
	}
	pulls := be.pullsOf(p)
	if len(pulls) != 2 || pulls[0].URI != p+"?policy=k1.x.y" || pulls[0].Secret != "" {
		t.Fatalf("pulls %+v: want two, query kept, no origin secret", pulls)
	}
	if r := e.do(t, http.MethodGet, p, nil); r.status != 403 {
		t.Fatalf("GET /u/: status %d", r.status)
	}
}

// TestEdgeHotlink: hotlink.referers at the edge refuses other sites' Referers on every
// request, cached objects included, before any pull and before the token is looked at.
func TestEdgeHotlink(t *testing.T) {
	t.Parallel()
	be := newBackend(t)
	e := startEdge(t, be, func(c *Config) {
		c.Hotlink = hotlink.Config{Referers: []string{"shop.example", "*.shop.example"}}
	})
	const p = "/i/w_300,f_webp/s3/a/hot.jpg"
	ref := func(r string) http.Header {
		if r == "" {
			return nil
		}
		return http.Header{"Referer": {r}}
	}
	if r := e.do(t, "GET", p, ref("https://shop.example/item/1")); r.status != 200 || r.cache() != "MISS" {
		t.Fatalf("allowed Referer: %d %q", r.status, r.cache())
	}
	if r := e.do(t, "GET", p, ref("https://m.shop.example/")); r.status != 200 || r.cache() != "HIT" {
		t.Fatalf("allowed subdomain: %d %q", r.status, r.cache())
	}
	for _, bad := range []string{"https://evil.example/", "https://shop.example.evil.example/", "shop.example", ""} {
		t.Run("refused "+bad, func(t *testing.T) {
			before := be.pulls.Load()
			r := e.do(t, "GET", p, ref(bad))
			if r.status != 403 || r.header.Get("X-Edge-Auth") != "referer" || r.header.Get("Cache-Control") != "private, no-store" {
				t.Fatalf("cached object, Referer %q: %d X-Edge-Auth=%q Cache-Control=%q", bad, r.status, r.header.Get("X-Edge-Auth"), r.header.Get("Cache-Control"))
			}
			if n := be.pulls.Load() - before; n != 0 {
				t.Fatalf("%d pulls for a refused request", n)
			}
		})
	}
	if n := len(be.pullsOf(p)); n != 1 {
		t.Fatalf("%d pulls, want 1", n)
	}
}
