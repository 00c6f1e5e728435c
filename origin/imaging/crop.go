package imaging

import (
	"github.com/davidbyttow/govips/v2/vips"
)

// crop cuts p.cw×p.ch out of the scaled image at a compass gravity. Smart gravity on still
// images is done while scaling (scaleSmart); on animation frames it means centre, so that every
// frame is cut alike.
func crop(img *vips.ImageRef, p plan) error {
	x, y := cropOrigin(img.Width(), img.Height(), p.cw, p.ch, p.gravity)
	return img.Crop(x, y, p.cw, p.ch)
}
