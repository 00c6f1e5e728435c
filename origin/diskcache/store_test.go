package diskcache

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"
)

// testConfig is a small tier: 64 KiB segments, 16 of them.
func testConfig(dir string) Config {
	c := DefaultConfig()
	c.Path = dir
	c.SegmentBytes = 64 << 10
	c.Bytes = 16 * c.SegmentBytes
	c.RetryAfter = time.Second
	return c
}

func open(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	<-s.Ready()
	return s
}

// value is the deterministic value of key i: its bytes say which key they belong to.
func value(i, n int) []byte {
	b := bytes.Repeat([]byte{byte(i), byte(i >> 8), byte(i >> 16), 0x5a}, n/4+1)[:n]
	copy(b, "v"+strconv.Itoa(i)+";")
	return b
}

func key(i int) string { return "variants//i/w_300/local/photo-" + strconv.Itoa(i) + ".jpg#v1#etag" }

func fill(s *Store, from, to, size int) {
	for i := from; i < to; i++ {
		s.Put(key(i), value(i, size))
		if i%64 == 63 {
			s.Flush() // the queue is bounded; a test wants every Put written
		}
	}
	s.Flush()
}

// served counts the keys in [from, to) that Get serves, failing on any wrong value.
func served(t *testing.T, s *Store, from, to, size int) int {
	t.Helper()
	n := 0
	for i := from; i < to; i++ {
		v, ok := s.Get(key(i))
		if !ok {
			continue
		}
		if !bytes.Equal(v, value(i, size)) {
			t.Fatalf("key %d: wrong value served", i)
		}
		n++
	}
	return n
}

func segFiles(t testing.TB, dir, ext string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(dir, "*"+ext))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(m)
	return m
}

func TestPutGetRestart(t *testing.T) {
	dir := t.TempDir()
	s := open(t, testConfig(dir))
	fill(s, 0, 100, 3000) // ~5 segments
	if got := served(t, s, 0, 100, 3000); got != 100 {
		t.Fatalf("served %d of 100", got)
	}
	if _, ok := s.Get("nope"); ok {
		t.Fatal("a missing key was served")
	}
	st := s.Stats()
	if st.Items != 100 || st.Writes != 100 || st.Hits != 100 || st.Misses != 1 || st.Corrupt != 0 {
		t.Fatalf("stats %+v", st)
	}
	_ = s.Close()

	s2 := open(t, testConfig(dir))
	if got := served(t, s2, 0, 100, 3000); got != 100 {
		t.Fatalf("after restart served %d of 100", got)
	}
	if st := s2.Stats(); st.Items != 100 || st.Corrupt != 0 || !st.Ready || st.Degraded {
		t.Fatalf("stats after restart %+v", st)
	}
	// Writing the same key again is a no-op: values of a key never change.
	s2.Put(key(1), value(1, 3000))
	s2.Flush()
	if st := s2.Stats(); st.Writes != 0 {
		t.Fatalf("a key on disk was written again: %+v", st)
	}
}

func TestFileSendsTheValue(t *testing.T) {
	dir := t.TempDir()
	s := open(t, testConfig(dir))
	fill(s, 0, 10, 20000)
	_ = s.Close()
	s = open(t, testConfig(dir)) // entries from the index file: unverified until first use
	for i := 0; i < 10; i++ {
		f, n, ok := s.File(key(i), 0)
		if !ok {
			t.Fatalf("key %d: no file", i)
		}
		got, err := io.ReadAll(io.LimitReader(f, n))
		_ = f.Close()
		if err != nil || !bytes.Equal(got, value(i, 20000)) {
			t.Fatalf("key %d: wrong bytes from File (%v)", i, err)
		}
	}
}

