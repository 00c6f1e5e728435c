package s3_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"mime"
	"net"
	"path"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/source/s3/miniotest"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

func newBucket(t testing.TB, cfg s3.Config) *s3.Bucket {
	t.Helper()
	b, err := s3.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func put(t testing.TB, b *s3.Bucket, key string, data []byte) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := b.Put(ctx, key, data, mime.TypeByExtension(path.Ext(key))); err != nil {
		t.Fatalf("Put(%q): %v", key, err)
	}
	return key
}

// One MinIO per test function; every subtest works under its own prefix.
func conformance(t *testing.T, limit int64) {
	srv := miniotest.Start(t)
	var n atomic.Int64
	sourcetest.Run(t, func(t *testing.T) sourcetest.Harness {
		cfg := srv.Config()
		cfg.Prefix = fmt.Sprintf("run%d/", n.Add(1))
		cfg.MaxObjectSize = limit
		b := newBucket(t, cfg)
		return sourcetest.Harness{
			Source:     b,
			Put:        func(t *testing.T, name string, data []byte) string { return put(t, b, name, data) },
			MissingKey: "no/such/object.jpg",
			OddKeys:    true,
			Limit:      limit,
		}
	})
}

func TestConformance(t *testing.T) { conformance(t, 0) }

func TestConformanceWithLimit(t *testing.T) { conformance(t, 1<<20) }

func TestMinIO(t *testing.T) {
	srv := miniotest.Start(t)
	ctx := context.Background()
	b := newBucket(t, srv.Config())
	data := bytes.Repeat([]byte("img"), 1000)
	put(t, b, "a/photo.jpg", data)

	t.Run("Info", func(t *testing.T) {
		info, err := b.Stat(ctx, "a/photo.jpg")
		if err != nil {
			t.Fatal(err)
		}
		if info.Size != int64(len(data)) || info.ContentType != "image/jpeg" || info.Identity == "" ||
			time.Since(info.LastModified) > time.Hour || info.LastModified.After(time.Now().Add(time.Minute)) {
			t.Fatalf("Info = %+v", info)
		}
	})
	t.Run("PrefixIsolates", func(t *testing.T) {
		cfg := srv.Config()
		cfg.Prefix = "a/"
		pb := newBucket(t, cfg)
		if got, _, err := source.ReadAll(ctx, pb, "photo.jpg", 1<<20); err != nil || !bytes.Equal(got, data) {
			t.Fatalf("prefixed read = %d bytes, %v", len(got), err)
		}
		cfg.Prefix = "b/"
		if _, err := newBucket(t, cfg).Stat(ctx, "photo.jpg"); !errors.Is(err, source.ErrNotFound) {
			t.Fatalf("other prefix: %v, want ErrNotFound", err)
		}
	})
	t.Run("MissingBucketIsUnavailable", func(t *testing.T) {
		cfg := srv.Config()
		cfg.Bucket = "no-such-bucket"
		_, _, err := newBucket(t, cfg).Open(ctx, "a/photo.jpg")
		if !errors.Is(err, source.ErrUnavailable) {
			t.Fatalf("Open in a missing bucket = %v, want ErrUnavailable", err)
		}
	})
	t.Run("BadCredentialsAreUnavailable", func(t *testing.T) {
		cfg := srv.Config()
		cfg.SecretKey = "wrong-secret-key"
		cfg.MaxAttempts = 1
		for _, op := range []func() error{
			func() error { _, err := newBucket(t, cfg).Stat(ctx, "a/photo.jpg"); return err },
			func() error { _, _, err := newBucket(t, cfg).Open(ctx, "a/photo.jpg"); return err },
		} {
			if err := op(); !errors.Is(err, source.ErrUnavailable) {
				t.Fatalf("bad secret = %v, want ErrUnavailable", err)
			}
		}
	})
	t.Run("NotFound", func(t *testing.T) {
		if _, err := b.Stat(ctx, "a/nope.jpg"); !errors.Is(err, source.ErrNotFound) {
			t.Fatalf("Stat (HEAD 404) = %v, want ErrNotFound", err)
		}
		if _, _, err := b.Open(ctx, "a/nope.jpg"); !errors.Is(err, source.ErrNotFound) {
			t.Fatalf("Open (GET NoSuchKey) = %v, want ErrNotFound", err)
		}
	})
	// Last: stops the server.
	t.Run("StoppedServerIsUnavailable", func(t *testing.T) {
		cfg := srv.Config()
		cfg.Timeout = 2 * time.Second
		sb := newBucket(t, cfg)
		srv.Stop()
		for name, op := range map[string]func() error{
			"Stat": func() error { _, err := sb.Stat(ctx, "a/photo.jpg"); return err },
			"Open": func() error { _, _, err := sb.Open(ctx, "a/photo.jpg"); return err },
		} {
			start := time.Now()
			err := op()
			if !errors.Is(err, source.ErrUnavailable) {
				t.Fatalf("%s on a stopped server = %v, want ErrUnavailable", name, err)
			}
			if d := time.Since(start); d > cfg.Timeout+time.Second {
				t.Fatalf("%s took %v, more than timeout %v", name, d, cfg.Timeout)
			}
		}
	})
}

