package server

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/imgorigin/imgorigin/origin/failure"
)

var (
	errNoRoute = failure.New(failure.KindUnknownName, "no such route: image paths are /i/{variant}/{source}/{key}", nil)
	errMethod  = failure.New(failure.KindBadRequest, "only GET and HEAD are allowed", nil)
	// errUploadMethod answers GET and HEAD of the write path.
	errUploadMethod = failure.New(failure.KindBadRequest, "the write path takes POST, PUT, DELETE and OPTIONS; images are read under /i/", nil)
)

// statusOf maps a failure kind to an HTTP status: the one place this is decided.
func statusOf(err error) int {
	if err == errMethod || err == errUploadMethod {
		return http.StatusMethodNotAllowed
	}
	switch failure.KindOf(err) {
	case failure.KindBadRequest:
		return http.StatusBadRequest
	case failure.KindForbidden:
		return http.StatusForbidden
	case failure.KindNotFound, failure.KindUnknownName:
		return http.StatusNotFound
	case failure.KindUnsupported:
		return http.StatusUnsupportedMediaType
	case failure.KindUnprocessable:
		return http.StatusUnprocessableEntity
	case failure.KindOverloaded:
		return http.StatusServiceUnavailable
	case failure.KindUnavailable:
		return http.StatusBadGateway
	case failure.KindTimeout:
		return http.StatusGatewayTimeout
	case failure.KindTooLarge:
		return http.StatusRequestEntityTooLarge
	case failure.KindConflict:
		return http.StatusConflict
	case failure.KindCanceled:
		return 499 // nginx's "client closed request"; nobody reads it
	}
	return http.StatusInternalServerError
}

// writeError answers a failed request. The body carries the public message and the request id;
// the log line carries the whole error under the same id. Nothing in an error answer is
// cacheable except a store's 404, which edges keep briefly so a missing object does not cost a
// pull per request.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := statusOf(err)
	kind := failure.KindOf(err)
	info := infoOf(w)
	id := info.id
	info.err = err
	info.kind = kind.String()
	s.deps.Metrics.Rejection(kind.String())

	h := w.Header()
	for _, k := range []string{"Cache-Control", "ETag", "Last-Modified", "Surrogate-Key", "Cache-Tag", "Server-Timing", "Content-Encoding", "Content-Range"} {
		h.Del(k)
	}
	switch {
	case kind == failure.KindNotFound:
		h.Set("Cache-Control", notFoundCacheControl(s.cfg.CacheControl))
	case status == http.StatusForbidden:
		h.Set("Cache-Control", "private, no-store")
	default:
		h.Set("Cache-Control", "no-store")
	}
	if status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "2")
	}
	h.Set("Content-Type", "text/plain; charset=utf-8")
	body := fmt.Sprintf("%d %s: %s\nrequest id: %s\n", status, http.StatusText(status), failure.PublicMessage(err), id)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write([]byte(body))
	}
}

// handle adapts an error-returning handler.
func (s *Server) handle(f func(http.ResponseWriter, *http.Request) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := f(w, r); err != nil {
			s.writeError(w, r, err)
		}
	}
}
