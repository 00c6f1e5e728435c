package nginx_test

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"github.com/google/go-cmp/cmp"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/hotlink"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/ring"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// goldenConfigs are rendered and compared with testdata/<name>.golden, and checked by nginx -t.
func goldenConfigs() map[string]nginx.Config {
	three := nginx.DefaultConfig()
	three.Pool = []pool.Member{{Name: "10.0.0.1:8080"}, {Name: "10.0.0.2:8080"}, {Name: "10.0.0.3:8080"}}
	three.Legacy = []string{"10.0.1.1:8081"}

	full := nginx.DefaultConfig()
	full.Pool = []pool.Member{{Name: "localhost:8080", Weight: 2}, {Name: "10.0.0.6:8080"}, {Name: "10.0.0.7:8080", Weight: 3}}
	full.Legacy = []string{"10.0.1.1:8081", "10.0.1.2:8081"}
	full.RealIPFrom = []string{"101.226.0.0/16", "2400:da00::/32", "203.0.113.9"}
	full.RealIPHeader = "Ali-Cdn-Real-Ip"
	full.ShardKey = pool.ShardPath
	full.PidFile = "nginx.pid"
	full.Listen = "80"
	full.Hotlink = hotlink.Config{Referers: []string{"example.com", "*.example.com", "example.*"}, AllowEmpty: true}

	nolegacy := nginx.DefaultConfig()
	nolegacy.Pool = []pool.Member{{Name: "127.0.0.1:9001"}}
	return map[string]nginx.Config{"three": three, "full": full, "no-legacy": nolegacy}
}

func TestGoldenConfigs(t *testing.T) {
	for name, cfg := range goldenConfigs() {
		t.Run(name, func(t *testing.T) {
			got, err := nginx.Render(cfg)
			if err != nil {
				t.Fatal(err)
			}
			golden := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./nginx/ -update)", err)
			}
			if string(got) != string(want) {
				t.Errorf("rendered config differs from %s (run with -update if intended):\n%s", golden, cmp.Diff(string(want), string(got)))
			}
			if out, err := nginxtest.Check(t, string(got)); err != nil {
				t.Fatalf("nginx -t rejected the rendered config: %v\n%s", err, out)
			}
		})
	}
}

// front is a running front nginx with three pool backends and a legacy backend.
type front struct {
	nginx  *nginxtest.Instance
	pool   []*nginxtest.Backend
	legacy *nginxtest.Backend
	ring   *ring.Ring
	cfg    nginx.Config
	client *http.Client
}

// echo GETs path through the front with one request header and returns the answer (its body
// closed) and what the upstream echoed.
func (f *front) echo(t *testing.T, path, header, value string) (*http.Response, nginxtest.Echo) {
	t.Helper()
	req, _ := http.NewRequest("GET", f.nginx.URL(path), nil)
	req.Header.Set(header, value)
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var echo nginxtest.Echo
	if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return resp, echo
}

func startFront(t *testing.T, edit func(*nginx.Config)) *front {
	t.Helper()
	f := &front{legacy: nginxtest.StartBackend(t, "legacy")}
	cfg := nginx.DefaultConfig()
	for i := 0; i < 3; i++ {
		b := nginxtest.StartBackend(t, fmt.Sprintf("n%d", i))
		f.pool = append(f.pool, b)
		cfg.Pool = append(cfg.Pool, pool.Member{Name: b.Addr})
	}
	cfg.Legacy = []string{f.legacy.Addr}
	cfg.Listen = fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(t))
	cfg.RealIPFrom = []string{"127.0.0.1"}
	cfg.RateLimit, cfg.RateBurst = 100000, 100000
	cfg.FailTimeout = time.Second
	cfg.WorkerProcesses = "1"
	cfg.WorkerConnections = 256
	cfg.ErrorLog = "stderr"
	if edit != nil {
		edit(&cfg)
	}
	conf, err := nginx.Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	f.cfg = cfg
	f.nginx = nginxtest.Start(t, string(conf))
	if f.ring, err = ring.New(cfg.Pool); err != nil {
		t.Fatal(err)
	}
	f.client = &http.Client{Timeout: 10 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return f
}

// shard is what nginx hashes for a request path: the cache's shard key of the path, so these
// tests also check that nginx and origin/cache agree.
func (f *front) shard(path string) string {
	u, err := url.Parse(path)
	if err != nil {
		panic(err)
	}
	return render.Shard(f.cfg.ShardKey)(u.EscapedPath())
}

