package site

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/legacy/migrate"
	"github.com/imgorigin/imgorigin/nginx/nginxtest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

func TestRenderGolden(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Root = "/srv/legacy"
	got, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "site.conf.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run go test -update once)", err)
	}
	if got != string(want) {
		t.Fatalf("rendered config differs from %s (go test -update to accept):\n%s", golden, got)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"ok", func(*Config) {}, ""},
		{"relative root", func(c *Config) { c.Root = "srv" }, "root:"},
		{"root injection", func(c *Config) { c.Root = "/srv; include /etc/x" }, "root:"},
		{"listen", func(c *Config) { c.Listen = "8090" }, "listen:"},
		{"max age", func(c *Config) { c.MaxAge = 1500 * time.Millisecond }, "max_age:"},
		{"ext", func(c *Config) { c.Extensions = []string{"j.pg"} }, "extensions:"},
		{"no ext", func(c *Config) { c.Extensions = nil }, "extensions:"},
		{"workers", func(c *Config) { c.WorkerProcesses = "0" }, "worker_processes:"},
		{"user", func(c *Config) { c.User = "a b" }, "user:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			c.Root = "/srv/legacy"
			tt.edit(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate() = %v, want %q", err, tt.want)
			}
		})
	}
	c := DefaultConfig()
	c.Root = "/srv"
	c.Extensions = []string{"txt"}
	if _, err := Render(c); err == nil || !strings.Contains(err.Error(), "extensions:") {
		t.Fatalf("Render with txt: %v", err)
	}
}

// testConfig returns a config for a site serving root on a free port.
func testConfig(t *testing.T, root string) Config {
	cfg := DefaultConfig()
	cfg.Root = root
	cfg.Listen = fmt.Sprintf("127.0.0.1:%d", nginxtest.FreePort(t))
	if os.Geteuid() == 0 {
		cfg.User = "root" // workers would run as nobody and could not read t.TempDir()
	}
	return cfg
}

// migratedTree copies a small old tree with the migration tool and returns the new root and
// one file's relative path, content and mtime.
func migratedTree(t *testing.T) (root string, rel string, data []byte, mtime time.Time) {
	old := t.TempDir()
	rel = "uploads/2014/07/cat.jpg"
	data = []byte("\xff\xd8\xff\xe0 not really a jpeg, but bytes are bytes")
	mtime = time.Date(2014, 7, 1, 10, 0, 0, 0, time.UTC)
	files := map[string][]byte{
		rel:                     data,
		"uploads/2014/07/a.PNG": []byte("png"),
		"uploads/notes.txt":     []byte("not an image"),
		"uploads/page.html":     []byte("<script>alert(1)</script>"),
	}
	for p, b := range files {
		fp := filepath.Join(old, filepath.FromSlash(p))
		os.MkdirAll(filepath.Dir(fp), 0o755)
		if err := os.WriteFile(fp, b, 0o644); err != nil {
			t.Fatal(err)
		}
		os.Chtimes(fp, mtime, mtime)
	}
	root = filepath.Join(t.TempDir(), "legacy")
	cfg := migrate.DefaultConfig()
	cfg.Source, cfg.Dest = old, root
	m, err := migrate.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := m.Run(t.Context()); err != nil || !rep.OK() {
		t.Fatalf("migrate: %v %+v", err, rep)
	}
	// A symlink planted in the served tree must not be followed.
	outside := filepath.Join(t.TempDir(), "secret.jpg")
	os.WriteFile(outside, []byte("secret"), 0o644)
	if err := os.Symlink(outside, filepath.Join(root, "uploads", "evil.jpg")); err != nil {
		t.Fatal(err)
	}
	return root, rel, data, mtime
}

func TestSiteServesMigratedTree(t *testing.T) {
	root, rel, data, mtime := migratedTree(t)
	cfg := testConfig(t, root)
	conf, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ng := nginxtest.Start(t, conf)
	base := "http://" + cfg.Listen

	res := get(t, base+"/"+rel, nil)
	if res.status != 200 || !bytes.Equal(res.body, data) {
		t.Fatalf("GET: %d %q", res.status, res.body)
	}
	wantHeaders := map[string]string{
		"Content-Type":           "image/jpeg",
		"Cache-Control":          "public, max-age=31536000",
		"X-Content-Type-Options": "nosniff",
		"Last-Modified":          mtime.Format(http.TimeFormat),
		"Etag":                   fmt.Sprintf(`"%x-%x"`, mtime.Unix(), len(data)),
	}
	for k, v := range wantHeaders {
		if got := res.header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	etag := res.header.Get("ETag")

	t.Run("if-none-match", func(t *testing.T) {
		r := get(t, base+"/"+rel, http.Header{"If-None-Match": {etag}})
		if r.status != 304 || len(r.body) != 0 || r.header.Get("Cache-Control") != "public, max-age=31536000" || r.header.Get("ETag") != etag {
			t.Fatalf("conditional GET: %d %v", r.status, r.header)
		}
		r = get(t, base+"/"+rel, http.Header{"If-None-Match": {`"other"`}})
		if r.status != 200 {
			t.Fatalf("non-matching ETag: %d", r.status)
		}
	})
	t.Run("upper-case extension", func(t *testing.T) {
		if r := get(t, base+"/uploads/2014/07/a.PNG", nil); r.status != 200 || r.header.Get("Content-Type") != "image/png" {
			t.Fatalf("a.PNG: %d %q", r.status, r.header.Get("Content-Type"))
		}
	})

	notFound := []struct {
		name, path string
	}{
		{"missing", "/uploads/2014/07/dog.jpg"},
		{"non-image", "/uploads/notes.txt"},
		{"html", "/uploads/page.html"},
		{"directory", "/uploads/"},
		{"directory as image", "/uploads.jpg"},
		{"root", "/"},
		{"manifest", "/" + migrate.DefaultManifestName},
		{"symlink", "/uploads/evil.jpg"},
	}
	for _, tt := range notFound {
		t.Run(tt.name, func(t *testing.T) {
			if r := rawGet(t, cfg.Listen, tt.path); r.status != 404 {
				t.Fatalf("GET %s = %d, want 404", tt.path, r.status)
			}
		})
	}
	// Paths that climb above the root (or carry a NUL) never reach the file system: nginx's URI
	// parser answers 400 (nothing else may come back, and never the file).
	for _, p := range []string{"/../etc/passwd", "/uploads/../../etc/hostname.jpg", "/uploads/%2e%2e/%2e%2e/etc/passwd", "/uploads/..%2f..%2fsecret.jpg", "/uploads/2014/07/cat.jpg%00.jpg"} {
		t.Run("traversal "+p, func(t *testing.T) {
			r := rawGet(t, cfg.Listen, p)
			if r.status != 400 && r.status != 404 {
				t.Fatalf("GET %s = %d, want 400 or 404", p, r.status)
			}
		})
	}
	if t.Failed() {
		t.Logf("error log:\n%s", ng.ErrorLog())
	}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

func get(t *testing.T, url string, h http.Header) response {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
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
	return response{res.StatusCode, res.Header, b}
}

// rawGet sends the path byte for byte (no client-side cleaning).
func rawGet(t *testing.T, addr, path string) response {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: legacy\r\nConnection: close\r\n\r\n", path)
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return response{res.StatusCode, res.Header, b}
}
