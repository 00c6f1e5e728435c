package signer

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Responsive describes one image on a page at several widths: a srcset of signed URLs, or a
// <picture> with one <source> per format. Every URL of one piece of markup shares one expiry.
//
// Pages served through a CDN that keys f_auto paths on the format bucket can use a single
// srcset whose Path format is imgurl.Auto; on a CDN that cannot (see cdn/README.md), a
// <picture> with explicit formats lets the browser choose, with one cached object per URL.
type Responsive struct {
	// Path has explicit options (not a preset) with Width set. Each candidate replaces Width
	// (and Format, in a <picture>); a Height scales with the width, rounded half up.
	Path imgurl.Path
	// Widths are the candidates' widths in CSS pixels, ascending, each within the limits.
	Widths []int
	// Formats are the <picture>'s formats, most preferred first: one <source> for each but the
	// last, which is the <img>'s (e.g. avif, webp, jpeg). Srcset uses Path's own format.
	Formats []imgurl.Format
	// Sizes is the sizes attribute ("" leaves it out), e.g. "(max-width: 600px) 100vw, 600px".
	Sizes string
	// Alt is the <img>'s alt text.
	Alt string
}

func (r Responsive) check(lim imgurl.Limits) error {
	o := r.Path.Variant.Options
	switch {
	case r.Path.Variant.Preset != "":
		return errors.New("signer: responsive markup needs explicit options, not a preset")
	case o.Width == 0:
		return errors.New("signer: responsive markup needs options with w (heights scale with it)")
	case len(r.Widths) == 0:
		return errors.New("signer: responsive markup needs at least one width")
	}
	for i, w := range r.Widths {
		if w < 1 || w > lim.MaxWidth {
			return fmt.Errorf("signer: width %d: must be 1..%d", w, lim.MaxWidth)
		}
		if i > 0 && w <= r.Widths[i-1] {
			return errors.New("signer: widths must be ascending, without repeats")
		}
	}
	return nil
}

// candidate returns r.Path at width w in format f.
func (r Responsive) candidate(w int, f imgurl.Format) imgurl.Path {
	p := r.Path
	o := &p.Variant.Options
	if o.Height != 0 {
		o.Height = max(1, (o.Height*w+o.Width/2)/o.Width)
	}
	o.Width = w
	o.Format = f
	return p
}

func (u URLSigner) limits() imgurl.Limits {
	if u.Limits == (imgurl.Limits{}) {
		return imgurl.DefaultLimits()
	}
	return u.Limits
}

func (u URLSigner) expiry(ttl time.Duration) (int64, error) {
	if ttl <= 0 {
		return 0, errors.New("signer: ttl must be positive")
	}
	now := time.Now
	if u.Now != nil {
		now = u.Now
	}
	return Expiry(now(), ttl, u.Bucket), nil
}

// Srcset returns a srcset attribute value, "URL 320w, URL 640w", of r.Path at each width in its
// own format, signed for at least ttl. The value is not HTML-escaped; Picture's is.
func (u URLSigner) Srcset(r Responsive, ttl time.Duration) (string, error) {
	exp, err := u.expiry(ttl)
	if err != nil {
		return "", err
	}
	return u.SrcsetUntil(r, exp)
}

// SrcsetUntil is Srcset with an explicit expiry (unix seconds).
func (u URLSigner) SrcsetUntil(r Responsive, exp int64) (string, error) {
	if err := r.check(u.limits()); err != nil {
		return "", err
	}
	return u.srcset(r, r.Path.Variant.Options.Format, exp)
}

func (u URLSigner) srcset(r Responsive, f imgurl.Format, exp int64) (string, error) {
	var b strings.Builder
	for i, w := range r.Widths {
		url, err := u.URLUntil(r.candidate(w, f), exp)
		if err != nil {
			return "", err
		}
		if i > 0 {
			b.WriteString(", ")
		}
		// A URL inside a srcset may contain commas (the options do) but never ends in one.
		b.WriteString(url + " " + strconv.Itoa(w) + "w")
	}
	return b.String(), nil
}

// Picture returns <picture> markup signed for at least ttl: a <source type srcset [sizes]> per
// format of r.Formats but the last, then <img src srcset [sizes] alt> in the last format, src
// being its widest candidate. Attribute values are escaped like Go's html.EscapeString.
func (u URLSigner) Picture(r Responsive, ttl time.Duration) (string, error) {
	exp, err := u.expiry(ttl)
	if err != nil {
		return "", err
	}
	return u.PictureUntil(r, exp)
}

// PictureUntil is Picture with an explicit expiry (unix seconds).
func (u URLSigner) PictureUntil(r Responsive, exp int64) (string, error) {
	if err := r.check(u.limits()); err != nil {
		return "", err
	}
	if len(r.Formats) == 0 {
		return "", errors.New("signer: a <picture> needs at least one format")
	}
	for i, f := range r.Formats {
		if f == imgurl.Auto {
			return "", errors.New("signer: a <picture> lists explicit formats; use Srcset for f_auto")
		}
		for _, g := range r.Formats[:i] {
			if g == f {
				return "", fmt.Errorf("signer: format %s listed twice", f)
			}
		}
	}
	sizes := ""
	if r.Sizes != "" {
		sizes = ` sizes="` + escapeAttr(r.Sizes) + `"`
	}
	var b strings.Builder
	b.WriteString("<picture>")
	last := len(r.Formats) - 1
	for _, f := range r.Formats[:last] {
		set, err := u.srcset(r, f, exp)
		if err != nil {
			return "", err
		}
		b.WriteString(`<source type="` + contentType(f) + `" srcset="` + escapeAttr(set) + `"` + sizes + ">")
	}
	f := r.Formats[last]
	set, err := u.srcset(r, f, exp)
	if err != nil {
		return "", err
	}
	src, err := u.URLUntil(r.candidate(r.Widths[len(r.Widths)-1], f), exp)
	if err != nil {
		return "", err
	}
	b.WriteString(`<img src="` + escapeAttr(src) + `" srcset="` + escapeAttr(set) + `"` + sizes + ` alt="` + escapeAttr(r.Alt) + `">`)
	b.WriteString("</picture>")
	return b.String(), nil
}

// contentType is the media type of an explicit output format, as the origin answers it.
func contentType(f imgurl.Format) string {
	if f == imgurl.JPEG {
		return "image/jpeg"
	}
	return "image/" + string(f)
}

// escapeAttr escapes like html.EscapeString (the JavaScript and Python signers do the same).
var escapeAttr = strings.NewReplacer(`&`, "&amp;", `'`, "&#39;", `<`, "&lt;", `>`, "&gt;", `"`, "&#34;").Replace
