package ring

import "testing"

func TestSplitServer(t *testing.T) {
	cases := []struct{ in, host, port string }{
		{"127.0.0.1:8080", "127.0.0.1", "8080"},
		{"origin-1.svc:80", "origin-1.svc", "80"},
		{"origin-1", "origin-1", ""},
		{"[::1]:8080", "[::1]", "8080"},
		{"[::1]", "[::1]", ""},
		{"unix:/run/o.sock", "/run/o.sock", ""},
		{"host:80a", "host:80a", ""},
		{"host:", "host", ""},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			h, p := splitServer(tc.in)
			if h != tc.host || p != tc.port {
				t.Fatalf("splitServer(%q) = %q, %q; want %q, %q", tc.in, h, p, tc.host, tc.port)
			}
		})
	}
}
