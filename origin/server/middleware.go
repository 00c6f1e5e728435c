package server

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
)

type ctxKey struct{}

// reqInfo is the request's id, filled in by handlers and read by the access log.
type reqInfo struct {
	id      string
	outcome string
	kind    string
	err     error
}

func requestIDFrom(ctx context.Context) string { return infoFrom(ctx).id }

func infoFrom(ctx context.Context) *reqInfo {
	if i, ok := ctx.Value(ctxKey{}).(*reqInfo); ok {
		return i
	}
	return &reqInfo{}
}

// validRequestID accepts an upstream id (nginx's $request_id) when it is short and plain.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// requestID gives every request an id (the front's X-Request-Id when valid) and sets the
// headers every public answer carries.
func (s *Server) requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get("X-Request-Id")
		if !validRequestID(id) {
			// Request ids correlate log lines; they need to be unique, not secret.
			var b [12]byte
			binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
			binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
			id = hex.EncodeToString(b[:])
		}
		h := w.Header()
		h["X-Request-Id"] = []string{id}
		h["X-Origin-Node"] = s.nodeHeader
		h["X-Content-Type-Options"] = headerNosniff
		h["Content-Security-Policy"] = headerCSP
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), ctxKey{}, &reqInfo{id: id})))
	})
}

var (
	headerNosniff = []string{"nosniff"}
	headerCSP     = []string{"default-src 'none'; sandbox"}
)

type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.bytes += int64(n)
	return n, err
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// ReadFrom lets io.Copy (ServeContent's body copy) reach net/http's own ReaderFrom, which
// copies through pooled buffers instead of allocating 32 KiB per response.
func (r *recorder) ReadFrom(src io.Reader) (int64, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	var n int64
	var err error
	if rf, ok := r.ResponseWriter.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.Copy(r.ResponseWriter, src)
	}
	r.bytes += n
	return n, err
}

// accessLog writes one JSON line per request and records request metrics. The query string is
// never logged: it carries the token.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w}
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		info := infoFrom(r.Context())
		s.deps.Metrics.Request(rec.status, info.outcome, d, rec.bytes)
		level := slog.LevelInfo
		if info.err != nil && rec.status >= 500 && rec.status != http.StatusServiceUnavailable {
			level = slog.LevelError
		}
		if !s.deps.Log.Enabled(r.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("id", requestIDFrom(r.Context())),
			slog.String("method", r.Method),
			slog.String("path", r.URL.EscapedPath()),
			slog.Int("status", rec.status),
			slog.Int64("bytes", rec.bytes),
			slog.Float64("ms", float64(d.Microseconds())/1000),
			slog.String("remote", r.RemoteAddr),
		}
		if info.outcome != "" {
			attrs = append(attrs, slog.String("cache", info.outcome))
		}
		if info.err != nil {
			attrs = append(attrs, slog.String("kind", info.kind), slog.String("error", info.err.Error()))
		}
		s.deps.Log.LogAttrs(r.Context(), level, "request", attrs...)
	})
}

// recoverer turns a panic in a handler into a logged 500 instead of a dead connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.deps.Log.Error("panic", "id", requestIDFrom(r.Context()), "value", v, "stack", string(debug.Stack()))
				s.writeError(w, r, failure.New(failure.KindInternal, "internal error", nil))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
