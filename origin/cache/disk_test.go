package cache_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/render"
)

// diskNode is a single-node cache with a disk tier whose loaders count their calls.
type diskNode struct {
	c           *cache.Cache
	origs, vars atomic.Int64
}

func newDiskNode(t *testing.T, dir string) *diskNode {
	t.Helper()
	cfg := cache.DefaultConfig()
	cfg.Disk.Path = dir
	cfg.Disk.SegmentBytes = 1 << 20
	cfg.Disk.Bytes = 8 << 20
	n := &diskNode{}
	c, err := cache.New(cfg, "", nil, render.Shard(cfg.ShardKey),
		func(ctx context.Context, key string) ([]byte, error) {
			n.origs.Add(1)
			return []byte("original of " + key), nil
		},
		func(ctx context.Context, key string) ([]byte, error) {
			n.vars.Add(1)
			return []byte("variant of " + key), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	n.c = c
	<-c.DiskReady()
	return n
}

func TestDiskTierSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	n := newDiskNode(t, dir)
	ctx := context.Background()
	for _, k := range []string{"a", "b"} {
		if _, o, err := n.c.Variant(ctx, k); err != nil || o != render.OutcomeMiss {
			t.Fatalf("first get %s: %v %v", k, o, err)
		}
		if _, _, err := n.c.Original(ctx, k); err != nil {
			t.Fatal(err)
		}
	}
	if err := n.c.Close(); err != nil { // writes what is queued
		t.Fatal(err)
	}

	n2 := newDiskNode(t, dir)
	defer n2.c.Close()
	for _, k := range []string{"a", "b"} {
		v, o, err := n2.c.Variant(ctx, k)
		if err != nil || o != render.OutcomeDisk || string(v) != "variant of "+k {
			t.Fatalf("variant %s after restart: %q %v %v", k, v, o, err)
		}
		v, o, err = n2.c.Original(ctx, k)
		if err != nil || o != render.OutcomeDisk || string(v) != "original of "+k {
			t.Fatalf("original %s after restart: %q %v %v", k, v, o, err)
		}
		if _, o, _ := n2.c.Variant(ctx, k); o != render.OutcomeHit {
			t.Fatalf("second get after restart: %v, want a memory hit", o)
		}
	}
	m := gather(t, n2.c)
	if m["imgorigin_cache_disk_hits_total,group=variants"] != 2 || m["imgorigin_cache_disk_items"] != 4 || m["imgorigin_cache_disk_ready"] != 1 {
		t.Fatalf("disk metrics after restart: %v", m)
	}
	if n2.origs.Load() != 0 || n2.vars.Load() != 0 {
		t.Fatalf("loads after restart: %d originals, %d variants", n2.origs.Load(), n2.vars.Load())
	}
}

// A disk tier that cannot be used (its path lies below a regular file, as a missing mount
// does) changes nothing for callers: every Get loads and answers.
func TestDiskTroubleNeverFailsAGet(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	n := newDiskNode(t, filepath.Join(file, "disk"))
	defer n.c.Close()
	for i := 0; i < 3; i++ {
		v, _, err := n.c.Variant(context.Background(), "k")
		if err != nil || string(v) != "variant of k" {
			t.Fatalf("get %d: %q %v", i, v, err)
		}
	}
	if n.vars.Load() != 1 {
		t.Fatalf("%d loads, want 1 (memory still works)", n.vars.Load())
	}
	m := gather(t, n.c)
	if m["imgorigin_cache_disk_degraded"] != 1 || m["imgorigin_cache_disk_errors_total"] == 0 {
		t.Fatalf("metrics do not say the disk is off: degraded %v, errors %v", m["imgorigin_cache_disk_degraded"], m["imgorigin_cache_disk_errors_total"])
	}
}

// A large variant on disk is handed out as a file (for sendfile); a small one, or a key the
// disk does not have, is not.
func TestVariantFile(t *testing.T) {
	dir := t.TempDir()
	cfg := cache.DefaultConfig()
	cfg.Disk.Path = dir
	cfg.Disk.SegmentBytes = 1 << 20
	cfg.Disk.Bytes = 8 << 20
	big := bytes.Repeat([]byte("x"), 100<<10)
	c, err := cache.New(cfg, "", nil, render.Shard(cfg.ShardKey),
		func(ctx context.Context, key string) ([]byte, error) { return nil, errors.New("no originals here") },
		func(ctx context.Context, key string) ([]byte, error) {
			if key == "big" {
				return big, nil
			}
			return []byte("small"), nil
		})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	for _, k := range []string{"big", "small"} {
		if _, _, err := c.Variant(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Close(); err != nil { // flushes the writes
		t.Fatal(err)
	}
	c2, err := cache.New(cfg, "", nil, render.Shard(cfg.ShardKey),
		func(ctx context.Context, key string) ([]byte, error) { return nil, errors.New("no load expected") },
		func(ctx context.Context, key string) ([]byte, error) { return nil, errors.New("no load expected") })
	if err != nil {
		t.Fatal(err)
	}
	defer c2.Close()
	<-c2.DiskReady()
	f, n, ok := c2.VariantFile("big")
	if !ok {
		t.Fatal("no file for a large variant on disk")
	}
	got, err := io.ReadAll(io.LimitReader(f, n))
	_ = f.Close()
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("file bytes differ (%d of %d, %v)", len(got), len(big), err)
	}
	if f, _, ok := c2.VariantFile("small"); ok {
		_ = f.Close()
		t.Fatal("a variant under disk.sendfile_min_bytes was handed out as a file")
	}
	if _, _, ok := c2.VariantFile("absent"); ok {
		t.Fatal("a file for an absent key")
	}
}
