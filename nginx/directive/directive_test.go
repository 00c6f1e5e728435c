package directive_test

import (
	"testing"

	"github.com/imgorigin/imgorigin/nginx/directive"
)

func TestDirectives(t *testing.T) {
	cases := []struct {
		name  string
		check func(string) bool
		good  []string
		bad   []string
	}{
		{"size", directive.Size, []string{"1k", "32m", "1024", "1g"}, []string{"", "1kb", "1 k", "1k;"}},
		{"buffers", directive.Buffers, []string{"4 8k"}, []string{"4", "4 8k;", "a 8k"}},
		{"header", directive.Header, []string{"X-Forwarded-For"}, []string{"", "-x", "X Forwarded", "X;"}},
		{"path", directive.Path, []string{"logs/access.log", "/var/run/n.pid"}, []string{"", "a b", "x;include"}},
		{"error_log", directive.ErrorLog,
			[]string{"stderr", "logs/error.log", "syslog:server=unix:/run/imgorigin-log/nginx.sock", "syslog:server=unix:/run/l.sock,tag=front,nohostname"},
			[]string{"", "syslog:server=10.0.0.1:514", "syslog:server=unix:run/rel.sock", "syslog:server=unix:/a.sock,tag=x;include /etc/passwd", "syslog:server=unix:/a.sock warn", "syslog:server=unix:/a.sock,tag=a b"}},
		{"workers", directive.Workers, []string{"auto", "4", "1024"}, []string{"0", "", "auto;"}},
		{"user", directive.User, []string{"www-data", "nobody"}, []string{"", "Root", "a b"}},
		{"host", directive.Host, []string{"127.0.0.1:8080", "img.example.com"}, []string{"", "a b", "a;b"}},
		{"listen", directive.Listen, []string{"8080", "127.0.0.1:8000", "[::1]:80"}, []string{"", "0.0.0.0:x", ":80", "a b:80"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, s := range tc.good {
				if !tc.check(s) {
					t.Errorf("%q refused", s)
				}
			}
			for _, s := range tc.bad {
				if tc.check(s) {
					t.Errorf("%q accepted", s)
				}
			}
		})
	}
}
