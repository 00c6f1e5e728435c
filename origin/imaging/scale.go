package imaging

import (
	"fmt"
	"math"
	"strings"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
)

// scale decodes data and returns it upright, in sRGB, at (about) p.rw×p.rh; fitExact makes the
// size exact.
func (e *Engine) scale(data []byte, in imgprobe.Info, p plan) (*vips.ImageRef, error) {
	if e.cfg.Pipeline == PipelineShrink && in.Format == imgprobe.JPEG {
		if f := jpegShrink(in, p.rw, p.rh); f > 1 {
			return scaleShrink(data, in, p, f, e.cfg.FailOnWarning)
		}
	}
	return scaleThumbnail(data, p, e.cfg.FailOnWarning)
}

// jpegShrink is the largest JPEG shrink-on-load factor (8, 4, 2) that still leaves at least
// rw×rh (upright target) pixels, or 1.
func jpegShrink(in imgprobe.Info, rw, rh int) int {
	tw, th := rw, rh
	if in.Orientation >= 5 { // the target in stored orientation
		tw, th = rh, rw
	}
	for _, f := range []int{8, 4, 2} {
		if in.Width/f >= tw && in.Height/f >= th {
			return f
		}
	}
	return 1
}

// scaleShrink loads a JPEG at 1/f of its size (libjpeg scales in the DCT domain), resizes the
// rest of the way with lanczos3 in stored orientation, then rotates the small result upright.
func scaleShrink(data []byte, in imgprobe.Info, p plan, f int, strict bool) (*vips.ImageRef, error) {
	params := vips.NewImportParams()
	params.FailOnError.Set(strict)
	params.JpegShrinkFactor.Set(f)
	img, err := vips.LoadImageFromBuffer(data, params)
	if err != nil {
		return nil, loadFailure(err)
	}
	tw, th := p.rw, p.rh
	if in.Orientation >= 5 {
		tw, th = p.rh, p.rw
	}
	if err := resizeTo(img, tw, th); err != nil {
		img.Close()
		return nil, loadFailure(err)
	}
	if err := img.AutoRotate(); err != nil {
		img.Close()
		return nil, loadFailure(err)
	}
	if err := toSRGB(img); err != nil {
		img.Close()
		return nil, loadFailure(err)
	}
	return img, nil
}

// scaleThumbnail is vips_thumbnail_buffer with the exact upright size: shrink-on-load (with its
// factor-2 margin), sequential decoding, auto-orientation.
func scaleThumbnail(data []byte, p plan, strict bool) (*vips.ImageRef, error) {
	var params *vips.ImportParams // nil: the loader's defaults (fail on nothing)
	if strict {
		params = &vips.ImportParams{}
		params.FailOnError.Set(true)
	}
	img, err := vips.LoadThumbnailFromBuffer(data, p.rw, p.rh, vips.InterestingNone, vips.SizeForce, params)
	if err != nil {
		return nil, loadFailure(err)
	}
	if err := toSRGB(img); err != nil {
		img.Close()
		return nil, loadFailure(err)
	}
	return img, nil
}

// scaleSmart is vips_thumbnail with an attention crop to the canvas p.cw×p.ch.
func scaleSmart(data []byte, p plan, strict bool) (*vips.ImageRef, error) {
	var params *vips.ImportParams
	if strict {
		params = &vips.ImportParams{}
		params.FailOnError.Set(true)
	}
	img, err := vips.LoadThumbnailFromBuffer(data, p.cw, p.ch, vips.InterestingAttention, vips.SizeBoth, params)
	if err != nil {
		return nil, loadFailure(err)
	}
	if err := toSRGB(img); err != nil {
		img.Close()
		return nil, loadFailure(err)
	}
	return img, nil
}

// resizeTo resizes img to w×h (lanczos3); a no-op when it already is.
func resizeTo(img *vips.ImageRef, w, h int) error {
	iw, ih := img.Width(), img.PageHeight()
	if iw == w && ih == h {
		return nil
	}
	hs, vs := float64(w)/float64(iw), float64(h)/float64(ih)
	if math.Abs(hs-vs) < 1e-9 {
		return img.Resize(hs, vips.KernelLanczos3)
	}
	return img.ResizeWithVScale(hs, vs, vips.KernelLanczos3)
}

// fitExact makes img exactly w×h: rounding in the loaders and in vips_thumbnail can leave a
// pixel or two either way; those are cropped or replicated, larger differences resized.
func fitExact(img *vips.ImageRef, w, h int) error {
	iw, ih := img.Width(), img.Height()
	if iw == w && ih == h {
		return nil
	}
	if abs(iw-w) > 2 || abs(ih-h) > 2 {
		if err := resizeTo(img, w, h); err != nil {
			return err
		}
		iw, ih = img.Width(), img.Height()
		if iw == w && ih == h {
			return nil
		}
	}
	if iw > w || ih > h {
		if err := img.Crop((iw-min(iw, w))/2, (ih-min(ih, h))/2, min(iw, w), min(ih, h)); err != nil {
			return err
		}
	}
	if img.Width() < w || img.Height() < h {
		return img.Embed(0, 0, w, h, vips.ExtendCopy)
	}
	return nil
}

func abs(v int) int {
	if v < 0 {
		return -v
	}
	return v
}

// toSRGB converts to 8-bit sRGB: an embedded ICC profile is applied, other colour spaces
// (grey, CMYK, 16-bit RGB) are converted.
func toSRGB(img *vips.ImageRef) error {
	if img.HasICCProfile() {
		// "srgb" is libvips' built-in profile; the embedded profile is the input.
		if err := img.TransformICCProfileWithFallback("srgb", "srgb"); err != nil {
			return err
		}
	}
	if img.Interpretation() != vips.InterpretationSRGB || img.BandFormat() != vips.BandFormatUchar {
		if err := img.ToColorSpace(vips.InterpretationSRGB); err != nil {
			return err
		}
		if img.BandFormat() != vips.BandFormatUchar {
			if err := img.Cast(vips.BandFormatUchar); err != nil {
				return err
			}
		}
	}
	return nil
}

// loadFailure classifies an error from decoding: the probe accepted the header, so a failure
// to decode means the body is broken (or uses a feature the decoder lacks).
func loadFailure(err error) error {
	return fmt.Errorf("%w: decode: %s", ErrCorrupt, vipsMessage(err))
}

// vipsMessage is the first line of a govips error (govips appends a Go stack trace).
func vipsMessage(err error) string {
	s := strings.TrimSpace(err.Error())
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = strings.TrimSpace(s[:i])
	}
	return s
}
