// Package minio runs a real MinIO server process on 127.0.0.1 (the S3-compatible store of the
// local stack and of the tests): a data directory, loopback addresses (picked at run time
// unless given), static credentials, a bucket created once MinIO's object layer is up. It
// imports no testing code: origin/stack starts it for `make run` and the tests (through
// origin/source/s3/miniotest and origin/clustertest) alike.
//
// The minio binary is looked up in $IMGDEV_MINIO, then <module root>/.tools/bin/minio
// (installed by `make deps`), then $PATH.
package minio

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
	"sync"
	"syscall"
	"time"

	"github.com/imgorigin/imgorigin/origin/internal/repo"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/s3"
)

// Defaults of Options.
const (
	defaultAccessKey = "imgorigin-test"
	defaultSecretKey = "imgorigin-test-secret"
	defaultBucket    = "originals"
)

// startTimeout bounds how long MinIO may take to answer its liveness probe.
const startTimeout = 30 * time.Second

// Options say how to run a server. The zero value (with Dir set) is a fresh server with the
// default credentials and bucket on ports picked at run time.
type Options struct {
	Dir            string // data directory (required)
	Address        string // S3 API listen address; empty: 127.0.0.1 and a free port
	ConsoleAddress string // console listen address; empty: 127.0.0.1 and a free port
	AccessKey      string // MINIO_ROOT_USER; empty: defaultAccessKey
	SecretKey      string // MINIO_ROOT_PASSWORD; empty: defaultSecretKey
	Bucket         string // created at start; empty: defaultBucket
	// LogPath, when set, receives MinIO's output (appended); otherwise Log keeps the last MiB.
	LogPath string
}

// Server is a running MinIO.
type Server struct {
	// Endpoint is the S3 API base URL, http://127.0.0.1:<port>.
	Endpoint string
	// Dir is the data directory.
	Dir string

	opts     Options
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
	c.Bucket = s.opts.Bucket
	c.PathStyle = true
	c.AccessKey = s.opts.AccessKey
	c.SecretKey = s.opts.SecretKey
	c.ConnectTimeout = time.Second
	c.ResponseHeaderTimeout = 5 * time.Second
	c.Timeout = 10 * time.Second
	c.MaxBackoff = 100 * time.Millisecond
	return c
}

// Pid is the server's process id.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Binary returns the path of the minio binary, or an error saying how to install it.
func Binary() (string, error) {
	if p := os.Getenv("IMGDEV_MINIO"); p != "" {
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("IMGDEV_MINIO=%s: %w (unset it to use .tools/bin/minio, installed by make deps)", p, err)
		}
		return p, nil
	}
	if root, err := repo.Root(); err == nil {
		p := filepath.Join(root, ".tools", "bin", "minio")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	if p, err := exec.LookPath("minio"); err == nil {
		return p, nil
	}
	return "", errors.New("minio binary not found (looked at $IMGDEV_MINIO, .tools/bin/minio, $PATH): run make deps")
}

// Start runs a MinIO server and creates the bucket in it. Stop stops it. With addresses picked
// at run time, a start that loses its port to another process is tried again (three times).
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.Dir == "" {
		return nil, errors.New("minio: Options.Dir is required")
	}
	if opts.AccessKey == "" {
		opts.AccessKey = defaultAccessKey
	}
	if opts.SecretKey == "" {
		opts.SecretKey = defaultSecretKey
	}
	if opts.Bucket == "" {
		opts.Bucket = defaultBucket
	}
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	tries := 3
	if opts.Address != "" {
		tries = 1
	}
	var lastErr error
	for range tries {
		s, err := start(ctx, bin, opts)
		if err != nil {
			lastErr = err
			continue
		}
		if err := s.createBucket(ctx); err != nil {
			s.Stop()
			return nil, fmt.Errorf("minio: creating bucket: %w\n%s", err, s.Log())
		}
		select {
		case <-s.exited: // something else answered on our port
			lastErr = fmt.Errorf("minio exited during start-up: %v\n%s", s.cmd.ProcessState, s.Log())
			continue
		default:
		}
		return s, nil
	}
	return nil, fmt.Errorf("minio: %w", lastErr)
}

func start(ctx context.Context, bin string, opts Options) (*Server, error) {
	if opts.Address == "" {
		opts.Address = freeAddr()
	}
	if opts.ConsoleAddress == "" {
		opts.ConsoleAddress = freeAddr()
	}
	s := &Server{Endpoint: "http://" + opts.Address, Dir: opts.Dir, opts: opts, log: &syncBuffer{path: opts.LogPath}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, "server", opts.Dir, "--address", opts.Address, "--console-address", opts.ConsoleAddress, "--quiet")
	s.cmd.Env = append(os.Environ(),
		"MINIO_ROOT_USER="+opts.AccessKey,
		"MINIO_ROOT_PASSWORD="+opts.SecretKey,
		"MINIO_BROWSER=off",
		"MINIO_UPDATE=off",
		"MINIO_CI_CD=on",
	)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if opts.LogPath != "" {
		// A file, not a pipe: the server may outlive this process (make run).
		f, err := os.OpenFile(opts.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		s.cmd.Stdout, s.cmd.Stderr = f, f
	}
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("starting %s: %w", bin, err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()

	client := &http.Client{Timeout: time.Second}
	deadline := time.NewTimer(startTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("minio exited during start-up: %v\n%s", s.cmd.ProcessState, s.Log())
		case <-deadline.C:
			s.Stop()
			return nil, fmt.Errorf("minio not live after %v\n%s", startTimeout, s.Log())
		case <-ctx.Done():
			s.Stop()
			return nil, ctx.Err()
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

// createBucket creates the bucket, retrying while MinIO is live but its object layer is still
// initialising (it answers 503 then). A bucket that exists already (a kept data directory) is
// fine.
func (s *Server) createBucket(ctx context.Context) error {
	cfg := s.Config()
	cfg.MaxAttempts = 1
	b, err := s3.New(ctx, cfg)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
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
		_ = s.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.exited
		}
	})
}

// Log returns what the server printed so far (the last MiB; with Options.LogPath, the file).
func (s *Server) Log() string { return s.log.String() }

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "127.0.0.1:0" // MinIO then fails to start with the reason
	}
	defer l.Close()
	return l.Addr().String()
}

// syncBuffer keeps the server's output in memory (at most 1 MiB), or names the file it goes to.
type syncBuffer struct {
	path string
	mu   sync.Mutex
	b    bytes.Buffer
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
	if s.path != "" {
		b, _ := os.ReadFile(s.path)
		return string(b)
	}
	return s.b.String()
}
