package varnish_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/varnish"
	"github.com/imgorigin/imgorigin/cdn/varnish/varnishtest"
)

// answer is what the fake front gives for one path: the origin's status and Cache-Control, or
// the front's own 502 when no node is up (no Cache-Control at all, as nginx before issue 20),
// or a closed connection.
type answer struct {
	status int
	cc     string
	body   string
	down   bool   // close the connection without an answer (front unreachable)
	tag    string // Surrogate-Key
}

// front stands in for the front nginx: per-path answers and a log of every pull. A pull whose
// token is "forged" is answered as the origin answers a bad token: 403, private, no-store.
type front struct {
	addr string
	mu   sync.Mutex
	ans  map[string]answer
	log  []string      // "path?query" per pull
	hdrs []http.Header // the headers of each pull, Host included
}

func startFront(t *testing.T) *front {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &front{addr: l.Addr().String(), ans: map[string]answer{}}
	srv := &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return f
}

func (f *front) set(path string, a answer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ans[path] = a
}

// pulls returns how many pulls path got.
func (f *front) pulls(path string) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, p := range f.log {
		if strings.SplitN(p, "?", 2)[0] == path {
			n++
		}
	}
	return n
}

func (f *front) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	a := f.ans[r.URL.Path]
	f.log = append(f.log, r.URL.RequestURI())
	h := r.Header.Clone()
	h.Set("Host", r.Host)
	f.hdrs = append(f.hdrs, h)
	f.mu.Unlock()
	switch {
	case a.down:
		hj, ok := w.(http.Hijacker)
		if !ok {
			panic("no hijacker")
		}
		c, _, err := hj.Hijack()
		if err == nil {
			_ = c.Close()
		}
		return
	case r.URL.Query().Get("token") == "forged":
		w.Header().Set("Cache-Control", "private, no-store")
		w.WriteHeader(http.StatusForbidden)
		_, _ = io.WriteString(w, "403 bad token\n")
		return
	}
	if a.cc != "" {
		w.Header().Set("Cache-Control", a.cc)
	}
	if a.tag != "" {
		w.Header().Set("Surrogate-Key", a.tag)
	}
	w.Header().Set("Content-Type", "image/webp")
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body)
}

type reply struct {
	status int
	cache  string
	body   string
	cc     string
}

func get(t *testing.T, v *varnishtest.Instance, target string) reply {
	t.Helper()
	res, err := http.Get(v.URL(target))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return reply{res.StatusCode, res.Header.Get("X-Cache"), string(b), res.Header.Get("Cache-Control")}
}

func start(t *testing.T, f *front) *varnishtest.Instance {
	t.Helper()
	return varnishtest.Start(t, varnishtest.Options{
		Backend: varnish.Backend{Addr: f.addr, ConnectTimeout: time.Second, FirstByteTimeout: 5 * time.Second},
	})
}

// waitUntil returns at deadline: the tests below wait for an object's TTL or stale window to
// run out, which only the clock decides.
func waitUntil(deadline time.Time) { time.Sleep(time.Until(deadline)) }

// expect fails unless r has the status, X-Cache and body.
func expect(t *testing.T, what string, r reply, status int, cache, body string) {
	t.Helper()
	if r.status != status || r.cache != cache || (body != "" && r.body != body) {
		t.Fatalf("%s: %d X-Cache %q body %q, want %d %s %q", what, r.status, r.cache, r.body, status, cache, body)
	}
}

// TestKeyWithoutQuery: the cache key is Host + path; tokens differ, one pull, and the pull
// carries the client's query (the origin verifies the token).
func TestKeyWithoutQuery(t *testing.T) {
	t.Parallel()
	f := startFront(t)
	v := start(t, f)
	const p = "/i/thumb/local/a.jpg"
	f.set(p, answer{status: 200, cc: "public, max-age=600, s-maxage=600", body: "a"})
	expect(t, "first", get(t, v, p+"?token=t1"), 200, "MISS", "a")
	expect(t, "other token", get(t, v, p+"?token=t2"), 200, "HIT", "a")
	expect(t, "no query", get(t, v, p), 200, "HIT", "a")
	if n := f.pulls(p); n != 1 {
		t.Fatalf("%d pulls, want 1", n)
	}
	f.mu.Lock()
	pulled := f.log[len(f.log)-1]
	f.mu.Unlock()
	if pulled != p+"?token=t1" {
		t.Errorf("pull %q, want the client's query forwarded", pulled)
	}
	cookie, _ := http.NewRequest(http.MethodGet, v.URL(p), nil)
	cookie.Header.Set("Cookie", "session=1")
	res, err := http.DefaultClient.Do(cookie)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.Header.Get("X-Cache") != "HIT" {
		t.Errorf("request with a cookie: X-Cache %q, want HIT (the origin reads no cookies)", res.Header.Get("X-Cache"))
	}
}

