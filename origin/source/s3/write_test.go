package s3_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/s3/miniotest"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

// TestWriterConformance runs the writer suite against a real MinIO: conditional create
// (If-None-Match: *) and the SHA-256 checksum the store verifies and echoes.
func TestWriterConformance(t *testing.T) {
	srv := miniotest.Start(t)
	var n atomic.Int64
	sourcetest.RunWriter(t, func(t *testing.T) sourcetest.WriterHarness {
		cfg := srv.Config()
		cfg.Prefix = fmt.Sprintf("write%d/", n.Add(1))
		return sourcetest.WriterHarness{Store: newBucket(t, cfg)}
	})
}
