package fastdfs

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// HeaderLen is the size of the header in front of every packet.
const HeaderLen = 10

// GroupLen is the width of the NUL-padded group name field.
const GroupLen = 16

// Command codes (tracker/tracker_proto.h).
const (
	CmdResp                      byte = 100
	CmdActiveTest                byte = 111
	CmdQuit                      byte = 82
	CmdQueryStoreWithoutGroupOne byte = 101
	CmdQueryFetchOne             byte = 102
	CmdQueryUpdate               byte = 103
	CmdQueryStoreWithGroupOne    byte = 104
	CmdQueryFetchAll             byte = 105
	CmdListOneGroup              byte = 90
	CmdUploadFile                byte = 11
	CmdDeleteFile                byte = 12
	CmdDownloadFile              byte = 14
	CmdQueryFileInfo             byte = 22
)

// Status values (Linux errno) that the client treats specially.
const (
	StatusOK     byte = 0
	StatusENOENT byte = 2
	StatusEIO    byte = 5
	StatusEINVAL byte = 22
	StatusENOSPC byte = 28
)

// Header is the 10-byte frame header.
type Header struct {
	Len    int64 // body length (pkg_len)
	Cmd    byte
	Status byte
}

// ErrFrame reports bytes that are not a valid frame.
var ErrFrame = errors.New("fastdfs: malformed frame")

// AppendHeader appends the encoded header to b.
func AppendHeader(b []byte, h Header) []byte {
	b = binary.BigEndian.AppendUint64(b, uint64(h.Len))
	return append(b, h.Cmd, h.Status)
}

// ParseHeader decodes a header from the first HeaderLen bytes of b.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("%w: header of %d bytes", ErrFrame, len(b))
	}
	n := int64(binary.BigEndian.Uint64(b))
	if n < 0 {
		return Header{}, fmt.Errorf("%w: negative pkg_len %d", ErrFrame, n)
	}
	return Header{Len: n, Cmd: b[8], Status: b[9]}, nil
}

// appendFixed appends s NUL-padded (or cut) to exactly n bytes.
func appendFixed(b []byte, s string, n int) []byte {
	if len(s) > n {
		s = s[:n]
	}
	b = append(b, s...)
	for i := len(s); i < n; i++ {
		b = append(b, 0)
	}
	return b
}

// fixedString returns a NUL-padded field without its padding.
func fixedString(b []byte) string {
	for i, c := range b {
		if c == 0 {
			return string(b[:i])
		}
	}
	return string(b)
}
