package fastdfs

import (
	"encoding/binary"
	"fmt"
	"net"
	"strconv"
)

// IP field widths seen in tracker replies (see the package documentation).
const (
	ipWidthV4 = 15
	ipWidthV6 = 45
)

// Storage is a storage server as a tracker names it.
type Storage struct {
	Group     string
	IP        string
	Port      int
	StorePath byte // store_path_index from a store query; pass unchanged to UPLOAD_FILE
}

// Addr returns "ip:port".
func (s Storage) Addr() string { return net.JoinHostPort(s.IP, strconv.Itoa(s.Port)) }

// AppendFetchRequest appends a QUERY_FETCH_ONE (or QUERY_UPDATE, DELETE_FILE: same body)
// packet for the file to b.
func AppendFetchRequest(b []byte, cmd byte, group, remote string) []byte {
	b = AppendHeader(b, Header{Len: int64(GroupLen + len(remote)), Cmd: cmd})
	b = appendFixed(b, group, GroupLen)
	return append(b, remote...)
}

// AppendDownloadRequest appends a DOWNLOAD_FILE packet to b. length 0 means to the end.
func AppendDownloadRequest(b []byte, group, remote string, offset, length int64) []byte {
	b = AppendHeader(b, Header{Len: int64(16 + GroupLen + len(remote)), Cmd: CmdDownloadFile})
	b = binary.BigEndian.AppendUint64(b, uint64(offset))
	b = binary.BigEndian.AppendUint64(b, uint64(length))
	b = appendFixed(b, group, GroupLen)
	return append(b, remote...)
}

// AppendStoreQuery appends QUERY_STORE_WITHOUT_GROUP_ONE (group "") or
// QUERY_STORE_WITH_GROUP_ONE to b.
func AppendStoreQuery(b []byte, group string) []byte {
	if group == "" {
		return AppendHeader(b, Header{Cmd: CmdQueryStoreWithoutGroupOne})
	}
	b = AppendHeader(b, Header{Len: GroupLen, Cmd: CmdQueryStoreWithGroupOne})
	return appendFixed(b, group, GroupLen)
}

// AppendUploadHeader appends the header and the 15-byte prefix of an UPLOAD_FILE request for
// size content bytes; the content follows on the wire.
func AppendUploadHeader(b []byte, storePath byte, ext string, size int64) []byte {
	b = AppendHeader(b, Header{Len: 15 + size, Cmd: CmdUploadFile})
	b = append(b, storePath)
	b = binary.BigEndian.AppendUint64(b, uint64(size))
	return appendFixed(b, ext, 6)
}

// ParseFetchReply decodes the body of a QUERY_FETCH_ONE or QUERY_UPDATE reply. The IP
// field's width is derived from the body length (15 or 45).
func ParseFetchReply(body []byte) (Storage, error) {
	return parseStorageReply(body, 0)
}

// parseStoreReply decodes the body of a QUERY_STORE_*_ONE reply.
func parseStoreReply(body []byte) (Storage, error) {
	return parseStorageReply(body, 1)
}

func parseStorageReply(body []byte, extra int) (Storage, error) {
	w := len(body) - GroupLen - 8 - extra
	if w != ipWidthV4 && w != ipWidthV6 {
		return Storage{}, fmt.Errorf("%w: tracker reply of %d bytes (ip field %d, want 15 or 45)", ErrFrame, len(body), w)
	}
	s := Storage{
		Group: fixedString(body[:GroupLen]),
		IP:    fixedString(body[GroupLen : GroupLen+w]),
	}
	port := int64(binary.BigEndian.Uint64(body[GroupLen+w:]))
	if port <= 0 || port > 65535 {
		return Storage{}, fmt.Errorf("%w: storage port %d", ErrFrame, port)
	}
	if s.Group == "" || s.IP == "" {
		return Storage{}, fmt.Errorf("%w: empty group or ip in tracker reply", ErrFrame)
	}
	if net.ParseIP(s.IP) == nil && !validHost(s.IP) {
		return Storage{}, fmt.Errorf("%w: storage address %q", ErrFrame, s.IP)
	}
	s.Port = int(port)
	if extra == 1 {
		s.StorePath = body[len(body)-1]
	}
	return s, nil
}

// validHost accepts host names (FastDFS may be configured with them).
func validHost(h string) bool {
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return false
		}
	}
	return len(h) > 0
}

// ParseUploadReply decodes the body of an UPLOAD_FILE reply into a file ID.
func ParseUploadReply(body []byte) (string, error) {
	if len(body) <= GroupLen || len(body) > GroupLen+128 {
		return "", fmt.Errorf("%w: upload reply of %d bytes", ErrFrame, len(body))
	}
	id := fixedString(body[:GroupLen]) + "/" + string(body[GroupLen:])
	if _, err := ParseFileID(id); err != nil {
		return "", fmt.Errorf("%w: upload reply: %w", ErrFrame, err)
	}
	return id, nil
}

// FileInfo is the body of a QUERY_FILE_INFO reply.
type FileInfo struct {
	Size    int64
	Created int64 // unix seconds
	CRC32   uint32
	Source  string // source storage IP
}

// ParseFileInfoReply decodes the body of a QUERY_FILE_INFO reply: size(8) created(8)
// crc32(8, a C int sign-extended) and the source IP in 16 or 46 bytes including its NUL.
func ParseFileInfoReply(body []byte) (FileInfo, error) {
	if len(body) != 24+ipWidthV4+1 && len(body) != 24+ipWidthV6+1 {
		return FileInfo{}, fmt.Errorf("%w: file info reply of %d bytes (want 40 or 70)", ErrFrame, len(body))
	}
	fi := FileInfo{
		Size:    int64(binary.BigEndian.Uint64(body[0:8])),
		Created: int64(binary.BigEndian.Uint64(body[8:16])),
		CRC32:   uint32(binary.BigEndian.Uint64(body[16:24])),
		Source:  fixedString(body[24:]),
	}
	if fi.Size < 0 {
		return FileInfo{}, fmt.Errorf("%w: file size %d", ErrFrame, fi.Size)
	}
	return fi, nil
}