// TestStaleWhileRevalidate: past the TTL, inside stale-while-revalidate, the stale object is
// served at once and one background pull refreshes it.
func TestStaleWhileRevalidate(t *testing.T) {
	t.Parallel()
	f := startFront(t)
	v := start(t, f)
	const p = "/i/swr.jpg"
	f.set(p, answer{status: 200, cc: "public, s-maxage=1, stale-while-revalidate=30", body: "v1"})
	t0 := time.Now()
	expect(t, "first", get(t, v, p), 200, "MISS", "v1")
	f.set(p, answer{status: 200, cc: "public, s-maxage=60, stale-while-revalidate=30", body: "v2"})
	waitUntil(t0.Add(1500 * time.Millisecond))
	expect(t, "stale", get(t, v, p), 200, "STALE", "v1")
	poll(t, v, p, func(r reply) bool { return r.body == "v2" && r.cache == "HIT" })
	if n := f.pulls(p); n != 2 {
		t.Errorf("%d pulls, want 2 (one background refresh)", n)
	}
}

// TestSynchronousPastStaleWhileRevalidate: past stale-while-revalidate but inside
// stale-if-error, a healthy front is asked first and its fresh answer served (no stale copy);
// when that fetch fails — a 5xx answer or no answer at all — the stale copy is served.
func TestSynchronousPastStaleWhileRevalidate(t *testing.T) {
	t.Parallel()
	f := startFront(t)
	v := start(t, f)
	const p = "/i/sie.jpg"
	f.set(p, answer{status: 200, cc: "public, s-maxage=1, stale-while-revalidate=1, stale-if-error=60", body: "v1"})
	t0 := time.Now()
	expect(t, "first", get(t, v, p), 200, "MISS", "v1")
	f.set(p, answer{status: 502, body: "502 from the front"})
	waitUntil(t0.Add(2500 * time.Millisecond))
	expect(t, "front 502", get(t, v, p), 200, "STALE", "v1")
	f.set(p, answer{down: true})
	expect(t, "front unreachable", get(t, v, p), 200, "STALE", "v1")
	f.set(p, answer{status: 503, cc: "no-store", body: "busy"})
	expect(t, "origin 503", get(t, v, p), 200, "STALE", "v1")
	f.set(p, answer{status: 200, cc: "public, s-maxage=60, stale-while-revalidate=1, stale-if-error=60", body: "v2"})
	expect(t, "healthy again: fetched now", get(t, v, p), 200, "MISS", "v2")
	expect(t, "then cached", get(t, v, p), 200, "HIT", "v2")
	if n := f.pulls(p); n != 5 {
		t.Errorf("%d pulls, want 5: one per request past stale-while-revalidate, no background fetch after a fallback", n)
	}
}

// TestStaleIfErrorThenError: with the front failing, the stale copy is served for the
// stale-if-error window, then the front's error passes through, never cached.
func TestStaleIfErrorThenError(t *testing.T) {
	t.Parallel()
	f := startFront(t)
	v := start(t, f)
	const p = "/i/window.jpg"
	f.set(p, answer{status: 200, cc: "public, s-maxage=1, stale-while-revalidate=1, stale-if-error=3", body: "v1"})
	t0 := time.Now()
	expect(t, "first", get(t, v, p), 200, "MISS", "v1")
	f.set(p, answer{status: 502, body: "no node"})
	waitUntil(t0.Add(1200 * time.Millisecond))
	expect(t, "inside stale-while-revalidate", get(t, v, p), 200, "STALE", "v1")
	expect(t, "background refresh failed, stale copy kept", get(t, v, p), 200, "STALE", "v1")
	waitUntil(t0.Add(2500 * time.Millisecond))
	expect(t, "inside stale-if-error", get(t, v, p), 200, "STALE", "v1")
	r := poll(t, v, p, func(r reply) bool { return r.status != 200 })
	if since := time.Since(t0); since < 3500*time.Millisecond {
		t.Errorf("stale copy gone after %v, want s-maxage + stale-if-error = 4 s", since)
	}
	if r.status != 502 || r.body != "no node" || r.cc != "" {
		t.Errorf("after the window: %d %q Cache-Control %q, want the front's 502", r.status, r.body, r.cc)
	}
	before := f.pulls(p)
	get(t, v, p)
	if f.pulls(p) != before+1 {
		t.Errorf("the 502 was served from cache")
	}
}

