package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/telemetry"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// missingRenderer answers every path as the store's 404 does.
type missingRenderer struct{ hitRenderer }

func (missingRenderer) Render(context.Context, imgurl.Path, autoformat.Bucket) (*render.Rendition, error) {
	return nil, failure.New(failure.KindNotFound, "no such image", nil)
}

// TestCacheControlClasses: every cacheable class carries its stale windows — the immutable
// class too (a cache without them keeps its default grace only, and the images that never
// change would be the first to fail when the pool is down) — and a store 404 says zero stale
// windows, so no cache stretches the negative answer past its max-age.
func TestCacheControlClasses(t *testing.T) {
	cfg := DefaultConfig()
	cfg.CacheControl = CacheControl{MaxAge: 10 * time.Second, SMaxAge: 20 * time.Second, StaleWhileRevalidate: 3 * time.Second,
		StaleIfError: 40 * time.Second, ImmutableMaxAge: 50 * time.Second, NotFoundMaxAge: 6 * time.Second}
	hit := func(immutable bool) Renderer {
		return &hitRenderer{rd: render.Rendition{Data: []byte("x"), ContentType: "image/webp", ETag: `"e"`, Immutable: immutable, Outcome: render.OutcomeHit}}
	}
	tests := []struct {
		name   string
		r      Renderer
		status int
		want   string
	}{
		{"mutable", hit(false), 200, "public, max-age=10, s-maxage=20, stale-while-revalidate=3, stale-if-error=40"},
		{"immutable", hit(true), 200, "public, max-age=50, s-maxage=50, immutable, stale-while-revalidate=3, stale-if-error=40"},
		{"store 404", missingRenderer{}, 404, "public, max-age=6, stale-while-revalidate=0, stale-if-error=0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(cfg, Deps{Node: "n1", Renderer: tt.r, Auth: allowAll{}, Metrics: telemetry.New(),
				Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				t.Fatal(err)
			}
			w := httptest.NewRecorder()
			s.PublicHandler().ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/i/w_100/t/k.jpg", nil))
			if w.Code != tt.status {
				t.Fatalf("status %d, want %d", w.Code, tt.status)
			}
			if got := w.Header().Get("Cache-Control"); got != tt.want {
				t.Errorf("Cache-Control %q, want %q", got, tt.want)
			}
		})
	}
}
