package fastdfs

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"

	"github.com/imgorigin/imgorigin/origin/source"
)

// newHTTPClient returns the client of transport "http": pooled like the TCP transport, no
// proxy from the environment, and redirects followed only on the storage the tracker named
// (fastdfs-nginx-module's response_mode=redirect sends a client to the file's source storage
// while it is not synced yet: that host was not chosen by a tracker, so the reply is an
// unavailable storage and the next read asks the tracker again).
func newHTTPClient(cfg *Config, dialer *net.Dialer) *http.Client {
	tr := &http.Transport{
		DialContext:           dialer.DialContext,
		MaxIdleConnsPerHost:   cfg.MaxIdle,
		MaxConnsPerHost:       cfg.MaxOpen,
		IdleConnTimeout:       cfg.IdleTimeout,
		ResponseHeaderTimeout: cfg.IOTimeout,
		DisableCompression:    true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 {
				return fmt.Errorf("fastdfs: more than 3 redirects")
			}
			if req.URL.Scheme != "http" || req.URL.Host != via[0].URL.Host {
				return fmt.Errorf("fastdfs: redirect from %s to another host (%s://%s) refused", via[0].URL.Host, req.URL.Scheme, req.URL.Host)
			}
			return nil
		},
	}
}

// openHTTP fetches http://<storage ip>:<http_port>/<file id>.
func (cl *Client) openHTTP(ctx context.Context, st Storage, id FileID, want expect) (*body, error) {
	u := "http://" + net.JoinHostPort(st.IP, strconv.Itoa(cl.cfg.HTTPPort)) + "/" + id.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", source.ErrInvalidKey, id, err)
	}
	ok := http.StatusOK
	if id.Kind == KindAppender {
		// The bytes of the identity Open returns: later appends belong to a later one.
		req.Header.Set("Range", fmt.Sprintf("bytes=0-%d", want.size-1))
		ok = http.StatusPartialContent
	}
	resp, err := cl.httpc.Do(req)
	if err != nil {
		if ctxDone(ctx) {
			return nil, ctxErr(ctx)
		}
		return nil, unavailable("http get "+u, err)
	}
	if resp.StatusCode != ok {
		io.CopyN(io.Discard, resp.Body, 4<<10)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusNotFound:
			return nil, fmt.Errorf("%w: %s: http %d", source.ErrNotFound, id, resp.StatusCode)
		case resp.StatusCode == http.StatusBadRequest:
			return nil, fmt.Errorf("%w: %s: http %d", source.ErrInvalidKey, id, resp.StatusCode)
		}
		return nil, fmt.Errorf("%w: %s: http %d", source.ErrUnavailable, id, resp.StatusCode)
	}
	n := resp.ContentLength
	fail := func(err error) (*body, error) {
		resp.Body.Close()
		return nil, err
	}
	if n > cl.cfg.MaxObjectSize {
		return fail(fmt.Errorf("%w: %s is %d bytes (max_object_size %d)", source.ErrTooLarge, id, n, cl.cfg.MaxObjectSize))
	}
	want, err = want.forLength(n, id)
	if err != nil {
		return fail(err)
	}
	b := &body{
		r:         resp.Body,
		remaining: n,
		total:     n,
		limit:     cl.cfg.MaxObjectSize,
		want:      want,
		id:        id,
		release:   func(bool) { resp.Body.Close() },
	}
	if n == 0 {
		b.finish()
	}
	return b, nil
}
