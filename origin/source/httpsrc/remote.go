package httpsrc

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/dialguard"
)

// Remote reads originals from under one base URL. It is safe for concurrent use.
type Remote struct {
	base    *url.URL
	allowed []*url.URL // base first, then redirect_bases
	client  *http.Client
	timeout time.Duration
	max     int64 // -1: no limit
	ua      string
}

var (
	errTooManyRedirects = errors.New("too many redirects")
	errRedirectRefused  = errors.New("redirect target not under an allow-listed base")
)

// New builds the source and its HTTP client. It does not contact the upstream.
func New(cfg Config) (*Remote, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	base, _ := parseBase(cfg.BaseURL)
	r := &Remote{base: base, allowed: []*url.URL{base}, timeout: cfg.Timeout, max: cfg.MaxObjectSize, ua: cfg.UserAgent}
	if r.max == 0 {
		r.max = -1
	}
	for _, s := range cfg.RedirectBases {
		u, _ := parseBase(s)
		r.allowed = append(r.allowed, u)
	}
	g := dialguard.New(cfg.AllowPrivate)
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second, Control: g.Control}
	r.client = &http.Client{
		Transport: &http.Transport{
			Proxy:                  nil, // a proxy would connect on our behalf, past the guard
			DialContext:            dialer.DialContext,
			ForceAttemptHTTP2:      true,
			MaxIdleConns:           cfg.MaxIdleConns,
			MaxIdleConnsPerHost:    cfg.MaxIdleConns,
			IdleConnTimeout:        90 * time.Second,
			TLSHandshakeTimeout:    cfg.ConnectTimeout,
			ResponseHeaderTimeout:  cfg.ResponseHeaderTimeout,
			ExpectContinueTimeout:  time.Second,
			MaxResponseHeaderBytes: 64 << 10,
			DisableCompression:     true, // the stored bytes, not a transparently gunzipped copy
		},
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) > cfg.MaxRedirects {
				return errTooManyRedirects
			}
			if !r.allowedURL(req.URL) {
				return fmt.Errorf("%w: %s", errRedirectRefused, req.URL.Redacted())
			}
			return nil
		},
	}
	return r, nil
}

// URL returns the URL key is fetched from. Each key segment is path-escaped, so the key can
// only name a path below the base.
func (r *Remote) URL(key string) (*url.URL, error) {
	if err := source.CheckKey(key); err != nil {
		return nil, err
	}
	var sb strings.Builder
	sb.WriteString(r.base.String())
	for i, seg := range strings.Split(key, "/") {
		if i > 0 {
			sb.WriteByte('/')
		}
		sb.WriteString(url.PathEscape(seg))
	}
	u, err := url.Parse(sb.String())
	if err != nil || !r.under(u, r.base) {
		return nil, fmt.Errorf("%w: %q does not stay under the base URL", source.ErrInvalidKey, key)
	}
	return u, nil
}

func (r *Remote) allowedURL(u *url.URL) bool {
	for _, b := range r.allowed {
		if r.under(u, b) {
			return true
		}
	}
	return false
}

// under reports whether u is base or below it: same scheme and host (port included), the
// escaped path prefixed by base's, no credentials, and no way of resolving the path's dot
// segments, percent-encoded or not, that leaves the base (pathUnder).
func (r *Remote) under(u, base *url.URL) bool {
	if u.Scheme != base.Scheme || !strings.EqualFold(u.Host, base.Host) || u.User != nil || u.Opaque != "" {
		return false
	}
	p := u.EscapedPath()
	return strings.HasPrefix(p, base.EscapedPath()) && pathUnder(p, base.EscapedPath())
}

