package fastdfs

import (
	"errors"
	"fmt"

	"github.com/imgorigin/imgorigin/origin/source"
)

// ErrChecksum reports content whose length or CRC-32 differs from the values in its file ID.
// Errors carrying it are also source.ErrUnavailable (another read may succeed).
var ErrChecksum = errors.New("fastdfs: content does not match its file id")

// ErrNoStorage reports a tracker's ENOENT for a group that exists: no storage of the group
// is active now (stopped, or not yet reported after a tracker restart). It is also
// source.ErrUnavailable, never a not-found.
var ErrNoStorage = fmt.Errorf("%w: fastdfs: no storage of the group can serve now", source.ErrUnavailable)

// ErrUnknownGroup reports a group that no tracker lists (TRACKER_PROTO_CMD_SERVER_LIST_ONE_GROUP
// answered ENOENT). It is also source.ErrNotFound.
var ErrUnknownGroup = fmt.Errorf("%w: fastdfs: no tracker lists the group", source.ErrNotFound)

// StatusError is a non-zero status in a response. It matches the source error kinds: a
// storage's ENOENT is source.ErrNotFound (the file is not there), a tracker's ENOENT is
// source.ErrUnavailable (tracker_mem_get_storage_by_filename answers it both for an unknown
// group and for a group with no active storage; the client tells them apart with the group
// list, see Client.Open), EINVAL is source.ErrInvalidKey, anything else
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
	switch {
	case e.Status == StatusENOENT && !trackerCommand(e.Cmd):
		return source.ErrNotFound
	case e.Status == StatusEINVAL:
		return source.ErrInvalidKey
	}
	return source.ErrUnavailable
}

// trackerCommand reports whether cmd is sent to a tracker (tracker/tracker_proto.h: the
// service queries 101..107 and the server lists 90..92).
func trackerCommand(cmd byte) bool {
	return cmd >= CmdQueryStoreWithoutGroupOne && cmd <= 107 || cmd >= CmdListOneGroup && cmd <= 92
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
