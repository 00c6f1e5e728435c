package fastdfs

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
)

// ErrInvalidFileID is wrapped by every file-ID parsing error; it is a source.ErrInvalidKey.
var ErrInvalidFileID = fmt.Errorf("%w: fastdfs file id", source.ErrInvalidKey)

// Kind tells how a file was stored, which decides what its name can say about it.
type Kind uint8

// File kinds.
const (
	KindNormal   Kind = iota // size and CRC-32 in the name are the content's
	KindTrunk                // stored inside a trunk file; size and CRC-32 are the content's
	KindAppender             // may grow: size and CRC-32 in the name are not the content's
	KindSlave                // master name + prefix: size and CRC-32 are the master's
)

func (k Kind) String() string {
	switch k {
	case KindNormal:
		return "normal"
	case KindTrunk:
		return "trunk"
	case KindAppender:
		return "appender"
	case KindSlave:
		return "slave"
	}
	return "unknown"
}

// Name lengths (tracker/tracker_types.h).
const (
	normalNameLen = 44 // "Mxx/HH/HH/" + 27 base64 + 7 suffix
	trunkNameLen  = 60 // + 16 base64 of trunk position
	maxNameLen    = 127
	b64Len        = 27
	b64End        = 10 + b64Len // where the 27 characters end
	trunkPosLen   = 16
	sizeBitNormal = 1 << 63
	sizeBitTrunk  = 1 << 59
	sizeBitAppend = 1 << 58
)

var fileB64 = base64.RawURLEncoding.Strict()

// FileID is a parsed FastDFS file ID, "group/Mxx/HH/HH/<name>".
type FileID struct {
	Group     string
	Remote    string // the name without the group, as sent on the wire
	StorePath int    // from "Mxx"
	Kind      Kind
	// SourceIP is the uploading storage's IPv4 address, or the zero Addr when the name holds a
	// numeric storage id instead (StorageID > 0).
	SourceIP  netip.Addr
	StorageID uint32
	Created   time.Time
	// Size is the content length for normal and trunk files; -1 for slave and appender files.
	Size  int64
	CRC32 uint32 // content checksum for normal and trunk files
	// MaybeSlave marks a normal or trunk name that a slave could also have (a slave whose
	// prefix is digits, on a master with a longer extension, has the normal length and a tail
	// of digits + extension). Its size and CRC-32 are then trusted only when the storage
	// sends exactly that many bytes; any other length means a slave, whose bytes the name
	// does not describe.
	MaybeSlave bool
}

// String returns the file ID.
func (f FileID) String() string { return f.Group + "/" + f.Remote }

// Verifiable reports whether the size and CRC-32 in the name describe the content.
func (f FileID) Verifiable() bool { return f.Kind == KindNormal || f.Kind == KindTrunk }

// Ext returns the file's extension without the dot ("" when none).
func (f FileID) Ext() string {
	name := f.Remote[10:]
	if i := strings.LastIndexByte(name, '.'); i >= b64Len {
		return name[i+1:]
	}
	return ""
}

