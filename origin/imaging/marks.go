package imaging

import (
	"fmt"
	"math"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// overlay is a prepared mark: an sRGB image with alpha, composited over each output frame at
// x, y.
type overlay struct {
	img  *vips.ImageRef
	x, y int
}

type overlays []overlay

func (o overlays) close() {
	for _, v := range o {
		v.img.Close()
	}
}

// checkMarks refuses options that name a mark the caller did not resolve (the mark would be
// missing silently) and marks beyond the limits.
func (e *Engine) checkMarks(opts imgurl.Options, m watermark.Set) error {
	if opts.Watermark != "" && m.Image == nil {
		return fmt.Errorf("%w: image watermark %q was not resolved", ErrBadOption, opts.Watermark)
	}
	if opts.Text != "" && m.Text == nil {
		return fmt.Errorf("%w: text watermark %q was not resolved", ErrBadOption, opts.Text)
	}
	if m.Image != nil {
		in := m.Image.Info
		switch in.Format {
		case imgprobe.JPEG, imgprobe.PNG, imgprobe.GIF, imgprobe.WebP, imgprobe.AVIF, imgprobe.HEIF:
		default:
			return fmt.Errorf("%w: watermark image format %q", ErrBadMark, in.Format)
		}
		if in.Width < 1 || in.Height < 1 || in.Pixels() > e.cfg.MaxPixels {
			return fmt.Errorf("%w: watermark image of %dx%d pixels (at most %d)", ErrBadMark, in.Width, in.Height, e.cfg.MaxPixels)
		}
		if !matchesFormat(m.Image.Data, in.Format) {
			return fmt.Errorf("%w: watermark bytes are not %s", ErrBadMark, in.Format)
		}
	}
	return nil
}

// prepareMarks draws the marks for a w×h output: the image mark scaled to its share of the
// width (and never beyond the output), the text rendered at its share of the shorter side
// (shrunk to the width when longer), both at their opacity, placed at their gravity.
func prepareMarks(m watermark.Set, w, h int, strict bool) (overlays, error) {
	var out overlays
	if m.Image != nil {
		o, err := imageMark(m.Image, w, h, strict)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	if m.Text != nil {
		o, err := textMark(m.Text, w, h)
		if err != nil {
			out.close()
			return nil, err
		}
		out = append(out, o...)
	}
	return out, nil
}

func imageMark(m *watermark.Image, w, h int, strict bool) (overlay, error) {
	var params *vips.ImportParams
	if strict {
		params = &vips.ImportParams{}
		params.FailOnError.Set(true)
	}
	mw := max(1, int(math.Round(m.Size*float64(w))))
	bw, bh := max(1, min(mw, w-m.X)), max(1, h-m.Y)
	if m.Tile {
		bw, bh = max(1, min(mw, w)), h
	}
	img, err := vips.LoadThumbnailFromBuffer(m.Data, bw, bh, vips.InterestingNone, vips.SizeBoth, params)
	if err != nil {
		return overlay{}, fmt.Errorf("%w: decode: %s", ErrBadMark, vipsMessage(err))
	}
	fail := func(step string, err error) (overlay, error) {
		img.Close()
		return overlay{}, fmt.Errorf("%w: %s: %s", ErrBadMark, step, vipsMessage(err))
	}
	if err := toSRGB(img); err != nil {
		return fail("colour", err)
	}
	if !img.HasAlpha() {
		if err := img.AddAlpha(); err != nil {
			return fail("alpha", err)
		}
	}
	if err := fade(img, m.Opacity); err != nil {
		return fail("opacity", err)
	}
	if m.Tile {
		tw, th := img.Width()+m.X, img.PageHeight()+m.Y
		if err := img.EmbedBackgroundRGBA(0, 0, tw, th, &vips.ColorRGBA{}); err != nil {
			return fail("tile", err)
		}
		if err := img.Replicate((w+tw-1)/tw, (h+th-1)/th); err != nil {
			return fail("tile", err)
		}
		if err := img.ExtractArea(0, 0, w, h); err != nil {
			return fail("tile", err)
		}
		return overlay{img: img, x: 0, y: 0}, nil
	}
	x, y := place(w, h, img.Width(), img.PageHeight(), m.Placement)
	return overlay{img: img, x: x, y: y}, nil
}

// fade multiplies the alpha band (the last) by opacity.
func fade(img *vips.ImageRef, opacity float64) error {
	if opacity >= 1 {
		return nil
	}
	a := make([]float64, img.Bands())
	b := make([]float64, img.Bands())
	for i := range a {
		a[i] = 1
	}
	a[len(a)-1] = opacity
	if err := img.Linear(a, b); err != nil {
		return err
	}
	return img.Cast(vips.BandFormatUchar)
}

// place is where a mw×mh mark sits in a w×h image: against the gravity's edges, x and y in
// from them (the centre ignores them), and always wholly inside.
func place(w, h, mw, mh int, p watermark.Placement) (int, int) {
	x, y := cropOrigin(w, h, mw, mh, p.Gravity)
	switch p.Gravity {
	case imgurl.GravityWest, imgurl.GravityNorthWest, imgurl.GravitySouthWest:
		x += p.X
	case imgurl.GravityEast, imgurl.GravityNorthEast, imgurl.GravitySouthEast:
		x -= p.X
	}
	switch p.Gravity {
	case imgurl.GravityNorth, imgurl.GravityNorthEast, imgurl.GravityNorthWest:
		y += p.Y
	case imgurl.GravitySouth, imgurl.GravitySouthEast, imgurl.GravitySouthWest:
		y -= p.Y
	}
	return max(0, min(x, w-mw)), max(0, min(y, h-mh))
}

// textMark renders the text and, with a shadow, a blurred dark copy offset under it.
func textMark(t *watermark.Text, w, h int) (overlays, error) {
	px := max(6, int(math.Round(t.Size*float64(min(w, h)))))
	mask, err := textMask(t.Text, t.Font, px)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadMark, err)
	}
	defer mask.Close()
	fail := func(step string, err error) (overlays, error) {
		return nil, fmt.Errorf("%w: text %s: %s", ErrBadMark, step, vipsMessage(err))
	}
	// Shrink a line longer than the output (less its margin) to fit: a mark is never cut off.
	if avail := max(1, w-t.X); mask.Width() > avail || mask.Height() > h {
		s := math.Min(float64(avail)/float64(mask.Width()), float64(max(1, h-t.Y))/float64(mask.Height()))
		if err := mask.Resize(s, vips.KernelLanczos3); err != nil {
			return fail("resize", err)
		}
		if mask.Width() > w || mask.Height() > h {
			if err := mask.ExtractArea(0, 0, min(w, mask.Width()), min(h, mask.Height())); err != nil {
				return fail("resize", err)
			}
		}
	}
	ink, err := colourise(mask, t.Colour, t.Opacity)
	if err != nil {
		return fail("colour", err)
	}
	x, y := place(w, h, ink.Width(), ink.Height(), t.Placement)
	if !t.Shadow {
		return overlays{{img: ink, x: x, y: y}}, nil
	}
	off := max(1, px/16)
	shadow, err := colourise(mask, [3]uint8{0, 0, 0}, t.Opacity*0.6)
	if err == nil {
		err = shadow.GaussianBlur(math.Max(0.5, float64(off)/2))
	}
	if err != nil {
		ink.Close()
		return fail("shadow", err)
	}
	sx, sy := min(x+off, max(0, w-shadow.Width())), min(y+off, max(0, h-shadow.Height()))
	return overlays{{img: shadow, x: sx, y: sy}, {img: ink, x: x, y: y}}, nil
}