func (f *front) addrOf(name string) string {
	for _, b := range f.pool {
		if b.Name == name {
			return b.Addr
		}
	}
	if name == "legacy" {
		return f.legacy.Addr
	}
	return ""
}

// do sends one request and returns the backend name (or X-Front-Route) and the status.
func (f *front) do(t *testing.T, method, path string, hdr http.Header) (string, int) {
	t.Helper()
	req, err := http.NewRequest(method, f.nginx.URL(""), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.URL.Opaque = path // sent as written, no client-side cleaning
	if q := strings.IndexByte(path, '?'); q >= 0 {
		req.URL.Opaque, req.URL.RawQuery = path[:q], path[q+1:]
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	dest := resp.Header.Get("X-Backend")
	if dest == "" {
		dest = resp.Header.Get("X-Front-Route")
	}
	if dest == "" {
		dest = "-"
	}
	return dest, resp.StatusCode
}

// TestRoutes drives testdata/routes.golden through real nginx: each line is
// "METHOD PATH DESTINATION STATUS" with DESTINATION one of pool (then the node must be the
// ring's owner of the shard key), legacy, refused (internal path), none (no route) or - .
func TestRoutes(t *testing.T) {
	f := startFront(t, nil)
	golden := filepath.Join("testdata", "routes.golden")
	in, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	sc := bufio.NewScanner(strings.NewReader(string(in)))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(line, "#") {
			out.WriteString(line + "\n")
			continue
		}
		if len(fields) != 4 {
			t.Fatalf("bad line %q", line)
		}
		method, path := fields[0], fields[1]
		dest, status := f.do(t, method, path, nil)
		if strings.HasPrefix(dest, "n") && dest != "none" {
			if want := f.ring.Pick(f.shard(path)); want != f.addrOf(dest) {
				t.Errorf("%s: served by %s (%s), ring owner %s", path, dest, f.addrOf(dest), want)
			}
			again, _ := f.do(t, method, path, nil)
			if again != dest {
				t.Errorf("%s: first %s, then %s", path, dest, again)
			}
			dest = "pool"
		}
		got := fmt.Sprintf("%-7s %-72s %-8s %d", method, path, dest, status)
		if !*update && (fields[2] != dest || fields[3] != strconv.Itoa(status)) {
			t.Errorf("%s %s: got %s %d, want %s %s", method, path, dest, status, fields[2], fields[3])
		}
		out.WriteString(got + "\n")
	}
	if *update {
		if err := os.WriteFile(golden, []byte(out.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSpreadAndStickiness: with either shard key, 3,000 paths each go to the ring's owner
// whatever the token or query, and every node gets a share.
func TestSpreadAndStickiness(t *testing.T) {
	for _, shard := range []string{pool.ShardObject, pool.ShardPath} {
		t.Run(shard, func(t *testing.T) {
			f := startFront(t, func(c *nginx.Config) { c.ShardKey = shard })
			const n = 3000
			counts := map[string]int{}
			for i := 0; i < n; i++ {
				path := fmt.Sprintf("/i/w_%d,f_webp/s3/albums/%d/photo-%d.jpg", 100+i%5, i/10, i)
				dest, status := f.do(t, "GET", path+"?token=k1."+strconv.Itoa(i)+".mac", nil)
				if status != 200 {
					t.Fatalf("%s: status %d", path, status)
				}
				if want := f.ring.Pick(f.shard(path)); f.addrOf(dest) != want {
					t.Fatalf("%s: served by %s, ring owner %s", path, f.addrOf(dest), want)
				}
				counts[dest]++
				if i%10 == 0 { // same path, other token, no token: same node
					for _, q := range []string{"", "?token=k2.99.other", "?a=1&token=x"} {
						if again, _ := f.do(t, "GET", path+q, nil); again != dest {
							t.Fatalf("%s%s: served by %s, first by %s", path, q, again, dest)
						}
					}
				}
			}
			// Every path went to the ring's owner (checked above), so the counts are the ring's
			// spread for this run's names; ring.TestSpread asserts ±25 % of even over many pools.
			for _, b := range f.pool {
				if counts[b.Name] == 0 {
					t.Errorf("node %s got none of %d paths", b.Name, n)
				}
			}
			t.Logf("spread over 3 nodes: %v", counts)
		})
	}
}

func TestFailover(t *testing.T) {
	f := startFront(t, nil)
	killed := f.pool[1]
	const n = 500
	paths := make([]string, n)
	for i := range paths {
		paths[i] = fmt.Sprintf("/i/thumb/fdfs/group1/M00/%02X/%02X/img-%d.jpg", i%256, i/256, i)
	}
	killed.Stop()
	moved := 0
	for _, p := range paths {
		dest, status := f.do(t, "GET", p, nil)
		if status != 200 {
			t.Fatalf("%s with %s down: status %d", p, killed.Name, status)
		}
		order := f.ring.PickN(f.shard(p), 3)
		want := order[0]
		if want == killed.Addr {
			want = order[1]
			moved++
		}
		if f.addrOf(dest) != want {
			t.Fatalf("%s: served by %s, want %s (ring order %v)", p, f.addrOf(dest), want, order)
		}
	}
	if moved < n/6 {
		t.Fatalf("only %d of %d keys belonged to the killed node", moved, n)
	}
	t.Logf("%d of %d keys failed over", moved, n)

	// Back: after fail_timeout nginx tries the node again and its keys return.
	killed.Restart()
	var probe string
	for _, p := range paths {
		if f.ring.Pick(f.shard(p)) == killed.Addr {
			probe = p
			break
		}
	}
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if dest, _ := f.do(t, "GET", probe, nil); dest == killed.Name {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not get its keys back", killed.Name)
		}
		<-tick.C
	}
	for _, p := range paths {
		dest, status := f.do(t, "GET", p, nil)
		if status != 200 || f.addrOf(dest) != f.ring.Pick(f.shard(p)) {
			t.Fatalf("%s after recovery: %s %d, owner %s", p, dest, status, f.ring.Pick(f.shard(p)))
		}
	}
}

func TestHeadersAndLimits(t *testing.T) {
	f := startFront(t, nil)
	path := "/i/w_300,f_webp/local/photos/cat.jpg?token=k1.2.m"
	t.Run("cdn headers untouched, real ip from trusted peer", func(t *testing.T) {
		hdr := http.Header{
			"Via":                 {"1.1 cache-edge-07 (CDN)"},
			"X-Cdn-Origin-Secret": {"s3cr3t-value"},
			"Ali-Swift-Log-Host":  {"img.example.com"},
			"X-Forwarded-For":     {"203.0.113.7"},
			"Accept":              {"image/avif,image/webp,*/*"},
		}
		req, _ := http.NewRequest("GET", f.nginx.URL(path), nil)
		req.Header = hdr
		req.Host = "img.example.com"
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var echo nginxtest.Echo
		if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
			t.Fatal(err)
		}
		for k, v := range hdr {
			if k == "X-Forwarded-For" {
				continue
			}
			if got := echo.Header.Get(k); got != v[0] {
				t.Errorf("%s: upstream got %q, sent %q", k, got, v[0])
			}
		}
		if got := echo.Header.Get("X-Real-Ip"); got != "203.0.113.7" {
			t.Errorf("X-Real-IP %q, want the CDN-reported client 203.0.113.7", got)
		}
		if echo.RequestURI != path {
			t.Errorf("upstream request URI %q, want %q", echo.RequestURI, path)
		}
		if echo.Header.Get("Connection") != "" {
			t.Errorf("Connection header leaked upstream")
		}
	})
	cases := []struct {
		name   string
		method string
		hdr    http.Header
		want   int
	}{
		{"post refused", "POST", nil, 403},
		{"huge header", "GET", http.Header{"X-Big": {strings.Repeat("a", 16<<10)}}, 400},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, status := f.do(t, tc.method, path, tc.hdr); status != tc.want {
				t.Fatalf("status %d, want %d", status, tc.want)
			}
		})
	}
}

func TestUntrustedForwardedFor(t *testing.T) {
	f := startFront(t, func(c *nginx.Config) { c.RealIPFrom = []string{"10.0.0.0/8"} })
	req, _ := http.NewRequest("GET", f.nginx.URL("/i/thumb/local/a.jpg"), nil)
	req.Header.Set("X-Forwarded-For", "203.0.113.7")
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var echo nginxtest.Echo
	if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
		t.Fatal(err)
	}
	if got := echo.Header.Get("X-Real-Ip"); got != "127.0.0.1" {
		t.Fatalf("X-Real-IP %q: a spoofed X-Forwarded-For from an untrusted peer was believed", got)
	}
}

