package httpsrc

import (
	"net/url"
	"path"
	"strings"
	"testing"
)

func TestPathUnder(t *testing.T) {
	const base = "/img/"
	tests := []struct {
		path string
		want bool
	}{
		{"/img/a.jpg", true},
		{"/img/", true},
		{"/img/a/b%20c.jpg", true},
		{"/img/a/../b.jpg", true},  // stays under the base however it is resolved
		{"/img/a%2Fb/c.jpg", true}, // an encoded slash is a separator or not: under either way
		{"/img/%2e%2e/secret/x.jpg", false},
		{"/img/%2E%2E/secret/x.jpg", false},
		{"/img/.%2E/secret/x.jpg", false},
		{"/img/%2e./secret/x.jpg", false},
		{"/img/..%2fsecret/x.jpg", false},
		{"/img/..%2Fsecret/x.jpg", false},
		{"/img/a/..%2f..%2fsecret", false},
		{"/img/..%5csecret/x.jpg", false},  // backslash, as a Windows server reads it
		{"/img/..;/secret/x.jpg", false},   // Tomcat's path parameter
		{"/img/a%2fb/../../secret", false}, // escapes when %2F is not a separator
		{"/img/%2e/x.jpg", true},
		{"/img/%zz", false}, // does not decode
		{"/imgx/a.jpg", false},
		{"/", false},
		{"/..", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			if got := pathUnder(tc.path, base); got != tc.want {
				t.Errorf("pathUnder(%q, %q) = %v, want %v", tc.path, base, got, tc.want)
			}
		})
	}
}

// FuzzPathUnder checks pathUnder against the two ways an upstream resolves a path: nginx
// (ngx_http_parse_complex_uri: decode, then merge dot segments and slashes) and a server
// that splits on "/" before it decodes. Whatever pathUnder admits stays under the base in
// both.
func FuzzPathUnder(f *testing.F) {
	for _, s := range []string{"/img/a.jpg", "/img/%2e%2e/x", "/img/..%2fx", "/img/a%2fb/../../x", "/img/..;/x", "/img/..%5cx"} {
		f.Add(s)
	}
	const base = "/img/"
	f.Fuzz(func(t *testing.T, p string) {
		if !pathUnder(p, base) {
			return
		}
		dec, err := url.PathUnescape(p)
		if err != nil {
			t.Fatalf("pathUnder admitted %q, which does not decode", p)
		}
		nginx := path.Clean("/" + strings.ReplaceAll(dec, "\\", "/"))
		if nginx != "/img" && !strings.HasPrefix(nginx, base) {
			t.Fatalf("pathUnder admitted %q; decoded and merged it is %q", p, nginx)
		}
		var segs []string
		for s := range strings.SplitSeq(p, "/") {
			d, _ := url.PathUnescape(s)
			segs = append(segs, strings.ReplaceAll(d, "/", "\x00"))
		}
		raw := path.Clean("/" + strings.Join(segs, "/"))
		if raw != "/img" && !strings.HasPrefix(raw, base) {
			t.Fatalf("pathUnder admitted %q; split before decoding it is %q", p, raw)
		}
	})
}
