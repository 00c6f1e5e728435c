package redact

import (
	"io"
	"sync"
)

// state is the scanner of the rule in the package doc: whether the bytes seen so far end
// inside a query.
type state struct{ inQuery bool }

// keep reports whether c is written, and moves the state past it.
func (s *state) keep(c byte) bool {
	if !s.inQuery {
		if c == '?' {
			s.inQuery = true
			return false
		}
		return true
	}
	switch c {
	case ' ', '\t', '\r', '\n':
		s.inQuery = false
		return true
	case '"', ',':
		return true
	}
	return false
}

// appendRedacted appends b with its queries removed to dst.
func (s *state) appendRedacted(dst, b []byte) []byte {
	for _, c := range b {
		if s.keep(c) {
			dst = append(dst, c)
		}
	}
	return dst
}

// Query returns s with the query of every request target and URL in it removed:
// "/i/w_100/s/a.jpg?token=k1.1.x" → "/i/w_100/s/a.jpg". The origin's access log logs
// Query(r.RequestURI).
func Query(s string) string {
	i := 0
	for i < len(s) && s[i] != '?' {
		i++
	}
	if i == len(s) {
		return s // the common case: nothing to remove, nothing allocated
	}
	var st state
	return string(st.appendRedacted([]byte(s[:i]), []byte(s[i:])))
}

// Writer writes what it is given to its destination with every query removed. It is safe for
// concurrent use; a query cut between two writes is still removed.
type Writer struct {
	mu  sync.Mutex
	w   io.Writer
	st  state
	buf []byte
}

// NewWriter returns a Writer writing to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write redacts p and writes the rest to the destination. It reports len(p) when the
// destination took everything it was given.
func (w *Writer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = w.st.appendRedacted(w.buf[:0], p)
	if _, err := w.w.Write(w.buf); err != nil {
		return 0, err
	}
	if cap(w.buf) > 64<<10 {
		w.buf = nil // one long write does not pin its buffer
	}
	return len(p), nil
}
