package imgurl

import (
	"strconv"
	"strings"
)

// String returns the canonical options segment, e.g. "w_300,h_200,fit_pad,bg_ffffff,f_jpeg".
// Zero fields are left out; the order is fixed: w h fit g dpr q bg f.
func (o Options) String() string {
	b := make([]byte, 0, 48)
	sep := func() {
		if len(b) > 0 {
			b = append(b, ',')
		}
	}
	if o.Width != 0 {
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
	}
	if o.DPR != 0 {
		sep()
		b = strconv.AppendFloat(append(b, "dpr_"...), o.DPR, 'f', -1, 64)
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
