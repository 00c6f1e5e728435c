// Package miniotest runs a real MinIO server for tests: a fresh data directory, loopback
// ports picked at run time, a bucket created, and everything stopped at test cleanup.
//
// The minio binary is looked up in $IMGORIGIN_MINIO, then <module root>/.tools/bin/minio
// (installed by `make deps`), then $PATH. A missing binary fails the test.
package miniotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/s3"
)

// Credentials and bucket of every server Start runs.
const (
	AccessKey = "imgorigin-test"
	SecretKey = "imgorigin-test-secret"
	Bucket    = "originals"
)

// startTimeout bounds how long MinIO may take to answer its liveness probe.
const startTimeout = 30 * time.Second

// Server is a running MinIO.
type Server struct {
	// Endpoint is the S3 API base URL, http://127.0.0.1:<port>.
	Endpoint string
	// Dir is the data directory.
	Dir string

	cmd      *exec.Cmd
	log      *syncBuffer
	exited   chan struct{}
	stopOnce sync.Once
}

// Config returns an s3.Config for the server's bucket with path style, static credentials
// and short timeouts suited to loopback.
func (s *Server) Config() s3.Config {
	c := s3.DefaultConfig()
	c.Endpoint = s.Endpoint
	c.Region = "us-east-1"
	c.Bucket = Bucket
	c.PathStyle = true
	c.AccessKey = AccessKey
	c.SecretKey = SecretKey
	c.ConnectTimeout = time.Second
	c.ResponseHeaderTimeout = 5 * time.Second
	c.Timeout = 10 * time.Second
	c.MaxBackoff = 100 * time.Millisecond
	return c
}

// Binary returns the path of the minio binary, or an error saying how to install it.
func Binary() (string, error) {
	if p := os.Getenv("IMGORIGIN_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("IMGORIGIN_MINIO=%s: %w (unset it to use .tools/bin/minio, installed by make deps)", p, err)
		}
		return p, nil
	}
	if root, err := moduleRoot(); err == nil {
		p := filepath.Join(root, ".tools", "bin", "minio")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", errors.New("minio binary not found (looked at $IMGORIGIN_MINIO, .tools/bin/minio, $PATH): run make deps")
}

func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("go.mod not found")
}

// Start runs a MinIO server and creates Bucket in it. The server stops at t's cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	bin, err := Binary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var lastErr error
	// A port picked free can be taken before MinIO binds it; try a few times.
	for range 3 {
		s, err := start(t, bin, dir)
		if err == nil {
			t.Cleanup(s.Stop)
			if err := s.createBucket(); err != nil {
				t.Fatalf("minio: creating bucket: %v\n%s", err, s.log.String())
			}
			select {
			case <-s.exited: // something else answered on our port
				lastErr = fmt.Errorf("minio exited during start-up: %v\n%s", s.cmd.ProcessState, s.log.String())
				continue
			default:
			}
			return s
		}
		lastErr = err
	}
	t.Fatalf("minio: %v", lastErr)
	return nil
}

func start(t testing.TB, bin, dir string) (*Server, error) {
	apiPort, consolePort := freePort(t), freePort(t)
	s := &Server{
		Endpoint: "http://127.0.0.1:" + strconv.Itoa(apiPort),
		Dir:      dir,
		log:      &syncBuffer{},
		exited:   make(chan struct{}),
	}
	s.cmd = exec.Command(bin, "server", dir,
		"--address", "127.0.0.1:"+strconv.Itoa(apiPort),
		"--console-address", "127.0.0.1:"+strconv.Itoa(consolePort),
		"--quiet")
	s.cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+AccessKey,
		"MINIO_ROOT_PASSWORD="+SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=on",
	)
	s.cmd.Stdout = s.log
	s.cmd.Stderr = s.log
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()

	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("minio exited during start-up: %v\n%s", s.cmd.ProcessState, s.log.String())
		case <-deadline.C:
			s.Stop()
			return nil, fmt.Errorf("minio not live after %v\n%s", startTimeout, s.log.String())
		case <-tick.C:
		}
		resp, err := client.Get(s.Endpoint + "/minio/health/live")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
	}
}

// createBucket creates Bucket, retrying while MinIO is live but its object layer is still
// initialising (it answers 503 then).
func (s *Server) createBucket() error {
	cfg := s.Config()
	cfg.MaxAttempts = 1
	b, err := s3.New(context.Background(), cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		err := b.CreateBucket(ctx)
		if err == nil || !errors.Is(err, source.ErrUnavailable) || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-s.exited:
			return fmt.Errorf("minio exited: %w", err)
		case <-tick.C:
		}
	}
}

// Stop terminates the server and waits for it to exit. It is safe to call more than once.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// Log returns what the server printed so far.
func (s *Server) Log() string { return s.log.String() }

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.b.Len() > 1<<20 {
		return len(p), nil
	}
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
