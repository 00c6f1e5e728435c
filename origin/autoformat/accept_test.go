package autoformat_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/autoformat/autoformattest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func loadTable(t *testing.T) []autoformattest.Case {
	t.Helper()
	return autoformattest.Browsers()
}

func mustRules(t testing.TB, cfg autoformat.Config) *autoformat.Rules {
	t.Helper()
	r, err := autoformat.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// configs are the configurations every rendering must agree on with the Go rules.
var configs = map[string]autoformat.Config{
	"default":       autoformat.DefaultConfig(),
	"avif off":      {Formats: []string{"webp"}, Header: "X-Image-Bucket"},
	"webp first":    {Formats: []string{"webp", "avif"}, Header: "X-Image-Bucket"},
	"fallback only": {Formats: []string{"avif", "webp"}, FallbackOnly: true, Header: "X-Image-Bucket"},
	"none":          {Header: "X-Image-Bucket"},
}

func TestAcceptTable(t *testing.T) {
	r := mustRules(t, autoformat.DefaultConfig())
	for _, c := range loadTable(t) {
		t.Run(c.Name, func(t *testing.T) {
			if got := r.FromAccept(c.Accept); got != c.Bucket {
				t.Errorf("FromAccept(%q) = %s, want %s", c.Accept, got, c.Bucket)
			}
		})
	}
}

func TestConfigurations(t *testing.T) {
	chrome := "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
	safari15 := "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"
	tests := []struct {
		config           string
		chrome, safari15 autoformat.Bucket
		vary             bool
	}{
		{"default", autoformat.AVIF, autoformat.WebP, true},
		{"avif off", autoformat.WebP, autoformat.WebP, true},
		{"webp first", autoformat.WebP, autoformat.WebP, true},
		{"fallback only", autoformat.Fallback, autoformat.Fallback, false},
		{"none", autoformat.Fallback, autoformat.Fallback, true},
	}
	for _, tt := range tests {
		t.Run(tt.config, func(t *testing.T) {
			r := mustRules(t, configs[tt.config])
			req, _ := http.NewRequest("GET", "/i/w_300,f_auto/local/a.jpg", nil)
			req.Header.Set("Accept", chrome)
			if got := r.FromRequest(req, false); got != tt.chrome {
				t.Errorf("chrome: %s, want %s", got, tt.chrome)
			}
			req.Header.Set("Accept", safari15)
			if got := r.FromRequest(req, false); got != tt.safari15 {
				t.Errorf("safari 15: %s, want %s", got, tt.safari15)
			}
			if r.Vary() != tt.vary {
				t.Errorf("Vary() = %v", r.Vary())
			}
		})
	}
}

func TestBucketHeader(t *testing.T) {
	r := mustRules(t, autoformat.DefaultConfig())
	req, _ := http.NewRequest("GET", "/", nil)
	req.Header.Set("Accept", "*/*")
	req.Header.Set("X-Image-Bucket", "avif")
	if got := r.FromRequest(req, false); got != autoformat.Fallback {
		t.Errorf("untrusted header decided: %s", got)
	}
	if got := r.FromRequest(req, true); got != autoformat.AVIF {
		t.Errorf("trusted header ignored: %s", got)
	}
	req.Header.Set("X-Image-Bucket", "jpeg")
	if got := r.FromRequest(req, true); got != autoformat.Fallback {
		t.Errorf("unknown bucket name: %s, want Accept's fallback", got)
	}
	off := mustRules(t, configs["avif off"])
	req.Header.Set("X-Image-Bucket", "avif")
	req.Header.Set("Accept", "image/webp")
	if got := off.FromRequest(req, true); got != autoformat.WebP {
		t.Errorf("avif off: the header asked for avif and got %s, want Accept's webp", got)
	}
}

func TestDefaultMaps(t *testing.T) {
	if m := autoformat.DefaultNginxMaps(); !strings.Contains(m, "$imgorigin_format_key") {
		t.Fatalf("default maps:\n%s", m)
	}
}

// TestCanonicalAccept: the Accept a cache sends for a bucket falls into that bucket again.
func TestCanonicalAccept(t *testing.T) {
	for name, cfg := range configs {
		r := mustRules(t, cfg)
		for _, b := range r.Buckets() {
			if got := r.FromAccept(autoformat.CanonicalAccept(b)); got != b && !cfg.FallbackOnly {
				t.Errorf("%s: FromAccept(CanonicalAccept(%s)) = %s", name, b, got)
			}
		}
	}
}

func TestValidate(t *testing.T) {
	for name, cfg := range map[string]autoformat.Config{
		"jpeg":   {Formats: []string{"jpeg"}},
		"twice":  {Formats: []string{"webp", "webp"}},
		"header": {Header: "X Image"},
	} {
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "render.auto.") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestAutoPaths: the path expressions the caches use pick exactly the paths whose parsed
// options are f_auto.
func TestAutoPaths(t *testing.T) {
	presets := []string{"hero", "card-2x"}
	for _, p := range []string{
		"/i/w_300,f_auto/local/a.jpg", "/i/f_auto/local/a.jpg", "/i/w_3,h_3,fit_pad,q_80,bg_ffffff,f_auto/s3/x/f_auto/y",
		"/i/w_300,f_webp/local/f_auto/a.jpg", "/i/f_jpeg/local/a%2Cf_auto/b", "/i/hero/local/a.jpg", "/i/card-2x/local/a.jpg",
		"/i/thumb/local/hero/a.jpg", "/i/heroes/local/a.jpg",
	} {
		parsed, err := imgurl.Parse(p, imgurl.DefaultLimits())
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		want := parsed.Variant.Options.Format == imgurl.Auto || parsed.Variant.Preset == "hero" || parsed.Variant.Preset == "card-2x"
		if got := autoformat.IsAutoPath(p, presets); got != want {
			t.Errorf("IsAutoPath(%s) = %v, want %v", p, got, want)
		}
	}
}

// TestNginxMaps runs the rendered maps of every configuration in a real nginx and checks that
// it puts every Accept header of the table into the bucket the Go rules pick, and f_auto paths
// (only those) into a bucket key.
func TestNginxMaps(t *testing.T) {
	table := loadTable(t)
	presets := []string{"hero"}
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			r := mustRules(t, cfg)
			maps, err := r.NginxMaps(presets)
			if err != nil {
				t.Fatal(err)
			}
			conf := fmt.Sprintf(`events {}
http {
    %s
    access_log off;
%s
    server {
        listen 127.0.0.1:%d;
        location / {
            add_header X-Key "$imgorigin_format_key" always;
            return 200 "$imgorigin_format_bucket";
        }
    }
}
`, nginxtest.TempPaths(), maps, nginxtest.FreePort(t))
			in := nginxtest.Start(t, conf)
			get := func(path, accept string) (string, string) {
				req, _ := http.NewRequest("GET", in.URL(path), nil)
				if accept != "" {
					req.Header.Set("Accept", accept)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				return string(b), resp.Header.Get("X-Key")
			}
			for _, c := range table {
				want := r.FromAccept(c.Accept)
				if name == "default" && want != c.Bucket {
					t.Errorf("%s: Go rules say %s, table %s", c.Name, want, c.Bucket)
				}
				if got, _ := get("/i/w_300,f_auto/local/a.jpg", c.Accept); got != string(want) {
					t.Errorf("%s: nginx says %s, Go rules %s (Accept %q)", c.Name, got, want, c.Accept)
				}
			}
			for path, auto := range map[string]bool{"/i/w_300,f_auto/local/a.jpg": true, "/i/hero/local/a.jpg": true,
				"/i/w_300,f_webp/local/a.jpg": false, "/i/thumb/local/f_auto/a.jpg": false} {
				bucket, key := get(path, "image/webp")
				want := ""
				if auto {
					want = "#" + bucket
				}
				if key != want {
					t.Errorf("%s: key %q, want %q", path, key, want)
				}
			}
		})
	}
}

