package render

import (
	"context"
	"errors"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source"
)

// sourceFailure maps a source's error to a failure kind (timeouts and cancellations stay as
// they are: the server maps them).
func sourceFailure(err error) error {
	var fe *failure.Error
	switch {
	case errors.As(err, &fe):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, source.ErrNotFound):
		return failure.New(failure.KindNotFound, "no such image", err)
	case errors.Is(err, source.ErrInvalidKey):
		return failure.New(failure.KindBadRequest, "invalid object key", err)
	case errors.Is(err, source.ErrTooLarge):
		return failure.New(failure.KindUnprocessable, "the original is larger than this origin accepts", err)
	case errors.Is(err, source.ErrUnavailable):
		return failure.New(failure.KindUnavailable, "the image store is unavailable", err)
	}
	return failure.New(failure.KindUnavailable, "the image store failed", err)
}

// probeFailure maps a header probe's error to a failure kind.
func probeFailure(err error) error {
	if errors.Is(err, imgprobe.ErrUnknownFormat) {
		return failure.New(failure.KindUnsupported, "the original is not an image format this origin reads", err)
	}
	return failure.New(failure.KindUnprocessable, "the original is not a valid image", err)
}
