package httpsrc_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/httpsrc"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

// fileServer serves regular files under dir at /files/..., with ETag and Last-Modified,
// and nothing else (directories are 404). It is the "other web server" of the tests.
func fileServer(t testing.TB, dir string) *httptest.Server {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name, ok := strings.CutPrefix(r.URL.Path, "/files/")
		if !ok {
			http.NotFound(w, r)
			return
		}
		f, err := root.Open(name)
		if err != nil {
			http.NotFound(w, r)
			return
		}
		defer f.Close()
		fi, err := f.Stat()
		if err != nil || !fi.Mode().IsRegular() {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("ETag", fmt.Sprintf(`"%x-%x"`, fi.Size(), fi.ModTime().UnixNano()))
		http.ServeContent(w, r, name, fi.ModTime(), f)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

func newRemote(t testing.TB, mod func(*httpsrc.Config)) *httpsrc.Remote {
	t.Helper()
	cfg := httpsrc.DefaultConfig()
	cfg.AllowPrivate = true
	mod(&cfg)
	r, err := httpsrc.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Harness {
		dir := t.TempDir()
		srv := fileServer(t, dir)
		return sourcetest.Harness{
			Source: newRemote(t, func(c *httpsrc.Config) {
				c.BaseURL = srv.URL + "/files/"
				c.MaxObjectSize = 1 << 20
			}),
			Put:        func(t *testing.T, name string, data []byte) string { return writeFile(t, dir, name, data) },
			MissingKey: "no/such/file.jpg",
			OddKeys:    true,
			Limit:      1 << 20,
		}
	})
}

func TestPrivateAddressesRefused(t *testing.T) {
	dir := t.TempDir()
	srv := fileServer(t, dir)
	writeFile(t, dir, "a.jpg", []byte("x"))
	port := srv.Listener.Addr().String()[strings.LastIndex(srv.Listener.Addr().String(), ":")+1:]
	for _, base := range []string{
		srv.URL + "/files/",                             // 127.0.0.1 literal
		"http://localhost:" + port + "/files/",          // a name resolving to loopback
		"http://[::ffff:127.0.0.1]:" + port + "/files/", // v4-mapped
	} {
		t.Run(base, func(t *testing.T) {
			r := newRemote(t, func(c *httpsrc.Config) { c.BaseURL = base; c.AllowPrivate = false })
			_, err := r.Stat(context.Background(), "a.jpg")
			if !errors.Is(err, httpsrc.ErrAddressRefused) || !errors.Is(err, source.ErrUnavailable) {
				t.Fatalf("Stat via %s = %v; want ErrAddressRefused and ErrUnavailable", base, err)
			}
			_, _, err = r.Open(context.Background(), "a.jpg")
			if !errors.Is(err, httpsrc.ErrAddressRefused) {
				t.Fatalf("Open via %s = %v; want ErrAddressRefused", base, err)
			}
		})
	}
}

// TestRedirects serves redirects from an allow-listed base and checks every hop.
func TestRedirects(t *testing.T) {
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "other:"+r.URL.Path)
	}))
	t.Cleanup(other.Close)
	var srvURL string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		switch {
		case strings.HasPrefix(p, "/img/ok/"):
			io.WriteString(w, "ok:"+p)
		case p == "/img/to-ok.jpg":
			http.Redirect(w, r, "/img/ok/target.jpg", http.StatusFound)
		case p == "/img/to-relative.jpg":
			http.Redirect(w, r, "ok/rel.jpg", http.StatusMovedPermanently)
		case p == "/img/to-outside.jpg":
			http.Redirect(w, r, "/secret/x.jpg", http.StatusFound)
		case p == "/img/to-dotdot.jpg":
			w.Header().Set("Location", "/img/../secret/x.jpg")
			w.WriteHeader(http.StatusFound)
		case p == "/img/to-other.jpg":
			http.Redirect(w, r, other.URL+"/cdn/x.jpg", http.StatusFound)
		case p == "/img/to-other-outside.jpg":
			http.Redirect(w, r, other.URL+"/private/x.jpg", http.StatusFound)
		case p == "/img/to-file.jpg":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case strings.HasPrefix(p, "/img/chain/"):
			n, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/img/chain/"), ".jpg"))
			if n == 0 {
				io.WriteString(w, "end")
				return
			}
			http.Redirect(w, r, srvURL+fmt.Sprintf("/img/chain/%d.jpg", n-1), http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	srvURL = srv.URL
	r := newRemote(t, func(c *httpsrc.Config) {
		c.BaseURL = srv.URL + "/img/"
		c.RedirectBases = []string{other.URL + "/cdn/"}
		c.MaxRedirects = 3
	})
	tests := []struct {
		key  string
		want string // body, or "" for ErrUnavailable
	}{
		{"to-ok.jpg", "ok:/img/ok/target.jpg"},
		{"to-relative.jpg", "ok:/img/ok/rel.jpg"},
		{"to-other.jpg", "other:/cdn/x.jpg"},
		{"chain/3.jpg", "end"},
		{"chain/4.jpg", ""},
		{"to-outside.jpg", ""},
		{"to-dotdot.jpg", ""},
		{"to-other-outside.jpg", ""},
		{"to-file.jpg", ""},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			b, _, err := source.ReadAll(context.Background(), r, tc.key, 1<<20)
			if tc.want == "" {
				if !errors.Is(err, source.ErrUnavailable) {
					t.Fatalf("got %q, %v; want ErrUnavailable", b, err)
				}
				return
			}
			if err != nil || string(b) != tc.want {
				t.Fatalf("got %q, %v; want %q", b, err, tc.want)
			}
		})
	}
}

