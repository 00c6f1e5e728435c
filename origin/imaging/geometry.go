package imaging

import (
	"fmt"
	"math"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// geometry is what the steps before fitting do to the upright source: keep a region, turn it,
// mirror it. w×h is the size the fit step sees.
type geometry struct {
	region  imgurl.Region // in upright source pixels; zero = whole image
	rotate  int           // 0, 90, 180, 270 clockwise
	flip    bool
	w, h    int // after region and rotation
	quarter bool
}

// makeGeometry checks the crop region against the upright source size uw×uh: a region that
// does not lie wholly inside the image is refused (ErrBadOption), never clamped.
func makeGeometry(uw, uh int, o imgurl.Options) (geometry, error) {
	g := geometry{region: o.Crop, rotate: o.Rotate, flip: o.Flip == imgurl.FlipHorizontal, w: uw, h: uh}
	if !o.Crop.IsZero() {
		c := o.Crop
		if c.X < 0 || c.Y < 0 || c.W < 1 || c.H < 1 || c.X > uw-c.W || c.Y > uh-c.H {
			return geometry{}, fmt.Errorf("%w: crop region c_%d_%d_%d_%d is not inside the %dx%d image", ErrBadOption, c.X, c.Y, c.W, c.H, uw, uh)
		}
		if c.X == 0 && c.Y == 0 && c.W == uw && c.H == uh {
			g.region = imgurl.Region{} // the whole image: nothing to cut
		}
		g.w, g.h = c.W, c.H
	}
	switch o.Rotate {
	case 0, 180:
	case 90, 270:
		g.w, g.h, g.quarter = g.h, g.w, true
	default:
		return geometry{}, fmt.Errorf("%w: rotation %d", ErrBadOption, o.Rotate)
	}
	return g, nil
}

// turns reports whether the geometry rotates or mirrors.
func (g geometry) turns() bool { return g.rotate != 0 || g.flip }

// beforeTurn is a w×h size after the turn expressed before it.
func (g geometry) beforeTurn(w, h int) (int, int) {
	if g.quarter {
		return h, w
	}
	return w, h
}

// turn rotates and mirrors img (a small, already scaled image).
func (g geometry) turn(img *vips.ImageRef) error {
	switch g.rotate {
	case 90:
		if err := img.Rotate(vips.Angle90); err != nil {
			return err
		}
	case 180:
		if err := img.Rotate(vips.Angle180); err != nil {
			return err
		}
	case 270:
		if err := img.Rotate(vips.Angle270); err != nil {
			return err
		}
	}
	if g.flip {
		return img.Flip(vips.DirectionHorizontal)
	}
	return nil
}

// scaleRegion decodes data upright, keeps g.region of it (the whole image when zero) and
// scales that to tw×th (sizes before the turn). A JPEG is loaded with the largest
// shrink-on-load that leaves the region at least tw×th; other formats are decoded whole.
func scaleRegion(data []byte, in imgprobe.Info, g geometry, tw, th int, strict bool) (*vips.ImageRef, error) {
	params := vips.NewImportParams()
	params.FailOnError.Set(strict)
	uw, uh := in.Upright()
	if g.region.IsZero() {
		g.region = imgurl.Region{W: uw, H: uh}
	}
	f := 1
	if in.Format == imgprobe.JPEG {
		for _, s := range []int{8, 4, 2} {
			if g.region.W/s >= tw && g.region.H/s >= th {
				f = s
				break
			}
		}
		if f > 1 {
			params.JpegShrinkFactor.Set(f)
		}
	}
	img, err := vips.LoadImageFromBuffer(data, params)
	if err != nil {
		return nil, loadFailure(err)
	}
	fail := func(err error) (*vips.ImageRef, error) {
		img.Close()
		return nil, loadFailure(err)
	}
	if err := img.AutoRotate(); err != nil {
		return fail(err)
	}
	if err := toSRGB(img); err != nil {
		return fail(err)
	}
	sx, sy := float64(img.Width())/float64(uw), float64(img.PageHeight())/float64(uh)
	x0, y0 := int(math.Floor(float64(g.region.X)*sx)), int(math.Floor(float64(g.region.Y)*sy))
	x1 := min(img.Width(), int(math.Ceil(float64(g.region.X+g.region.W)*sx)))
	y1 := min(img.PageHeight(), int(math.Ceil(float64(g.region.Y+g.region.H)*sy)))
	if x1 <= x0 || y1 <= y0 {
		return fail(fmt.Errorf("region %v of a %dx%d decode", g.region, img.Width(), img.PageHeight()))
	}
	if x0 != 0 || y0 != 0 || x1 != img.Width() || y1 != img.PageHeight() {
		if err := img.ExtractArea(x0, y0, x1-x0, y1-y0); err != nil {
			return fail(err)
		}
	}
	if err := resizeTo(img, tw, th); err != nil {
		return fail(err)
	}
	return img, nil
}

// focusOrigin is where a cw×ch window sits in a w×h image so that it is as centred on the
// focal point (fx, fy) (fractions of w and h) as the edges allow.
func focusOrigin(w, h, cw, ch int, fx, fy float64) (x, y int) {
	x = int(math.Round(fx*float64(w) - float64(cw)/2))
	y = int(math.Round(fy*float64(h) - float64(ch)/2))
	return max(0, min(x, w-cw)), max(0, min(y, h-ch))
}
