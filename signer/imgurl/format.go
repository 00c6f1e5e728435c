package imgurl

import (
	"strconv"
	"strings"
)

// String returns the canonical options segment, e.g. "w_300,h_200,fit_pad,bg_ffffff,f_jpeg".
// Zero fields are left out; the order is fixed: c rot flip w h fit g dpr blur sh wm tm q bg f.
func (o Options) String() string {
	b := make([]byte, 0, 48)
	sep := func() {
		if len(b) > 0 {
			b = append(b, ',')
		}
	}
	num := func(v float64) { b = strconv.AppendFloat(b, v, 'f', -1, 64) }
	if !o.Crop.IsZero() {
		b = append(b, "c_"...)
		for i, v := range [4]int{o.Crop.X, o.Crop.Y, o.Crop.W, o.Crop.H} {
			if i > 0 {
				b = append(b, '_')
			}
			b = strconv.AppendInt(b, int64(v), 10)
		}
	}
	if o.Rotate != 0 {
		sep()
		b = strconv.AppendInt(append(b, "rot_"...), int64(o.Rotate), 10)
	}
	if o.Flip != FlipNone {
		sep()
		b = append(append(b, "flip_"...), o.Flip...)
	}
	if o.Width != 0 {
		sep()
		b = strconv.AppendInt(append(b, "w_"...), int64(o.Width), 10)
	}
	if o.Height != 0 {
		sep()
		b = strconv.AppendInt(append(b, "h_"...), int64(o.Height), 10)
	}
	if o.Fit != FitDefault {
		sep()
		b = append(append(b, "fit_"...), o.Fit...)
	}
	if o.Gravity != GravityDefault {
		sep()
		b = append(append(b, "g_"...), o.Gravity...)
		if o.Gravity == GravityFocus {
			b = append(b, '_')
			num(o.FocusX)
			b = append(b, '_')
			num(o.FocusY)
		}
	}
	if o.DPR != 0 {
		sep()
		b = append(b, "dpr_"...)
		num(o.DPR)
	}
	if o.Blur != 0 {
		sep()
		b = append(b, "blur_"...)
		num(o.Blur)
	}
	if o.Sharpen != 0 {
		sep()
		b = append(b, "sh_"...)
		num(o.Sharpen)
	}
	if o.Watermark != "" {
		sep()
		b = append(append(b, "wm_"...), o.Watermark...)
	}
	if o.Text != "" {
		sep()
		b = append(append(b, "tm_"...), o.Text...)
	}
	if o.Quality != 0 {
		sep()
		b = strconv.AppendInt(append(b, "q_"...), int64(o.Quality), 10)
	}
	if o.Background != "" {
		sep()
		b = append(append(b, "bg_"...), o.Background...)
	}
	sep()
	b = append(append(b, "f_"...), o.Format...)
	return string(b)
}

// String returns the canonical variant segment: the preset name, or the options.
func (v Variant) String() string {
	if v.Preset != "" {
		return v.Preset
	}
	return v.Options.String()
}

// String returns the canonical escaped path /i/{variant}/{source}/{key}, each key segment
// escaped with url.PathEscape. It does not validate; see Build.
func (p Path) String() string {
	var b strings.Builder
	b.Grow(len(Prefix) + 48 + len(p.Source) + len(p.Key)*3/2 + 2)
	b.WriteString(Prefix)
	b.WriteString(p.Variant.String())
	b.WriteByte('/')
	b.WriteString(p.Source)
	b.WriteByte('/')
	b.WriteString(EscapeKey(p.Key))
	return b.String()
}

// EscapeKey escapes an object key the canonical way: every '/'-separated segment with
// url.PathEscape, the slashes kept.
func EscapeKey(key string) string {
	if !needsEscape(key) {
		return key
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(key)+32)
	for i := 0; i < len(key); i++ {
		c := key[i]
		if keepByte(c) || c == '/' {
			b = append(b, c)
		} else {
			b = append(b, '%', hex[c>>4], hex[c&15])
		}
	}
	return string(b)
}

// keepByte reports whether url.PathEscape leaves c as it is.
func keepByte(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	case c == '-', c == '_', c == '.', c == '~':
		return true
	case c == '$', c == '&', c == '+', c == ':', c == '=', c == '@':
		return true
	}
	return false
}

// needsEscape reports whether some byte of key other than '/' is escaped by url.PathEscape.
func needsEscape(key string) bool {
	for i := 0; i < len(key); i++ {
		if c := key[i]; !keepByte(c) && c != '/' {
			return true
		}
	}
	return false
}

// Build validates p against lim and returns its canonical escaped path. Apps build URLs with
// Build (or the signer package), never by hand.
func Build(p Path, lim Limits) (string, error) {
	if err := p.Validate(lim); err != nil {
		return "", err
	}
	return p.String(), nil
}
