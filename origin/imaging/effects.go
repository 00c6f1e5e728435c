package imaging

import (
	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Sharpening parameters besides sigma: libvips' defaults for its sharpen operation (flat areas
// untouched below x1, slopes m1 in flat and m2 in jagged areas), which suit screen-sized
// outputs of photographs.
const (
	sharpenX1 = 2
	sharpenM2 = 10
)

// effects blurs and sharpens the fitted image (sigmas in output pixels). Sharpening works on
// the L channel of LAB and returns sRGB.
func effects(img *vips.ImageRef, o imgurl.Options) error {
	if o.Blur > 0 {
		if err := img.GaussianBlur(o.Blur); err != nil {
			return vipsFailure("blur", err)
		}
	}
	if o.Sharpen > 0 {
		if err := img.Sharpen(o.Sharpen, sharpenX1, sharpenM2); err != nil {
			return vipsFailure("sharpen", err)
		}
		if img.Interpretation() != vips.InterpretationSRGB || img.BandFormat() != vips.BandFormatUchar {
			if err := toSRGB(img); err != nil {
				return vipsFailure("sharpen", err)
			}
		}
	}
	return nil
}
