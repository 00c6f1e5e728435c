package varnish_test

import (
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/varnish"
	"github.com/imgorigin/imgorigin/cdn/varnish/varnishtest"
	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/autoformat/autoformattest"
)

// acceptFront answers every path with the Accept header it received, cacheable and with
// Vary: Accept as the origin's f_auto answers, and counts pulls per path.
type acceptFront struct {
	mu    sync.Mutex
	pulls map[string]int
}

func (f *acceptFront) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.pulls[r.URL.Path]++
	f.mu.Unlock()
	w.Header().Set("Cache-Control", "public, max-age=600, s-maxage=600")
	w.Header().Set("Vary", "Accept")
	_, _ = io.WriteString(w, r.Header.Get("Accept"))
}

// TestFormatBuckets runs the rendered imgorigin_format subroutine of several render.auto
// configurations in real varnishd over origin/autoformat's table of real browsers' Accept
// headers: on an f_auto path every client's pull carries its bucket's canonical Accept (so the
// origin answers the bucket the Go rules pick), and Varnish keeps one object per bucket however
// many spellings arrive; other paths keep the client's Accept.
func TestFormatBuckets(t *testing.T) {
	table := autoformattest.Browsers()
	for name, cfg := range map[string]autoformat.Config{
		"default":       autoformat.DefaultConfig(),
		"avif off":      {Formats: []string{"webp"}},
		"fallback only": {Formats: []string{"avif", "webp"}, FallbackOnly: true},
	} {
		t.Run(name, func(t *testing.T) {
			rules, err := autoformat.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			vcl, err := rules.VarnishVCL([]string{"hero"})
			if err != nil {
				t.Fatal(err)
			}
			l, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			f := &acceptFront{pulls: map[string]int{}}
			srv := &http.Server{Handler: f, ReadHeaderTimeout: 5 * time.Second}
			go func() { _ = srv.Serve(l) }()
			t.Cleanup(func() { _ = srv.Close() })
			v := varnishtest.Start(t, varnishtest.Options{FormatsVCL: vcl,
				Backend: varnish.Backend{Addr: l.Addr().String(), ConnectTimeout: time.Second, FirstByteTimeout: 5 * time.Second}})
			get := func(path, accept string) string {
				req, _ := http.NewRequest("GET", v.URL(path), nil)
				if accept != "" {
					req.Header.Set("Accept", accept)
				}
				req.Header.Set("X-Imgorigin-Format", "avif") // a client's own is never believed
				res, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				defer res.Body.Close()
				body, _ := io.ReadAll(res.Body)
				return string(body)
			}
			buckets := map[autoformat.Bucket]bool{}
			for _, path := range []string{"/i/w_300,f_auto/local/a.jpg", "/i/hero/local/a.jpg"} {
				for _, c := range table {
					want := rules.FromAccept(c.Accept)
					if cfg.FallbackOnly {
						want = autoformat.Fallback
					}
					buckets[want] = true
					if got := get(path, c.Accept); got != autoformat.CanonicalAccept(want) {
						t.Errorf("%s %s: the origin got Accept %q, want %q (bucket %s)", path, c.Name, got, autoformat.CanonicalAccept(want), want)
					}
				}
				f.mu.Lock()
				n := f.pulls[path]
				f.mu.Unlock()
				if n != len(buckets) {
					t.Errorf("%s: %d pulls for %d clients, want one per bucket (%d)", path, n, len(table), len(buckets))
				}
			}
			const explicit = "/i/w_300,f_webp/local/a.jpg"
			if got := get(explicit, "image/avif,*/*"); got != "image/avif,*/*" {
				t.Errorf("explicit format: Accept %q reached the origin, want the client's", got)
			}
		})
	}
}