// TestCloudFrontFunction runs the rendered viewer-request function in node (the CloudFront
// Functions runtime is ECMAScript 5.1 + parts of ES6, which node runs) on the table.
func TestCloudFrontFunction(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("node not found (run make deps)")
	}
	table := loadTable(t)
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			r := mustRules(t, cfg)
			fn, err := r.CloudFrontFunction([]string{"hero"})
			if err != nil {
				t.Fatal(err)
			}
			type event struct {
				URI     string                       `json:"uri"`
				Headers map[string]map[string]string `json:"headers"`
			}
			var events []event
			for _, c := range table {
				h := map[string]map[string]string{"x-image-bucket": {"value": "avif"}}
				if c.Accept != "" {
					h["accept"] = map[string]string{"value": c.Accept}
				}
				events = append(events, event{URI: "/i/w_300,f_auto/local/a.jpg", Headers: h})
			}
			events = append(events, event{URI: "/i/w_300,f_webp/local/a.jpg", Headers: map[string]map[string]string{
				"x-image-bucket": {"value": "avif"}, "accept": {"value": "image/avif"}}})
			in, _ := json.Marshal(events)
			dir := t.TempDir()
			fnFile := filepath.Join(dir, "function.js")
			if err := os.WriteFile(fnFile, []byte(fn), 0o600); err != nil {
				t.Fatal(err)
			}
			script := `const vm = require("vm"), fs = require("fs");
const ctx = {}; vm.createContext(ctx); vm.runInContext(fs.readFileSync(process.argv[1], "utf8"), ctx);
const out = JSON.parse(process.argv[2]).map(e => { const r = ctx.handler({ request: { uri: e.uri, headers: e.headers } });
  return r.headers["x-image-bucket"] ? r.headers["x-image-bucket"].value : ""; });
console.log(JSON.stringify(out));`
			out, err := exec.Command(node, "-e", script, fnFile, string(in)).CombinedOutput()
			if err != nil {
				t.Fatalf("node: %v\n%s", err, out)
			}
			var got []string
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatalf("node output %q: %v", out, err)
			}
			for i, c := range table {
				if want := r.FromAccept(c.Accept); got[i] != string(want) {
					t.Errorf("%s: function says %s, Go rules %s", c.Name, got[i], want)
				}
			}
			if last := got[len(got)-1]; last != "" {
				t.Errorf("explicit-format path kept bucket header %q: a client could split the cache", last)
			}
		})
	}
}