// TestSilentServerTimesOut points the source at a listener that accepts and never answers.
func TestSilentServerTimesOut(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	done := make(chan struct{})
	t.Cleanup(func() { close(done) })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { <-done; c.Close() }()
		}
	}()
	cfg := s3.DefaultConfig()
	cfg.Endpoint = "http://" + l.Addr().String()
	cfg.Bucket = "b"
	cfg.PathStyle = true
	cfg.AccessKey, cfg.SecretKey = "k", "s"
	cfg.ResponseHeaderTimeout = 300 * time.Millisecond
	cfg.Timeout = 1500 * time.Millisecond
	cfg.MaxBackoff = 10 * time.Millisecond
	b := newBucket(t, cfg)
	start := time.Now()
	_, err = b.Stat(context.Background(), "x.jpg")
	if !errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("Stat on a silent server = %v, want ErrUnavailable", err)
	}
	if d := time.Since(start); d > cfg.Timeout+time.Second {
		t.Fatalf("took %v, timeout %v", d, cfg.Timeout)
	}
	// The caller's own cancellation is reported as such, not as an outage.
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if _, _, err := b.Open(ctx, "x.jpg"); !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("Open with an expiring caller context = %v, want DeadlineExceeded", err)
	}
}

func TestConfig(t *testing.T) {
	ok := s3.DefaultConfig()
	ok.Bucket = "b"
	tests := []struct {
		name string
		mod  func(*s3.Config)
		want string
	}{
		{"default+bucket", func(*s3.Config) {}, ""},
		{"minio", func(c *s3.Config) { c.Endpoint, c.PathStyle = "http://127.0.0.1:9000", true }, ""},
		{"no bucket", func(c *s3.Config) { c.Bucket = "" }, "bucket:"},
		{"bucket path", func(c *s3.Config) { c.Bucket = "a/b" }, "bucket:"},
		{"no region", func(c *s3.Config) { c.Region = "" }, "region:"},
		{"endpoint no scheme", func(c *s3.Config) { c.Endpoint = "oss-cn-hangzhou.aliyuncs.com" }, "endpoint:"},
		{"endpoint creds", func(c *s3.Config) { c.Endpoint = "https://u:p@example.com" }, "endpoint:"},
		{"half creds", func(c *s3.Config) { c.AccessKey = "a" }, "access_key:"},
		{"token alone", func(c *s3.Config) { c.SessionToken = "t" }, "session_token:"},
		{"prefix slash", func(c *s3.Config) { c.Prefix = "/x/" }, "prefix:"},
		{"attempts", func(c *s3.Config) { c.MaxAttempts = 0 }, "max_attempts:"},
		{"timeout", func(c *s3.Config) { c.Timeout = 0 }, "timeout:"},
		{"connect", func(c *s3.Config) { c.ConnectTimeout = 0 }, "connect_timeout:"},
		{"header", func(c *s3.Config) { c.ResponseHeaderTimeout = 0 }, "response_header_timeout:"},
		{"idle", func(c *s3.Config) { c.MaxIdleConns = 0 }, "max_idle_conns:"},
		{"size", func(c *s3.Config) { c.MaxObjectSize = -1 }, "max_object_size:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.mod(&c)
			err := c.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.want)) {
				t.Fatalf("Validate = %v, want prefix %q", err, tc.want)
			}
		})
	}
}

func BenchmarkMinIORead2MB(b *testing.B) {
	srv := miniotest.Start(b)
	bk := newBucket(b, srv.Config())
	data := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16)
	put(b, bk, "bench/photo.jpg", data)
	ctx := context.Background()
	b.Run("ReadAll", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			if _, _, err := source.ReadAll(ctx, bk, "bench/photo.jpg", 4<<20); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("Stat", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := bk.Stat(ctx, "bench/photo.jpg"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
