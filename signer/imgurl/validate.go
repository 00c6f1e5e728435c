package imgurl

import (
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// validName reports whether s is a preset or source name: [a-z0-9][a-z0-9-]{0,31}.
func validName(s string) bool {
	if len(s) == 0 || len(s) > 32 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// ValidName reports whether s is a valid preset or source name.
func ValidName(s string) bool { return validName(s) }

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

func knownFit(f Fit) bool {
	switch f {
	case FitContain, FitFill, FitInside, FitPad:
		return true
	}
	return false
}

func knownGravity(g Gravity) bool {
	switch g {
	case GravityNorth, GravityNorthEast, GravityEast, GravitySouthEast, GravitySouth,
		GravitySouthWest, GravityWest, GravityNorthWest, GravitySmart, GravityFocus:
		return true
	}
	return false
}

func knownFormat(f Format) bool {
	switch f {
	case JPEG, PNG, WebP, AVIF, GIF, Auto:
		return true
	}
	return false
}

// Validate checks that o is within lim and in canonical form: every field either zero (the
// default) or a value that Parse accepts. The errors are *Error of kind ErrInvalid or
// ErrOutOfRange.
func (o Options) Validate(lim Limits) error {
	itoa := strconv.Itoa
	switch {
	case o.Format == "":
		return invalid("f (output format) is required: jpeg, png, webp, avif, gif or auto")
	case !knownFormat(o.Format):
		return invalid("f: unknown format " + strconv.Quote(string(o.Format)) + " (jpeg, png, webp, avif, gif, auto)")
	case o.Width < 0 || o.Width > lim.MaxWidth:
		return outOfRange("w: must be 1.." + itoa(lim.MaxWidth))
	case o.Height < 0 || o.Height > lim.MaxHeight:
		return outOfRange("h: must be 1.." + itoa(lim.MaxHeight))
	case o.Fit == FitCover:
		return invalid("fit: cover is the default and is never written")
	case o.Fit != FitDefault && !knownFit(o.Fit):
		return invalid("fit: unknown mode " + strconv.Quote(string(o.Fit)) + " (contain, fill, inside, pad; cover is the default)")
	case o.Fit != FitDefault && (o.Width == 0 || o.Height == 0):
		return invalid("fit: needs both w and h")
	case o.Gravity != GravityDefault && !knownGravity(o.Gravity):
		return invalid("g: unknown gravity " + strconv.Quote(string(o.Gravity)) + " (n, ne, e, se, s, sw, w, nw, smart, fp_{x}_{y}; centre is the default)")
	case o.Gravity != GravityDefault && (o.Width == 0 || o.Height == 0):
		return invalid("g: needs both w and h")
	case o.Gravity != GravityDefault && o.Fit != FitDefault && o.Fit != FitPad:
		return invalid("g: only with the default fit (cover) or fit_pad")
	case o.Gravity == GravitySmart && o.Fit == FitPad:
		return invalid("g: smart only crops; it cannot place a pad")
	case o.Gravity == GravityFocus && o.Fit == FitPad:
		return invalid("g: a focal point only crops; it cannot place a pad")
	case o.Gravity != GravityFocus && (o.FocusX != 0 || o.FocusY != 0):
		return invalid("g: a focal point needs g_fp_{x}_{y}")
	case o.Gravity == GravityFocus && !(unit(o.FocusX) && unit(o.FocusY)):
		return outOfRange("g: focal point coordinates are 0..1 with at most 3 decimals")
	case o.Gravity == GravityFocus && o.FocusX == 0.5 && o.FocusY == 0.5:
		return invalid("g: the centre is the default and is never written")
	case math.IsNaN(o.DPR) || o.DPR < 0 || o.DPR > lim.MaxDPR:
		return outOfRange("dpr: must be above 0 and at most " + strconv.FormatFloat(lim.MaxDPR, 'f', -1, 64))
	case o.DPR == 1:
		return invalid("dpr: 1 is the default and is never written")
	case o.DPR != 0 && (o.DPR < 0.01 || math.Round(o.DPR*100)/100 != o.DPR):
		return invalid("dpr: at most two decimals")
	case o.Blur != 0 && !(o.Blur > 0 && o.Blur <= lim.MaxBlur && tenths(o.Blur)):
		return outOfRange("blur: sigma 0.1.." + strconv.FormatFloat(lim.MaxBlur, 'f', -1, 64) + " with at most one decimal")
	case o.Sharpen != 0 && !(o.Sharpen > 0 && o.Sharpen <= lim.MaxSharpen && tenths(o.Sharpen)):
		return outOfRange("sh: sigma 0.1.." + strconv.FormatFloat(lim.MaxSharpen, 'f', -1, 64) + " with at most one decimal")
	case o.Watermark != "" && !validName(o.Watermark):
		return invalid("wm: watermark names are [a-z0-9][a-z0-9-]{0,31}")
	case o.Text != "" && !validName(o.Text):
		return invalid("tm: watermark names are [a-z0-9][a-z0-9-]{0,31}")
	case o.Quality < 0 || o.Quality > 100:
		return outOfRange("q: must be 1..100")
	case o.Background != "" && o.Fit != FitPad && o.Format != JPEG:
		return invalid("bg: only with fit_pad (the pad colour) or f_jpeg (the colour alpha is flattened onto)")
	case o.Background != "" && (len(o.Background) != 6 && len(o.Background) != 8 || !isHex(o.Background)):
		return invalid("bg: lower-case hex rrggbb or rrggbbaa")
	case o.Background != "" && o.Fit != FitPad && len(o.Background) != 6:
		return invalid("bg: flattening onto a colour takes rrggbb (JPEG has no alpha)")
	}
	return o.validateGeometry()
}

// validateGeometry checks the crop region, rotation and flip.
func (o Options) validateGeometry() error {
	c := o.Crop
	switch {
	case !c.IsZero() && (c.X < 0 || c.Y < 0 || c.W < 1 || c.H < 1):
		return outOfRange("c: x and y at least 0, width and height at least 1")
	case !c.IsZero() && (c.X > MaxCropSide-c.W || c.Y > MaxCropSide-c.H || c.W > MaxCropSide || c.H > MaxCropSide):
		return outOfRange("c: the region must end within " + strconv.Itoa(MaxCropSide) + " pixels")
	case o.Rotate != 0 && o.Rotate != 90 && o.Rotate != 180 && o.Rotate != 270:
		return invalid("rot: 90, 180 or 270 (degrees clockwise)")
	case o.Flip != FlipNone && o.Flip != FlipHorizontal:
		return invalid("flip: h (a vertical flip is rot_180,flip_h)")
	}
	return nil
}

// unit reports whether v is in 0..1 with at most three decimals.
func unit(v float64) bool {
	return v >= 0 && v <= 1 && math.Round(v*1000)/1000 == v
}

// tenths reports whether v has at most one decimal.
func tenths(v float64) bool { return math.Round(v*10)/10 == v }

// Validate checks that v is exactly one of a valid preset name and valid options.
func (v Variant) Validate(lim Limits) error {
	if v.Preset != "" {
		if v.Options != (Options{}) {
			return invalid("variant: a preset and options are exclusive")
		}
		if !validName(v.Preset) {
			return invalid("preset: names are [a-z0-9][a-z0-9-]{0,31}")
		}
		return nil
	}
	return v.Options.Validate(lim)
}

// ValidateKey checks an unescaped object key: not empty, at most lim.MaxKeyLen bytes, valid
// UTF-8, no NUL, and no empty, "." or ".." segment.
func ValidateKey(key string, lim Limits) error {
	switch {
	case key == "":
		return invalid("key: empty")
	case len(key) > lim.MaxKeyLen:
		return outOfRange("key: longer than " + strconv.Itoa(lim.MaxKeyLen) + " bytes")
	case !utf8.ValidString(key):
		return invalid("key: not valid UTF-8")
	case strings.IndexByte(key, 0) >= 0:
		return invalid("key: contains NUL")
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return invalid("key: empty segment")
		case ".", "..":
			return invalid("key: '.' and '..' segments are not allowed")
		}
	}
	return nil
}

// Validate checks every part of p and the length of its canonical path.
func (p Path) Validate(lim Limits) error {
	if err := p.Variant.Validate(lim); err != nil {
		return err
	}
	if !validName(p.Source) {
		return invalid("source: names are [a-z0-9][a-z0-9-]{0,31}")
	}
	if err := ValidateKey(p.Key, lim); err != nil {
		return err
	}
	if n := len(p.String()); n > lim.MaxPathLen {
		return outOfRange("path: longer than " + strconv.Itoa(lim.MaxPathLen) + " bytes")
	}
	return nil
}