// TestForgedTokenKeepsStaleCopy: inside stale-while-revalidate, a request with a forged token
// is served the stale copy and starts a background fetch that gets 403; the copy stays, and
// the next valid request refreshes it.
func TestForgedTokenKeepsStaleCopy(t *testing.T) {
	t.Parallel()
	f := startFront(t)
	v := start(t, f)
	const p = "/i/forged.jpg"
	f.set(p, answer{status: 200, cc: "public, s-maxage=1, stale-while-revalidate=60, stale-if-error=60", body: "v1"})
	t0 := time.Now()
	expect(t, "first", get(t, v, p+"?token=good"), 200, "MISS", "v1")
	waitUntil(t0.Add(1200 * time.Millisecond))
	for i := 0; i < 3; i++ {
		expect(t, fmt.Sprintf("forged #%d", i), get(t, v, p+"?token=forged"), 200, "STALE", "v1")
	}
	f.set(p, answer{status: 200, cc: "public, s-maxage=60", body: "v2"})
	expect(t, "valid token", get(t, v, p+"?token=good"), 200, "STALE", "v1")
	poll(t, v, p+"?token=good", func(r reply) bool { return r.body == "v2" && r.cache == "HIT" })
}

// TestNegativeAnswerWindows: a 404 with zero stale windows is served for its max-age only
// (Varnish's default grace would add 10 s); answers that say no-store or private are never
// kept, and the front's own error (no Cache-Control) neither.
func TestNegativeAnswerWindows(t *testing.T) {
	t.Parallel()
	f := startFront(t)
	v := start(t, f)
	const p = "/i/missing.jpg"
	f.set(p, answer{status: 404, cc: "public, max-age=1, stale-while-revalidate=0, stale-if-error=0", body: "gone"})
	t0 := time.Now()
	expect(t, "first", get(t, v, p), 404, "MISS", "gone")
	expect(t, "cached", get(t, v, p), 404, "HIT", "gone")
	f.set(p, answer{status: 200, cc: "public, s-maxage=60", body: "now here"})
	r := poll(t, v, p, func(r reply) bool { return r.status == 200 })
	if since := time.Since(t0); since > 2500*time.Millisecond || r.cache != "MISS" {
		t.Errorf("404 replaced after %v (X-Cache %q), want about max-age=1 s and a synchronous fetch", since, r.cache)
	}
	for _, tt := range []struct {
		name string
		a    answer
	}{
		{"403", answer{status: 403, cc: "private, no-store", body: "bad token"}},
		{"400", answer{status: 400, cc: "no-store", body: "bad input"}},
		{"503", answer{status: 503, cc: "no-store", body: "busy"}},
		{"front-502", answer{status: 502, body: "no node"}},
	} {
		q := "/i/never/" + tt.name
		f.set(q, tt.a)
		for i := 0; i < 2; i++ {
			if r := get(t, v, q); r.status != tt.a.status || r.cache == "HIT" {
				t.Errorf("%s #%d: %d X-Cache %q", tt.name, i, r.status, r.cache)
			}
		}
		if n := f.pulls(q); n != 2 {
			t.Errorf("%s: %d pulls, want 2 (never cached)", tt.name, n)
		}
	}
}

// poll GETs target until cond holds, for at most 10 s.
func poll(t *testing.T, v *varnishtest.Instance, target string, cond func(reply) bool) reply {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		r := get(t, v, target)
		if cond(r) {
			return r
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: condition not met within 10 s; last %d X-Cache %q body %q", target, r.status, r.cache, r.body)
		}
		<-tick.C
	}
}

