package imgurl

import "testing"

// FuzzUnescapeKey: UnescapeKey inverts EscapeKey on every valid key and accepts nothing but
// the canonical escaping of a valid key.
func FuzzUnescapeKey(f *testing.F) {
	for _, s := range []string{"a/b c.jpg", "group1/M00/00/00/x.jpg", "ü/%41", "a//b", "a%2fb", "..", "%zz"} {
		f.Add(s)
	}
	lim := DefaultLimits()
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateKey(s, lim) == nil {
			if got, err := UnescapeKey(EscapeKey(s), lim); err != nil || got != s {
				t.Fatalf("UnescapeKey(EscapeKey(%q)) = %q, %v", s, got, err)
			}
		}
		if key, err := UnescapeKey(s, lim); err == nil {
			if EscapeKey(key) != s || ValidateKey(key, lim) != nil {
				t.Fatalf("UnescapeKey(%q) accepted %q", s, key)
			}
		}
	})
}

func TestPathAccessors(t *testing.T) {
	p := Path{Variant: Variant{Preset: "thumb"}, Source: "s3", Key: "a b/c#d.jpg"}
	if got, want := p.EscapedKey(), "a%20b/c%23d.jpg"; got != want {
		t.Errorf("EscapedKey = %q, want %q", got, want)
	}
	if got, want := p.Object(), "s3/a%20b/c%23d.jpg"; got != want {
		t.Errorf("Object = %q, want %q", got, want)
	}
	if path, obj := p.StringAndObject(); path != p.String() || obj != p.Object() {
		t.Errorf("StringAndObject = %q, %q", path, obj)
	}
	if got, want := Prefix+p.Variant.String()+"/"+p.Object(), p.String(); got != want {
		t.Errorf("Object does not end the path: %q, %q", got, want)
	}
	for in, want := range map[string]string{"a%20b": "a b", "plain": "plain", "bad%zz": "bad%zz"} {
		if got := Unescape(in); got != want {
			t.Errorf("Unescape(%q) = %q, want %q", in, got, want)
		}
	}
}
