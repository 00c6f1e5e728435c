package redact

import (
	"bytes"
	"strings"
	"testing"
)

func TestQuery(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"no query", "/i/w_100,f_webp/s/a.jpg", "/i/w_100,f_webp/s/a.jpg"},
		{"token", "/i/w_100,f_webp/s/a.jpg?token=k1.1800000000.SECRETMAC", "/i/w_100,f_webp/s/a.jpg"},
		{"aliyun", "/i/thumb/s/a.jpg?auth_key=1800000000-0-0-SECRETMD5", "/i/thumb/s/a.jpg"},
		{"tencent d, several parameters", "/i/thumb/s/a.jpg?sign=SECRET&t=65c0", "/i/thumb/s/a.jpg"},
		{"absolute form", "http://img.example/i/thumb/s/a.jpg?token=SECRET", "http://img.example/i/thumb/s/a.jpg"},
		{"empty query", "/i/thumb/s/a.jpg?", "/i/thumb/s/a.jpg"},
		{"escaped question mark is path", "/i/thumb/s/a%3Fb.jpg", "/i/thumb/s/a%3Fb.jpg"},
		{"commas and quotes kept, nothing else", `/a?x=1,2"&token=SECRET`, `/a,"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Query(tc.in); got != tc.want {
				t.Errorf("Query(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// nginx 1.22's error lines for an upstream that refused and one that reset, as the front and
// the edge write them (ngx_http_upstream.c: ngx_http_upstream_next, ngx_http_log_error).
const nginxLines = `2026/12/06 23:01:02 [error] 4242#4242: *17 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET /i/w_100,f_webp/local/a.jpg?token=k1.1800000000.SECRETMAC HTTP/1.1", upstream: "http://127.0.0.1:8101/i/w_100,f_webp/local/a.jpg?token=k1.1800000000.SECRETMAC", host: "127.0.0.1:8080", referrer: "https://shop.example/p?auth_key=1800000000-0-0-SECRETMD5"
2026/12/06 23:01:03 [error] 4242#4242: *18 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: _, request: "GET /info/local/a.jpg?auth_key=1800000000-0-0-SECRETMD5 HTTP/1.1", upstream: "http://127.0.0.1:8102/info/local/a.jpg?auth_key=1800000000-0-0-SECRETMD5", host: "img"
`

const nginxLinesRedacted = `2026/12/06 23:01:02 [error] 4242#4242: *17 connect() failed (111: Connection refused) while connecting to upstream, client: 127.0.0.1, server: _, request: "GET /i/w_100,f_webp/local/a.jpg HTTP/1.1", upstream: "http://127.0.0.1:8101/i/w_100,f_webp/local/a.jpg", host: "127.0.0.1:8080", referrer: "https://shop.example/p"
2026/12/06 23:01:03 [error] 4242#4242: *18 upstream prematurely closed connection while reading response header from upstream, client: 127.0.0.1, server: _, request: "GET /info/local/a.jpg HTTP/1.1", upstream: "http://127.0.0.1:8102/info/local/a.jpg", host: "img"
`

func TestWriterNginxLines(t *testing.T) {
	if got := Query(nginxLines); got != nginxLinesRedacted {
		t.Errorf("Query:\n got %s\nwant %s", got, nginxLinesRedacted)
	}
	// Any cut of the stream into writes gives the same text.
	for _, size := range []int{1, 2, 3, 7, 64, 1000, len(nginxLines)} {
		var out bytes.Buffer
		w := NewWriter(&out)
		for in := nginxLines; len(in) > 0; {
			n := min(size, len(in))
			if k, err := w.Write([]byte(in[:n])); k != n || err != nil {
				t.Fatalf("Write = %d, %v", k, err)
			}
			in = in[n:]
		}
		if out.String() != nginxLinesRedacted {
			t.Errorf("writes of %d bytes:\n got %s\nwant %s", size, out.String(), nginxLinesRedacted)
		}
	}
}

// FuzzQuery: the output never holds a byte of a query but '"' and ',', the rule is idempotent,
// and a Writer given the input in two pieces writes what Query returns for the whole.
func FuzzQuery(f *testing.F) {
	f.Add(nginxLines, 10)
	f.Add("/a?token=x y?z", 3)
	f.Add("??\n?\"", 1)
	f.Fuzz(func(t *testing.T, in string, cut int) {
		out := Query(in)
		if strings.ContainsRune(out, '?') {
			t.Fatalf("Query(%q) = %q holds a '?'", in, out)
		}
		if Query(out) != out {
			t.Fatalf("Query is not idempotent on %q", in)
		}
		if len(out) > len(in) {
			t.Fatalf("Query(%q) = %q is longer", in, out)
		}
		// Every byte dropped lies in a query: cutting each query out by hand gives out.
		var want []byte
		inQuery := false
		for i := 0; i < len(in); i++ {
			c := in[i]
			switch {
			case !inQuery && c == '?':
				inQuery = true
			case !inQuery:
				want = append(want, c)
			case c == ' ' || c == '\t' || c == '\r' || c == '\n':
				inQuery = false
				want = append(want, c)
			case c == '"' || c == ',':
				want = append(want, c)
			}
		}
		if string(want) != out {
			t.Fatalf("Query(%q) = %q, want %q", in, out, want)
		}
		if len(in) > 0 {
			cut = (cut%len(in) + len(in)) % len(in)
		} else {
			cut = 0
		}
		var b bytes.Buffer
		w := NewWriter(&b)
		_, _ = w.Write([]byte(in[:cut]))
		_, _ = w.Write([]byte(in[cut:]))
		if b.String() != out {
			t.Fatalf("Writer cut at %d wrote %q, Query %q", cut, b.String(), out)
		}
	})
}

// BenchmarkQuery: the access log calls Query once per request.
func BenchmarkQuery(b *testing.B) {
	for _, tc := range []struct{ name, target string }{
		{"plain", "/i/w_300,f_webp/local/photos/cat.jpg"},
		{"token", "/i/w_300,f_webp/local/photos/cat.jpg?token=k1.1800000000.AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-AbCdE"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				_ = Query(tc.target)
			}
		})
	}
}
