// Package source defines how the origin reads originals from a store, and how the write path
// stores them: the Source and Writer contracts, the closed set of error kinds every
// implementation maps its failures to, and the Registry that resolves the {source} segment of
// an image URL to a configured store.
//
// Implementations live in sub-packages named by how they run (local, fastdfs, s3, httpsrc);
// each passes the shared conformance suite in package sourcetest.
package source

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

// Error kinds. Implementations wrap one of these with %w; callers test with errors.Is.
var (
	ErrNotFound    = errors.New("source: object not found")
	ErrInvalidKey  = errors.New("source: invalid object key")
	ErrTooLarge    = errors.New("source: object too large")
	ErrUnavailable = errors.New("source: store unavailable") // transient: timeouts, refused connections, 5xx
)

// Info describes one stored object.
type Info struct {
	// Size in bytes as the store reports it (-1 when unknown). Never trusted as a bound:
	// readers enforce limits while streaming.
	Size int64
	// ContentType as the store reports it, "" when unknown.
	ContentType string
	// Identity is stable for as long as the object's bytes do not change and differs when they
	// do (an immutable file ID, a version id, an ETag, size+mtime). It enters cache keys and
	// ETags, so it must not contain secrets.
	Identity string
	// LastModified is the object's modification time (zero when unknown).
	LastModified time.Time
	// Immutable is true when the key can never name other bytes (FastDFS file IDs).
	Immutable bool
}

// Source reads originals from one store. Implementations are safe for concurrent use.
type Source interface {
	// Stat describes the object at key without reading its body.
	Stat(ctx context.Context, key string) (Info, error)
	// Open returns the object's body and its description. The caller closes the body.
	// Errors during reading of the body are of the kinds above as well.
	Open(ctx context.Context, key string) (io.ReadCloser, Info, error)
}

// ReadAll opens key and reads at most limit bytes of it. A body longer than limit fails with
// ErrTooLarge after reading at most limit+1 bytes, whatever Size said, so memory stays bounded by
// limit even when the store lies about the size. An Info.Size above limit fails before reading.
// A read error caused by ctx ending is returned as ctx's error.
func ReadAll(ctx context.Context, s Source, key string, limit int64) ([]byte, Info, error) {
	if limit < 0 {
		limit = 0
	}
	rc, info, err := s.Open(ctx, key)
	if err != nil {
		return nil, Info{}, err
	}
	defer rc.Close()
	if info.Size > limit {
		return nil, info, fmt.Errorf("%w: size %d over limit %d", ErrTooLarge, info.Size, limit)
	}
	// Size is a hint only; one spare byte lets a single read detect an over-long body.
	capHint := info.Size + 1
	if info.Size < 0 {
		capHint = min(64<<10, limit+1)
	}
	buf := make([]byte, 0, capHint)
	r := io.LimitReader(rc, limit+1)
	for int64(len(buf)) <= limit {
		if len(buf) == cap(buf) {
			// Grow, but never past limit+1: that is all the reader will ever yield.
			next := min(max(2*int64(cap(buf)), 512), limit+1)
			nb := make([]byte, len(buf), next)
			copy(nb, buf)
			buf = nb
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			if ctx.Err() != nil {
				return nil, info, ctx.Err()
			}
			return nil, info, err
		}
	}
	if int64(len(buf)) > limit {
		return nil, info, fmt.Errorf("%w: body over limit %d", ErrTooLarge, limit)
	}
	return buf, info, nil
}

// Result names the kind of a Source call's outcome, for metrics and logs. The values are a
// closed set an operator can alert on: "ok"; "not_found" and "invalid" (the store says the key
// names nothing, or refuses the key: a client's mistake, never an outage); "too_large";
// "timeout" (a deadline passed: the context's, or the network's); "canceled"; and
// "unavailable" (the store failed or cannot serve now).
func Result(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return "ok"
	case errors.Is(err, ErrNotFound):
		return "not_found"
	case errors.Is(err, ErrInvalidKey):
		return "invalid"
	case errors.Is(err, ErrTooLarge):
		return "too_large"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	return "unavailable"
}

// Results lists every value Result returns.
var Results = []string{"ok", "not_found", "invalid", "too_large", "timeout", "canceled", "unavailable"}
