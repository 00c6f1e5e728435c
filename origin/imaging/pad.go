package imaging

import (
	"fmt"
	"strconv"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// pad embeds the scaled image in the p.cw×p.ch canvas at p.gravity (smart means centre) on bg.
// A translucent background adds an alpha band when the output keeps alpha.
func pad(img *vips.ImageRef, p plan, bg vips.ColorRGBA, keepAlpha bool) error {
	g := p.gravity
	if g == imgurl.GravitySmart {
		g = imgurl.GravityDefault
	}
	x, y := cropOrigin(p.cw, p.ch, img.Width(), img.Height(), g)
	if keepAlpha && bg.A < 255 && !img.HasAlpha() {
		if err := img.AddAlpha(); err != nil {
			return err
		}
	}
	if !keepAlpha {
		bg.A = 255
	}
	return img.EmbedBackgroundRGBA(x, y, p.cw, p.ch, &bg)
}

// background is opts.Background ("rrggbb" or "rrggbbaa"), by default opaque white — or
// transparent when padding a source with alpha into a format that keeps it.
func background(opts imgurl.Options, srcAlpha bool) (vips.ColorRGBA, error) {
	s := opts.Background
	if s == "" {
		if srcAlpha && opts.Format != imgurl.JPEG {
			return vips.ColorRGBA{R: 255, G: 255, B: 255, A: 0}, nil
		}
		return vips.ColorRGBA{R: 255, G: 255, B: 255, A: 255}, nil
	}
	if len(s) != 6 && len(s) != 8 {
		return vips.ColorRGBA{}, fmt.Errorf("%w: background %q", ErrUnsupported, s)
	}
	v, err := strconv.ParseUint(s, 16, 32)
	if err != nil {
		return vips.ColorRGBA{}, fmt.Errorf("%w: background %q", ErrUnsupported, s)
	}
	if len(s) == 6 {
		v = v<<8 | 0xFF
	}
	return vips.ColorRGBA{R: uint8(v >> 24), G: uint8(v >> 16), B: uint8(v >> 8), A: uint8(v)}, nil
}
