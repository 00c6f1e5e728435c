package imaging

import (
	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// crop cuts p.cw×p.ch out of the scaled image at a compass gravity or around the focal point.
// Smart gravity on still images is done while scaling (scaleSmart); on animation frames it
// means centre, so that every frame is cut alike.
func crop(img *vips.ImageRef, p plan) error {
	x, y := cropOrigin(img.Width(), img.Height(), p.cw, p.ch, p.gravity)
	if p.gravity == imgurl.GravityFocus {
		x, y = focusOrigin(img.Width(), img.Height(), p.cw, p.ch, p.fx, p.fy)
	}
	return img.Crop(x, y, p.cw, p.ch)
}
