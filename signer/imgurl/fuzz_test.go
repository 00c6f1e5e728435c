package imgurl

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

// FuzzParse: Parse never panics; what it accepts is canonical and round-trips; what it rejects
// as not canonical names a spelling it accepts.
func FuzzParse(f *testing.F) {
	for _, s := range goldenInputs {
		f.Add(s)
	}
	lim := DefaultLimits()
	f.Fuzz(func(t *testing.T, in string) {
		p, err := Parse(in, lim)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error is not *Error: %v", in, err)
			}
			if e.Canonical != "" {
				if !errors.Is(err, ErrNotCanonical) {
					t.Fatalf("Parse(%q): canonical %q on a %v error", in, e.Canonical, e.Kind)
				}
				if _, err := Parse(e.Canonical, lim); err != nil {
					t.Fatalf("Parse(%q) suggested %q, which fails: %v", in, e.Canonical, err)
				}
			}
			return
		}
		if s := p.String(); s != in {
			t.Fatalf("Parse(%q).String() = %q", in, s)
		}
		q, err := Parse(p.String(), lim)
		if err != nil || q != p {
			t.Fatalf("Parse(String()) = %+v, %v; want %+v", q, err, p)
		}
	})
}

var (
	fuzzFits      = []Fit{FitDefault, FitContain, FitFill, FitInside, FitPad}
	fuzzGravities = []Gravity{GravityDefault, GravityNorth, GravityNorthEast, GravityEast, GravitySouthEast,
		GravitySouth, GravitySouthWest, GravityWest, GravityNorthWest, GravitySmart, GravityFocus}
	fuzzFormats = []Format{JPEG, PNG, WebP, AVIF, GIF, Auto}
)

func pick[T any](s []T, i uint8) T { return s[int(i)%len(s)] }

// FuzzBuild builds a Path from fuzzed fields; every one that validates must survive
// Parse(Build(x)) == x.
func FuzzBuild(f *testing.F) {
	f.Add(uint16(300), uint16(200), uint8(4), uint8(0), uint16(150), uint8(80), uint32(0xffffff), uint8(0), "", "local", "a b/c.jpg", uint64(0), uint8(0), uint32(0), uint32(0), "", "")
	f.Add(uint16(0), uint16(0), uint8(0), uint8(0), uint16(0), uint8(0), uint32(0), uint8(2), "thumb", "s3", "group1/M00/00/00/x.jpg", uint64(0), uint8(0), uint32(0), uint32(0), "", "")
	f.Add(uint16(64), uint16(64), uint8(0), uint8(9), uint16(275), uint8(1), uint32(0), uint8(3), "", "fdfs", "é/%/?/#", uint64(0), uint8(0), uint32(0), uint32(0), "", "")
	f.Add(uint16(64), uint16(64), uint8(0), uint8(10), uint16(0), uint8(0), uint32(0x102030), uint8(0), "", "local", "a.png",
		uint64(10)<<48|uint64(20)<<32|uint64(300)<<16|200, uint8(7), uint32(250)<<16|800, uint32(45)<<16|5, "logo", "shop-cn")
	lim := DefaultLimits()
	f.Fuzz(func(t *testing.T, w, h uint16, fit, g uint8, dpr100 uint16, q uint8, bg uint32, format uint8, preset, source, key string,
		crop uint64, rotFlip uint8, focus1000 uint32, blurSharp10 uint32, wm, tm string) {
		var v Variant
		if preset != "" {
			v.Preset = preset
		} else {
			o := Options{Width: int(w), Height: int(h), Fit: pick(fuzzFits, fit), Gravity: pick(fuzzGravities, g),
				DPR: float64(dpr100) / 100, Quality: int(q), Format: pick(fuzzFormats, format),
				Crop:   Region{X: int(crop >> 48), Y: int(crop >> 32 & 0xffff), W: int(crop >> 16 & 0xffff), H: int(crop & 0xffff)},
				Rotate: 90 * int(rotFlip&3), Blur: float64(blurSharp10>>16) / 10, Sharpen: float64(blurSharp10&0xffff) / 10,
				Watermark: wm, Text: tm}
			if rotFlip&4 != 0 {
				o.Flip = FlipHorizontal
			}
			if o.Gravity == GravityFocus {
				o.FocusX, o.FocusY = float64(focus1000>>16)/1000, float64(focus1000&0xffff)/1000
			}
			if o.DPR == 1 {
				o.DPR = 0
			}
			if (o.Fit == FitPad || o.Format == JPEG) && bg != 0 {
				o.Background = hex6(bg)
			}
			v.Options = o
		}
		p := Path{Variant: v, Source: source, Key: key}
		s, err := Build(p, lim)
		if err != nil {
			return
		}
		got, err := Parse(s, lim)
		if err != nil {
			t.Fatalf("Parse(Build(%+v)) = %q: %v", p, s, err)
		}
		if got != p {
			t.Fatalf("Parse(Build(x)) = %#v, want %#v", got, p)
		}
	})
}

func hex6(v uint32) string {
	const digits = "0123456789abcdef"
	b := make([]byte, 6)
	for i := 5; i >= 0; i-- {
		b[i] = digits[v&15]
		v >>= 4
	}
	return string(b)
}

// FuzzEscapeKey: EscapeKey is url.PathEscape applied to each segment.
func FuzzEscapeKey(f *testing.F) {
	f.Add("a b/c,d;e?f#g%h!i*j'k(l)m+n$o&p=q:r@s~t_u.v-w/é/\x00\xff")
	f.Fuzz(func(t *testing.T, key string) {
		segs := strings.Split(key, "/")
		for i, s := range segs {
			segs[i] = url.PathEscape(s)
		}
		if got, want := EscapeKey(key), strings.Join(segs, "/"); got != want {
			t.Fatalf("EscapeKey(%q) = %q, want %q", key, got, want)
		}
	})
}
