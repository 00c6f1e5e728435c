package diskcache

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
)

// The on-disk formats (see doc.go). All integers are little-endian.
const (
	recordMagic   = 0x52474d49 // "IMGR"
	recordHeader  = 16         // magic, crc, key length, flags, value length
	maxKey        = 4096
	segmentMagic  = "IMGSEG\x00\x01"
	segmentHeader = 16 // magic, segment id
	indexMagic    = "IMGIDX\x00\x01"
	indexHeader   = 28 // magic, segment id, covered length, count
	indexEntry    = 10 // key length, offset, record length (then the key)
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// errCorrupt marks a record or index that failed its checks.
var errCorrupt = errors.New("diskcache: corrupt record")

// recordLen is the length on disk of a record.
func recordLen(key string, valueLen int) int { return recordHeader + len(key) + valueLen }

// appendRecord appends the record of (key, value) to dst.
func appendRecord(dst []byte, key string, value []byte) []byte {
	start := len(dst)
	dst = binary.LittleEndian.AppendUint32(dst, recordMagic)
	dst = binary.LittleEndian.AppendUint32(dst, 0) // crc, below
	dst = binary.LittleEndian.AppendUint16(dst, uint16(len(key)))
	dst = binary.LittleEndian.AppendUint16(dst, 0) // flags
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(value)))
	dst = append(dst, key...)
	dst = append(dst, value...)
	binary.LittleEndian.PutUint32(dst[start+4:], crc32.Checksum(dst[start+8:], castagnoli))
	return dst
}

// recordHead is a parsed record header.
type recordHead struct {
	crc    uint32
	keyLen int
	valLen int
}

// parseHead checks a record header's magic and lengths; limit bounds key + value.
func parseHead(b []byte, limit int64) (recordHead, error) {
	if len(b) < recordHeader || binary.LittleEndian.Uint32(b) != recordMagic {
		return recordHead{}, errCorrupt
	}
	h := recordHead{
		crc:    binary.LittleEndian.Uint32(b[4:]),
		keyLen: int(binary.LittleEndian.Uint16(b[8:])),
		valLen: int(binary.LittleEndian.Uint32(b[12:])),
	}
	if binary.LittleEndian.Uint16(b[10:]) != 0 || h.keyLen == 0 || h.keyLen > maxKey || int64(h.keyLen)+int64(h.valLen) > limit {
		return recordHead{}, errCorrupt
	}
	return h, nil
}

// decodeRecord checks a whole record (header, lengths, checksum) and returns its key and value;
// value aliases b.
func decodeRecord(b []byte) (key string, value []byte, err error) {
	h, err := parseHead(b, int64(len(b)))
	if err != nil {
		return "", nil, err
	}
	if recordHeader+h.keyLen+h.valLen != len(b) || crc32.Checksum(b[8:], castagnoli) != h.crc {
		return "", nil, errCorrupt
	}
	return string(b[recordHeader : recordHeader+h.keyLen]), b[recordHeader+h.keyLen:], nil
}

// indexed is one entry of an index file: a record of a segment.
type indexed struct {
	key  string
	off  uint32
	size uint32 // record length
}

// appendIndex encodes the index file of a segment: every record it holds up to covered bytes.
func appendIndex(dst []byte, segID uint64, covered int64, entries []indexed) []byte {
	start := len(dst)
	dst = append(dst, indexMagic...)
	dst = binary.LittleEndian.AppendUint64(dst, segID)
	dst = binary.LittleEndian.AppendUint64(dst, uint64(covered))
	dst = binary.LittleEndian.AppendUint32(dst, uint32(len(entries)))
	for _, e := range entries {
		dst = binary.LittleEndian.AppendUint16(dst, uint16(len(e.key)))
		dst = binary.LittleEndian.AppendUint32(dst, e.off)
		dst = binary.LittleEndian.AppendUint32(dst, e.size)
		dst = append(dst, e.key...)
	}
	return binary.LittleEndian.AppendUint32(dst, crc32.Checksum(dst[start:], castagnoli))
}

// parseIndex decodes and checks an index file of segment segID. Every entry lies within the
// covered length and after the segment header, and its length fits its key.
func parseIndex(b []byte, segID uint64) (covered int64, entries []indexed, err error) {
	if len(b) < indexHeader+4 || string(b[:8]) != indexMagic {
		return 0, nil, errCorrupt
	}
	body := b[:len(b)-4]
	if crc32.Checksum(body, castagnoli) != binary.LittleEndian.Uint32(b[len(b)-4:]) {
		return 0, nil, errCorrupt
	}
	if binary.LittleEndian.Uint64(b[8:]) != segID {
		return 0, nil, errCorrupt
	}
	cov := binary.LittleEndian.Uint64(b[16:])
	n := binary.LittleEndian.Uint32(b[24:])
	if cov > 1<<32 || uint64(n) > uint64(len(body)-indexHeader)/indexEntry {
		return 0, nil, errCorrupt
	}
	covered = int64(cov)
	entries = make([]indexed, 0, n)
	p := body[indexHeader:]
	for i := uint32(0); i < n; i++ {
		if len(p) < indexEntry {
			return 0, nil, errCorrupt
		}
		kl := int(binary.LittleEndian.Uint16(p))
		e := indexed{off: binary.LittleEndian.Uint32(p[2:]), size: binary.LittleEndian.Uint32(p[6:])}
		p = p[indexEntry:]
		if kl == 0 || kl > maxKey || len(p) < kl || e.off < segmentHeader || uint64(e.size) < uint64(recordHeader+kl) ||
			uint64(e.off)+uint64(e.size) > cov {
			return 0, nil, errCorrupt
		}
		e.key = string(p[:kl])
		p = p[kl:]
		entries = append(entries, e)
	}
	if len(p) != 0 {
		return 0, nil, errCorrupt
	}
	return covered, entries, nil
}

// appendSegmentHeader encodes the first bytes of segment segID.
func appendSegmentHeader(dst []byte, segID uint64) []byte {
	dst = append(dst, segmentMagic...)
	return binary.LittleEndian.AppendUint64(dst, segID)
}

func checkSegmentHeader(b []byte, segID uint64) error {
	if len(b) < segmentHeader || string(b[:8]) != segmentMagic || binary.LittleEndian.Uint64(b[8:]) != segID {
		return errCorrupt
	}
	return nil
}
