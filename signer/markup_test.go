package signer

import (
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func TestResponsiveRefusals(t *testing.T) {
	ring, err := NewRing(Key{ID: "k", Secret: testSecret(1), State: Signing})
	if err != nil {
		t.Fatal(err)
	}
	u := URLSigner{Base: "https://img.example.com", Tokens: Native{Ring: ring}, Now: func() time.Time { return time.Unix(1767225600, 0) }}
	opts := imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 300, Format: imgurl.JPEG}}, Source: "local", Key: "a.jpg"}
	for _, tc := range []struct {
		name string
		r    Responsive
		want string
	}{
		{"preset", Responsive{Path: imgurl.Path{Variant: imgurl.Variant{Preset: "thumb"}, Source: "local", Key: "a.jpg"}, Widths: []int{100}, Formats: []imgurl.Format{imgurl.JPEG}}, "not a preset"},
		{"no width option", Responsive{Path: imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Height: 100, Format: imgurl.JPEG}}, Source: "local", Key: "a.jpg"}, Widths: []int{100}, Formats: []imgurl.Format{imgurl.JPEG}}, "with w"},
		{"no widths", Responsive{Path: opts, Formats: []imgurl.Format{imgurl.JPEG}}, "at least one width"},
		{"descending", Responsive{Path: opts, Widths: []int{300, 200}, Formats: []imgurl.Format{imgurl.JPEG}}, "ascending"},
		{"too wide", Responsive{Path: opts, Widths: []int{5000}, Formats: []imgurl.Format{imgurl.JPEG}}, "must be 1..4096"},
		{"auto in a picture", Responsive{Path: opts, Widths: []int{100}, Formats: []imgurl.Format{imgurl.Auto}}, "use Srcset"},
		{"twice", Responsive{Path: opts, Widths: []int{100}, Formats: []imgurl.Format{imgurl.WebP, imgurl.WebP}}, "twice"},
		{"no formats", Responsive{Path: opts, Widths: []int{100}}, "at least one format"},
		{"unknown format", Responsive{Path: opts, Widths: []int{100}, Formats: []imgurl.Format{"jxl"}}, "unknown format"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := u.Picture(tc.r, time.Hour)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Picture: %v, want an error containing %q", err, tc.want)
			}
		})
	}
	// Every URL of one piece of markup carries one expiry.
	set, err := u.Srcset(Responsive{Path: opts, Widths: []int{100, 200, 300}}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(set, ".1767229200."); n != 3 {
		t.Errorf("srcset %s: %d URLs with the expiry, want 3", set, n)
	}
}
