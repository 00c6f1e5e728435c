package smoke

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/origin/stack/demo"
)

// pngOf returns a w×h PNG.
func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// newChecker is a checker of the stack whose edge is srv, reporting into out.
func newChecker(t *testing.T, srv *httptest.Server, out *bytes.Buffer) *checker {
	t.Helper()
	vh, err := exec.LookPath("vipsheader")
	if err != nil {
		t.Fatal("vipsheader (libvips-tools) is missing: scripts/install-deps")
	}
	return &checker{ctx: context.Background(), out: out, client: srv.Client(), tmp: t.TempDir(), vipsheader: vh,
		list: stack.URLList{Edge: srv.URL}}
}

// TestChecksFail: each check fails on the wrong answer and passes on the right one; the FAIL
// line says what was wanted.
func TestChecksFail(t *testing.T) {
	img := pngOf(t, 40, 30)
	mux := http.NewServeMux()
	answer := func(status int, ctype, body string, header ...string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.Header().Set("Content-Type", ctype)
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	mux.Handle("/expired-cached", answer(403, "text/plain", "forbidden", "Cache-Control", "public, max-age=60"))
	mux.Handle("/expired", answer(403, "text/plain", "forbidden", "Cache-Control", "private, no-store"))
	mux.Handle("/metrics-bare", answer(200, "text/plain", "go_goroutines 7\n"))
	mux.Handle("/metrics", answer(200, "text/plain; version=0.0.4", "# HELP x\nimgorigin_requests_total{code=\"200\"} 3\n"))
	mux.Handle("/info-big", answer(200, "application/json", `{"format":"jpeg","width":1200,"height":900,"average_colour":"#808080","blurhash":"LEHV6nWB2y","placeholder":"data:image/webp;base64,`+strings.Repeat("A", 1100)+`"}`))
	mux.Handle("/info", answer(200, "application/json", `{"format":"jpeg","width":1200,"height":900,"average_colour":"#808080","blurhash":"LEHV6nWB2y","placeholder":"data:image/webp;base64,AAAA"}`))
	mux.Handle("/i/w_40,f_webp/local/wrong-type.png", answer(200, "image/png", string(img), "X-Cache", "HIT"))
	mux.Handle("/i/w_40,f_png/local/miss.png", answer(200, "image/png", string(img), "X-Cache", "MISS"))
	mux.Handle("/i/w_40,f_png/local/broken.png", answer(200, "image/png", "not an image", "X-Cache", "HIT"))
	mux.Handle("/i/w_40,f_png/local/ok.png", answer(200, "image/png", string(img), "X-Cache", "HIT"))
	mux.Handle("/i/w_40,f_auto/local/no-vary.png", answer(200, "image/jpeg", string(img), "X-Cache", "HIT"))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, tc := range []struct {
		name, path string
		status     int
		want       string // the line's start: "ok" or "FAIL"
		says       string // and what it contains
	}{
		{"expired", "/expired-cached", 403, "FAIL", "want 403 with no-store"},
		{"expired", "/expired", 403, "ok", "403 text/plain"},
		{"metrics", "/metrics-bare", 200, "FAIL", "imgorigin_requests_total"},
		{"metrics", "/metrics", 200, "ok", "200 text/plain"},
		{"info", "/info-big", 200, "FAIL", "placeholder ≤ 1 KB"},
		{"info", "/info", 200, "ok", "200 application/json"},
		{"edge-webp", "/i/w_40,f_webp/local/wrong-type.png", 200, "FAIL", "want 200 image/webp"},
		{"edge-resize", "/i/w_40,f_png/local/miss.png", 200, "FAIL", "X-Cache=MISS, want HIT"},
		{"edge-resize", "/i/w_40,f_png/local/broken.png", 200, "FAIL", "unreadable bytes"},
		{"edge-resize", "/i/w_40,f_png/local/ok.png", 200, "ok", "40x30, edge HIT"},
		{"edge-auto", "/i/w_40,f_auto/local/no-vary.png", 200, "FAIL", `Vary ""`},
		{"demo", "/expired", 200, "FAIL", "want 200 text/html"},
	} {
		t.Run(tc.name+tc.path, func(t *testing.T) {
			var out bytes.Buffer
			c := newChecker(t, srv, &out)
			c.url(stack.URL{Name: tc.name, Title: tc.name + ":", URL: srv.URL + tc.path, Status: tc.status})
			line := strings.TrimSpace(out.String())
			if !strings.HasPrefix(line, tc.want) || !strings.Contains(line, tc.says) {
				t.Errorf("report %q, want a line starting %q with %q", line, tc.want, tc.says)
			}
			if fails := strings.Count(out.String(), "FAIL"); (tc.want == "FAIL") != (c.fails > 0) || fails != c.fails {
				t.Errorf("%d failures counted, %d FAIL lines, want failing=%v", c.fails, fails, tc.want == "FAIL")
			}
		})
	}
}

// TestDemoImages: an image of the demo page that loads with another size than it promises
// fails, as does a page with too few images or no upload form.
func TestDemoImages(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "image/png")
		w.Write(pngOf(t, 40, 30))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()
	page := `<!doctype html><main>
		<img src="/a.png" data-expect-width="40" data-expect-height="30" data-expect-pages="1">
		<img src="a.png?x=1&amp;y=2" data-expect-width="40" data-expect-height="31">
		<img src="/a.png" data-expect-width="40" data-expect-height="30" data-expect-pages="12">
	</main><form id="upload-form" data-policy="k1.1.abc" data-endpoint="/u/s3"></form>`
	var out bytes.Buffer
	c := newChecker(t, srv, &out)
	policy, endpoint := c.demo(srv.URL+"/demo/", []byte(page))
	if policy != "k1.1.abc" || endpoint != srv.URL+"/u/s3" {
		t.Errorf("upload form: policy %q endpoint %q", policy, endpoint)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	want := []string{
		"FAIL  the demo page has 3 images, expected at least 15",
		"ok    200 image/png 40x30  /a.png",
		"FAIL  200 image/png 40x30  /demo/a.png (want 200 image/*, 40x31)",
		"FAIL  200 image/png 40x30  /a.png (want 200 image/*, 40x30 ×12 frames)",
	}
	if len(lines) != len(want) {
		t.Fatalf("report:\n%s\nwant %d lines", out.String(), len(want))
	}
	for i := range want {
		if strings.TrimSpace(lines[i]) != want[i] {
			t.Errorf("line %d: %q, want %q", i, strings.TrimSpace(lines[i]), want[i])
		}
	}
	if c.fails != 3 {
		t.Errorf("%d failures counted, want 3", c.fails)
	}
}

// TestStopped: an address that still answers after the stop fails the check and is named.
func TestStopped(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	free, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	freeAddr := free.Addr().String()
	free.Close()
	var out bytes.Buffer
	c := &checker{ctx: context.Background(), out: &out, list: stack.URLList{Listen: map[string]string{"front-nginx": l.Addr().String(), "edge": freeAddr}}}
	c.stopped(func() error { return nil }, nil)
	if c.fails != 1 || !strings.Contains(out.String(), "still answering: front-nginx "+l.Addr().String()) || strings.Contains(out.String(), "edge") {
		t.Errorf("%d failures, report:\n%s", c.fails, out.String())
	}
}

// TestParseDemoReadsThePage: what the demo page's template writes (origin/stack/demo) is what
// the smoke test reads: every figure's URL and promised size, f_auto marks, the upload form.
func TestParseDemoReadsThePage(t *testing.T) {
	var b strings.Builder
	err := demo.Write(&b, demo.Page{Base: "http://127.0.0.1:8000", Sections: []demo.Section{
		{Title: "a", Images: []demo.Image{{Label: "legacy", URL: "http://127.0.0.1:8000/a/b.jpg", Width: 1200, Height: 900}}},
		{Title: "b", Images: []demo.Image{
			{Label: "auto", URL: "http://127.0.0.1:8000/i/w_400,f_auto/local/p.jpg?auth_key=1-0-0-x&y=1", Width: 400, Height: 300, Auto: true},
			{Label: "gif", URL: "http://127.0.0.1:8000/i/w_160,f_gif/local/a.gif?auth_key=2", Width: 160, Height: 120, Pages: 12},
		}},
	}, Upload: demo.Upload{Policy: "k1.123.mac", URL: "/u/s3"}})
	if err != nil {
		t.Fatal(err)
	}
	imgs, f, err := parseDemo("http://127.0.0.1:8000/demo/", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	want := []expected{
		{src: "http://127.0.0.1:8000/a/b.jpg", width: 1200, height: 900, pages: 1},
		{src: "http://127.0.0.1:8000/i/w_400,f_auto/local/p.jpg?auth_key=1-0-0-x&y=1", width: 400, height: 300, pages: 1, auto: true},
		{src: "http://127.0.0.1:8000/i/w_160,f_gif/local/a.gif?auth_key=2", width: 160, height: 120, pages: 12},
	}
	if !slices.Equal(imgs, want) {
		t.Errorf("images:\n%+v\nwant\n%+v", imgs, want)
	}
	if f != (form{policy: "k1.123.mac", endpoint: "http://127.0.0.1:8000/u/s3"}) {
		t.Errorf("upload form %+v", f)
	}
}