func TestMissingIndexFileRebuildsByScan(t *testing.T) {
	dir := t.TempDir()
	s := open(t, testConfig(dir))
	fill(s, 0, 100, 3000)
	_ = s.Close()
	idx := segFiles(t, dir, ".idx")
	if len(idx) < 4 {
		t.Fatalf("want index files of every segment, got %v", idx)
	}
	for _, p := range idx {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	s = open(t, testConfig(dir))
	if got := served(t, s, 0, 100, 3000); got != 100 {
		t.Fatalf("served %d of 100 after a scan", got)
	}
	if n := len(segFiles(t, dir, ".idx")); n != len(idx) {
		t.Fatalf("the scan rewrote %d of %d index files", n, len(idx))
	}
}

// flip inverts one byte of the value of the first record of the first segment.
func flipFirstValue(t *testing.T, dir string) {
	t.Helper()
	seg := segFiles(t, dir, ".seg")[0]
	f, err := os.OpenFile(seg, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	off := int64(segmentHeader + recordHeader + len(key(0)) + 100)
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, off); err != nil {
		t.Fatal(err)
	}
	b[0] ^= 0x01
	if _, err := f.WriteAt(b, off); err != nil {
		t.Fatal(err)
	}
}

func TestFlippedByteIsNeverServed(t *testing.T) {
	for _, withIndex := range []bool{true, false} {
		t.Run(fmt.Sprintf("index=%v", withIndex), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, testConfig(dir))
			fill(s, 0, 50, 3000)
			_ = s.Close()
			flipFirstValue(t, dir)
			if !withIndex {
				for _, p := range segFiles(t, dir, ".idx") {
					_ = os.Remove(p)
				}
			}
			s = open(t, testConfig(dir))
			if _, ok := s.Get(key(0)); ok {
				t.Fatal("a record with a flipped byte was served")
			}
			if f, _, ok := s.File(key(0), 0); ok {
				_ = f.Close()
				t.Fatal("a record with a flipped byte was sent")
			}
			if got := served(t, s, 1, 50, 3000); got != 49 {
				t.Fatalf("served %d of the 49 good records", got)
			}
			if st := s.Stats(); st.Corrupt != 1 {
				t.Fatalf("corrupt = %d, want 1", st.Corrupt)
			}
		})
	}
}

func TestTruncatedSegment(t *testing.T) {
	for _, withIndex := range []bool{true, false} {
		t.Run(fmt.Sprintf("index=%v", withIndex), func(t *testing.T) {
			dir := t.TempDir()
			s := open(t, testConfig(dir))
			fill(s, 0, 50, 3000)
			_ = s.Close()
			segs := segFiles(t, dir, ".seg")
			// Cut the first segment in the middle of its sixth record.
			rec := int64(recordLen(key(0), 3000))
			if err := os.Truncate(segs[0], segmentHeader+5*rec+rec/2); err != nil {
				t.Fatal(err)
			}
			if !withIndex {
				_ = os.Remove(idxPath(segs[0]))
			}
			s = open(t, testConfig(dir))
			if got := served(t, s, 0, 5, 3000); got != 5 {
				t.Fatalf("served %d of the 5 records before the cut", got)
			}
			perSeg := int((s.cfg.SegmentBytes - segmentHeader) / rec)
			if got := served(t, s, 5, perSeg, 3000); got != 0 {
				t.Fatalf("served %d records cut off", got)
			}
			if got := served(t, s, perSeg, 50, 3000); got != 50-perSeg {
				t.Fatalf("served %d of the %d records of later segments", got, 50-perSeg)
			}
			if st := s.Stats(); st.Corrupt == 0 {
				t.Fatal("the cut was not counted")
			}
		})
	}
}

func TestEvictionKeepsTheBudget(t *testing.T) {
	for _, policy := range []string{EvictFIFO, EvictClock} {
		t.Run(policy, func(t *testing.T) {
			cfg := testConfig(t.TempDir())
			cfg.Eviction = policy
			cfg.Bytes = 4 * cfg.SegmentBytes
			s := open(t, cfg)
			fill(s, 0, 20, 3000)
			for from := 20; from < 300; from += 20 {
				for i := 0; i < 5; i++ { // hot keys, read all along: CLOCK keeps them
					s.Get(key(i))
				}
				fill(s, from, from+20, 3000)
			}
			st := s.Stats()
			if st.Bytes > cfg.Bytes || st.Evictions == 0 {
				t.Fatalf("bytes %d over budget %d or no eviction: %+v", st.Bytes, cfg.Bytes, st)
			}
			if got := served(t, s, 280, 300, 3000); got != 20 {
				t.Fatalf("served %d of the 20 newest", got)
			}
			early := served(t, s, 0, 5, 3000)
			if policy == EvictFIFO && early != 0 || policy == EvictClock && early == 0 {
				t.Fatalf("%s: %d of the early keys read before eviction survived", policy, early)
			}
			if n := len(segFiles(t, cfg.Path, ".seg")); int64(n) != st.Segments || int64(n) > cfg.Bytes/cfg.SegmentBytes {
				t.Fatalf("%d segment files, stats say %d", n, st.Segments)
			}
		})
	}
}