// do sends one request for key and returns a 200 response; the caller closes the body and
// then calls cancel.
func (r *Remote) do(ctx context.Context, method, key string) (*http.Response, context.CancelFunc, error) {
	if err := source.CheckKey(key); err != nil {
		return nil, nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	u, err := r.URL(key)
	if err != nil {
		return nil, nil, err
	}
	opCtx, cancel := context.WithTimeout(ctx, r.timeout)
	req, err := http.NewRequestWithContext(opCtx, method, u.String(), nil)
	if err != nil {
		cancel()
		return nil, nil, fmt.Errorf("%w: %v", source.ErrInvalidKey, err)
	}
	req.Header.Set("User-Agent", r.ua)
	req.Header.Set("Accept", "image/*,*/*;q=0.8")
	resp, err := r.client.Do(req)
	if err != nil {
		cancel()
		return nil, nil, mapErr(ctx, method, key, err)
	}
	if resp.StatusCode == http.StatusOK {
		return resp, cancel, nil
	}
	// Drain a little so the connection can be reused, then release it.
	io.CopyN(io.Discard, resp.Body, 4<<10)
	resp.Body.Close()
	cancel()
	return resp, nil, statusErr(method, key, resp.StatusCode)
}

// Stat implements source.Source with a HEAD (a GET whose body is discarded when the server
// does not allow HEAD).
func (r *Remote) Stat(ctx context.Context, key string) (source.Info, error) {
	resp, cancel, err := r.do(ctx, http.MethodHead, key)
	if resp != nil && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		resp, cancel, err = r.do(ctx, http.MethodGet, key)
	}
	if err != nil {
		return source.Info{}, err
	}
	resp.Body.Close()
	cancel()
	return r.info(key, resp)
}

// Open implements source.Source with a GET. The timeout covers the body transfer too;
// closing the body releases it.
func (r *Remote) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	resp, cancel, err := r.do(ctx, http.MethodGet, key)
	if err != nil {
		return nil, source.Info{}, err
	}
	info, err := r.info(key, resp)
	if err != nil {
		resp.Body.Close()
		cancel()
		return nil, source.Info{}, err
	}
	return source.StreamBody(ctx, resp.Body, r.max, cancel, func(err error) error { return mapErr(ctx, "read", key, err) }), info, nil
}

func (r *Remote) info(key string, resp *http.Response) (source.Info, error) {
	etag := resp.Header.Get("ETag")
	lastMod := resp.Header.Get("Last-Modified")
	info := source.Info{
		Size:        resp.ContentLength,
		ContentType: resp.Header.Get("Content-Type"),
		Identity:    identity(etag, lastMod, resp.ContentLength),
	}
	if t, err := http.ParseTime(lastMod); err == nil {
		info.LastModified = t.UTC()
	}
	if r.max >= 0 && info.Size > r.max {
		return source.Info{}, fmt.Errorf("%w: %q is %d bytes, max_object_size %d", source.ErrTooLarge, key, info.Size, r.max)
	}
	return info, nil
}

// identity hashes the validators the upstream sent. With an ETag that is all it takes;
// without one, Last-Modified and the size stand in.
func identity(etag, lastModified string, size int64) string {
	h := fnv.New128a()
	h.Write([]byte(etag))
	h.Write([]byte{0})
	if etag == "" {
		h.Write([]byte(lastModified))
		var n [8]byte
		binary.LittleEndian.PutUint64(n[:], uint64(size))
		h.Write(n[:])
	}
	return "h" + hex.EncodeToString(h.Sum(nil))
}

func statusErr(method, key string, status int) error {
	switch status {
	case http.StatusNotFound, http.StatusGone:
		return fmt.Errorf("%w: http %s %q: status %d", source.ErrNotFound, method, key, status)
	case http.StatusBadRequest, http.StatusRequestURITooLong:
		return fmt.Errorf("%w: http %s %q: status %d", source.ErrInvalidKey, method, key, status)
	}
	return fmt.Errorf("%w: http %s %q: status %d", source.ErrUnavailable, method, key, status)
}

// mapErr maps a transport error. The caller's context ending wins over everything else, so
// a client going away is not reported as an upstream outage.
func mapErr(ctx context.Context, op, key string, err error) error {
	if cerr := ctx.Err(); cerr != nil {
		return fmt.Errorf("http %s %q: %w", op, key, cerr)
	}
	return fmt.Errorf("%w: http %s %q: %w", source.ErrUnavailable, op, key, err)
}

// body maps read errors to source kinds and releases the request's context on Close.
var _ source.Source = (*Remote)(nil)
