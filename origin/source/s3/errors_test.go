package s3_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/s3"
)

// TestErrorMapping injects S3 error answers (status + XML error body, as S3 sends them) that a
// healthy MinIO will not produce on demand, and checks their kind and the retries spent.
func TestErrorMapping(t *testing.T) {
	tests := []struct {
		status   int
		code     string
		want     error
		attempts int64 // requests per operation with max_attempts 3
	}{
		{http.StatusServiceUnavailable, "SlowDown", source.ErrUnavailable, 3},
		{http.StatusInternalServerError, "InternalError", source.ErrUnavailable, 3},
		{http.StatusBadGateway, "", source.ErrUnavailable, 3},
		{http.StatusTooManyRequests, "TooManyRequests", source.ErrUnavailable, 1}, // not an S3 throttle code: no retry
		{http.StatusNotFound, "NoSuchKey", source.ErrNotFound, 1},
		{http.StatusNotFound, "NoSuchBucket", source.ErrUnavailable, 1},
		{http.StatusForbidden, "AccessDenied", source.ErrUnavailable, 1},
		{http.StatusBadRequest, "KeyTooLongError", source.ErrInvalidKey, 1},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d-%s", tc.status, tc.code), func(t *testing.T) {
			var n atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n.Add(1)
				w.Header().Set("Content-Type", "application/xml")
				w.WriteHeader(tc.status)
				if r.Method != http.MethodHead && tc.code != "" {
					fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><Error><Code>%s</Code><Message>injected</Message></Error>`, tc.code)
				}
			}))
			t.Cleanup(srv.Close)
			cfg := s3.DefaultConfig()
			cfg.Endpoint, cfg.Bucket, cfg.PathStyle = srv.URL, "b", true
			cfg.AccessKey, cfg.SecretKey = "k", "s"
			cfg.MaxBackoff = time.Millisecond
			b := newBucket(t, cfg)
			_, _, err := b.Open(context.Background(), "x.jpg")
			if !errors.Is(err, tc.want) {
				t.Fatalf("Open = %v, want %v", err, tc.want)
			}
			if got := n.Load(); got != tc.attempts {
				t.Errorf("Open sent %d requests, want %d", got, tc.attempts)
			}
			if tc.code == "NoSuchBucket" || tc.code == "KeyTooLongError" {
				return // HEAD answers carry no error code
			}
			if _, err := b.Stat(context.Background(), "x.jpg"); !errors.Is(err, tc.want) {
				t.Fatalf("Stat = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestTruncatedBody: the connection dies mid-body; reading reports ErrUnavailable.
func TestTruncatedBody(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.Header().Set("ETag", `"abc"`)
		w.Write([]byte(strings.Repeat("x", 1000)))
		w.(http.Flusher).Flush()
		conn, _, err := http.NewResponseController(w).Hijack()
		if err == nil {
			conn.Close()
		}
	}))
	t.Cleanup(srv.Close)
	cfg := s3.DefaultConfig()
	cfg.Endpoint, cfg.Bucket, cfg.PathStyle = srv.URL, "b", true
	cfg.AccessKey, cfg.SecretKey = "k", "s"
	_, _, err := source.ReadAll(context.Background(), newBucket(t, cfg), "x.jpg", 1<<20)
	if !errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("ReadAll of a truncated body = %v, want ErrUnavailable", err)
	}
}
