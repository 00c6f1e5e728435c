package reliability

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"sync"
	"sync/atomic"
	"time"
)

// proxyMode is what the fault proxy in front of the S3 store does.
type proxyMode int32

const (
	modePass proxyMode = iota
	modeDown           // the listener is closed: connection refused
	modeSlow           // headers at once, then one body byte every 5 s
	mode500            // 500 InternalError
)

var modeNames = map[proxyMode]string{modePass: "pass", modeDown: "down", modeSlow: "slow", mode500: "500"}

// faultProxy is an HTTP reverse proxy in front of MinIO that passes, refuses, trickles or
// fails every request, as its mode says.
type faultProxy struct {
	addr   string
	target atomic.Pointer[url.URL]
	mode   atomic.Int32
	mu     sync.Mutex
	ln     net.Listener
	srv    *http.Server
	stop   chan struct{}
}

func startFaultProxy() (*faultProxy, error) {
	p := &faultProxy{stop: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.target.Load())
			r.Out.Host = r.In.Host // S3 signatures cover the Host the client used
		},
		FlushInterval: -1,
	}
	p.srv = &http.Server{IdleTimeout: 3 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch proxyMode(p.mode.Load()) {
		case mode500:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, "<Error><Code>InternalError</Code><Message>injected</Message></Error>")
			return
		case modeSlow:
			if r.Method == http.MethodGet {
				rp.ServeHTTP(&slowWriter{ResponseWriter: w, stop: p.stop, ctx: r.Context()}, r)
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	p.addr = ln.Addr().String()
	p.ln = ln
	go func() { _ = p.srv.Serve(ln) }()
	return p, nil
}

func (p *faultProxy) close() {
	close(p.stop)
	_ = p.srv.Close()
}

func (p *faultProxy) set(m proxyMode) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := proxyMode(p.mode.Swap(int32(m)))
	switch {
	case m == modeDown && old != modeDown:
		_ = p.ln.Close()
		p.srv.SetKeepAlivesEnabled(false)
	case m != modeDown && old == modeDown:
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			return fmt.Errorf("fault proxy: re-listening on %s: %w", p.addr, err)
		}
		p.ln = ln
		p.srv.SetKeepAlivesEnabled(true)
		go func() { _ = p.srv.Serve(ln) }()
	}
	return nil
}

// slowWriter passes the headers at once and then one body byte every 5 s.
type slowWriter struct {
	http.ResponseWriter
	stop <-chan struct{}
	ctx  context.Context
}

func (s *slowWriter) Write(b []byte) (int, error) {
	for i := range b {
		if _, err := s.ResponseWriter.Write(b[i : i+1]); err != nil {
			return i, err
		}
		s.ResponseWriter.(http.Flusher).Flush()
		select {
		case <-time.After(5 * time.Second):
		case <-s.stop:
			return i, io.ErrClosedPipe
		case <-s.ctx.Done():
			return i, s.ctx.Err()
		}
	}
	return len(b), nil
}
