// Package local is the source that reads originals from a directory on the origin's own disk:
// the embedded default, which needs no external store.
//
// Keys are resolved inside the root with os.Root, so no key can leave it: ".." segments,
// absolute keys and NUL bytes are refused as source.ErrInvalidKey before touching the disk,
// and symbolic links are followed only while they stay inside the root (a link pointing out,
// or an absolute link, reads as source.ErrNotFound). Directories, FIFOs, devices and other
// non-regular files are source.ErrNotFound. Hard links cannot be told apart from ordinary
// files; do not hard-link files you do not want served into the root.
//
// Identity is a hash of size, modification time (ns) and device+inode, so rewriting a file,
// or replacing it by rename, changes it. ContentType comes from the key's extension.
package local

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Config configures a local source.
type Config struct {
	// Root is the directory originals are read from.
	Root string `mapstructure:"root"`
	// MaxObjectSize is the largest file served, in bytes; bigger files fail with
	// source.ErrTooLarge. 0 means no limit of the source's own (the caller's ReadAll limit
	// still applies).
	MaxObjectSize int64 `mapstructure:"max_object_size"`
}

// DefaultConfig returns the defaults: originals under ./originals, no size limit of its own.
func DefaultConfig() Config {
	return Config{Root: "originals"}
}

// Validate checks the configuration without touching the disk.
func (c Config) Validate() error {
	if c.Root == "" {
		return errors.New("root: must be set")
	}
	if c.MaxObjectSize < 0 {
		return errors.New("max_object_size: must be >= 0")
	}
	return nil
}

// Dir reads originals from one directory tree. It is safe for concurrent use.
type Dir struct {
	root *os.Root
	max  int64
}

// New opens cfg.Root, which must be an existing directory. Close releases it.
func New(cfg Config) (*Dir, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r, err := os.OpenRoot(cfg.Root)
	if err != nil {
		return nil, fmt.Errorf("root: %w", err)
	}
	max := cfg.MaxObjectSize
	if max == 0 {
		max = -1
	}
	return &Dir{root: r, max: max}, nil
}

// Close releases the root directory.
func (l *Dir) Close() error { return l.root.Close() }

// Stat implements source.Source.
func (l *Dir) Stat(ctx context.Context, key string) (source.Info, error) {
	if err := ctx.Err(); err != nil {
		return source.Info{}, err
	}
	if err := source.CheckKey(key); err != nil {
		return source.Info{}, err
	}
	fi, err := l.root.Stat(key)
	if err != nil {
		return source.Info{}, mapErr(key, err)
	}
	return l.info(key, fi)
}

// Open implements source.Source. The body honours ctx between reads and stops with
// source.ErrTooLarge past MaxObjectSize even if the file grows while being read.
func (l *Dir) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, source.Info{}, err
	}
	if err := source.CheckKey(key); err != nil {
		return nil, source.Info{}, err
	}
	// Non-blocking so that a FIFO in the root cannot hang the open; the mode check below
	// then refuses it. Regular files ignore the flag.
	f, err := l.root.OpenFile(key, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, source.Info{}, mapErr(key, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, source.Info{}, mapErr(key, err)
	}
	info, err := l.info(key, fi)
	if err != nil {
		f.Close()
		return nil, source.Info{}, err
	}
	return source.LimitBody(ctx, f, l.max), info, nil
}

func (l *Dir) info(key string, fi fs.FileInfo) (source.Info, error) {
	if !fi.Mode().IsRegular() {
		return source.Info{}, fmt.Errorf("%w: %q is not a regular file", source.ErrNotFound, key)
	}
	if l.max >= 0 && fi.Size() > l.max {
		return source.Info{}, fmt.Errorf("%w: %q is %d bytes, max_object_size %d", source.ErrTooLarge, key, fi.Size(), l.max)
	}
	return source.Info{
		Size:         fi.Size(),
		ContentType:  contentType(key),
		Identity:     identity(fi),
		LastModified: fi.ModTime().UTC(),
	}, nil
}

// identity hashes what changes when a file's bytes are replaced: size, mtime and, where the
// platform has them, device and inode. The hash keeps inode numbers out of public ETags.
func identity(fi fs.FileInfo) string {
	var b [32]byte
	binary.LittleEndian.PutUint64(b[0:], uint64(fi.Size()))
	binary.LittleEndian.PutUint64(b[8:], uint64(fi.ModTime().UnixNano()))
	dev, ino := devIno(fi)
	binary.LittleEndian.PutUint64(b[16:], dev)
	binary.LittleEndian.PutUint64(b[24:], ino)
	h := fnv.New128a()
	h.Write(b[:])
	return "l" + hex.EncodeToString(h.Sum(nil))
}

// mapErr turns a file-system error into a source error kind.
func mapErr(key string, err error) error {
	var errno syscall.Errno
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %q", source.ErrNotFound, key)
	case errors.As(err, &errno):
		switch errno {
		case syscall.ENOTDIR, syscall.ELOOP, syscall.ENAMETOOLONG, syscall.EACCES, syscall.EPERM:
			// Not a readable file at that name: as good as absent to a client.
			return fmt.Errorf("%w: %q: %v", source.ErrNotFound, key, err)
		case syscall.EINVAL:
			return fmt.Errorf("%w: %q: %v", source.ErrInvalidKey, key, err)
		}
		return fmt.Errorf("%w: %v", source.ErrUnavailable, err)
	}
	// os.Root refuses names that resolve outside the root (through "..", absolute or
	// escaping symbolic links) with an error that is not an errno.
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%w: %q: %v", source.ErrNotFound, key, err)
	}
	return fmt.Errorf("%w: %v", source.ErrUnavailable, err)
}

// contentType maps the extensions of image formats to their media types: a fixed table, not
// mime.TypeByExtension, so the answer does not depend on the machine's mime.types.
func contentType(key string) string {
	switch strings.ToLower(path.Ext(key)) {
	case ".jpg", ".jpeg", ".jpe":
		return "image/jpeg"
	case ".png":
		return "image/png"
	case ".gif":
		return "image/gif"
	case ".webp":
		return "image/webp"
	case ".avif":
		return "image/avif"
	case ".heic":
		return "image/heic"
	case ".heif":
		return "image/heif"
	case ".jxl":
		return "image/jxl"
	case ".bmp":
		return "image/bmp"
	case ".tif", ".tiff":
		return "image/tiff"
	case ".svg":
		return "image/svg+xml"
	}
	return ""
}

var _ source.Source = (*Dir)(nil)
