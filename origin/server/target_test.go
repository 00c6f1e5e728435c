package server

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// grammarRenderer parses with the real grammar (render.Renderer.Parse wraps imgurl.Parse the
// same way) and answers every valid path with one rendition.
type grammarRenderer struct{ hitRenderer }

func (grammarRenderer) Parse(esc string) (imgurl.Path, error) {
	p, err := imgurl.Parse(esc, imgurl.DefaultLimits())
	if err != nil {
		return imgurl.Path{}, failure.New(failure.KindBadRequest, err.Error(), err)
	}
	return p, nil
}

func (g *grammarRenderer) Render(ctx context.Context, p imgurl.Path, b autoformat.Bucket) (*render.Rendition, error) {
	return g.hitRenderer.Render(ctx, p, b)
}

// TestOneSpelling sends raw request targets with bytes that net/url re-escapes in
// EscapedPath: each is a second spelling of a canonical path and is refused with 400 naming
// that path; the canonical spelling (and its absolute form) is served.
func TestOneSpelling(t *testing.T) {
	gr := &grammarRenderer{hitRenderer{rd: render.Rendition{Data: []byte("img"), ContentType: "image/webp", ETag: `"e"`, Outcome: render.OutcomeHit}}}
	h := newTestServer(t, gr).PublicHandler()
	tests := []struct {
		target    string
		canonical string // "" when the target is served
	}{
		{"/i/w_100,f_webp/t/caf%C3%A9.jpg", ""},
		{"/i/w_100,f_webp/t/caf%C3%A9.jpg?token=k.1.x", ""},
		{"http://img.example.com/i/w_100,f_webp/t/caf%C3%A9.jpg?token=k.1.x", ""},
		{"/i/w_100,f_webp/t/café.jpg", "/i/w_100,f_webp/t/caf%C3%A9.jpg"},
		{"/i/w_100,f_webp/t/café.jpg?token=k.1.x", "/i/w_100,f_webp/t/caf%C3%A9.jpg"},
		{"http://img.example.com/i/w_100,f_webp/t/café.jpg", "/i/w_100,f_webp/t/caf%C3%A9.jpg"},
		{"/i/w_100,f_webp/t/日本.png", "/i/w_100,f_webp/t/%E6%97%A5%E6%9C%AC.png"},
		{`/i/w_100,f_webp/t/a"b.jpg`, "/i/w_100,f_webp/t/a%22b.jpg"},
		{"/i/w_100,f_webp/t/a<b>.jpg", "/i/w_100,f_webp/t/a%3Cb%3E.jpg"},
		{`/i/w_100,f_webp/t/a\b.jpg`, "/i/w_100,f_webp/t/a%5Cb.jpg"},
		{"/i/w_100,f_webp/t/a^b.jpg", "/i/w_100,f_webp/t/a%5Eb.jpg"},
		{"/i/w_100,f_webp/t/a`b.jpg", "/i/w_100,f_webp/t/a%60b.jpg"},
		{"/i/w_100,f_webp/t/a{b}.jpg", "/i/w_100,f_webp/t/a%7Bb%7D.jpg"},
		{"/i/w_100,f_webp/t/a|b.jpg", "/i/w_100,f_webp/t/a%7Cb.jpg"},
	}
	for _, tc := range tests {
		t.Run(tc.target, func(t *testing.T) {
			// The request line as a client sends it, read by net/http's own parser.
			req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + tc.target + " HTTP/1.1\r\nHost: img.example.com\r\n\r\n")))
			if err != nil {
				t.Fatalf("net/http refused the target: %v", err)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, req)
			if tc.canonical == "" {
				if w.Code != http.StatusOK {
					t.Fatalf("status %d (%s); want 200", w.Code, w.Body)
				}
				return
			}
			if w.Code != http.StatusBadRequest {
				t.Fatalf("status %d; want 400 (the target re-escapes to %s)", w.Code, req.URL.EscapedPath())
			}
			if !strings.Contains(w.Body.String(), tc.canonical) {
				t.Errorf("body %q does not name the canonical path %s", w.Body, tc.canonical)
			}
			if cc := w.Header().Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control %q", cc)
			}
		})
	}
}

// FuzzRequestPath: whatever net/http accepts as a request target, requestPath returns a
// prefix-free path that starts with "/" and carries no query, and for an origin-form target it
// is the target's bytes up to the query.
func FuzzRequestPath(f *testing.F) {
	for _, s := range []string{"/i/w_100,f_webp/t/a.jpg", "/i/w_100,f_webp/t/café.jpg?x", "http://h/i/a?b", "http://h", "*", "/a?b?c", "//x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, target string) {
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader("GET " + target + " HTTP/1.1\r\nHost: h\r\n\r\n")))
		if err != nil {
			return
		}
		p, err := requestPath(req)
		if err != nil {
			return
		}
		if !strings.HasPrefix(p, "/") || strings.Contains(p, "?") {
			t.Fatalf("requestPath(%q) = %q", req.RequestURI, p)
		}
		if strings.HasPrefix(req.RequestURI, "/") {
			if want, _, _ := strings.Cut(req.RequestURI, "?"); p != want {
				t.Fatalf("requestPath(%q) = %q, want %q", req.RequestURI, p, want)
			}
		}
	})
}
