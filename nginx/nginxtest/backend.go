package nginxtest

import (
	"encoding/json"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Backend is a small HTTP server on 127.0.0.1 that stands behind nginx in routing tests: it
// answers every request with 200, the header X-Backend: <name>, and a JSON body echoing the
// request (Echo). It can be stopped and restarted on the same address to test failover.
type Backend struct {
	Name string
	Addr string // host:port, as written in nginx's upstream block

	t        testing.TB
	mu       sync.Mutex
	srv      *http.Server
	header   http.Header // extra answer headers (SetHeader)
	requests atomic.Int64
}

// Echo is the body a Backend answers with.
type Echo struct {
	Backend    string      `json:"backend"`
	Method     string      `json:"method"`
	RequestURI string      `json:"request_uri"`
	Header     http.Header `json:"header"`
	RemoteAddr string      `json:"remote_addr"`
}

// StartBackend starts a backend named name on a free 127.0.0.1 port; it stops at cleanup.
func StartBackend(t testing.TB, name string) *Backend {
	t.Helper()
	b := &Backend{Name: name, t: t}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("nginxtest: backend %s: %v", name, err)
	}
	b.Addr = l.Addr().String()
	b.serve(l)
	t.Cleanup(b.Stop)
	return b
}

func (b *Backend) serve(l net.Listener) {
	srv := &http.Server{Handler: http.HandlerFunc(b.handle), ReadHeaderTimeout: 5 * time.Second}
	b.mu.Lock()
	b.srv = srv
	b.mu.Unlock()
	go func() { _ = srv.Serve(l) }()
}

func (b *Backend) handle(w http.ResponseWriter, r *http.Request) {
	b.requests.Add(1)
	b.mu.Lock()
	for k, v := range b.header {
		w.Header()[k] = v
	}
	b.mu.Unlock()
	w.Header().Set("X-Backend", b.Name)
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Echo{Backend: b.Name, Method: r.Method, RequestURI: r.RequestURI, Header: r.Header, RemoteAddr: r.RemoteAddr})
}

// SetHeader adds a header to every later answer (e.g. the origin's Cache-Control).
func (b *Backend) SetHeader(key, value string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.header == nil {
		b.header = http.Header{}
	}
	b.header.Set(key, value)
}

// Requests returns how many requests the backend has answered.
func (b *Backend) Requests() int64 { return b.requests.Load() }

// Stop closes the listener and every connection (a killed node: connections are refused).
func (b *Backend) Stop() {
	b.mu.Lock()
	srv := b.srv
	b.srv = nil
	b.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart listens again on the same address after Stop.
func (b *Backend) Restart() {
	b.t.Helper()
	var l net.Listener
	var err error
	deadline := time.Now().Add(5 * time.Second)
	for {
		l, err = net.Listen("tcp", b.Addr)
		if err == nil || time.Now().After(deadline) {
			break
		}
		time.Sleep(20 * time.Millisecond) // bounded retry while the kernel releases the port
	}
	if err != nil {
		b.t.Fatalf("nginxtest: restart backend %s on %s: %v", b.Name, b.Addr, err)
	}
	b.serve(l)
}
