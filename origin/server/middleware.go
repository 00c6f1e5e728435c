package server

import (
	"encoding/binary"
	"encoding/hex"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/redact"
)

// reqInfo is what a request's handlers tell the access log: the request id, the cache
// outcome and the error.
type reqInfo struct {
	id      string
	outcome string
	kind    string
	err     error
}

// infoOf finds the request's reqInfo through the ResponseWriter the access log handed down
// (no per-request context copy on the hot path); a writer from elsewhere gets a blank one.
func infoOf(w http.ResponseWriter) *reqInfo {
	for {
		switch v := w.(type) {
		case *recorder:
			return &v.info
		case interface{ Unwrap() http.ResponseWriter }:
			w = v.Unwrap()
		default:
			return &reqInfo{}
		}
	}
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

// newRequestID is the front's X-Request-Id when valid, else a fresh random one.
func newRequestID(r *http.Request) string {
	id := r.Header.Get("X-Request-Id")
	if validRequestID(id) {
		return id
	}
	// Request ids correlate log lines; they need to be unique, not secret.
	var b [12]byte
	binary.LittleEndian.PutUint64(b[:8], rand.Uint64())
	binary.LittleEndian.PutUint32(b[8:], rand.Uint32())
	return hex.EncodeToString(b[:])
}

var (
	headerNosniff = []string{"nosniff"}
	headerCSP     = []string{"default-src 'none'; sandbox"}
)

// recorder is the access log's view of the answer, and carries the request's reqInfo.
type recorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	info   reqInfo
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

// loggedTarget is the request target as the access log writes it: as the client sent it, with
// its query (the token) removed by the rule every log of the project follows (origin/redact).
func loggedTarget(r *http.Request) string {
	if r.RequestURI == "" { // a request handed over in-process
		return r.URL.EscapedPath()
	}
	return redact.Query(r.RequestURI)
}

// accessLog gives every request an id, sets the headers every public answer carries, writes
// one JSON line per request and records request metrics. The query string is never logged: it
// carries the token.
func (s *Server) accessLog(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rec := &recorder{ResponseWriter: w, info: reqInfo{id: newRequestID(r)}}
		h := w.Header()
		h["X-Request-Id"] = []string{rec.info.id}
		h["X-Origin-Node"] = s.nodeHeader
		h["X-Content-Type-Options"] = headerNosniff
		h["Content-Security-Policy"] = headerCSP
		next.ServeHTTP(rec, r)
		d := time.Since(start)
		if rec.status == 0 {
			rec.status = http.StatusOK
		}
		info := &rec.info
		s.deps.Metrics.Request(rec.status, info.outcome, d, rec.bytes)
		level := slog.LevelInfo
		if info.err != nil && rec.status >= 500 && rec.status != http.StatusServiceUnavailable {
			level = slog.LevelError
		}
		if !s.deps.Log.Enabled(r.Context(), level) {
			return
		}
		attrs := []slog.Attr{
			slog.String("id", info.id),
			slog.String("method", r.Method),
			slog.String("path", loggedTarget(r)),
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
				s.deps.Log.Error("panic", "id", infoOf(w).id, "value", v, "stack", string(debug.Stack()))
				s.writeError(w, r, failure.New(failure.KindInternal, "internal error", nil))
			}
		}()
		next.ServeHTTP(w, r)
	})
}
