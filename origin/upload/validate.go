package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// image is a validated (and possibly normalised) original, ready to store.
type image struct {
	data          []byte
	format        imgprobe.Format
	width, height int // upright
}

// validate runs every check of the write path on data, in the order the package comment
// gives, and normalises it when configured. Nothing is stored yet.
func (s *Service) validate(ctx context.Context, p signer.UploadPolicy, data []byte) (image, error) {
	if len(data) == 0 {
		return image{}, failure.New(failure.KindUnprocessable, "the upload is empty", nil)
	}
	if p.SHA256 != "" {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != p.SHA256 {
			return image{}, failure.New(failure.KindUnprocessable, "the upload does not have the sha256 its policy names", nil)
		}
	}
	in, err := imgprobe.Probe(data)
	switch {
	case errors.Is(err, imgprobe.ErrUnknownFormat):
		return image{}, failure.New(failure.KindUnsupported, "the upload is not an image format this origin reads (the format is sniffed from the bytes)", err)
	case err != nil:
		return image{}, failure.New(failure.KindUnprocessable, "the upload is not a valid image", err)
	}
	if !p.AllowsFormat(string(in.Format)) {
		return image{}, failure.New(failure.KindUnsupported, fmt.Sprintf("the upload is %s, which its policy does not allow", in.Format), nil)
	}
	if in.Truncated {
		return image{}, failure.New(failure.KindUnprocessable, "the upload is a truncated image", nil)
	}
	if p.MaxPixels > 0 && in.Pixels() > p.MaxPixels {
		return image{}, failure.New(failure.KindUnprocessable,
			fmt.Sprintf("the image has %d×%d pixels, more than the %d its policy allows", in.Width, in.Height, p.MaxPixels), nil)
	}
	if p.MaxFrames > 0 && in.Frames > p.MaxFrames {
		return image{}, failure.New(failure.KindUnprocessable,
			fmt.Sprintf("the image has %d frames, more than the %d its policy allows", in.Frames, p.MaxFrames), nil)
	}
	opts := imgurl.Options{Format: outputFormat(in.Format), Quality: s.cfg.Quality}
	// The read path's limits: what could not be rendered later is not stored now.
	cost, err := s.d.Proc.Admit(in, opts)
	if err != nil {
		return image{}, err
	}
	uw, uh := in.Upright()
	if !s.cfg.Normalize {
		return image{data: data, format: in.Format, width: uw, height: uh}, nil
	}
	if s.cfg.MaxSide > 0 && max(uw, uh) > s.cfg.MaxSide {
		opts.Width, opts.Height, opts.Fit = s.cfg.MaxSide, s.cfg.MaxSide, imgurl.FitInside
	}
	release, err := s.d.Adm.Acquire(ctx, cost)
	if err != nil {
		if ctx.Err() != nil {
			return image{}, ctx.Err()
		}
		return image{}, failure.New(failure.KindOverloaded, "the origin is busy, retry shortly", err)
	}
	out, err := s.d.Proc.Process(ctx, data, in, opts, watermark.Set{})
	release()
	if err != nil {
		return image{}, err
	}
	return image{data: out.Data, format: imgprobe.Format(out.Format), width: out.Width, height: out.Height}, nil
}

// outputFormat is the format an original is checked (and re-encoded) as: its own, or JPEG
// for HEIF, which the engine reads but does not write.
func outputFormat(f imgprobe.Format) imgurl.Format {
	if f == imgprobe.HEIF {
		return imgurl.JPEG
	}
	return imgurl.Format(f)
}

// extOf is the file extension of a stored original.
func extOf(f imgprobe.Format) string {
	switch f {
	case imgprobe.JPEG:
		return "jpg"
	case imgprobe.HEIF:
		return "heic"
	}
	return string(f)
}

// contentTypeOf is the media type of a stored original.
func contentTypeOf(f imgprobe.Format) string {
	if f == imgprobe.HEIF {
		return "image/heif"
	}
	return render.ContentType(imgurl.Format(f))
}
