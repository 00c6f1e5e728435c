package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/telemetry"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// hitRenderer answers every path with the same cached 20 KB variant, as a cache hit does.
type hitRenderer struct {
	noInfo
	rd render.Rendition
}

func (hitRenderer) Parse(esc string) (imgurl.Path, error) {
	return imgurl.Path{Source: "t", Key: esc}, nil
}

func (hitRenderer) IsAuto(imgurl.Variant) bool { return false }

func (h *hitRenderer) Render(context.Context, imgurl.Path, autoformat.Bucket) (*render.Rendition, error) {
	rd := h.rd
	return &rd, nil
}

// newTestServer logs at warn, as bin/bench (origin/cmd/bench) runs the origin: no access log line per hit.
type allowAll struct{}

func (allowAll) Check(*http.Request, string) error { return nil }

// FromCDN: the test's CDN pulls carry "X-Origin-Secret: s3cret".
func (allowAll) FromCDN(r *http.Request) bool { return r.Header.Get("X-Origin-Secret") == "s3cret" }

func newTestServer(tb testing.TB, r Renderer) *Server {
	tb.Helper()
	return newTestServerConfig(tb, DefaultConfig(), r)
}

func newTestServerConfig(tb testing.TB, cfg Config, r Renderer) *Server {
	tb.Helper()
	s, err := New(cfg, Deps{Node: "n1", Renderer: r, Auth: allowAll{},
		Metrics: telemetry.New(), Log: slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		tb.Fatal(err)
	}
	return s
}

// TestHitHeaders: a plain GET of a cached variant carries the headers a CDN caches on, the
// request id and node, and the access log's metrics count it as a hit.
func TestHitHeaders(t *testing.T) {
	hr := &hitRenderer{rd: render.Rendition{Data: make([]byte, 20_000), ContentType: "image/webp", ETag: `"abc"`,
		LastModifiedHTTP: "Tue, 01 Dec 2026 10:00:00 GMT", SurrogateKey: "t/k.jpg", Outcome: render.OutcomeHit}}
	s := newTestServer(t, hr)
	h := s.PublicHandler()
	req := httptest.NewRequest(http.MethodGet, "/i/w_100/t/k.jpg", nil)
	req.Header.Set("X-Request-Id", "front-1")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || w.Body.Len() != 20_000 {
		t.Fatalf("status %d, %d bytes", w.Code, w.Body.Len())
	}
	for k, want := range map[string]string{
		"Content-Type": "image/webp", "Etag": `"abc"`, "Content-Length": "20000", "Accept-Ranges": "bytes",
		"Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT", "Surrogate-Key": "t/k.jpg", "Cache-Tag": "t/k.jpg",
		"X-Request-Id": "front-1", "X-Origin-Node": "n1", "X-Content-Type-Options": "nosniff",
	} {
		if got := w.Header().Get(k); got != want {
			t.Errorf("%s = %q, want %q", k, got, want)
		}
	}
	if cc := w.Header().Get("Cache-Control"); cc == "" || cc == "no-store" {
		t.Errorf("Cache-Control %q on a 200", cc)
	}
	if st := w.Header().Get("Server-Timing"); len(st) < 16 || st[:16] != `cache;desc="hit"` {
		t.Errorf("Server-Timing %q", st)
	}
}

// BenchmarkServeHit is the Go work of one cache hit through the public handler chain (access
// log, metrics, routing, headers), without the network.
func BenchmarkServeHit(b *testing.B) {
	hr := &hitRenderer{rd: render.Rendition{Data: make([]byte, 20_000), ContentType: "image/jpeg", ETag: `"abc"`,
		LastModifiedHTTP: "Tue, 01 Dec 2026 10:00:00 GMT", SurrogateKey: "t/k.jpg", Outcome: render.OutcomeHit}}
	h := newTestServer(b, hr).PublicHandler()
	req := httptest.NewRequest(http.MethodGet, "/i/w_100/t/k.jpg", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := &discardWriter{h: http.Header{}}
		h.ServeHTTP(w, req)
		if w.code != http.StatusOK {
			b.Fatal(w.code)
		}
	}
}

// discardWriter is a ResponseWriter that keeps the status and drops the body, so the
// benchmark measures the handler chain, not a recorder's buffer.
type discardWriter struct {
	h    http.Header
	code int
}

func (d *discardWriter) Header() http.Header { return d.h }
func (d *discardWriter) WriteHeader(c int) {
	if d.code == 0 {
		d.code = c
	}
}
func (d *discardWriter) Write(p []byte) (int, error) {
	d.WriteHeader(http.StatusOK)
	return len(p), nil
}

// noInfo is the info side of a test renderer that serves no info paths.
type noInfo struct{}

func (noInfo) ParseInfo(string) (imgurl.InfoPath, error) {
	return imgurl.InfoPath{}, failure.New(failure.KindBadRequest, "no info here", nil)
}

func (noInfo) Info(context.Context, imgurl.InfoPath) (*render.Rendition, error) {
	return nil, failure.New(failure.KindInternal, "no info here", nil)
}