// TestRedirectDotSegments redirects to percent-encoded dot segments. The upstream resolves
// them as nginx does (ngx_http_parse_complex_uri decodes %XX, then merges "." and ".."), so
// these Locations name /private/x.jpg, outside base_url: refused before the request is sent.
func TestRedirectDotSegments(t *testing.T) {
	tests := []struct {
		location string
		want     string // body, or "" for a refused redirect
	}{
		{"/originals/%2e%2e/private/x.jpg", ""},
		{"/originals/%2E%2E/private/x.jpg", ""},
		{"/originals/.%2E/private/x.jpg", ""},
		{"/originals/%2E./private/x.jpg", ""},
		{"/originals/..%2fprivate/x.jpg", ""},
		{"/originals/..%2Fprivate/x.jpg", ""},
		{"/originals/ok/%2e%2e/%2e%2e/private/x.jpg", ""},
		{"/originals/..%5cprivate/x.jpg", ""},
		{"%2e%2e/%2e%2e/private/x.jpg", ""}, // relative to /originals/r/N.jpg
		{"/originals/ok/%2e%2e/ok/y.jpg", "ok:/originals/ok/y.jpg"},
	}
	var mu sync.Mutex
	var privateReads int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := path.Clean(strings.ReplaceAll(r.URL.Path, "\\", "/")) // r.URL.Path is decoded
		switch {
		case p == "/private/x.jpg":
			mu.Lock()
			privateReads++
			mu.Unlock()
			io.WriteString(w, "private")
		case strings.HasPrefix(p, "/originals/ok/"):
			io.WriteString(w, "ok:"+p)
		case strings.HasPrefix(p, "/originals/r/"):
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(p, "/originals/r/"), ".jpg"))
			if err != nil || n >= len(tests) {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Location", tests[n].location)
			w.WriteHeader(http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	r := newRemote(t, func(c *httpsrc.Config) { c.BaseURL = srv.URL + "/originals/" })
	for i, tc := range tests {
		t.Run(tc.location, func(t *testing.T) {
			b, _, err := source.ReadAll(context.Background(), r, fmt.Sprintf("r/%d.jpg", i), 1<<20)
			if tc.want == "" {
				if !errors.Is(err, source.ErrUnavailable) {
					t.Fatalf("got %q, %v; want the redirect refused (ErrUnavailable)", b, err)
				}
				return
			}
			if err != nil || string(b) != tc.want {
				t.Fatalf("got %q, %v; want %q", b, err, tc.want)
			}
		})
	}
	if privateReads != 0 {
		t.Errorf("the upstream served /private/x.jpg %d times", privateReads)
	}
}

// TestKeyBackslashDots: a key segment is escaped, but a server that reads "\" as a separator
// (IIS) would still resolve "..\" in it, so such keys are refused.
func TestKeyBackslashDots(t *testing.T) {
	r := newRemote(t, func(c *httpsrc.Config) { c.BaseURL = "https://static.example.com/originals/" })
	for _, key := range []string{`a\..\..\x.jpg`, `..\x.jpg`} {
		if u, err := r.URL(key); !errors.Is(err, source.ErrInvalidKey) {
			t.Errorf("URL(%q) = %v, %v; want ErrInvalidKey", key, u, err)
		}
	}
	if _, err := r.URL(`a\b.jpg`); err != nil {
		t.Errorf("URL(a\\b.jpg) = %v; a backslash that climbs nowhere is a name", err)
	}
}

func TestStatusMapping(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/s/"), ".jpg"))
		if code == http.StatusMethodNotAllowed && r.Method == http.MethodGet {
			io.WriteString(w, "get-only")
			return
		}
		w.WriteHeader(code)
	}))
	t.Cleanup(srv.Close)
	r := newRemote(t, func(c *httpsrc.Config) { c.BaseURL = srv.URL + "/s/" })
	tests := []struct {
		code int
		want error
	}{
		{404, source.ErrNotFound},
		{410, source.ErrNotFound},
		{400, source.ErrInvalidKey},
		{414, source.ErrInvalidKey},
		{401, source.ErrUnavailable},
		{403, source.ErrUnavailable},
		{429, source.ErrUnavailable},
		{500, source.ErrUnavailable},
		{502, source.ErrUnavailable},
		{503, source.ErrUnavailable},
		{304, source.ErrUnavailable},
		{204, source.ErrUnavailable},
		{405, nil}, // HEAD refused, Stat falls back to GET
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			key := fmt.Sprintf("%d.jpg", tc.code)
			_, err := r.Stat(context.Background(), key)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("Stat = %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("Stat = %v, want %v", err, tc.want)
			}
			if _, _, err := r.Open(context.Background(), key); !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestKeyEscaping checks the request line the upstream sees for hostile keys.
func TestKeyEscaping(t *testing.T) {
	var mu sync.Mutex
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.RequestURI
		mu.Unlock()
		w.WriteHeader(http.StatusNotFound)
	}))
	t.Cleanup(srv.Close)
	r := newRemote(t, func(c *httpsrc.Config) { c.BaseURL = srv.URL + "/base/" })
	tests := []struct{ key, uri string }{
		{"a b.jpg", "/base/a%20b.jpg"},
		{"q?x=1#f.jpg", "/base/q%3Fx=1%23f.jpg"},
		{"pct%2F..%2Fx.jpg", "/base/pct%252F..%252Fx.jpg"},
		{"back\\..\\slash.jpg", "/base/back%5C..%5Cslash.jpg"},
		{"@evil.com/x.jpg", "/base/@evil.com/x.jpg"},
		{"http:/evil.com/x.jpg", "/base/http:/evil.com/x.jpg"},
		{"ünï.jpg", "/base/%C3%BCn%C3%AF.jpg"},
		{"crlf\r\nHost: x.jpg", "/base/crlf%0D%0AHost:%20x.jpg"},
	}
	for _, tc := range tests {
		t.Run(tc.uri, func(t *testing.T) {
			if _, err := r.Stat(context.Background(), tc.key); !errors.Is(err, source.ErrNotFound) {
				t.Fatalf("Stat = %v, want ErrNotFound from the server", err)
			}
			mu.Lock()
			defer mu.Unlock()
			if got != tc.uri {
				t.Fatalf("request URI %q, want %q", got, tc.uri)
			}
		})
	}
}

