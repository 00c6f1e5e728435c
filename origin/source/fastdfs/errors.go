package fastdfs

import (
	"errors"
	"fmt"

	"github.com/imgorigin/imgorigin/origin/source"
)

// ErrChecksum reports content whose length or CRC-32 differs from the values in its file ID.
// Errors carrying it are also source.ErrUnavailable (another read may succeed).
var ErrChecksum = errors.New("fastdfs: content does not match its file id")

// StatusError is a non-zero status in a response. It matches the source error kinds:
// ENOENT is source.ErrNotFound, EINVAL source.ErrInvalidKey, anything else
// source.ErrUnavailable.
type StatusError struct {
	Cmd    byte // the request's command
	Status byte
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("fastdfs: command %d: status %d (%s)", e.Cmd, e.Status, errnoName(e.Status))
}

// Unwrap returns the source error kind.
func (e *StatusError) Unwrap() error {
	switch e.Status {
	case StatusENOENT:
		return source.ErrNotFound
	case StatusEINVAL:
		return source.ErrInvalidKey
	}
	return source.ErrUnavailable
}

// reusable reports whether a connection may carry another request after this status.
func reusable(status byte) bool { return status == StatusOK || status == StatusENOENT }

func errnoName(s byte) string {
	switch s {
	case 1:
		return "EPERM"
	case StatusENOENT:
		return "ENOENT"
	case StatusEIO:
		return "EIO"
	case 13:
		return "EACCES"
	case 17:
		return "EEXIST"
	case StatusEINVAL:
		return "EINVAL"
	case StatusENOSPC:
		return "ENOSPC"
	case 95:
		return "EOPNOTSUPP"
	}
	return "errno"
}

// unavailable wraps an I/O or protocol failure as source.ErrUnavailable.
func unavailable(op string, err error) error {
	if errors.Is(err, source.ErrUnavailable) {
		return err
	}
	return fmt.Errorf("%w: fastdfs %s: %w", source.ErrUnavailable, op, err)
}
