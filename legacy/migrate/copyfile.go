package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"
)

// copyFile copies src to dst atomically: a temporary file in dst's directory, synced, given
// mtime, renamed into place. It returns the SHA-256 of the bytes written, which must be
// exactly size bytes (the source's size when it was statted).
func copyFile(ctx context.Context, src, dst string, size int64, mtime time.Time) (string, error) {
	in, err := os.Open(src)
	if err != nil {
		return "", fmt.Errorf("open source: %w", err)
	}
	defer in.Close()
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", fmt.Errorf("create directory: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), "."+filepath.Base(dst)+".*"+tmpSuffix)
	if err != nil {
		return "", fmt.Errorf("create temporary file: %w", err)
	}
	ok := false
	defer func() {
		if !ok {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), ctxReader{ctx, in})
	if err != nil {
		return "", fmt.Errorf("copy: %w", err)
	}
	if n != size {
		return "", fmt.Errorf("source changed during copy: read %d bytes, expected %d", n, size)
	}
	if st, err := in.Stat(); err != nil || st.Size() != size || !st.ModTime().Equal(mtime) {
		return "", errors.New("source changed during copy")
	}
	if err := tmp.Chmod(0o644); err != nil {
		return "", fmt.Errorf("chmod: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		return "", fmt.Errorf("sync: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return "", fmt.Errorf("close: %w", err)
	}
	if err := os.Chtimes(tmp.Name(), mtime, mtime); err != nil {
		return "", fmt.Errorf("set mtime: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return "", fmt.Errorf("rename: %w", err)
	}
	ok = true
	return hex.EncodeToString(h.Sum(nil)), nil
}

// hashFile returns the SHA-256 and length of a file's bytes.
func hashFile(ctx context.Context, p string) (string, int64, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, ctxReader{ctx, f})
	if err != nil {
		return "", n, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// ctxReader stops reading once ctx ends, so a cancelled run stops mid-file.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
