package server

import (
	"context"
	"net"
	"net/http"
	"syscall"
)

// Bodies from corkMin up to corkMax are sent corked. net/http buffers a response's head in a
// 4 KiB writer: a head and body that fit go out in one write at the end of the request, a
// larger body leaves in two (the buffer, then the rest of the body) and, uncorked, as two
// segments that each wake the client. Measured on loopback (BENCHMARKS.md §3), corking a 20 KB
// hit cuts the client's CPU per response by ~12 % and raises the hit rate ~10 %; from a few
// segments on there is nothing left to merge, and a corked 229 KB body was ~4 % slower.
const (
	corkMin = 4 << 10
	corkMax = 64 << 10
)

type connKey struct{}

// withConn is the public server's ConnContext: it keeps the connection's raw socket in every
// request context of that connection (one value per connection, not per request).
func withConn(ctx context.Context, c net.Conn) context.Context {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return ctx
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return ctx
	}
	return context.WithValue(ctx, connKey{}, rc)
}

// writeCorked writes a mid-sized body as one segment train where the platform allows: it
// sets the socket's cork (Linux TCP_CORK, what nginx's tcp_nopush does around sendfile),
// writes, flushes net/http's buffers to the socket and uncorks, so the head and the body
// reach the client together. Elsewhere, on a connection that is not TCP, or for a body
// outside [corkMin, corkMax), it is a plain Write.
func writeCorked(w http.ResponseWriter, r *http.Request, body []byte) {
	rc, _ := r.Context().Value(connKey{}).(syscall.RawConn)
	if rc == nil || len(body) < corkMin || len(body) >= corkMax || !setCork(rc, true) {
		_, _ = w.Write(body)
		return
	}
	defer setCork(rc, false)
	if _, err := w.Write(body); err != nil {
		return
	}
	_ = http.NewResponseController(w).Flush()
}
