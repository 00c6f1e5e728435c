package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// bucketRenderer parses real paths and answers an f_auto path in the bucket it is given, with
// a Content-Type and an ETag per bucket, as render.Renderer does.
type bucketRenderer struct{ noInfo }

func (bucketRenderer) Parse(esc string) (imgurl.Path, error) {
	return imgurl.Parse(esc, imgurl.DefaultLimits())
}

func (bucketRenderer) IsAuto(v imgurl.Variant) bool { return v.Options.Format == imgurl.Auto }

func (bucketRenderer) Render(_ context.Context, p imgurl.Path, b autoformat.Bucket) (*render.Rendition, error) {
	ct := render.ContentType(p.Variant.Options.Format)
	if p.Variant.Options.Format == imgurl.Auto {
		ct = map[autoformat.Bucket]string{autoformat.AVIF: "image/avif", autoformat.WebP: "image/webp", autoformat.Fallback: "image/jpeg"}[b]
	}
	return &render.Rendition{Data: []byte("img"), ContentType: ct, ETag: `"` + string(b) + `"`, Outcome: render.OutcomeHit}, nil
}

// TestAutoNegotiation: f_auto answers follow Accept (or the CDN's bucket header, only with the
// origin secret), carry Vary: Accept, and revalidate per bucket; explicit formats carry no Vary.
func TestAutoNegotiation(t *testing.T) {
	h := newTestServer(t, bucketRenderer{}).PublicHandler()
	const chrome = "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"
	tests := []struct {
		name, path string
		headers    map[string]string
		code       int
		ct, vary   string
	}{
		{"chrome", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": chrome}, 200, "image/avif", "Accept"},
		{"webp only", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": "image/webp,*/*"}, 200, "image/webp", "Accept"},
		{"curl", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": "*/*"}, 200, "image/jpeg", "Accept"},
		{"avif refused", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": "image/avif;q=0,image/webp"}, 200, "image/webp", "Accept"},
		{"explicit", "/i/w_300,f_webp/t/a.jpg", map[string]string{"Accept": chrome}, 200, "image/webp", ""},
		{"bucket header without the secret", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": "*/*", "X-Image-Bucket": "avif"}, 200, "image/jpeg", "Accept"},
		{"bucket header from the CDN", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": "*/*", "X-Image-Bucket": "avif", "X-Origin-Secret": "s3cret"}, 200, "image/avif", "Accept"},
		{"304 in its bucket", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": "image/webp", "If-None-Match": `"webp"`}, 304, "", "Accept"},
		{"no 304 across buckets", "/i/w_300,f_auto/t/a.jpg", map[string]string{"Accept": chrome, "If-None-Match": `"webp"`}, 200, "image/avif", "Accept"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.path, nil)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if w.Code != tt.code || w.Header().Get("Content-Type") != tt.ct || w.Header().Get("Vary") != tt.vary {
				t.Errorf("%d %q Vary %q, want %d %q Vary %q", w.Code, w.Header().Get("Content-Type"), w.Header().Get("Vary"), tt.code, tt.ct, tt.vary)
			}
			st := w.Header().Get("Server-Timing")
			if want := `format;desc="` + strings.TrimPrefix(tt.ct, "image/") + `"`; tt.code == 200 && tt.vary != "" && !strings.HasSuffix(st, want) {
				t.Errorf("Server-Timing %q lacks %s", st, want)
			}
			if tt.vary == "" && strings.Contains(st, "format;") {
				t.Errorf("Server-Timing %q names a format on an explicit-format answer", st)
			}
		})
	}
}