func TestTimeouts(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/slow-body.jpg") {
			w.Header().Set("Content-Length", "1000")
			w.Write(make([]byte, 10))
			w.(http.Flusher).Flush()
		}
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(release) })
	r := newRemote(t, func(c *httpsrc.Config) {
		c.BaseURL = srv.URL + "/"
		c.ResponseHeaderTimeout = 200 * time.Millisecond
		c.Timeout = 500 * time.Millisecond
	})
	for _, key := range []string{"silent.jpg", "slow-body.jpg"} {
		t.Run(key, func(t *testing.T) {
			start := time.Now()
			_, _, err := source.ReadAll(context.Background(), r, key, 1<<20)
			if !errors.Is(err, source.ErrUnavailable) {
				t.Fatalf("ReadAll = %v, want ErrUnavailable", err)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("took %v", d)
			}
		})
	}
}

func TestStreamingLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/declared.jpg") {
			w.Header().Set("Content-Length", "5000")
		}
		w.(http.Flusher).Flush() // unknown length for chunked.jpg
		w.Write(make([]byte, 5000))
	}))
	t.Cleanup(srv.Close)
	r := newRemote(t, func(c *httpsrc.Config) { c.BaseURL = srv.URL + "/"; c.MaxObjectSize = 1000 })
	for _, key := range []string{"declared.jpg", "chunked.jpg"} {
		t.Run(key, func(t *testing.T) {
			rc, _, err := r.Open(context.Background(), key)
			if err == nil {
				var n int64
				n, err = io.Copy(io.Discard, rc)
				rc.Close()
				if n > 1000 {
					t.Errorf("read %d bytes past max_object_size", n)
				}
			}
			if !errors.Is(err, source.ErrTooLarge) {
				t.Fatalf("got %v, want ErrTooLarge", err)
			}
		})
	}
}

