package imgurl

import (
	"net/url"
	"strconv"
	"strings"
)

// Parse parses an escaped image path (the request target as sent, up to the query: not
// r.URL.EscapedPath(), which re-escapes raw bytes) and accepts it only in its canonical
// spelling: Parse(p).String() is the input. A path that names a valid image in another
// spelling (options out of order, a default written, upper case, leading zeros, "2.0",
// non-canonical escaping, empty or "." key segments, a trailing slash) fails with an *Error
// of kind ErrNotCanonical whose Canonical field holds the one accepted spelling. Other
// failures are ErrInvalid or ErrOutOfRange.
func Parse(escapedPath string, lim Limits) (Path, error) {
	if len(escapedPath) > lim.MaxPathLen {
		return Path{}, outOfRange("path: longer than " + strconv.Itoa(lim.MaxPathLen) + " bytes")
	}
	rest, ok := strings.CutPrefix(escapedPath, Prefix)
	if !ok {
		return Path{}, invalid("image paths are /i/{variant}/{source}/{key}")
	}
	vseg, rest, ok := strings.Cut(rest, "/")
	if !ok {
		return Path{}, invalid("image paths are /i/{variant}/{source}/{key}: source and key missing")
	}
	src, rawKey, ok := strings.Cut(rest, "/")
	if !ok {
		return Path{}, invalid("image paths are /i/{variant}/{source}/{key}: key missing")
	}

	var p Path
	var err error
	if p.Variant, err = parseVariant(vseg); err != nil {
		return Path{}, err
	}
	p.Source = src
	if !validName(src) {
		if low := strings.ToLower(src); validName(low) {
			p.Source = low
		} else {
			return Path{}, invalid("source: names are [a-z0-9][a-z0-9-]{0,31}")
		}
	}
	if p.Key, err = unescapeKey(rawKey); err != nil {
		return Path{}, err
	}
	if err := p.Validate(lim); err != nil {
		return Path{}, err
	}
	if canon := p.String(); canon != escapedPath {
		return Path{}, &Error{Kind: ErrNotCanonical, Msg: whyNotCanonical(p, vseg, src), Canonical: canon}
	}
	return p, nil
}

func whyNotCanonical(p Path, vseg, src string) string {
	switch {
	case p.Variant.String() != vseg && p.Variant.Preset != "":
		return "preset names are lower case"
	case p.Variant.String() != vseg:
		return "options have one spelling: order " + optionOrder + "; defaults left out; lower case; plain numbers; a vertical flip is rot_180,flip_h"
	case p.Source != src:
		return "source names are lower case"
	}
	return "the key is escaped segment by segment (url.PathEscape, upper-case hex), without empty or '.' segments"
}

// unescapeKey undoes the escaping of each segment of the raw key, dropping empty and "."
// segments (a canonical spelling exists without them). ".." and other bad segments are left
// for ValidateKey.
func unescapeKey(raw string) (string, error) {
	if !strings.ContainsAny(raw, "%") && !strings.Contains(raw, "//") && !strings.HasSuffix(raw, "/") &&
		!strings.HasPrefix(raw, "/") && !strings.Contains(raw, "./") && !strings.HasSuffix(raw, "/.") && raw != "." {
		return raw, nil // nothing to undo: the common case, no allocation
	}
	var b strings.Builder
	b.Grow(len(raw))
	for seg := range strings.SplitSeq(raw, "/") {
		s := seg
		if strings.IndexByte(seg, '%') >= 0 {
			var err error
			if s, err = url.PathUnescape(seg); err != nil {
				return "", invalid("key: bad percent-encoding in " + strconv.Quote(seg))
			}
		}
		if s == "" || s == "." {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('/')
		}
		b.WriteString(s)
	}
	return b.String(), nil
}