func TestRateLimitAndAccessLog(t *testing.T) {
	f := startFront(t, func(c *nginx.Config) {
		c.RateLimit, c.RateBurst = 1, 2
		c.AccessLog = "logs/access.log"
	})
	statuses := map[int]int{}
	for i := 0; i < 10; i++ {
		_, s := f.do(t, "GET", fmt.Sprintf("/i/thumb/local/a%d.jpg", i), nil)
		statuses[s]++
	}
	if statuses[429] < 5 || statuses[200] < 1 {
		t.Fatalf("statuses %v: want some 200 then 429 once the burst is spent", statuses)
	}
	f.nginx.Stop() // flushes and closes the access log
	b, err := os.ReadFile(filepath.Join(f.nginx.Prefix(), "logs", "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 10 {
		t.Fatalf("%d access log lines, want 10", len(lines))
	}
	var rec map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &rec); err != nil {
		t.Fatalf("access log line is not JSON: %v\n%s", err, lines[0])
	}
	for _, k := range []string{"upstream_addr", "upstream_status", "upstream_response_time", "request_time", "status", "route", "shard"} {
		if _, ok := rec[k]; !ok {
			t.Errorf("access log lacks %q: %s", k, lines[0])
		}
	}
	if rec["route"] != "pool" || rec["shard"] != "local/a0.jpg" {
		t.Errorf("route/shard = %v/%v", rec["route"], rec["shard"])
	}
}

