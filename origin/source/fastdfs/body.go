package fastdfs

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"

	"github.com/imgorigin/imgorigin/origin/source"
)

var errBodyClosed = errors.New("fastdfs: read of closed body")

// body streams a file's bytes and verifies them at the end: when the file ID carries the
// content's size and CRC-32, a mismatch is returned in place of io.EOF, so a streaming
// consumer never sees a clean end of a corrupt file.
type body struct {
	r         io.Reader
	remaining int64 // bytes still to come; -1 when unknown (read to EOF, bounded by limit)
	total     int64 // the length the server announced; -1 when unknown
	limit     int64 // with remaining -1: more than this many bytes is source.ErrTooLarge
	n         int64 // bytes read so far
	crc       uint32
	want      expect
	id        FileID
	release   func(clean bool) // called exactly once
	err       error
}

func (b *body) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if b.remaining >= 0 && int64(len(p)) > b.remaining {
		p = p[:b.remaining]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	b.crc = crc32.Update(b.crc, crc32.IEEETable, p[:n])
	if b.remaining >= 0 {
		b.remaining -= int64(n)
		if b.remaining == 0 {
			b.finish()
			return n, b.err
		}
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			b.fail(unavailable(fmt.Sprintf("reading %s at byte %d", b.id, b.n), err))
			return n, b.err
		}
		return n, nil
	}
	if b.n > b.limit {
		b.fail(fmt.Errorf("%w: %s is larger than %d bytes", source.ErrTooLarge, b.id, b.limit))
		return n, b.err
	}
	if err == io.EOF {
		b.finish()
		return n, b.err
	}
	if err != nil {
		b.fail(unavailable(fmt.Sprintf("reading %s at byte %d", b.id, b.n), err))
		return n, b.err
	}
	return n, nil
}

// finish runs after the last byte: it releases the connection and decides between io.EOF and
// a checksum error.
// A connection that delivered corrupt bytes is closed rather than trusted again.
func (b *body) finish() {
	b.err = io.EOF
	if w, err := b.want.forLength(b.n, b.id); err != nil {
		b.err = err
	} else if w.check && b.crc != w.crc {
		b.err = fmt.Errorf("%w: %w: %s: crc32 %08x, expected %08x", source.ErrUnavailable, ErrChecksum, b.id, b.crc, w.crc)
	}
	b.release(b.err == io.EOF)
	b.release = nil
}

func (b *body) fail(err error) {
	if b.release != nil {
		b.release(false)
		b.release = nil
	}
	b.err = err
}

// Close releases the connection; one that is not at the end of the body is closed.
func (b *body) Close() error {
	if b.release != nil {
		b.release(false)
		b.release = nil
	}
	if b.err == nil {
		b.err = errBodyClosed
	}
	return nil
}