// parseVariant reads a variant segment leniently (any order, upper case, leading zeros,
// defaults written); Parse then insists on the canonical spelling.
func parseVariant(seg string) (Variant, error) {
	if seg == "" {
		return Variant{}, invalid("variant: empty")
	}
	if !strings.ContainsAny(seg, "_,") {
		low := strings.ToLower(seg)
		if !validName(low) {
			return Variant{}, invalid("variant: preset names are [a-z0-9][a-z0-9-]{0,31}; options are key_value,… (" + optionList + ")")
		}
		return Variant{Preset: low}, nil
	}
	var o Options
	var seen uint
	var halfTurns int // flip_v and flip_hv, folded into rot after the loop
	for item := range strings.SplitSeq(seg, ",") {
		if item == "" {
			continue
		}
		k, v, ok := strings.Cut(item, "_")
		if !ok {
			return Variant{}, invalid("option " + strconv.Quote(item) + " is not key_value")
		}
		k = strings.ToLower(k)
		bit, known := optionBits[k]
		if !known {
			return Variant{}, invalid("unknown option " + strconv.Quote(k) + " (" + optionList + ")")
		}
		if seen&bit != 0 {
			return Variant{}, invalid("option " + k + " given twice")
		}
		seen |= bit
		if k == "flip" {
			switch strings.ToLower(v) {
			case "h":
				o.Flip = FlipHorizontal
			case "v":
				o.Flip, halfTurns = FlipHorizontal, 1
			case "hv", "vh":
				halfTurns = 1
			default:
				return Variant{}, invalid("flip: h (a vertical flip is rot_180,flip_h)")
			}
			continue
		}
		if err := setOption(&o, k, v); err != nil {
			return Variant{}, err
		}
	}
	o.Rotate = (o.Rotate + 180*halfTurns) % 360
	return Variant{Options: o}, nil
}

// optionOrder is the canonical order of the options; optionList names them for messages.
const (
	optionOrder = "c,rot,flip,w,h,fit,g,dpr,blur,sh,wm,tm,q,bg,f"
	optionList  = "c, rot, flip, w, h, fit, g, dpr, blur, sh, wm, tm, q, bg, f"
)

var optionBits = map[string]uint{"w": 1, "h": 2, "fit": 4, "g": 8, "dpr": 16, "q": 32, "bg": 64, "f": 128,
	"c": 256, "rot": 512, "flip": 1024, "blur": 2048, "sh": 4096, "wm": 8192, "tm": 16384}

func setOption(o *Options, k, v string) error {
	var err error
	switch k {
	case "w":
		o.Width, err = parseCount(k, v, 1)
	case "h":
		o.Height, err = parseCount(k, v, 1)
	case "q":
		o.Quality, err = parseCount(k, v, 1)
	case "fit":
		o.Fit = Fit(strings.ToLower(v))
		if o.Fit == FitCover {
			o.Fit = FitDefault
		} else if !knownFit(o.Fit) {
			return invalid("fit: unknown mode " + strconv.Quote(v) + " (contain, fill, inside, pad; cover is the default)")
		}
	case "c":
		o.Crop, err = parseRegion(v)
	case "rot":
		var n int
		if n, err = parseCount(k, v, 0); err == nil {
			if n%90 != 0 {
				return invalid("rot: 90, 180 or 270 (degrees clockwise)")
			}
			o.Rotate = n % 360
		}
	case "blur":
		o.Blur, err = parseDecimal(k, v)
	case "sh":
		o.Sharpen, err = parseDecimal(k, v)
	case "wm", "tm":
		name := strings.ToLower(v)
		if !validName(name) {
			return invalid(k + ": watermark names are [a-z0-9][a-z0-9-]{0,31}")
		}
		if k == "wm" {
			o.Watermark = name
		} else {
			o.Text = name
		}
	case "g":
		switch g := strings.ToLower(v); g {
		case "c", "center", "centre":
			o.Gravity = GravityDefault
		case "fp":
			return invalid("g: a focal point is g_fp_{x}_{y}, x and y in 0..1")
		default:
			if fp, ok := strings.CutPrefix(g, "fp_"); ok {
				xs, ys, ok := strings.Cut(fp, "_")
				if !ok {
					return invalid("g: a focal point is g_fp_{x}_{y}, x and y in 0..1")
				}
				if o.FocusX, err = parseDecimal("g_fp x", xs); err != nil {
					return err
				}
				if o.FocusY, err = parseDecimal("g_fp y", ys); err != nil {
					return err
				}
				o.Gravity = GravityFocus
				if o.FocusX == 0.5 && o.FocusY == 0.5 {
					o.Gravity, o.FocusX, o.FocusY = GravityDefault, 0, 0 // the centre is the default
				}
				return nil
			}
			o.Gravity = Gravity(g)
			if !knownGravity(o.Gravity) {
				return invalid("g: unknown gravity " + strconv.Quote(v) + " (n, ne, e, se, s, sw, w, nw, smart, fp_{x}_{y}; centre is the default)")
			}
		}
	case "dpr":
		o.DPR, err = parseDPR(v)
	case "bg":
		bg := strings.ToLower(v)
		if len(bg) == 3 && isHex(bg) {
			bg = string([]byte{bg[0], bg[0], bg[1], bg[1], bg[2], bg[2]})
		}
		if len(bg) != 6 && len(bg) != 8 || !isHex(bg) {
			return invalid("bg: lower-case hex rrggbb or rrggbbaa")
		}
		o.Background = bg
	case "f":
		f := Format(strings.ToLower(v))
		if f == "jpg" {
			f = JPEG
		}
		if !knownFormat(f) {
			return invalid("f: unknown format " + strconv.Quote(v) + " (jpeg, png, webp, avif, gif, auto)")
		}
		o.Format = f
	}
	return err
}

