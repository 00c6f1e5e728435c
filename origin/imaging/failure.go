package imaging

import (
	"context"
	"errors"
	"strings"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// ProcessMarked decodes data (whose header was probed as in), transforms it as opts says,
// draws the marks opts names (resolved by the caller into marks) and encodes it. Limits are
// checked before anything is decoded; options that name a mark absent from marks fail
// (ErrBadOption) rather than render an unmarked image. When ctx ends, libvips' evaluation is
// killed (killSwitch): it returns ctx's error within one tile's work, or one output frame's
// encode where a codec library encodes a frame in one call. Errors are failure kinds
// (failureOf), or the context's error.
func (e *Engine) ProcessMarked(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options, marks watermark.Set) (Result, error) {
	res, err := e.processMarked(ctx, data, in, opts, marks)
	if err != nil {
		return Result{}, failureOf(err)
	}
	return res, nil
}

// Processor is the engine as the render use case's (and the upload path's) Processor, whose
// Process draws marks.
type Processor struct{ *Engine }

// Process is ProcessMarked.
func (p Processor) Process(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options, marks watermark.Set) (Result, error) {
	return p.ProcessMarked(ctx, data, in, opts, marks)
}

// failureOf maps the engine's error causes to failure kinds; the context's errors stay as
// they are (the server maps them).
func failureOf(err error) error {
	var oe *OutputError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &oe):
		return failure.New(failure.KindUnprocessable, "the requested output is too large: "+oe.Error()+"; ask for a smaller size", err)
	case errors.Is(err, ErrLimits):
		return failure.New(failure.KindUnprocessable, "the original exceeds this origin's limits", err)
	case errors.Is(err, ErrUnsupported):
		return failure.New(failure.KindUnsupported, "this origin cannot read or write that format", err)
	case errors.Is(err, ErrCorrupt):
		return failure.New(failure.KindUnprocessable, "the original is not a valid image", err)
	case errors.Is(err, ErrBadOption):
		return failure.New(failure.KindBadRequest, publicMessage(err), err)
	case errors.Is(err, ErrBadMark):
		return failure.New(failure.KindUnavailable, "the watermark cannot be drawn", err)
	}
	return failure.New(failure.KindInternal, "image processing failed", err)
}

// publicMessage is the part of an error after its kind ("imaging: …: crop region …"), which
// names the option at fault and the image's size, never internal details.
func publicMessage(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 {
		return s[i+2:]
	}
	return s
}

// Interface guard.
var _ render.Processor = Processor{}
