package acl

import (
	"strings"
	"testing"
)

func TestDefault(t *testing.T) {
	ps := Default()
	if len(ps) < 8 {
		t.Fatalf("only %d patterns", len(ps))
	}
	cases := []struct {
		path string
		want bool
	}{
		{"/attachment/forum/201203/15/101522abcdefxyz.jpg", true},
		{"/attachment/forum/201203/15/101522abcdefxyz.jpg.thumb.jpg", true},
		{"/attachment/Mon_1203/2_18_3e7a9f0c1d2b.png", false}, // PHPWind names are fid_hash: one underscore
		{"/attachment/Mon_1203/18_3e7a9f0c1d2b.png", true},
		{"/uploads/2014/07/sunset-300x200.jpg", true},
		{"/uploads/2014/07/sunset.jpg", true},
		{"/uploads/2014/07/evil.php", false},
		{"/pic/2015/01/02/0123456789abcdef0123456789abcdef_200x200.jpg", true},
		{"/static/img/logo.png", true},
		{"/static/img/../../etc/passwd", false},
		{"/group1/M00/00/1A/wKgBAl0abc-123.jpg", true},
		{"/i/w_300,f_webp/local/a.jpg", false},
		{"/attachment/forum/201203/15/x.jpg/../../../../etc/passwd", false},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			if _, got := matching(ps, tc.path); got != tc.want {
				t.Fatalf("match %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"no comment", `^/a$`, "comment"},
		{"empty comment", `^/a$ #`, "comment"},
		{"unanchored", `/a # x`, "anchored"},
		{"quote", `^/a"b$ # x`, "quotes"},
		{"semicolon", `^/a;b$ # x`, "quotes"},
		{"bad regex", `^/a(b$ # x`, "missing closing"},
		{"escaped dollar", `^/a\$ # x`, "unescaped"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse(strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want %q", err, tc.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(string(defaultPatterns))
	f.Add("^/a$ # x\n")
	f.Fuzz(func(t *testing.T, in string) {
		ps, err := Parse(strings.NewReader(in))
		if err != nil {
			return
		}
		for _, p := range ps {
			if strings.ContainsAny(p.Regex, " \t\n\"';") || p.Comment == "" {
				t.Fatalf("unsafe pattern accepted: %+v", p)
			}
		}
	})
}
