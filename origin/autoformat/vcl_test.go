package autoformat_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/imgorigin/imgorigin/cdn/varnish"
	"github.com/imgorigin/imgorigin/cdn/varnish/varnishtest"
	"github.com/imgorigin/imgorigin/origin/autoformat"
)

// TestVCL runs the rendered subroutine of every configuration in a real varnishd: every
// Accept header of the table falls into the bucket the Go rules pick, the canonical Accept it
// is replaced with maps back to that bucket in the Go rules (so the origin renders what the
// cache keyed on), and only f_auto paths get a bucket.
func TestVCL(t *testing.T) {
	table := loadTable(t)
	for name, cfg := range configs {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := mustRules(t, cfg)
			sub, err := r.VCL([]string{"hero"})
			if err != nil {
				t.Fatal(err)
			}
			main := fmt.Sprintf(`vcl 4.1;
backend none none;
include "./%s";
sub vcl_recv {
	call %s;
	return (synth(200));
}
sub vcl_synth {
	set resp.http.X-Bucket = req.http.%s;
	set resp.http.X-Accept = req.http.Accept;
	return (deliver);
}
`, varnish.FormatsFile, autoformat.VCLSub, autoformat.VCLBucketHeader)
			v := varnishtest.Start(t, varnishtest.Options{MainVCL: main, FormatsVCL: sub})
			get := func(path, accept string) (bucket, sent string) {
				req, _ := http.NewRequest("GET", v.URL(path+"?token=k1.1.x"), nil)
				if accept != "" {
					req.Header.Set("Accept", accept)
				}
				req.Header.Set(autoformat.VCLBucketHeader, "avif") // a client's own is dropped
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				return resp.Header.Get("X-Bucket"), resp.Header.Get("X-Accept")
			}
			for _, c := range table {
				want := r.FromAccept(c.Accept)
				if cfg.FallbackOnly {
					if got, _ := get("/i/w_300,f_auto/local/a.jpg", c.Accept); got != "" {
						t.Errorf("%s: fallback only, bucket %q, want none (answers do not vary)", c.Name, got)
					}
					continue
				}
				got, sent := get("/i/w_300,f_auto/local/a.jpg", c.Accept)
				if got != string(want) {
					t.Errorf("%s: varnish says %s, Go rules %s (Accept %q)", c.Name, got, want, c.Accept)
				}
				if back := r.FromAccept(sent); back != want {
					t.Errorf("%s: canonical Accept %q is bucket %s for the origin, want %s", c.Name, sent, back, want)
				}
			}
			for path, auto := range map[string]bool{"/i/w_300,f_auto/local/a.jpg": true, "/i/hero/local/a.jpg": true,
				"/i/w_300,f_webp/local/a.jpg": false, "/i/thumb/local/f_auto/a.jpg": false} {
				bucket, sent := get(path, "image/webp,*/*")
				if (bucket != "") != (auto && !cfg.FallbackOnly) {
					t.Errorf("%s: bucket %q", path, bucket)
				}
				if bucket == "" && sent != "image/webp,*/*" {
					t.Errorf("%s: Accept rewritten to %q on a path that is not f_auto", path, sent)
				}
			}
		})
	}
}