func TestTooLargeIsNotStored(t *testing.T) {
	s := open(t, testConfig(t.TempDir()))
	s.Put("big", make([]byte, 64<<10))
	s.Flush()
	if _, ok := s.Get("big"); ok || s.Stats().TooLarge != 1 {
		t.Fatalf("a value over a segment: %+v", s.Stats())
	}
}

// An unusable path (here: below a regular file, as a missing or read-only mount fails) gives
// a store that misses and drops, and says so.
func TestUnusablePathDegrades(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := open(t, testConfig(filepath.Join(file, "cache")))
	s.Put("k", []byte("v"))
	s.Flush()
	if _, ok := s.Get("k"); ok {
		t.Fatal("served from an unusable path")
	}
	if st := s.Stats(); !st.Degraded || st.Errors == 0 || st.Writes != 0 {
		t.Fatalf("stats %+v", st)
	}
}

// The directory disappears under a running store (an unmounted or failed disk): writes go
// off, the records already open stay readable, and writes come back when the disk does.
func TestDiskTroubleDegradesAndRecovers(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	s := open(t, testConfig(dir))
	fill(s, 0, 10, 3000)
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("not a directory"), 0o644); err != nil {
		t.Fatal(err)
	}
	fill(s, 10, 100, 3000) // needs new segments: fails
	st := s.Stats()
	if !st.Degraded || st.Errors == 0 || st.Dropped == 0 {
		t.Fatalf("no degrade: %+v", st)
	}
	if got := served(t, s, 0, 10, 3000); got != 10 {
		t.Fatalf("served %d of the 10 records written before the trouble", got)
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for i := 1000; s.Stats().Degraded; i++ {
		if time.Now().After(deadline) {
			t.Fatalf("writes never came back: %+v", s.Stats())
		}
		s.Put(key(i), value(i, 3000))
		s.Flush()
		time.Sleep(50 * time.Millisecond) // RetryAfter is 1 s: poll the writer's retry
	}
	if _, ok := s.Get(key(1000 + 0)); !ok && s.Stats().Writes == 0 {
		t.Fatal("nothing written after recovery")
	}
}

// kill -9 during writes: a child process appends as fast as it can and is killed; the store
// reopened serves only whole, correct records.
func TestKillDuringWrites(t *testing.T) {
	if dir := os.Getenv("DISKCACHE_WRITER_DIR"); dir != "" {
		s, err := Open(testConfig(dir), nil)
		if err != nil {
			os.Exit(2)
		}
		for i := 0; ; i++ {
			s.Put(key(i), value(i, 3000))
			if i%32 == 31 {
				s.Flush()
				_ = os.WriteFile(filepath.Join(dir, "progress"), []byte(strconv.Itoa(i)), 0o644)
			}
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestKillDuringWrites$")
	cmd.Env = append(os.Environ(), "DISKCACHE_WRITER_DIR="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(dir, "progress"))
		if n, _ := strconv.Atoi(string(b)); n >= 200 {
			break
		}
		if time.Now().After(deadline) {
			_ = cmd.Process.Kill()
			t.Fatal("the writer made no progress")
		}
		time.Sleep(10 * time.Millisecond)
	}
	_ = cmd.Process.Kill() // SIGKILL
	_ = cmd.Wait()
	s := open(t, testConfig(dir))
	got := served(t, s, 0, 100000, 3000) // fails on any wrong value
	if got < 100 {
		t.Fatalf("only %d records survived", got)
	}
	t.Logf("%d records served after kill -9, %d corrupt skipped", got, s.Stats().Corrupt)
}
