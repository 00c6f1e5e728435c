// Package miniotest runs a real MinIO server for tests (package origin/source/s3/minio): a
// fresh data directory, loopback ports picked at run time, a bucket created, and everything
// stopped at test cleanup. A missing minio binary fails the test.
package miniotest

import (
	"context"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/s3/minio"
)

// Server is a running MinIO.
type Server = minio.Server

// Start runs a MinIO server with the bucket created. The server stops at t's cleanup.
func Start(t testing.TB) *Server {
	t.Helper()
	s, err := minio.Start(context.Background(), minio.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	return s
}
