package imaging

import (
	"fmt"
	"math"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// maxIntermediate bounds a scaled dimension before a crop (a cover of an extreme aspect ratio
// would otherwise ask for a huge intermediate image).
const maxIntermediate = 1 << 15

// plan is the output geometry for an upright source of sw×sh.
type plan struct {
	rw, rh  int  // the source scaled to this size (upright)
	cw, ch  int  // the output canvas
	crop    bool // cover: cut cw×ch out of rw×rh at gravity
	pad     bool // pad: embed rw×rh in cw×ch at gravity
	gravity imgurl.Gravity
	fx, fy  float64 // the focal point, with GravityFocus
}

// makePlan computes the geometry. DPR multiplies the requested size; a request larger than
// maxSide in either dimension is scaled down to fit, keeping its aspect ratio.
func makePlan(sw, sh int, o imgurl.Options, maxSide int) (plan, error) {
	if sw < 1 || sh < 1 {
		return plan{}, fmt.Errorf("%w: source size %dx%d", ErrCorrupt, sw, sh)
	}
	W, H := requestedSize(o)
	if m := max(W, H); m > maxSide {
		f := float64(maxSide) / float64(m)
		if W > 0 {
			W = max(1, int(float64(W)*f))
		}
		if H > 0 {
			H = max(1, int(float64(H)*f))
		}
	}
	fw, fh := float64(sw), float64(sh)
	p := plan{gravity: o.Gravity, fx: o.FocusX, fy: o.FocusY}
	switch {
	case W == 0 && H == 0:
		p.rw, p.rh = sw, sh
	case H == 0:
		p.rw, p.rh = W, roundPos(fh*float64(W)/fw)
	case W == 0:
		p.rw, p.rh = roundPos(fw*float64(H)/fh), H
	default:
		sx, sy := float64(W)/fw, float64(H)/fh
		switch o.Fit {
		case imgurl.FitDefault, imgurl.FitCover:
			s := math.Max(sx, sy)
			p.rw, p.rh = max(W, roundPos(fw*s)), max(H, roundPos(fh*s))
			p.cw, p.ch, p.crop = W, H, p.rw != W || p.rh != H
		case imgurl.FitContain, imgurl.FitPad:
			s := math.Min(sx, sy)
			p.rw, p.rh = min(W, roundPos(fw*s)), min(H, roundPos(fh*s))
			if o.Fit == imgurl.FitPad {
				p.cw, p.ch, p.pad = W, H, p.rw != W || p.rh != H
			}
		case imgurl.FitInside:
			s := math.Min(1, math.Min(sx, sy))
			p.rw, p.rh = min(W, roundPos(fw*s)), min(H, roundPos(fh*s))
		case imgurl.FitFill:
			p.rw, p.rh = W, H
		default:
			return plan{}, fmt.Errorf("%w: fit %q", ErrUnsupported, o.Fit)
		}
	}
	if !p.crop {
		// Single-dimension requests and "no resize" follow the source's aspect: bound them too.
		if m := max(p.rw, p.rh); m > maxSide {
			f := float64(maxSide) / float64(m)
			p.rw, p.rh = roundPos(float64(p.rw)*f), roundPos(float64(p.rh)*f)
		}
	}
	if p.rw > maxIntermediate || p.rh > maxIntermediate {
		return plan{}, fmt.Errorf("%w: %dx%d scaled to %dx%d (aspect ratio too extreme)", ErrLimits, sw, sh, p.rw, p.rh)
	}
	if !p.crop && !p.pad {
		p.cw, p.ch = p.rw, p.rh
	}
	return p, nil
}

// requestedSize is the box the options ask for, in output pixels: width and height times DPR
// (0 where the options leave a dimension to the source's aspect).
func requestedSize(o imgurl.Options) (w, h int) {
	dpr := o.DPR
	if dpr <= 0 {
		dpr = 1
	}
	if o.Width > 0 {
		w = roundPos(float64(o.Width) * dpr)
	}
	if o.Height > 0 {
		h = roundPos(float64(o.Height) * dpr)
	}
	return w, h
}

func roundPos(v float64) int {
	return max(1, int(math.Round(v)))
}

// cropOrigin is where a cw×ch box sits in a w×h image for a compass gravity.
func cropOrigin(w, h, cw, ch int, g imgurl.Gravity) (x, y int) {
	x, y = (w-cw)/2, (h-ch)/2
	switch g {
	case imgurl.GravityNorth, imgurl.GravityNorthEast, imgurl.GravityNorthWest:
		y = 0
	case imgurl.GravitySouth, imgurl.GravitySouthEast, imgurl.GravitySouthWest:
		y = h - ch
	}
	switch g {
	case imgurl.GravityWest, imgurl.GravityNorthWest, imgurl.GravitySouthWest:
		x = 0
	case imgurl.GravityEast, imgurl.GravityNorthEast, imgurl.GravitySouthEast:
		x = w - cw
	}
	return x, y
}
