package source

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// LimitBody wraps a body so that reading past max bytes fails with ErrTooLarge (after at most
// max+1 bytes were taken from rc) and, when ctx is non-nil, every Read after ctx ends fails with
// ctx's error. Sources use it to enforce their max object size while streaming, whatever the
// store said the size was. max < 0 means no size limit.
func LimitBody(ctx context.Context, rc io.ReadCloser, max int64) io.ReadCloser {
	return &limitedBody{ctx: ctx, rc: rc, left: max, max: max}
}

type limitedBody struct {
	ctx  context.Context
	rc   io.ReadCloser
	left int64 // bytes still allowed; meaningless when max < 0
	max  int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.ctx != nil {
		if err := b.ctx.Err(); err != nil {
			return 0, err
		}
	}
	if b.max < 0 {
		return b.rc.Read(p)
	}
	if b.left < 0 {
		return 0, fmt.Errorf("%w: body over %d bytes", ErrTooLarge, b.max)
	}
	// Ask for one byte more than allowed so an over-long body is noticed.
	if int64(len(p)) > b.left+1 {
		p = p[:b.left+1]
	}
	n, err := b.rc.Read(p)
	b.left -= int64(n)
	if b.left < 0 {
		return n + int(b.left), fmt.Errorf("%w: body over %d bytes", ErrTooLarge, b.max)
	}
	return n, err
}

func (b *limitedBody) Close() error { return b.rc.Close() }

// StreamBody is a streaming store's answer body as Open returns it: reads are bounded by max
// and end with ctx (LimitBody); a read error other than io.EOF and ErrTooLarge passes through
// mapErr (the store's error mapping, so it carries the source's error kinds); Close closes rc
// and then calls cancel, which ends the request context that had to outlive Open.
func StreamBody(ctx context.Context, rc io.ReadCloser, max int64, cancel context.CancelFunc, mapErr func(error) error) io.ReadCloser {
	return &streamBody{rc: LimitBody(ctx, rc, max), cancel: cancel, mapErr: mapErr}
}

type streamBody struct {
	rc     io.ReadCloser
	cancel context.CancelFunc
	mapErr func(error) error
}

func (b *streamBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	if err != nil && err != io.EOF && !errors.Is(err, ErrTooLarge) {
		err = b.mapErr(err)
	}
	return n, err
}

func (b *streamBody) Close() error {
	err := b.rc.Close()
	b.cancel()
	return err
}
