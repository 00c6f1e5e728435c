package local_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/local"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

// put writes data at root/name through a temporary file and a rename, like a deploy would.
func put(t testing.TB, root, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(root, filepath.FromSlash(name))
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".put-*")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tmp.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := tmp.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		t.Fatal(err)
	}
	return name
}

func newLocal(t testing.TB, cfg local.Config) *local.Dir {
	t.Helper()
	l, err := local.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func TestConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Harness {
		dir := t.TempDir()
		return sourcetest.Harness{
			Source:     newLocal(t, local.Config{Root: dir}),
			Put:        func(t *testing.T, name string, data []byte) string { return put(t, dir, name, data) },
			MissingKey: "no/such/file.jpg",
			OddKeys:    true,
		}
	})
}

func TestConformanceWithLimit(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Harness {
		dir := t.TempDir()
		return sourcetest.Harness{
			Source:     newLocal(t, local.Config{Root: dir, MaxObjectSize: 1 << 20}),
			Put:        func(t *testing.T, name string, data []byte) string { return put(t, dir, name, data) },
			MissingKey: "no/such/file.jpg",
			OddKeys:    true,
			Limit:      1 << 20,
		}
	})
}

// TestEscapes builds a root with every way out we know of next to a secret file, and checks
// that none of them reads it.
func TestEscapes(t *testing.T) {
	base := t.TempDir()
	root := filepath.Join(base, "root")
	outside := filepath.Join(base, "outside")
	put(t, outside, "secret.jpg", []byte("secret"))
	put(t, root, "ok/in.jpg", []byte("inside"))
	links := map[string]string{
		"rel-out.jpg":     "../outside/secret.jpg",
		"abs-out.jpg":     filepath.Join(outside, "secret.jpg"),
		"dir-out":         "../outside",
		"abs-dir-out":     outside,
		"ok/deep-out.jpg": "../../outside/secret.jpg",
		"ok/in-link.jpg":  "in.jpg",
		"ok/up-in.jpg":    "../ok/in.jpg",
		"loop.jpg":        "loop.jpg",
		"ok/dir-in":       "../ok",
	}
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := syscall.Mkfifo(filepath.Join(root, "fifo.jpg"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(root, "dir.jpg"), 0o755); err != nil {
		t.Fatal(err)
	}
	l := newLocal(t, local.Config{Root: root})

	tests := []struct {
		key  string
		want error // nil: readable, must read "inside"
	}{
		{"ok/in.jpg", nil},
		{"ok/in-link.jpg", nil},
		{"ok/up-in.jpg", nil},
		{"ok/dir-in/in.jpg", nil},
		{"../outside/secret.jpg", source.ErrInvalidKey},
		{"ok/../../outside/secret.jpg", source.ErrInvalidKey},
		{"ok/./in.jpg", source.ErrInvalidKey},
		{filepath.Join(outside, "secret.jpg"), source.ErrInvalidKey},
		{"ok/in.jpg\x00.png", source.ErrInvalidKey},
		{"ok//in.jpg", source.ErrInvalidKey},
		{"rel-out.jpg", source.ErrNotFound},
		{"abs-out.jpg", source.ErrNotFound},
		{"dir-out/secret.jpg", source.ErrNotFound},
		{"abs-dir-out/secret.jpg", source.ErrNotFound},
		{"ok/deep-out.jpg", source.ErrNotFound},
		{"loop.jpg", source.ErrNotFound},
		{"fifo.jpg", source.ErrNotFound},
		{"dir.jpg", source.ErrNotFound},
		{"ok", source.ErrNotFound},
		{"ok/in.jpg/x", source.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(strings.ReplaceAll(tc.key, "\x00", `\0`), func(t *testing.T) {
			ctx := context.Background()
			b, _, err := source.ReadAll(ctx, l, tc.key, 1<<20)
			_, serr := l.Stat(ctx, tc.key)
			if tc.want == nil {
				if err != nil || string(b) != "inside" || serr != nil {
					t.Fatalf("ReadAll = %q, %v; Stat err %v; want \"inside\"", b, err, serr)
				}
				return
			}
			if !errors.Is(err, tc.want) || !errors.Is(serr, tc.want) {
				t.Fatalf("ReadAll = %q, %v; Stat err %v; want %v", b, err, serr, tc.want)
			}
		})
	}
}

func TestIdentityChangesOnRewrite(t *testing.T) {
	dir := t.TempDir()
	l := newLocal(t, local.Config{Root: dir})
	p := filepath.Join(dir, "a.jpg")
	ids := map[string]bool{}
	// Same size each time: only mtime/inode tell the versions apart.
	for i := range 3 {
		if i%2 == 0 {
			put(t, dir, "a.jpg", []byte(fmt.Sprintf("v%d", i)))
		} else if err := os.WriteFile(p, []byte(fmt.Sprintf("v%d", i)), 0o644); err != nil {
			t.Fatal(err)
		}
		// Pin distinct mtimes so the test does not depend on the clock's resolution.
		mt := time.Date(2024, 1, 2, 3, 4, 5, i*1000+7, time.UTC)
		if err := os.Chtimes(p, mt, mt); err != nil {
			t.Fatal(err)
		}
		info, err := l.Stat(context.Background(), "a.jpg")
		if err != nil {
			t.Fatal(err)
		}
		if ids[info.Identity] {
			t.Fatalf("version %d reuses Identity %q", i, info.Identity)
		}
		ids[info.Identity] = true
		if info.ContentType != "image/jpeg" || !info.LastModified.Equal(mt) {
			t.Fatalf("Info = %+v", info)
		}
	}
}

func TestMaxObjectSize(t *testing.T) {
	dir := t.TempDir()
	l := newLocal(t, local.Config{Root: dir, MaxObjectSize: 100})
	put(t, dir, "big.png", make([]byte, 101))
	if _, err := l.Stat(context.Background(), "big.png"); !errors.Is(err, source.ErrTooLarge) {
		t.Fatalf("Stat = %v, want ErrTooLarge", err)
	}
	// A file that grows after Open is still cut off while streaming.
	p := put(t, dir, "grows.png", make([]byte, 50))
	rc, _, err := l.Open(context.Background(), p)
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	f, err := os.OpenFile(filepath.Join(dir, p), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write(make([]byte, 100))
	f.Close()
	if _, err := io.ReadAll(rc); !errors.Is(err, source.ErrTooLarge) {
		t.Fatalf("reading a grown file = %v, want ErrTooLarge", err)
	}
}

func TestConfig(t *testing.T) {
	tests := []struct {
		cfg  local.Config
		want string
	}{
		{local.DefaultConfig(), ""},
		{local.Config{}, "root:"},
		{local.Config{Root: "x", MaxObjectSize: -1}, "max_object_size:"},
	}
	for _, tc := range tests {
		err := tc.cfg.Validate()
		if (tc.want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.want)) {
			t.Errorf("Validate(%+v) = %v, want prefix %q", tc.cfg, err, tc.want)
		}
	}
	if _, err := local.New(local.Config{Root: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("New with a missing root succeeded")
	}
}

func BenchmarkRead2MB(b *testing.B) {
	dir := b.TempDir()
	data := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16)
	put(b, dir, "photo.jpg", data)
	l := newLocal(b, local.Config{Root: dir})
	ctx := context.Background()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := source.ReadAll(ctx, l, "photo.jpg", 4<<20); err != nil {
			b.Fatal(err)
		}
	}
}
