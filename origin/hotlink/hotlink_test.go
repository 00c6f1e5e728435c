package hotlink

import (
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		bad  string // substring of the error; "" = valid
	}{
		{"off", Config{}, ""},
		{"hosts and wildcards", Config{Referers: []string{"example.com", "*.example.com", "www.example.*", "localhost", "127.0.0.1"}, AllowEmpty: true}, ""},
		{"wildcard both ends", Config{Referers: []string{"*.example.*"}}, "referers[0]"},
		{"bare wildcard", Config{Referers: []string{"*"}}, "referers[0]"},
		{"inner wildcard", Config{Referers: []string{"ex*.com"}}, "referers[0]"},
		{"regex", Config{Referers: []string{"~\\.example\\.com$"}}, "referers[0]"},
		{"port", Config{Referers: []string{"example.com:8080"}}, "referers[0]"},
		{"path", Config{Referers: []string{"example.com/gallery"}}, "referers[0]"},
		{"scheme", Config{Referers: []string{"https://example.com"}}, "referers[0]"},
		{"nginx syntax", Config{Referers: []string{"a.com; return 200"}}, "referers[0]"},
		{"keyword", Config{Referers: []string{"ok.com", "None"}}, "referers[1]"}, // nginx would read it as its keyword
		{"empty entry", Config{Referers: []string{""}}, "referers[0]"},
		{"allow_empty alone", Config{AllowEmpty: true}, "allow_empty"},
		{"too many", Config{Referers: make([]string, maxReferers+1)}, "at most"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.bad == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
				t.Fatalf("error %v, want one naming %q", err, tc.bad)
			}
		})
	}
}

func TestValidReferers(t *testing.T) {
	if got := (Config{}).ValidReferers(); got != "" {
		t.Fatalf("off: %q, want nothing", got)
	}
	got := Config{Referers: []string{"Shop.Example", "*.cdn.example"}}.ValidReferers()
	if want := "valid_referers shop.example *.cdn.example;"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	got = Config{Referers: []string{"shop.example"}, AllowEmpty: true}.ValidReferers()
	if want := "valid_referers none shop.example;"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
