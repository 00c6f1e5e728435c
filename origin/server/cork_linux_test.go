package server

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/telemetry"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// sizedRenderer answers /i/{variant}/{source}/{n} with n bytes.
type sizedRenderer struct{ noInfo }

func (sizedRenderer) Parse(esc string) (imgurl.Path, error) {
	n := esc[strings.LastIndexByte(esc, '/')+1:]
	return imgurl.Path{Source: "t", Key: n}, nil
}

func (sizedRenderer) IsAuto(imgurl.Variant) bool { return false }

func (sizedRenderer) Render(_ context.Context, p imgurl.Path, _ autoformat.Bucket) (*render.Rendition, error) {
	n, err := strconv.Atoi(p.Key)
	if err != nil {
		return nil, err
	}
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i * 7)
	}
	return &render.Rendition{Data: b, ContentType: "image/jpeg", ETag: `"e"`, Outcome: render.OutcomeHit}, nil
}

// corkConn records, for every write the server makes, whether the socket was corked then.
type corkConn struct {
	*net.TCPConn
	mu     sync.Mutex
	writes []bool
}

func corked(t *testing.T, c *net.TCPConn) bool {
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var v int
	var gerr error
	if err := rc.Control(func(fd uintptr) {
		v, gerr = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK)
	}); err != nil || gerr != nil {
		t.Fatal(err, gerr)
	}
	return v != 0
}

type corkListener struct {
	net.Listener
	t     *testing.T
	conns chan *corkConn
}

func (l *corkListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	cc := &corkConn{TCPConn: c.(*net.TCPConn)}
	l.conns <- cc
	return &recordingConn{cc, l.t}, nil
}

// recordingConn is the server's view of a corkConn; it keeps SyscallConn (through the
// embedded TCPConn) so the server can cork it.
type recordingConn struct {
	*corkConn
	t *testing.T
}

func (c *recordingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, corked(c.t, c.TCPConn))
	c.mu.Unlock()
	return c.TCPConn.Write(p)
}

// TestCorkedResponses: a body large enough to leave in two writes (up to corkMax) is written
// with the socket corked and the cork is cleared after it; a small body is a single plain
// write, a large one is written plainly; the bytes
// are intact at every size around net/http's 4 KiB buffer, on one keep-alive connection.
func TestCorkedResponses(t *testing.T) {
	s, err := New(DefaultConfig(), Deps{Node: "n1", Renderer: sizedRenderer{}, Auth: allowAll{},
		Metrics: telemetry.New(), Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cl := &corkListener{Listener: ln, t: t, conns: make(chan *corkConn, 4)}
	srv := &http.Server{Handler: s.PublicHandler(), ConnContext: withConn, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(cl)
	defer srv.Close()

	client := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1, DisableCompression: true}, Timeout: 10 * time.Second}
	var conn *corkConn
	for _, n := range []int{0, 100, 3000, corkMin - 1, corkMin, 20_000, corkMax - 1, corkMax, 300_000} {
		resp, err := client.Get(fmt.Sprintf("http://%s/i/w_10/t/%d", ln.Addr(), n))
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || len(body) != n {
			t.Fatalf("%d bytes: status %d, got %d bytes, %v", n, resp.StatusCode, len(body), err)
		}
		for i := range body {
			if body[i] != byte(i*7) {
				t.Fatalf("%d bytes: byte %d differs", n, i)
			}
		}
		if conn == nil {
			conn = <-cl.conns
		}
		select {
		case <-cl.conns:
			t.Fatal("the client opened a second connection; the test needs one keep-alive connection")
		default:
		}
		conn.mu.Lock()
		writes := conn.writes
		conn.writes = nil
		conn.mu.Unlock()
		if corked(t, conn.TCPConn) {
			t.Fatalf("%d bytes: the socket is still corked after the response", n)
		}
		if len(writes) == 0 {
			t.Fatalf("%d bytes: no write seen", n)
		}
		for i, c := range writes {
			if want := n >= corkMin && n < corkMax; c != want {
				t.Fatalf("%d bytes: write %d of %d corked=%v, want %v", n, i+1, len(writes), c, want)
			}
		}
		if n < corkMin-1000 && len(writes) != 1 {
			t.Fatalf("%d bytes: %d writes, want head and body in one", n, len(writes))
		}
	}
}