// TestOwnAnswersNoStore: every answer the front makes itself says Cache-Control: no-store (an
// edge that stored the front's 502 would replace its stale copy with it), and an upstream's
// own Cache-Control passes exactly once, unchanged.
func TestOwnAnswersNoStore(t *testing.T) {
	f := startFront(t, func(c *nginx.Config) { c.RateLimit, c.RateBurst = 1, 1 })
	const origin = "public, max-age=60, s-maxage=120, stale-while-revalidate=5, stale-if-error=600"
	for _, b := range f.pool {
		b.SetHeader("Cache-Control", origin)
	}
	client := 0
	get := func(t *testing.T, method, path string) *http.Response {
		t.Helper()
		req, _ := http.NewRequest(method, f.nginx.URL(path), nil)
		if !strings.HasSuffix(path, "rate.jpg") {
			client++ // a rate-limit bucket of its own
		}
		req.Header.Set("X-Forwarded-For", fmt.Sprintf("198.51.100.%d", client))
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	check := func(t *testing.T, resp *http.Response, status int, cc string) {
		t.Helper()
		if resp.StatusCode != status {
			t.Fatalf("status %d, want %d", resp.StatusCode, status)
		}
		if got := resp.Header.Values("Cache-Control"); len(got) != 1 || got[0] != cc {
			t.Fatalf("Cache-Control %q, want exactly %q", got, cc)
		}
	}
	t.Run("upstream answer keeps its own", func(t *testing.T) {
		check(t, get(t, "GET", "/i/thumb/local/a.jpg"), 200, origin)
	})
	t.Run("unknown route", func(t *testing.T) { check(t, get(t, "GET", "/nothing/here"), 404, "no-store") })
	t.Run("internal path", func(t *testing.T) { check(t, get(t, "GET", "/metrics"), 404, "no-store") })
	t.Run("method refused", func(t *testing.T) { check(t, get(t, "POST", "/i/thumb/local/b.jpg"), 403, "no-store") })
	t.Run("rate limited", func(t *testing.T) {
		var last *http.Response
		for i := 0; i < 5; i++ {
			last = get(t, "GET", "/i/thumb/local/rate.jpg")
		}
		check(t, last, 429, "no-store")
	})
	t.Run("no node answered", func(t *testing.T) {
		for _, b := range f.pool {
			b.Stop()
		}
		check(t, get(t, "GET", "/i/thumb/local/c.jpg"), 502, "no-store")
	})
}

// TestHotlink drives front.hotlink through real nginx: image answers (/i/ and legacy URLs)
// only for an allowed Referer (or none, when allowed), 403 private, no-store for the rest;
// uploads are not subject to it.
func TestHotlink(t *testing.T) {
	cases := []struct {
		referer string // "" = no Referer header
		empty   bool   // hotlink.allow_empty
		want    string // destination: pool, legacy or hotlink
	}{
		{"https://shop.example/p/1", false, "pool"},
		{"http://SHOP.example/", false, "pool"},
		{"https://img.cdn-example.net/x", false, "pool"},
		{"https://a.b.cdn-example.net/x", false, "pool"},
		{"https://partner.co.uk/", false, "pool"},
		{"https://shop.example:8443/p", false, "pool"}, // nginx compares the host only
		{"https://cdn-example.net/", false, "hotlink"}, // *. does not cover the bare domain
		{"https://evil.example/shop.example", false, "hotlink"},
		{"https://shop.example.evil.test/", false, "hotlink"},
		{"shop.example", false, "hotlink"}, // no scheme ("blocked" by a proxy): not allowed
		{"", false, "hotlink"},
		{"", true, "pool"},
		{"https://evil.example/", true, "hotlink"},
	}
	fronts := map[bool]*front{}
	for _, empty := range []bool{false, true} {
		fronts[empty] = startFront(t, func(c *nginx.Config) {
			c.Hotlink = hotlink.Config{Referers: []string{"shop.example", "*.cdn-example.net", "partner.*"}, AllowEmpty: empty}
		})
	}
	get := func(t *testing.T, f *front, method, path, referer string) *http.Response {
		t.Helper()
		req, err := http.NewRequest(method, f.nginx.URL(path), nil)
		if err != nil {
			t.Fatal(err)
		}
		if referer != "" {
			req.Header.Set("Referer", referer)
		}
		resp, err := f.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return resp
	}
	for _, c := range cases {
		for _, path := range []string{"/i/thumb/local/cat.jpg", "/static/img/logo.png"} {
			t.Run(fmt.Sprintf("%s/empty=%t/%s", path, c.empty, c.referer), func(t *testing.T) {
				resp := get(t, fronts[c.empty], "GET", path, c.referer)
				dest := resp.Header.Get("X-Backend")
				if dest == "" {
					dest = resp.Header.Get("X-Front-Route")
				}
				switch {
				case c.want == "hotlink":
					if resp.StatusCode != http.StatusForbidden || dest != "hotlink" {
						t.Fatalf("got %d from %q, want 403 from the front's hotlink check", resp.StatusCode, dest)
					}
					if cc := resp.Header.Values("Cache-Control"); len(cc) != 1 || cc[0] != "private, no-store" {
						t.Fatalf("Cache-Control %q, want exactly \"private, no-store\"", cc)
					}
				case resp.StatusCode != http.StatusOK || dest == "hotlink" || dest == "":
					t.Fatalf("got %d from %q, want 200 from a backend", resp.StatusCode, dest)
				}
			})
		}
	}
	t.Run("uploads are not checked", func(t *testing.T) {
		resp := get(t, fronts[false], "POST", "/u/local/a.jpg", "https://evil.example/")
		if resp.StatusCode != http.StatusOK || resp.Header.Get("X-Backend") == "" {
			t.Fatalf("upload: %d, want 200 from a backend", resp.StatusCode)
		}
	})
}

// TestOriginSecretNotToLegacy: the CDN's origin secret reaches the origins but not the legacy
// site (issue 14: before, every header the CDN sent was passed to the legacy upstream too).
func TestOriginSecretNotToLegacy(t *testing.T) {
	f := startFront(t, func(c *nginx.Config) { c.OriginSecretHeader = "X-Origin-Secret" })
	const secret = "origin-secret-0123456789abcdef"
	for _, tc := range []struct {
		path, dest, want string
	}{
		{"/i/w_300,f_webp/local/photos/cat.jpg", "pool", secret},
		{"/attachment/forum/201906/18/153012abcd.jpg", "legacy", ""},
	} {
		resp, echo := f.echo(t, tc.path, "X-Origin-Secret", secret)
		if (tc.dest == "legacy") != (resp.Header.Get("X-Backend") == "legacy") {
			t.Fatalf("%s went to %q", tc.path, resp.Header.Get("X-Backend"))
		}
		if got := echo.Header.Get("X-Origin-Secret"); got != tc.want {
			t.Errorf("%s (%s): upstream got origin secret %q, want %q", tc.path, tc.dest, got, tc.want)
		}
	}
}

// TestRequestIDIsTheFronts: the front sends its own $request_id to every upstream (pool,
// info, uploads, legacy), never the X-Request-Id a client chose (issue 14 item 8).
func TestRequestIDIsTheFronts(t *testing.T) {
	f := startFront(t, nil)
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	seen := map[string]bool{}
	for _, path := range []string{"/i/w_300,f_webp/local/photos/cat.jpg", "/info/local/photos/cat.jpg", "/attachment/forum/201906/18/153012abcd.jpg"} {
		_, echo := f.echo(t, path, "X-Request-Id", "client-chosen-id")
		got := echo.Header.Get("X-Request-Id")
		if !hex32.MatchString(got) || seen[got] {
			t.Errorf("%s: upstream got X-Request-Id %q, want the front's own, fresh $request_id", path, got)
		}
		seen[got] = true
	}
}
