package local

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Create implements source.Writer: the bytes go to a temporary file beside the key, are
// fsynced, and are published by a hard link to the key (which fails if the key exists, so
// keys are create-only) followed by an fsync of the directory. A failure at any step leaves
// no file under the key. Keys are required: a directory cannot assign them.
func (l *Dir) Create(ctx context.Context, o source.Object) (string, source.Info, error) {
	if err := ctx.Err(); err != nil {
		return "", source.Info{}, err
	}
	if o.Key == "" {
		return "", source.Info{}, fmt.Errorf("%w: a local directory needs a key", source.ErrInvalidKey)
	}
	if err := source.CheckKey(o.Key); err != nil {
		return "", source.Info{}, err
	}
	if l.max >= 0 && int64(len(o.Data)) > l.max {
		return "", source.Info{}, fmt.Errorf("%w: %d bytes, max_object_size %d", source.ErrTooLarge, len(o.Data), l.max)
	}
	dir := path.Dir(o.Key)
	if dir != "." {
		if err := l.root.MkdirAll(dir, 0o755); err != nil {
			return "", source.Info{}, mapErr(o.Key, err)
		}
	}
	var rnd [12]byte
	_, _ = rand.Read(rnd[:])
	tmp := path.Join(dir, ".upload-"+hex.EncodeToString(rnd[:])+".tmp")
	if err := l.writeSynced(tmp, o.Data); err != nil {
		_ = l.root.Remove(tmp)
		return "", source.Info{}, err
	}
	err := l.root.Link(tmp, o.Key)
	_ = l.root.Remove(tmp)
	switch {
	case errors.Is(err, fs.ErrExist):
		return "", source.Info{}, fmt.Errorf("%w: %q", source.ErrExists, o.Key)
	case err != nil:
		return "", source.Info{}, mapErr(o.Key, err)
	}
	if err := l.syncDir(dir); err != nil {
		// The link may not survive a crash: take it back so nothing unconfirmed is visible.
		_ = l.root.Remove(o.Key)
		return "", source.Info{}, err
	}
	fi, err := l.root.Stat(o.Key)
	if err != nil {
		return "", source.Info{}, mapErr(o.Key, err)
	}
	if fi.Size() != int64(len(o.Data)) {
		_ = l.root.Remove(o.Key)
		return "", source.Info{}, fmt.Errorf("%w: %q has %d bytes, %d written", source.ErrNotVerified, o.Key, fi.Size(), len(o.Data))
	}
	info, err := l.info(o.Key, fi)
	return o.Key, info, err
}

// writeSynced creates name exclusively, writes data and fsyncs it.
func (l *Dir) writeSynced(name string, data []byte) error {
	f, err := l.root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return mapErr(name, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: writing %q: %v", source.ErrUnavailable, name, err)
	}
	return nil
}

// syncDir fsyncs a directory of the root, so a link or unlink in it is durable.
func (l *Dir) syncDir(dir string) error {
	d, err := l.root.Open(dir)
	if err != nil {
		return mapErr(dir, err)
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("%w: fsync of %q: %v", source.ErrUnavailable, dir, err)
	}
	return nil
}

// Delete implements source.Writer: it removes the regular file at key and fsyncs its
// directory.
func (l *Dir) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := source.CheckKey(key); err != nil {
		return err
	}
	fi, err := l.root.Lstat(key)
	if err != nil {
		return mapErr(key, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%w: %q is not a regular file", source.ErrNotFound, key)
	}
	if err := l.root.Remove(key); err != nil {
		return mapErr(key, err)
	}
	return l.syncDir(path.Dir(key))
}

var _ source.ReadWriter = (*Dir)(nil)
