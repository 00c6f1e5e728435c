package server

import (
	"net/http"
	"strings"

	"github.com/imgorigin/imgorigin/origin/failure"
)

// requestPath returns the path of the request target as the client sent it, byte for byte:
// r.RequestURI up to the query. r.URL.EscapedPath() is not that: it re-escapes raw bytes that
// must not appear in a target (non-ASCII, `"<>\^`{|}` and space), so "/i/w_100/s/café.jpg"
// would turn into the canonical "/i/w_100/s/caf%C3%A9.jpg", pass the grammar and the token,
// and become a second CDN object for the same image. The grammar sees what the CDN keyed on.
//
// An absolute-form target (RFC 9112 §3.2.2, "http://host/i/…") yields its path. A request
// that did not come from the server (RequestURI empty: a client request handed to a handler
// in-process) falls back to r.URL.EscapedPath().
func requestPath(r *http.Request) (string, error) {
	t := r.RequestURI
	if t == "" {
		return r.URL.EscapedPath(), nil
	}
	if !strings.HasPrefix(t, "/") {
		// Absolute form: scheme "://" authority path.
		_, rest, ok := strings.Cut(t, "://")
		if !ok {
			return "", failure.New(failure.KindBadRequest, "the request target must be a path", nil)
		}
		i := strings.IndexAny(rest, "/?")
		if i < 0 || rest[i] != '/' {
			return "", failure.New(failure.KindBadRequest, "the request target must be a path", nil)
		}
		t = rest[i:]
	}
	if i := strings.IndexByte(t, '?'); i >= 0 {
		t = t[:i]
	}
	return t, nil
}