// ParseFileID parses and validates a file ID. Errors wrap ErrInvalidFileID.
func ParseFileID(s string) (FileID, error) {
	group, remote, ok := strings.Cut(s, "/")
	if !ok {
		return FileID{}, invalid(s, "no '/' after the group")
	}
	if len(group) == 0 || len(group) > GroupLen {
		return FileID{}, invalid(s, "group must be 1..16 characters")
	}
	for i := 0; i < len(group); i++ {
		if !isAlnum(group[i]) {
			return FileID{}, invalid(s, "group must be [A-Za-z0-9]")
		}
	}
	if len(remote) <= b64End || len(remote) > maxNameLen {
		return FileID{}, invalid(s, "remote name must be 38..127 characters")
	}
	if remote[0] != 'M' || !isUpperHex(remote[1]) || !isUpperHex(remote[2]) || remote[3] != '/' ||
		!isUpperHex(remote[4]) || !isUpperHex(remote[5]) || remote[6] != '/' ||
		!isUpperHex(remote[7]) || !isUpperHex(remote[8]) || remote[9] != '/' {
		return FileID{}, invalid(s, "remote name must start with Mxx/HH/HH/ (upper-case hex)")
	}
	var raw [20]byte
	if n, err := fileB64.Decode(raw[:], []byte(remote[10:10+b64Len])); err != nil || n != len(raw) {
		return FileID{}, invalid(s, "name does not start with 27 characters of url-safe base64")
	}
	f := FileID{
		Group:     group,
		Remote:    remote,
		StorePath: int(hexVal(remote[1])<<4 | hexVal(remote[2])),
		Created:   time.Unix(int64(binary.BigEndian.Uint32(raw[4:8])), 0).UTC(),
		CRC32:     binary.BigEndian.Uint32(raw[16:20]),
	}
	if v := binary.LittleEndian.Uint32(raw[0:4]); v > 0 && v <= 0xFFFFFF {
		f.StorageID = v
	} else {
		f.SourceIP = netip.AddrFrom4([4]byte(raw[0:4]))
	}
	sz := binary.BigEndian.Uint64(raw[8:16])
	trunk := sz&sizeBitTrunk != 0
	// The rules of IS_SLAVE_FILE (tracker/tracker_types.h) and fdfs_gen_slave_filename
	// (common/fdfs_global.c): a slave is its master's name without the extension (the 27
	// characters, then 0..5 random digits; after the 16 trunk characters for a trunk master),
	// a prefix of 1..16 characters and an optional extension. Its length is not fixed, so one
	// of exactly the normal length is told from a normal file by its tail only.
	stem, full := b64End, normalNameLen
	if trunk {
		stem, full = b64End+trunkPosLen, trunkNameLen
		var pos [12]byte
		if len(remote) < stem {
			return FileID{}, invalid(s, "trunk file name must be 60 characters (more for a slave)")
		}
		if n, err := fileB64.Decode(pos[:], []byte(remote[b64End:stem])); err != nil || n != len(pos) {
			return FileID{}, invalid(s, "trunk position is not 16 characters of base64")
		}
	}
	switch {
	case len(remote) <= stem:
		return FileID{}, invalid(s, "name ends before its suffix")
	case len(remote) != full || !validSuffix(remote[full-7:]):
		if !validSuffixChars(remote[stem:]) {
			return FileID{}, invalid(s, "slave name has characters outside [A-Za-z0-9_.-]")
		}
		f.Kind = KindSlave
	case trunk:
		f.Kind = KindTrunk
	case sz&sizeBitAppend != 0:
		f.Kind = KindAppender
	default:
		f.Kind = KindNormal
	}
	// A slave of the normal length whose prefix is digits (or whose master's extension length
	// makes the tail read as digits + extension) looks exactly like a normal file: only the
	// storage's size tells them apart.
	f.MaybeSlave = f.Kind != KindSlave && f.Kind != KindAppender && slaveTail(remote[stem:])
	switch f.Kind {
	case KindNormal, KindTrunk:
		if sz&sizeBitNormal != 0 || trunk {
			f.Size = int64(sz & 0xFFFFFFFF)
		} else {
			f.Size = int64(sz)
		}
		if f.Size < 0 {
			return FileID{}, invalid(s, "size out of range")
		}
	default:
		f.Size = -1
	}
	return f, nil
}

// slaveTail reports whether the tail after a master's 27 (or 43) characters can be a slave's:
// 0..5 random digits of the master, then a prefix of 1..16 characters, then "." and an
// extension, or no extension. Only digits + extension tails are asked (the caller checked
// validSuffix), so this decides whether the digits can hold a prefix: at least one digit
// before the dot, or a name without a dot (whose last digit can be the prefix).
func slaveTail(tail string) bool {
	i := strings.IndexByte(tail, '.')
	if i < 0 {
		return len(tail) > 0
	}
	return i > 0
}

func invalid(id, why string) error {
	if len(id) > 200 {
		id = id[:200] + "…"
	}
	return fmt.Errorf("%w %q: %s", ErrInvalidFileID, id, why)
}

// validSuffix checks the 7-character tail of a normal name: digits, then optionally "." and a
// non-empty extension. FastDFS takes the extension after the client's last '.', so it holds no
// '.' itself (a tail like "000..00" is no FastDFS name).
func validSuffix(s string) bool {
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == len(s) {
		return true
	}
	if s[i] != '.' || i == len(s)-1 {
		return false
	}
	return validSuffixChars(s[i+1:]) && !strings.Contains(s[i+1:], ".")
}

func validSuffixChars(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && c != '_' && c != '-' && c != '.' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func isUpperHex(c byte) bool { return c >= '0' && c <= '9' || c >= 'A' && c <= 'F' }

func hexVal(c byte) int {
	if c <= '9' {
		return int(c - '0')
	}
	return int(c-'A') + 10
}
