package imaging

import (
	"fmt"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// encode writes img in opts.Format at opts.Quality (or the configured default), metadata
// stripped when configured. WebP and GIF keep animation (page height and delays).
func (e *Engine) encode(img *vips.ImageRef, opts imgurl.Options) ([]byte, error) {
	q := opts.Quality
	strip := e.cfg.StripMetadata
	var (
		out []byte
		err error
	)
	switch opts.Format {
	case imgurl.JPEG:
		if q == 0 {
			q = e.cfg.Quality.JPEG
		}
		out, _, err = img.ExportJpeg(&vips.JpegExportParams{
			StripMetadata:  strip,
			Quality:        q,
			Interlace:      e.cfg.JPEGProgressive,
			OptimizeCoding: true,
			SubsampleMode:  vips.VipsForeignSubsampleAuto,
		})
	case imgurl.PNG:
		out, _, err = img.ExportPng(&vips.PngExportParams{
			StripMetadata: strip,
			Compression:   e.cfg.PNGCompression,
			Filter:        vips.PngFilterNone,
		})
	case imgurl.WebP:
		if q == 0 {
			q = e.cfg.Quality.WebP
		}
		if strip {
			if err := stripForWebP(img); err != nil {
				return nil, err
			}
		}
		out, _, err = img.ExportWebp(&vips.WebpExportParams{
			StripMetadata:   strip,
			Quality:         q,
			ReductionEffort: e.cfg.WebPEffort,
		})
	case imgurl.AVIF:
		if q == 0 {
			q = e.cfg.Quality.AVIF
		}
		out, _, err = img.ExportAvif(&vips.AvifExportParams{
			StripMetadata: strip,
			Quality:       q,
			Bitdepth:      8,
			Effort:        e.cfg.AVIFEffort,
		})
	case imgurl.GIF:
		out, _, err = img.ExportGIF(&vips.GifExportParams{
			StripMetadata: strip,
			Dither:        1.0,
			Effort:        7,
			Bitdepth:      8,
		})
	default:
		return nil, fmt.Errorf("%w: output format %q", ErrUnsupported, opts.Format)
	}
	if err != nil {
		// Demand-driven: decoding errors of the body surface here.
		return nil, fmt.Errorf("%w: encode %s: %s", ErrCorrupt, opts.Format, vipsMessage(err))
	}
	return out, nil
}

// stripForWebP removes the metadata webpsave would copy into its output. libvips 8.14's
// webpsave ignores `strip` (libvips/libvips#3340): a source's EXIF (camera, GPS), XMP and ICC
// profile went into every WebP variant. Removing the fields first leaves only the minimal EXIF
// libvips writes itself (resolution and dimensions). The animation's fields stay; the ICC
// profile goes, as with strip elsewhere: the pixels are sRGB by now.
func stripForWebP(img *vips.ImageRef) error {
	if err := img.RemoveMetadata("delay", "loop", "gif-delay", "gif-loop"); err != nil {
		return fmt.Errorf("strip metadata: %s", vipsMessage(err))
	}
	if err := img.RemoveICCProfile(); err != nil {
		return fmt.Errorf("strip metadata: %s", vipsMessage(err))
	}
	return nil
}
