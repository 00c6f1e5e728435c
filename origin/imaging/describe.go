package imaging

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	pngenc "image/png"

	"github.com/buckket/go-blurhash"
	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Description is what the info endpoint says about an original beyond its probed header.
type Description struct {
	ColourSpace string   // libvips' interpretation of the decoded source: srgb, b-w, cmyk, rgb16, …
	Average     [3]uint8 // mean sRGB colour (alpha flattened onto white)
	BlurHash    string   // 4×3 components, from a ≤32 px thumbnail
	Placeholder string   // data:image/webp;base64,… of a tiny thumbnail, at most maxPlaceholder bytes
}

// maxPlaceholder bounds the placeholder data URI.
const maxPlaceholder = 1024

// describeOptions are the options Describe is priced and limited as: a resize to 32 px.
func (e *Engine) describeOptions() imgurl.Options {
	return imgurl.Options{Width: 32, Height: 32, Fit: imgurl.FitInside, Format: imgurl.WebP}
}

// AdmitDescribe checks in against the limits (before any decoding) and returns the admission
// cost of Describe.
func (e *Engine) AdmitDescribe(in imgprobe.Info) (int64, error) {
	return e.Admit(in, e.describeOptions())
}

// Describe decodes a thumbnail of data (probed as in) and reports its colour space, average
// colour, BlurHash and a placeholder. The limits are checked before anything is decoded.
func (e *Engine) Describe(ctx context.Context, data []byte, in imgprobe.Info) (Description, error) {
	if _, _, err := e.checkLimits(in, e.describeOptions()); err != nil {
		return Description{}, err
	}
	if !matchesFormat(data, in.Format) {
		return Description{}, fmt.Errorf("%w: bytes are not %s", ErrCorrupt, in.Format)
	}
	var d Description
	hdr, err := vips.LoadImageFromBuffer(data, nil) // the header: libvips decodes lazily
	if err != nil {
		return Description{}, loadFailure(err)
	}
	d.ColourSpace = interpretationName(hdr.Interpretation(), hdr.BandFormat())
	hdr.Close()
	if err := ctx.Err(); err != nil {
		return Description{}, err
	}

	small, err := vips.LoadThumbnailFromBuffer(data, 32, 32, vips.InterestingNone, vips.SizeDown, nil)
	if err != nil {
		return Description{}, loadFailure(err)
	}
	defer small.Close()
	if err := toSRGB(small); err != nil {
		return Description{}, loadFailure(err)
	}
	if small.HasAlpha() {
		if err := small.Flatten(&vips.Color{R: 255, G: 255, B: 255}); err != nil {
			return Description{}, vipsFailure("flatten", err)
		}
	}
	raw, err := small.ToBytes()
	if err != nil {
		return Description{}, vipsFailure("pixels", err)
	}
	w, h, bands := small.Width(), small.PageHeight(), small.Bands()
	if bands < 3 || len(raw) < w*h*bands {
		return Description{}, fmt.Errorf("%w: thumbnail of %d bands", ErrCorrupt, bands)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, w, h))
	var sum [3]int
	for i := 0; i < w*h; i++ {
		for c := 0; c < 3; c++ {
			v := raw[i*bands+c]
			rgba.Pix[i*4+c] = v
			sum[c] += int(v)
		}
		rgba.Pix[i*4+3] = 255
	}
	for c := range d.Average {
		d.Average[c] = uint8((sum[c] + w*h/2) / (w * h))
	}
	if d.BlurHash, err = blurhash.Encode(4, 3, rgba); err != nil {
		return Description{}, fmt.Errorf("%w: blurhash: %v", ErrCorrupt, err)
	}
	// The thumbnail streamed from the decoder and has been read: the placeholder starts from
	// its pixels, copied.
	var png bytes.Buffer
	if err := (&pngenc.Encoder{CompressionLevel: pngenc.NoCompression}).Encode(&png, rgba); err != nil {
		return Description{}, fmt.Errorf("%w: placeholder: %v", ErrCorrupt, err)
	}
	pix, err := vips.LoadImageFromBuffer(png.Bytes(), nil)
	if err != nil {
		return Description{}, vipsFailure("placeholder", err)
	}
	defer pix.Close()
	if d.Placeholder, err = placeholder(pix); err != nil {
		return Description{}, err
	}
	return d, nil
}

// placeholder is a data URI of a WebP at most 16 px on its longer side, smaller until it fits
// maxPlaceholder.
func placeholder(small *vips.ImageRef) (string, error) {
	for _, side := range []int{16, 12, 8} {
		img, err := small.Copy()
		if err != nil {
			return "", vipsFailure("placeholder", err)
		}
		s := float64(side) / float64(max(img.Width(), img.PageHeight()))
		if s < 1 {
			if err := img.Resize(s, vips.KernelLanczos3); err != nil {
				img.Close()
				return "", vipsFailure("placeholder", err)
			}
		}
		if err := stripForWebP(img); err != nil {
			img.Close()
			return "", err
		}
		out, _, err := img.ExportWebp(&vips.WebpExportParams{StripMetadata: true, Quality: 40, ReductionEffort: 4})
		img.Close()
		if err != nil {
			return "", vipsFailure("placeholder", err)
		}
		uri := "data:image/webp;base64," + base64.StdEncoding.EncodeToString(out)
		if len(uri) <= maxPlaceholder {
			return uri, nil
		}
	}
	return "", fmt.Errorf("%w: no placeholder fits %d bytes", ErrCorrupt, maxPlaceholder)
}

// interpretationName names a libvips colour space the way libvips spells it.
func interpretationName(i vips.Interpretation, f vips.BandFormat) string {
	switch i {
	case vips.InterpretationSRGB:
		return "srgb"
	case vips.InterpretationRGB16:
		return "rgb16"
	case vips.InterpretationBW:
		return "b-w"
	case vips.InterpretationGrey16:
		return "grey16"
	case vips.InterpretationCMYK:
		return "cmyk"
	case vips.InterpretationRGB:
		return "rgb"
	case vips.InterpretationLAB:
		return "lab"
	case vips.InterpretationScRGB:
		return "scrgb"
	}
	if f == vips.BandFormatUshort {
		return "unknown16"
	}
	return "unknown"
}

// AdmitDescribe is Engine.AdmitDescribe with its errors as failure kinds.
func (p Processor) AdmitDescribe(in imgprobe.Info) (int64, error) {
	c, err := p.Engine.AdmitDescribe(in)
	if err != nil {
		return 0, failureOf(err)
	}
	return c, nil
}

// Describe is Engine.Describe as the render use case's Describer: its errors are failure kinds.
func (p Processor) Describe(ctx context.Context, data []byte, in imgprobe.Info) (render.Details, error) {
	d, err := p.Engine.Describe(ctx, data, in)
	if err != nil {
		return render.Details{}, failureOf(err)
	}
	return render.Details{ColourSpace: d.ColourSpace, Average: d.Average, BlurHash: d.BlurHash, Placeholder: d.Placeholder}, nil
}

// Interface guard.
var _ render.Describer = Processor{}
