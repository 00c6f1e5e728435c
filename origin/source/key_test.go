package source

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"a.jpg", true},
		{"photos/2024/cat.jpg", true},
		{"odd/with space+%#?.jpg", true},
		{"ünï/日本.png", true},
		{"..a/b..", true},
		{"", false},
		{"/abs", false},
		{"a//b", false},
		{"a/", false},
		{".", false},
		{"..", false},
		{"a/../b", false},
		{"a/./b", false},
		{"a\x00b", false},
		{"\xff", false},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			err := CheckKey(tc.key)
			if tc.ok != (err == nil) {
				t.Fatalf("CheckKey(%q) = %v, want ok=%v", tc.key, err, tc.ok)
			}
			if err != nil && !errors.Is(err, ErrInvalidKey) {
				t.Fatalf("CheckKey(%q) = %v, not ErrInvalidKey", tc.key, err)
			}
		})
	}
}

func FuzzCheckKey(f *testing.F) {
	for _, s := range []string{"a/b.jpg", "../x", "a\x00", "/x", "a//b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, key string) {
		if CheckKey(key) != nil {
			return
		}
		for _, bad := range []string{"/../", "/./", "//", "\x00"} {
			if strings.Contains("/"+key+"/", bad) {
				t.Fatalf("accepted %q containing %q", key, bad)
			}
		}
	})
}