// parseCount reads a decimal count of at most 9 digits; leading zeros are tolerated here and
// refused by the canonical comparison.
func parseCount(k, v string, min int) (int, error) {
	if v == "" || len(v) > 9 {
		if len(v) > 9 && allDigits(v) {
			return 0, outOfRange(k + ": too large")
		}
		return 0, invalid(k + ": must be a decimal number")
	}
	if !allDigits(v) {
		return 0, invalid(k + ": must be a decimal number")
	}
	n, _ := strconv.Atoi(v)
	if n < min {
		return 0, outOfRange(k + ": must be at least " + strconv.Itoa(min))
	}
	return n, nil
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// parseRegion reads x_y_w_h as four decimal counts.
func parseRegion(v string) (Region, error) {
	parts := strings.Split(v, "_")
	if len(parts) != 4 {
		return Region{}, invalid("c: a crop region is c_{x}_{y}_{width}_{height} in source pixels")
	}
	var n [4]int
	for i, s := range parts {
		var err error
		if n[i], err = parseCount("c", s, 0); err != nil {
			return Region{}, err
		}
	}
	if n[2] == 0 || n[3] == 0 {
		return Region{}, outOfRange("c: width and height must be at least 1")
	}
	return Region{X: n[0], Y: n[1], W: n[2], H: n[3]}, nil
}

// parseDecimal reads digits with an optional decimal point (as dpr does); the bounds and the
// number of decimals are Validate's.
func parseDecimal(k, v string) (float64, error) {
	intPart, frac, _ := strings.Cut(v, ".")
	if intPart == "" && frac == "" || len(v) > 12 || !allDigits(intPart) || !allDigits(frac) {
		return 0, invalid(k + ": must be a decimal number like 2 or 0.5")
	}
	d, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, invalid(k + ": must be a decimal number like 2 or 0.5")
	}
	return d, nil
}

// parseDPR reads digits with an optional decimal point. 1 (the default) becomes 0.
func parseDPR(v string) (float64, error) {
	intPart, frac, _ := strings.Cut(v, ".")
	if intPart == "" && frac == "" || len(v) > 12 || !allDigits(intPart) || !allDigits(frac) {
		return 0, invalid("dpr: must be a decimal number like 2 or 1.5")
	}
	d, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return 0, invalid("dpr: must be a decimal number like 2 or 1.5")
	}
	if d == 0 {
		return 0, outOfRange("dpr: must be above 0")
	}
	if d == 1 {
		return 0, nil
	}
	return d, nil
}
