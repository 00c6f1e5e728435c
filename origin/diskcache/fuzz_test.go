package diskcache

import (
	"bytes"
	"testing"
)

// FuzzDecodeRecord: any bytes decode to an error or to a record that encodes back to them.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(appendRecord(nil, "variants/a#1", []byte("value")))
	f.Add(appendRecord(nil, "k", nil))
	f.Add([]byte("IMGR\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		k, v, err := decodeRecord(b)
		if err != nil {
			return
		}
		if !bytes.Equal(appendRecord(nil, k, v), b) {
			t.Fatalf("decoded %q/%q does not encode back", k, v)
		}
	})
}

// FuzzParseIndex: any bytes parse to an error or to entries within the covered length.
func FuzzParseIndex(f *testing.F) {
	f.Add(appendIndex(nil, 7, 1000, []indexed{{key: "a", off: 16, size: 40}, {key: "bb", off: 56, size: 30}}), uint64(7))
	f.Add(appendIndex(nil, 1, 16, nil), uint64(1))
	f.Fuzz(func(t *testing.T, b []byte, id uint64) {
		cov, es, err := parseIndex(b, id)
		if err != nil {
			return
		}
		for _, e := range es {
			if int64(e.off)+int64(e.size) > cov || e.off < segmentHeader || int(e.size) < recordHeader+len(e.key) {
				t.Fatalf("entry %+v outside %d", e, cov)
			}
		}
		if !bytes.Equal(appendIndex(nil, id, cov, es), b) {
			t.Fatal("parsed index does not encode back")
		}
	})
}

// FuzzScanSegment: a scan of any bytes returns only records whose checks pass, inside the file.
func FuzzScanSegment(f *testing.F) {
	seg := appendSegmentHeader(nil, 3)
	seg = appendRecord(seg, "a", []byte("one"))
	seg = appendRecord(seg, "b", bytes.Repeat([]byte{9}, 100))
	f.Add(seg)
	f.Add(seg[:len(seg)-7])
	f.Fuzz(func(t *testing.T, b []byte) {
		res, err := scanSegment(bytes.NewReader(b), int64(len(b)), 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range res.entries {
			end := int64(e.off) + int64(e.size)
			if end > int64(len(b)) || end > res.end {
				t.Fatalf("entry %+v beyond the data", e)
			}
			k, _, err := decodeRecord(b[e.off:end])
			if err != nil || k != e.key {
				t.Fatalf("entry %+v does not decode: %v", e, err)
			}
		}
	})
}
