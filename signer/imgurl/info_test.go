package imgurl

import (
	"errors"
	"testing"
)

func TestParseInfo(t *testing.T) {
	lim := DefaultLimits()
	for _, tc := range []struct {
		in, canonical string
		kind          error
	}{
		{"/info/local/photos/cat.jpg", "", nil},
		{"/info/s3/a%20b/caf%C3%A9.jpg", "", nil},
		{"/info/S3/a.jpg", "/info/s3/a.jpg", ErrNotCanonical},
		{"/info/s3/a//b.jpg", "/info/s3/a/b.jpg", ErrNotCanonical},
		{"/info/s3/a%2fb.jpg", "/info/s3/a/b.jpg", ErrNotCanonical},
		{"/info/s3/../b.jpg", "", ErrInvalid},
		{"/info/s3", "", ErrInvalid},
		{"/i/thumb/s3/a.jpg", "", ErrInvalid},
		{"/info/s.3/a.jpg", "", ErrInvalid},
	} {
		p, err := ParseInfo(tc.in, lim)
		if tc.kind == nil {
			if err != nil || p.String() != tc.in {
				t.Errorf("ParseInfo(%q) = %+v, %v", tc.in, p, err)
			}
			continue
		}
		var e *Error
		if !errors.Is(err, tc.kind) || !errors.As(err, &e) || e.Canonical != tc.canonical {
			t.Errorf("ParseInfo(%q) = %v, want %v with canonical %q", tc.in, err, tc.kind, tc.canonical)
		}
	}
}

// FuzzParseInfo: what ParseInfo accepts round-trips; a canonical suggestion parses.
func FuzzParseInfo(f *testing.F) {
	for _, s := range []string{"/info/local/a.jpg", "/info/S3/a%2fb", "/info/x/%FF", "/info/a/b/../c"} {
		f.Add(s)
	}
	lim := DefaultLimits()
	f.Fuzz(func(t *testing.T, in string) {
		p, err := ParseInfo(in, lim)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error is not *Error: %v", err)
			}
			if e.Canonical != "" {
				if _, err := ParseInfo(e.Canonical, lim); err != nil {
					t.Fatalf("suggested %q fails: %v", e.Canonical, err)
				}
			}
			return
		}
		if p.String() != in {
			t.Fatalf("ParseInfo(%q).String() = %q", in, p.String())
		}
		if s, err := BuildInfo(p, lim); err != nil || s != in {
			t.Fatalf("BuildInfo = %q, %v", s, err)
		}
	})
}
