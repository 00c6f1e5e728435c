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
// proxy from the environment, at most 3 redirects (fastdfs-nginx-module redirects to the
// source storage in response_mode=redirect).
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
			if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
				return fmt.Errorf("fastdfs: redirect to scheme %q", req.URL.Scheme)
			}
			return nil
		},
	}
}

// openHTTP fetches http://<storage ip>:<http_port>/<file id>.
func (cl *Client) openHTTP(ctx context.Context, st Storage, id FileID) (io.ReadCloser, error) {
	u := "http://" + net.JoinHostPort(st.IP, strconv.Itoa(cl.cfg.HTTPPort)) + "/" + id.String()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %w", source.ErrInvalidKey, id, err)
	}
	resp, err := cl.httpc.Do(req)
	if err != nil {
		if ctxDone(ctx) {
			return nil, ctxErr(ctx)
		}
		return nil, unavailable("http get "+u, err)
	}
	if resp.StatusCode != http.StatusOK {
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
	fail := func(err error) (io.ReadCloser, error) {
		resp.Body.Close()
		return nil, err
	}
	if n > cl.cfg.MaxObjectSize {
		return fail(fmt.Errorf("%w: %s is %d bytes (max_object_size %d)", source.ErrTooLarge, id, n, cl.cfg.MaxObjectSize))
	}
	if n >= 0 && id.Verifiable() && n != id.Size {
		return fail(fmt.Errorf("%w: %w: http body of %d bytes, %s says %d", source.ErrUnavailable, ErrChecksum, n, id, id.Size))
	}
	b := &body{
		r:         resp.Body,
		remaining: n,
		limit:     cl.cfg.MaxObjectSize,
		check:     id.Verifiable(),
		want:      id.CRC32,
		size:      id.Size,
		id:        id,
		release:   func(bool) { resp.Body.Close() },
	}
	if n == 0 {
		b.finish()
	}
	return b, nil
}