// colourise makes an sRGB image with alpha of one colour whose alpha is mask × opacity.
func colourise(mask *vips.ImageRef, c [3]uint8, opacity float64) (*vips.ImageRef, error) {
	rgb, err := mask.Copy()
	if err != nil {
		return nil, err
	}
	alpha, err := mask.Copy()
	if err != nil {
		rgb.Close()
		return nil, err
	}
	defer alpha.Close()
	steps := []func() error{
		func() error { return alpha.Linear1(opacity, 0) },
		func() error { return rgb.BandJoinConst([]float64{0, 0}) }, // three bands
		func() error { // mask·0 + colour
			return rgb.Linear([]float64{0, 0, 0}, []float64{float64(c[0]), float64(c[1]), float64(c[2])})
		},
		func() error { return rgb.BandJoin(alpha) },
		func() error { return rgb.Cast(vips.BandFormatUchar) },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			rgb.Close()
			return nil, err
		}
	}
	out, err := rgb.CopyChangingInterpretation(vips.InterpretationSRGB)
	rgb.Close()
	return out, err
}

// composite draws the overlays over img; an img without alpha stays without.
func composite(img *vips.ImageRef, marks overlays) error {
	if len(marks) == 0 {
		return nil
	}
	hadAlpha := img.HasAlpha()
	for _, m := range marks {
		if err := img.Composite(m.img, vips.BlendModeOver, m.x, m.y); err != nil {
			return vipsFailure("watermark", err)
		}
	}
	if img.BandFormat() != vips.BandFormatUchar {
		if err := img.Cast(vips.BandFormatUchar); err != nil {
			return vipsFailure("watermark", err)
		}
	}
	if !hadAlpha && img.HasAlpha() {
		if err := img.ExtractBand(0, 3); err != nil {
			return vipsFailure("watermark", err)
		}
	}
	return nil
}
