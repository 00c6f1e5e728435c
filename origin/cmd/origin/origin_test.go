package main

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source/local"
)

// testNode is a whole origin node built by the composition root, serving on 127.0.0.1.
type testNode struct {
	base, internal string
	root           string
	logs           *bytes.Buffer
}

// startNode wires a node from cfg (its sources replaced by one local source over a temp dir
// of generated images) and serves it until the test ends.
func startNode(t *testing.T, mutate func(*config.Config)) *testNode {
	t.Helper()
	root := t.TempDir()
	writeSamples(t, root)
	cfg := config.Default()
	cfg.Node.Name = "test-node"
	lc := local.DefaultConfig()
	lc.Root = root
	cfg.Sources = map[string]config.SourceConfig{"local": {Type: "local", Local: lc}}
	if mutate != nil {
		mutate(&cfg)
	}
	if !cfg.Auth.Configured() && cfg.Auth.Mode == "" {
		cfg.Auth.Mode = auth.ModeOff // these tests exercise rendering; auth has its own tests
	}
	if err := cfg.Validate(); err != nil {
		t.Fatalf("config: %v", err)
	}
	logs := &bytes.Buffer{}
	log := slog.New(slog.NewJSONHandler(&lockedWriter{w: logs}, nil))
	ctx, cancel := context.WithCancel(context.Background())
	n, err := build(ctx, cfg, log)
	if err != nil {
		t.Fatalf("build: %v", err)
	}
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	il, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- n.server.ServeListeners(ctx, pl, il) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		n.Close()
	})
	return &testNode{base: "http://" + pl.Addr().String(), internal: "http://" + il.Addr().String(), root: root, logs: logs}
}

type lockedWriter struct {
	mu chan struct{}
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	if l.mu == nil {
		l.mu = make(chan struct{}, 1)
	}
	l.mu <- struct{}{}
	defer func() { <-l.mu }()
	return l.w.Write(p)
}

