package edge

import (
	"github.com/imgorigin/imgorigin/nginx/nginxtest"

	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The demo root is served as static files under /demo/, with edge auth on and without ever
// pulling from the origin.
func TestDemoRoot(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	root := filepath.Join(dir, "demo")
	page := "<!doctype html><title>demo</title>\n"
	if err := os.Mkdir(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "index.html"), []byte(page), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "secret.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	be := newBackend(t)
	e := startEdge(t, be, func(c *Config) {
		c.DemoRoot = root
		c.Auth.Type, c.Auth.Keys = AuthAliyunA, []string{testKey}
	})
	tests := []struct {
		name, path string
		status     int
		ctype      string
		body       string
	}{
		{"index", "/demo/", 200, "text/html; charset=utf-8", page},
		{"file", "/demo/index.html", 200, "text/html; charset=utf-8", page},
		{"missing", "/demo/nothing.html", 404, "", ""},
		{"no escape", "/demo/../secret.txt", 0, "", ""},
		{"no escape encoded", "/demo/..%2fsecret.txt", 0, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.get(t, tt.path)
			if tt.status == 0 { // outside the root: never the file next to it
				if r.body == "secret" {
					t.Fatalf("GET %s escaped the demo root: %d %q", tt.path, r.status, r.body)
				}
				return
			}
			if r.status != tt.status {
				t.Fatalf("GET %s: %d, want %d", tt.path, r.status, tt.status)
			}
			if tt.ctype != "" && r.header.Get("Content-Type") != tt.ctype {
				t.Fatalf("Content-Type = %q, want %q", r.header.Get("Content-Type"), tt.ctype)
			}
			if tt.body != "" && r.body != tt.body {
				t.Fatalf("body = %q", r.body)
			}
			if cc := r.header.Get("Cache-Control"); tt.status == 200 && cc != "no-store" {
				t.Fatalf("Cache-Control = %q, want no-store", cc)
			}
		})
	}
	// /i/ still needs its token.
	if r := e.get(t, "/i/thumb/local/a.jpg"); r.status != 403 {
		t.Fatalf("unsigned /i/ with a demo root: %d, want 403", r.status)
	}
	for _, p := range be.log {
		if strings.HasPrefix(p.URI, "/demo/") && !strings.Contains(p.URI, "..") {
			t.Fatalf("the demo page was pulled from the origin: %+v", p)
		}
	}
}

// The rendered config with a demo root, checked by nginx -t.
func TestRenderDemoGolden(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Upstream = "127.0.0.1:8080"
	cfg.PurgeToken = "change-me-purge-0123456789"
	cfg.DemoRoot = "/srv/imgorigin/demo"
	got, err := Render(cfg)
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "edge-demo.conf.golden")
	if *update {
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
	if !strings.Contains(got, `alias "/srv/imgorigin/demo/";`) {
		t.Fatal("no demo location in the rendered config")
	}
	if out, err := nginxtest.Check(t, got); err != nil {
		t.Fatalf("nginx -t: %v\n%s", err, out)
	}
}

func TestDemoRootValidate(t *testing.T) {
	for _, root := range []string{`/srv/demo"; include /etc/passwd; #`, "/srv/${x}", "/srv/a;b"} {
		c := DefaultConfig()
		c.Upstream = "127.0.0.1:8080"
		c.PurgeToken = "change-me-purge-0123456789"
		c.DemoRoot = root
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "demo_root:") {
			t.Errorf("DemoRoot %q: Validate() = %v, want a demo_root error", root, err)
		}
	}
}
