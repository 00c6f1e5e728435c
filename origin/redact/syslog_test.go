package redact_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/redact"
)

// lockedBuffer collects what ServeSyslog writes.
type lockedBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestServeSyslogRealNginx: a real nginx with `error_log syslog:server=unix:…` (as the
// deployment files configure the front) logs an upstream failure of a tokened URL; what the
// receiver writes holds the error line and not the token.
func TestServeSyslogRealNginx(t *testing.T) {
	// nginx's workers run as nobody when the test runs as root: they must reach the socket
	// (t.TempDir's parent is private to this user).
	dir, err := os.MkdirTemp("", "redact-syslog-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "error.sock")
	conn, err := redact.ListenSyslog(sock)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out lockedBuffer
	done := make(chan error, 1)
	go func() { done <- redact.ServeSyslog(ctx, conn, &out) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeSyslog: %v", err)
		}
	}()

	port, closed := nginxtest.FreePort(t), nginxtest.FreePort(t) // nothing listens on closed
	in := nginxtest.Start(t, fmt.Sprintf(`
error_log syslog:server=unix:%s,tag=front warn;
events { worker_connections 64; }
http {
    access_log off;
    server {
        listen 127.0.0.1:%d;
        location / { proxy_pass http://127.0.0.1:%d; }
    }
}`, sock, port, closed))
	resp, err := http.Get(in.URL("/i/w_100,f_webp/local/a.jpg?token=k1.1800000000.SECRETMAC&auth_key=1-0-0-SECRETMD5"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status %d, want 502 from an upstream that refuses", resp.StatusCode)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "Connection refused") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	got := out.String()
	if !strings.Contains(got, `request: "GET /i/w_100,f_webp/local/a.jpg HTTP/1.1"`) {
		t.Fatalf("the receiver did not get the upstream error line:\n%s", got)
	}
	for _, s := range []string{"SECRET", "token=", "auth_key="} {
		if strings.Contains(got, s) {
			t.Errorf("the redacted error log holds %q:\n%s", s, got)
		}
	}
	// What nginx wrote straight to stderr (nginxtest's own error_log) shows the test provoked
	// the leak that the receiver removed.
	// nginx writes that file in the same call as the syslog line, after it: wait for it.
	for !strings.Contains(in.ErrorLog(), "SECRETMAC") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(in.ErrorLog(), "SECRETMAC") {
		t.Errorf("nginx's unredacted error log does not quote the token: the test provoked nothing:\n%s", in.ErrorLog())
	}
}