func (n *testNode) do(t *testing.T, method, path string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, n.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

// writeSamples writes the test originals: real images made with the standard library, and
// the bad inputs every origin meets.
func writeSamples(t *testing.T, dir string) {
	t.Helper()
	photo := image.NewRGBA(image.Rect(0, 0, 1200, 800))
	for y := 0; y < 800; y++ {
		for x := 0; x < 1200; x++ {
			photo.Set(x, y, color.RGBA{uint8(x * 255 / 1200), uint8(y * 255 / 800), uint8((x + y) % 256), 255})
		}
	}
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, photo, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	alpha := image.NewNRGBA(image.Rect(0, 0, 400, 300))
	for y := 0; y < 300; y++ {
		for x := 0; x < 400; x++ {
			alpha.Set(x, y, color.NRGBA{200, 30, 30, uint8(x * 255 / 400)})
		}
	}
	var pb bytes.Buffer
	if err := png.Encode(&pb, alpha); err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"photo.jpg":          jb.Bytes(),
		"dir/with space.png": pb.Bytes(),
		"truncated.jpg":      jb.Bytes()[:jb.Len()/3],
		"notanimage.jpg":     []byte("<html><script>alert(1)</script></html>"),
		"bomb.png":           pngHeader(65000, 65000),
		"empty.jpg":          {},
	}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// pngHeader is a PNG signature and IHDR declaring w×h RGBA pixels, followed by a tiny IDAT and
// IEND: a decompression bomb's header without its body.
func pngHeader(w, h uint32) []byte {
	var b bytes.Buffer
	b.Write([]byte("\x89PNG\r\n\x1a\n"))
	chunk := func(typ string, data []byte) {
		_ = binary.Write(&b, binary.BigEndian, uint32(len(data)))
		b.WriteString(typ)
		b.Write(data)
		_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

func TestServesVariantWithCDNHeaders(t *testing.T) {
	n := startNode(t, nil)
	const path = "/i/w_300,f_webp/local/photo.jpg"
	resp, body := n.do(t, "GET", path, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	info, err := imgprobe.Probe(body)
	if err != nil {
		t.Fatalf("probe of the answer: %v", err)
	}
	if info.Format != "webp" || info.Width != 300 || info.Height != 200 {
		t.Errorf("got %s %dx%d, want webp 300x200", info.Format, info.Width, info.Height)
	}
	h := resp.Header
	want := map[string]string{
		"Content-Type":           "image/webp",
		"X-Content-Type-Options": "nosniff",
		"X-Origin-Node":          "test-node",
		"Surrogate-Key":          "local/photo.jpg",
		"Cache-Tag":              "local/photo.jpg",
		"Timing-Allow-Origin":    "*",
	}
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	cc := h.Get("Cache-Control")
	for _, part := range []string{"public", "max-age=", "s-maxage=", "stale-while-revalidate=", "stale-if-error="} {
		if !strings.Contains(cc, part) {
			t.Errorf("Cache-Control %q lacks %q", cc, part)
		}
	}
	etag := h.Get("ETag")
	if len(etag) < 10 || etag[0] != '"' || strings.HasPrefix(etag, "W/") {
		t.Errorf("ETag %q is not a strong quoted tag", etag)
	}
	if _, err := http.ParseTime(h.Get("Last-Modified")); err != nil {
		t.Errorf("Last-Modified %q: %v", h.Get("Last-Modified"), err)
	}
	st := h.Get("Server-Timing")
	for _, part := range []string{`cache;desc="miss"`, "fetch;dur=", "decode;dur=", "encode;dur="} {
		if !strings.Contains(st, part) {
			t.Errorf("Server-Timing %q lacks %q", st, part)
		}
	}

	t.Run("second request is a cache hit with the same bytes and ETag", func(t *testing.T) {
		r2, b2 := n.do(t, "GET", path, nil)
		if !bytes.Equal(b2, body) || r2.Header.Get("ETag") != etag {
			t.Fatalf("second answer differs")
		}
		if !strings.Contains(r2.Header.Get("Server-Timing"), `cache;desc="hit"`) {
			t.Errorf("Server-Timing %q, want a hit", r2.Header.Get("Server-Timing"))
		}
	})
	t.Run("If-None-Match gives 304", func(t *testing.T) {
		r, b := n.do(t, "GET", path, map[string]string{"If-None-Match": etag})
		if r.StatusCode != 304 || len(b) != 0 {
			t.Fatalf("status %d, %d bytes", r.StatusCode, len(b))
		}
		if r.Header.Get("ETag") != etag {
			t.Errorf("304 ETag %q", r.Header.Get("ETag"))
		}
	})
	t.Run("Range gives 206", func(t *testing.T) {
		r, b := n.do(t, "GET", path, map[string]string{"Range": "bytes=0-9"})
		if r.StatusCode != 206 || !bytes.Equal(b, body[:10]) {
			t.Fatalf("status %d, body %x", r.StatusCode, b)
		}
	})
	t.Run("HEAD has headers and no body", func(t *testing.T) {
		r, b := n.do(t, "HEAD", path, nil)
		if r.StatusCode != 200 || len(b) != 0 || r.ContentLength != int64(len(body)) {
			t.Fatalf("status %d, %d bytes, length %d", r.StatusCode, len(b), r.ContentLength)
		}
	})
	t.Run("a key with a space, PNG alpha kept", func(t *testing.T) {
		r, b := n.do(t, "GET", "/i/w_200,f_png/local/dir/with%20space.png", nil)
		if r.StatusCode != 200 {
			t.Fatalf("status %d: %s", r.StatusCode, b)
		}
		info, err := imgprobe.Probe(b)
		if err != nil || info.Width != 200 || info.Height != 150 || !info.HasAlpha {
			t.Fatalf("got %+v, %v", info, err)
		}
	})
}

func TestErrorAnswers(t *testing.T) {
	n := startNode(t, nil)
	tests := []struct {
		name, method, path string
		status             int
		cacheControl       string
		bodyHas            string
	}{
		{"non-canonical order", "GET", "/i/f_webp,w_300/local/photo.jpg", 400, "no-store", "/i/w_300,f_webp/local/photo.jpg"},
		{"unknown option", "GET", "/i/zz_1,f_webp/local/photo.jpg", 400, "no-store", ""},
		{"width over limit", "GET", "/i/w_99999,f_webp/local/photo.jpg", 400, "no-store", ""},
		{"traversal", "GET", "/i/thumb/local/../../etc/passwd", 400, "no-store", ""},
		{"encoded traversal", "GET", "/i/thumb/local/%2e%2e/etc/passwd", 400, "no-store", ""},
		{"unknown preset", "GET", "/i/nosuch/local/photo.jpg", 404, "no-store", "unknown preset"},
		{"unknown source", "GET", "/i/thumb/nosuch/photo.jpg", 404, "no-store", "unknown source"},
		{"missing object", "GET", "/i/thumb/local/missing.jpg", 404, "public, max-age=60, stale-while-revalidate=0, stale-if-error=0", ""},
		{"corrupt image", "GET", "/i/thumb/local/truncated.jpg", 422, "no-store", ""},
		{"pixel flood", "GET", "/i/thumb/local/bomb.png", 422, "no-store", ""},
		{"not an image", "GET", "/i/thumb/local/notanimage.jpg", 415, "no-store", ""},
		{"empty file", "GET", "/i/thumb/local/empty.jpg", 415, "no-store", ""},
		{"method", "POST", "/i/thumb/local/photo.jpg", 405, "no-store", ""},
		{"no route", "GET", "/metrics", 404, "no-store", ""},
		{"no peer endpoint on the public side", "GET", "/_groupcache/x", 404, "no-store", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, b := n.do(t, tt.method, tt.path, nil)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.status, b)
			}
			if got := r.Header.Get("Cache-Control"); got != tt.cacheControl {
				t.Errorf("Cache-Control %q, want %q", got, tt.cacheControl)
			}
			if !strings.Contains(string(b), tt.bodyHas) || !strings.Contains(string(b), "request id: "+r.Header.Get("X-Request-Id")) {
				t.Errorf("body %q lacks %q or the request id", b, tt.bodyHas)
			}
			if r.Header.Get("ETag") != "" {
				t.Errorf("error answer has an ETag")
			}
		})
	}
	r, _ := n.do(t, "GET", "/i/thumb/local/photo.jpg", nil)
	if r.StatusCode != 200 {
		t.Fatalf("the node stopped serving after bad input: %d", r.StatusCode)
	}
}

func TestInternalListener(t *testing.T) {
	n := startNode(t, nil)
	n.do(t, "GET", "/i/thumb/local/photo.jpg", nil)
	if resp, err := http.Get(n.internal + "/debug/pprof/"); err != nil {
		t.Fatal(err)
	} else if resp.Body.Close(); resp.StatusCode != http.StatusNotFound {
		t.Errorf("/debug/pprof/: %d, want 404 (pprof is off by default)", resp.StatusCode)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		resp, err := http.Get(n.internal + p)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Errorf("%s: %d", p, resp.StatusCode)
		}
		if p == "/metrics" {
			for _, m := range []string{"imgorigin_requests_total", "imgorigin_request_duration_seconds", "imgorigin_stage_duration_seconds", "imgorigin_admission_queue_depth"} {
				if !bytes.Contains(b, []byte(m)) {
					t.Errorf("metrics lack %s", m)
				}
			}
		}
	}
	_ = time.Second
}
