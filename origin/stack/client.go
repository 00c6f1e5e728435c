package stack

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Response is a finished HTTP exchange with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request and reads the whole answer.
func (s *Stack) Do(method, url string, hdr http.Header) (Response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return Response{}, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := s.Client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: reading body: %w", method, url, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
}

// Sum adds a metric over every running node (see Metrics.Sum). Counters of killed nodes are
// gone with them.
func (s *Stack) Sum(name string, labels map[string]string) (float64, error) {
	total := 0.0
	for _, n := range s.Nodes {
		if !n.Alive() {
			continue
		}
		m, err := n.Metrics()
		if err != nil {
			return 0, err
		}
		total += m.Sum(name, labels)
	}
	return total, nil
}

// SumAtLeast polls Sum until it reaches atLeast or limit passes, and returns the last sum. A
// node records a request in imgorigin_requests_total just after its answer is written, so a
// client can see the answer a moment before the count: check counts of finished requests with
// SumAtLeast(expected), then compare for equality.
func (s *Stack) SumAtLeast(name string, labels map[string]string, atLeast float64, limit time.Duration) (float64, error) {
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		got, err := s.Sum(name, labels)
		if err != nil || got >= atLeast || time.Now().After(deadline) {
			return got, err
		}
		<-tick.C
	}
}

// PutS3 stores an original in MinIO (Options.MinIO) under key.
func (s *Stack) PutS3(ctx context.Context, key string, data []byte, contentType string) error {
	if s.S3 == nil {
		return fmt.Errorf("stack: PutS3 without Options.MinIO")
	}
	b, err := s3.New(ctx, s.S3.Config())
	if err != nil {
		return fmt.Errorf("stack: s3: %w", err)
	}
	if err := b.Put(ctx, key, data, contentType); err != nil {
		return fmt.Errorf("stack: s3 put %s: %w", key, err)
	}
	return nil
}

// WriteLocal stores an original for source "local" under key (slash-separated).
func (s *Stack) WriteLocal(key string, data []byte) error {
	return writeFile(filepath.Join(s.LocalDir, filepath.FromSlash(key)), data)
}

// WriteLegacy stores a file in the legacy site's tree at path (slash-separated, no leading /).
func (s *Stack) WriteLegacy(path string, data []byte) error {
	return writeFile(filepath.Join(s.LegacyDir, filepath.FromSlash(path)), data)
}

func writeFile(p string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return fmt.Errorf("stack: %w", err)
	}
	return nil
}

// Path returns the canonical escaped path of p.
func Path(p imgurl.Path) (string, error) {
	return imgurl.Build(p, imgurl.DefaultLimits())
}

// Token returns the origin's authorization query ("token=k1.{exp}.{mac}") for an escaped
// path, valid until exp.
func (s *Stack) Token(escapedPath string, exp time.Time) (string, error) {
	return signer.Native{Ring: s.Keys}.Query(escapedPath, exp.Unix())
}

// EdgeAuth returns the edge's authorization query (Aliyun type A "auth_key=…") for an
// escaped path, valid until exp (timestamp exp-EdgeTTL, as the signer writes it).
func (s *Stack) EdgeAuth(escapedPath string, exp time.Time) (string, error) {
	return signer.AliyunA{Key: s.EdgeKey, ValidFor: EdgeTTL}.Query(escapedPath, exp.Unix())
}

// trackPid records a process in <dir>/pids ("name pid" lines, what scripts/stop stops) when
// the stack is `make run`'s.
func (s *Stack) trackPid(name string, pid int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.trackPidLocked(name, pid)
}

func (s *Stack) trackPidLocked(name string, pid int) {
	if !s.detached {
		return
	}
	f, err := os.OpenFile(filepath.Join(s.Dir, "pids"), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	defer f.Close()
	fmt.Fprintf(f, "%s %d\n", name, pid)
}
