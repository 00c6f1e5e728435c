package hostile

import "encoding/binary"

// ifdEntry is one TIFF IFD entry: tag, type, count and the 4-byte value-or-offset field.
type ifdEntry struct {
	tag, typ uint16
	count    uint32
	value    uint32
}

// exifSpec describes an APP1 Exif payload (little-endian TIFF) with one IFD at offset 8.
type exifSpec struct {
	entries       []ifdEntry
	declaredCount int    // the IFD's entry count as written; -1: len(entries)
	next          uint32 // offset of the next IFD (8 points back at IFD0: a loop)
}

// app1 returns the segment (marker byte then payload) for encodeJPEG's app list.
func (e exifSpec) app1() []byte {
	le := binary.LittleEndian
	t := []byte{'I', 'I', 42, 0, 8, 0, 0, 0}
	n := e.declaredCount
	if n < 0 {
		n = len(e.entries)
	}
	t = le.AppendUint16(t, uint16(n))
	for _, en := range e.entries {
		t = le.AppendUint16(t, en.tag)
		t = le.AppendUint16(t, en.typ)
		t = le.AppendUint32(t, en.count)
		t = le.AppendUint32(t, en.value)
	}
	t = le.AppendUint32(t, e.next)
	return append([]byte{0xE1, 'E', 'x', 'i', 'f', 0, 0}, t...)
}

// TIFF types used below.
const (
	tiffShort = 3
	tiffLong  = 4
	tiffASCII = 2
)

// The EXIF tags used below.
const (
	tagOrientation = 0x0112
	tagExifIFD     = 0x8769
	tagGPSIFD      = 0x8825
	tagMake        = 0x010F
)
