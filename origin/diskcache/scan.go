package diskcache

import (
	"bufio"
	"errors"
	"hash/crc32"
	"io"
)

// scanResult is what a scan of a segment file found.
type scanResult struct {
	entries []indexed // the records whose checks passed
	corrupt int       // records skipped: bad checksum, torn tail, bad header
	end     int64     // the end of the last good record
}

// scanSegment reads the records of segment segID (size bytes from r) in order, checking each
// one's header, lengths and checksum. A record with a good header and a bad checksum is skipped
// and the scan goes on; a bad header (a torn write, garbage) ends the scan, since the next
// record's start is unknown. Only an error of r is returned as an error.
func scanSegment(r io.Reader, size int64, segID uint64) (scanResult, error) {
	br := bufio.NewReaderSize(r, 256<<10)
	var res scanResult
	head := make([]byte, recordHeader)
	if size < segmentHeader {
		res.corrupt++
		return res, nil
	}
	if _, err := io.ReadFull(br, head[:segmentHeader]); err != nil {
		return res, readErr(err)
	}
	if checkSegmentHeader(head, segID) != nil {
		res.corrupt++
		return res, nil
	}
	off := int64(segmentHeader)
	res.end = off
	key := make([]byte, 0, 256)
	h := crc32.New(castagnoli)
	for off < size {
		if size-off < recordHeader {
			res.corrupt++ // torn tail
			break
		}
		if _, err := io.ReadFull(br, head); err != nil {
			return res, readErr(err)
		}
		rh, err := parseHead(head, size-off-recordHeader)
		if err != nil {
			res.corrupt++
			break
		}
		if cap(key) < rh.keyLen {
			key = make([]byte, 0, rh.keyLen) // keys up to the format's maximum, not just 256 bytes
		}
		key = key[:rh.keyLen]
		if _, err := io.ReadFull(br, key); err != nil {
			return res, readErr(err)
		}
		h.Reset()
		_, _ = h.Write(head[8:])
		_, _ = h.Write(key)
		if _, err := io.CopyN(h, br, int64(rh.valLen)); err != nil {
			return res, readErr(err)
		}
		n := int64(recordHeader + rh.keyLen + rh.valLen)
		if h.Sum32() == rh.crc {
			res.entries = append(res.entries, indexed{key: string(key), off: uint32(off), size: uint32(n)})
			res.end = off + n
		} else {
			res.corrupt++
		}
		off += n
	}
	return res, nil
}

// readErr turns a short read (the file shrank under the scan) into a plain error.
func readErr(err error) error {
	if errors.Is(err, io.EOF) {
		return io.ErrUnexpectedEOF
	}
	return err
}