// do sends a request to addr (a varnishd listen socket) and returns the status and X-Cache.
func do(t *testing.T, method, addr, target string, hdr http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, "http://"+addr+target, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	if h := hdr.Get("Host"); h != "" {
		req.Host = h
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode >= 500 {
		t.Logf("%s %s: %s %.300s", method, target, res.Status, b)
	}
	return res.StatusCode, res.Header.Get("X-Cache")
}

// TestHardening (issue 14 item 8, as the nginx edge stand-in has it): the cache key and the
// pulls' Host are the site's whatever Host the client sends; a client's X-Origin-Secret and
// X-Request-Id never reach the front; the purge API (its own listen socket) needs the bearer
// token and refuses requests a browser page made; varnishncsa with NCSAFormat logs the path,
// never the token.
func TestHardening(t *testing.T) {
	f := startFront(t)
	const token = "purge-token-0123456789abcdef"
	v := varnishtest.Start(t, varnishtest.Options{
		Backend: varnish.Backend{Addr: f.addr, ConnectTimeout: time.Second, FirstByteTimeout: 5 * time.Second},
		Site:    varnish.Site{Host: "img.example.com", PurgeToken: token},
	})
	const p, tag = "/i/thumb/local/a.jpg", "local/a.jpg"
	f.set(p, answer{status: 200, cc: "public, max-age=600, s-maxage=600", body: "a", tag: tag})
	f.set("/purge", answer{status: http.StatusNotFound, cc: "no-store"})

	h := http.Header{"Host": {"evil.example"}, "X-Origin-Secret": {"guess"}, "X-Request-Id": {"client-chosen"}}
	if st, xc := do(t, http.MethodGet, v.Addr, p+"?token=SECRETTOKEN", h); st != 200 || xc != "MISS" {
		t.Fatalf("first: %d %s", st, xc)
	}
	if st, xc := do(t, http.MethodGet, v.Addr, p, http.Header{"Host": {"other.example"}}); st != 200 || xc != "HIT" {
		t.Fatalf("another Host: %d %s, want a HIT of the same object", st, xc)
	}
	f.mu.Lock()
	pulled := f.hdrs[0]
	f.mu.Unlock()
	if pulled.Get("Host") != "img.example.com" || pulled.Get("X-Origin-Secret") != "" || pulled.Get("X-Request-Id") == "client-chosen" {
		t.Errorf("pull headers: Host %q, X-Origin-Secret %q, X-Request-Id %q: want the site's host, no client secret or id",
			pulled.Get("Host"), pulled.Get("X-Origin-Secret"), pulled.Get("X-Request-Id"))
	}

	purge := "/purge?tag=" + tag
	bearer := http.Header{"Authorization": {"Bearer " + token}}
	for _, tc := range []struct {
		name, method, addr string
		hdr                http.Header
		want               int
	}{
		{"no token", http.MethodPost, v.PurgeAddr, nil, http.StatusUnauthorized},
		{"wrong token", http.MethodPost, v.PurgeAddr, http.Header{"Authorization": {"Bearer purge-token-0123456789abcdeX"}}, http.StatusUnauthorized},
		{"cross-site form", http.MethodPost, v.PurgeAddr, http.Header{"Authorization": bearer["Authorization"], "Origin": {"https://evil.example"}}, http.StatusForbidden},
		{"cross-site fetch", http.MethodPost, v.PurgeAddr, http.Header{"Authorization": bearer["Authorization"], "Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
		{"GET", http.MethodGet, v.PurgeAddr, bearer, http.StatusMethodNotAllowed},
	} {
		if st, _ := do(t, tc.method, tc.addr, purge, tc.hdr); st != tc.want {
			t.Errorf("purge, %s: %d, want %d", tc.name, st, tc.want)
		}
	}
	// On the public socket /purge is an ordinary path: the token is no use there.
	_, _ = do(t, http.MethodPost, v.Addr, purge, bearer)
	if _, xc := do(t, http.MethodGet, v.Addr, p, nil); xc != "HIT" {
		t.Fatalf("after refused purges: X-Cache %q, want HIT (nothing purged)", xc)
	}
	if st, _ := do(t, http.MethodPost, v.PurgeAddr, purge, bearer); st != 200 {
		t.Fatalf("purge with the token: %d", st)
	}
	if _, xc := do(t, http.MethodGet, v.Addr, p, nil); xc != "MISS" {
		t.Fatalf("after the purge: X-Cache %q, want MISS", xc)
	}

	// varnishncsa, as imgorigin.vcl says to run it, over this varnishd's log.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, "varnishncsa", "-n", filepath.Join(v.Dir, "n"), "-d", "-F", varnish.NCSAFormat).Output()
	if !strings.Contains(string(out), "GET "+p+" HTTP/1.1") {
		t.Fatalf("varnishncsa did not log the requests:\n%s", out)
	}
	if strings.Contains(string(out), "SECRETTOKEN") || strings.Contains(string(out), "token=") {
		t.Errorf("varnishncsa logged the token:\n%s", out)
	}
	if !strings.Contains(varnish.VCL, varnish.NCSAFormat) {
		t.Errorf("imgorigin.vcl does not show NCSAFormat")
	}
}
