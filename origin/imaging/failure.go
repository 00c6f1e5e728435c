package imaging

import (
	"context"
	"errors"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Process decodes data (whose header was probed as in), transforms it as opts says and
// encodes it. Limits are checked before anything is decoded. ctx is checked between steps: a
// running libvips operation cannot be interrupted, so callers bound the work with admission
// and the limits rather than with deadlines alone. Errors are failure kinds (failureOf), or
// the context's error.
func (e *Engine) Process(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options) (Result, error) {
	res, err := e.process(ctx, data, in, opts)
	if err != nil {
		return Result{}, failureOf(err)
	}
	return res, nil
}

// failureOf maps the engine's error causes to failure kinds; the context's errors stay as
// they are (the server maps them).
func failureOf(err error) error {
	var oe *OutputError
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.As(err, &oe):
		return failure.New(failure.KindUnprocessable, "the requested output is too large: "+oe.Error()+" (imaging.max_output_pixels); ask for a smaller size or a still format", err)
	case errors.Is(err, ErrLimits):
		return failure.New(failure.KindUnprocessable, "the original exceeds this origin's limits", err)
	case errors.Is(err, ErrUnsupported):
		return failure.New(failure.KindUnsupported, "this origin cannot read or write that format", err)
	case errors.Is(err, ErrCorrupt):
		return failure.New(failure.KindUnprocessable, "the original is not a valid image", err)
	}
	return failure.New(failure.KindInternal, "image processing failed", err)
}

// Interface guard.
var _ render.Processor = (*Engine)(nil)