// FuzzFromAccept: any header gives a configured bucket, and never a format the header does not
// name.
func FuzzFromAccept(f *testing.F) {
	for _, s := range []string{"image/avif,image/webp,*/*", "image/avif;q=0", "image/webp;q=0.000", ";;,", "IMAGE/AVIF ; q=1"} {
		f.Add(s)
	}
	r, err := autoformat.New(autoformat.DefaultConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, accept string) {
		b := r.FromAccept(accept)
		low := strings.ToLower(accept)
		switch b {
		case autoformat.AVIF:
			if !strings.Contains(low, "image/avif") {
				t.Fatalf("%q → avif", accept)
			}
		case autoformat.WebP:
			if !strings.Contains(low, "image/webp") {
				t.Fatalf("%q → webp", accept)
			}
		case autoformat.Fallback:
		default:
			t.Fatalf("%q → %q", accept, b)
		}
	})
}

// TestMemoBounded: the remembered headers never exceed the bound, and a remembered answer is
// the evaluated one.
func TestMemoBounded(t *testing.T) {
	r := mustRules(t, autoformat.DefaultConfig())
	for i := 0; i < 3000; i++ {
		a := fmt.Sprintf("image/webp;x=%d", i)
		if r.FromAccept(a) != autoformat.WebP || r.FromAccept(a) != autoformat.WebP {
			t.Fatalf("%s", a)
		}
	}
	if n := autoformat.MemoLen(r); n > 1024 {
		t.Fatalf("memo holds %d headers", n)
	}
	long := "image/avif," + strings.Repeat("x", 600)
	if r.FromAccept(long) != autoformat.AVIF {
		t.Fatal("long header")
	}
}

// BenchmarkFromAccept is the negotiation cost an f_auto request pays on every answer, cache
// hits included.
func BenchmarkFromAccept(b *testing.B) {
	r := mustRules(b, autoformat.DefaultConfig())
	for _, c := range []struct{ name, accept string }{
		{"chrome", "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"},
		{"safari15", "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"},
		{"curl", "*/*"},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				r.FromAccept(c.accept)
			}
		})
	}
}