func TestConfig(t *testing.T) {
	ok := httpsrc.DefaultConfig()
	ok.BaseURL = "https://static.example.com/originals/"
	tests := []struct {
		name string
		mod  func(*httpsrc.Config)
		want string
	}{
		{"ok", func(*httpsrc.Config) {}, ""},
		{"root", func(c *httpsrc.Config) { c.BaseURL = "http://example.com" }, ""},
		{"missing", func(c *httpsrc.Config) { c.BaseURL = "" }, "base_url:"},
		{"no slash", func(c *httpsrc.Config) { c.BaseURL = "https://example.com/originals" }, "base_url:"},
		{"scheme", func(c *httpsrc.Config) { c.BaseURL = "ftp://example.com/" }, "base_url:"},
		{"creds", func(c *httpsrc.Config) { c.BaseURL = "https://u:p@example.com/" }, "base_url:"},
		{"query", func(c *httpsrc.Config) { c.BaseURL = "https://example.com/?a=b" }, "base_url:"},
		{"relative", func(c *httpsrc.Config) { c.BaseURL = "/originals/" }, "base_url:"},
		{"redirect base", func(c *httpsrc.Config) { c.RedirectBases = []string{"https://cdn.example.com/x/", "nope"} }, "redirect_bases[1]:"},
		{"redirects", func(c *httpsrc.Config) { c.MaxRedirects = -1 }, "max_redirects:"},
		{"timeout", func(c *httpsrc.Config) { c.Timeout = 0 }, "timeout:"},
		{"connect", func(c *httpsrc.Config) { c.ConnectTimeout = 0 }, "connect_timeout:"},
		{"header", func(c *httpsrc.Config) { c.ResponseHeaderTimeout = 0 }, "response_header_timeout:"},
		{"idle", func(c *httpsrc.Config) { c.MaxIdleConns = 0 }, "max_idle_conns:"},
		{"size", func(c *httpsrc.Config) { c.MaxObjectSize = -1 }, "max_object_size:"},
		{"ua", func(c *httpsrc.Config) { c.UserAgent = "a\r\nX: y" }, "user_agent:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.want)) {
				t.Fatalf("Validate = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func FuzzURL(f *testing.F) {
	r, err := httpsrc.New(func() httpsrc.Config {
		c := httpsrc.DefaultConfig()
		c.BaseURL = "https://static.example.com/originals/"
		return c
	}())
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"a.jpg", "a/b c.jpg", "../x", "x?y#z", "%2e%2e/x", "@h/x", "\\..\\x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		u, err := r.URL(key)
		if err != nil {
			if !errors.Is(err, source.ErrInvalidKey) {
				t.Fatalf("URL(%q) error %v is not ErrInvalidKey", key, err)
			}
			return
		}
		if u.Scheme != "https" || u.Host != "static.example.com" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			t.Fatalf("URL(%q) = %s leaves the base", key, u)
		}
		if u.Path != "/originals/"+key {
			t.Fatalf("URL(%q) path %q does not unescape to the key", key, u.Path)
		}
		// What goes on the wire parses back to the same path.
		back, err := http.NewRequest(http.MethodGet, u.String(), nil)
		if err != nil || back.URL.Path != u.Path || back.URL.Host != u.Host {
			t.Fatalf("URL(%q) = %s does not round-trip: %v", key, u, err)
		}
	})
}

func BenchmarkRead2MB(b *testing.B) {
	dir := b.TempDir()
	srv := fileServer(b, dir)
	data := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16)
	writeFile(b, dir, "photo.jpg", data)
	r := newRemote(b, func(c *httpsrc.Config) { c.BaseURL = srv.URL + "/files/" })
	ctx := context.Background()
	b.Run("ReadAll", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := source.ReadAll(ctx, r, "photo.jpg", 4<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Stat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := r.Stat(ctx, "photo.jpg"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
