package diskcache

import (
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"testing"
	"time"
)

// BenchmarkGet: one disk hit (page cache warm) read and checked through the Go heap.
func BenchmarkGet(b *testing.B) {
	for _, size := range []int{20 << 10, 229 << 10} {
		b.Run(fmt.Sprintf("%dKB", size>>10), func(b *testing.B) {
			cfg := DefaultConfig()
			cfg.Path = b.TempDir()
			s, err := Open(cfg, nil)
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			fill(s, 0, 64, size)
			b.SetBytes(int64(size))
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				if _, ok := s.Get(key(i % 64)); !ok {
					b.Fatal("miss")
				}
			}
		})
	}
}

// BenchmarkFile: one disk hit handed out as a file (open + seek), read with io.Copy to discard.
func BenchmarkFile(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Path = b.TempDir()
	s, err := Open(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	fill(s, 0, 64, 229<<10)
	b.SetBytes(229 << 10)
	for i := 0; b.Loop(); i++ {
		f, n, ok := s.File(key(i%64), 0)
		if !ok {
			b.Fatal("miss")
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(f, n))
		_ = f.Close()
	}
}

// BenchmarkPut: appends through the write-behind queue.
func BenchmarkPut(b *testing.B) {
	cfg := DefaultConfig()
	cfg.Path = b.TempDir()
	s, err := Open(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	v := value(1, 20<<10)
	b.SetBytes(int64(len(v)))
	for i := 0; b.Loop(); i++ {
		s.Put(key(i), v)
		if i%128 == 127 {
			s.Flush()
		}
	}
	s.Flush()
}

// BenchmarkRebuild100k: restart-to-ready of a tier holding 100,000 records (1 KiB values),
// from the index files (a clean stop) and by scanning the segments (no index files).
func BenchmarkRebuild100k(b *testing.B) {
	const n = 100_000
	cfg := DefaultConfig()
	cfg.Path = b.TempDir()
	s, err := Open(cfg, nil)
	if err != nil {
		b.Fatal(err)
	}
	fill(s, 0, n, 1024)
	_ = s.Close()
	for _, withIndex := range []bool{true, false} {
		b.Run(fmt.Sprintf("index=%v", withIndex), func(b *testing.B) {
			for b.Loop() {
				if !withIndex {
					b.StopTimer()
					for _, p := range segFiles(b, cfg.Path, ".idx") {
						_ = removeFile(p)
					}
					b.StartTimer()
				}
				t0 := time.Now()
				s, err := Open(cfg, nil)
				if err != nil {
					b.Fatal(err)
				}
				<-s.Ready()
				b.ReportMetric(float64(time.Since(t0).Milliseconds()), "ms-to-ready")
				if st := s.Stats(); st.Items != n {
					b.Fatalf("items %d", st.Items)
				}
				_ = s.Close()
			}
		})
	}
}

// BenchmarkEvictionZipf compares FIFO and CLOCK on a Zipf(1.1) stream of 20,000 keys of
// ~3 KB through a tier that holds about a quarter of them: hit ratio and bytes written.
func BenchmarkEvictionZipf(b *testing.B) {
	for _, policy := range []string{EvictFIFO, EvictClock} {
		b.Run(policy, func(b *testing.B) {
			for b.Loop() {
				cfg := DefaultConfig()
				cfg.Path = b.TempDir()
				cfg.SegmentBytes = 1 << 20
				cfg.Bytes = 16 << 20
				cfg.Eviction = policy
				s, err := Open(cfg, nil)
				if err != nil {
					b.Fatal(err)
				}
				z := rand.NewZipf(rand.New(rand.NewPCG(1, 2)), 1.1, 1, 20_000-1)
				hits, reqs := 0, 200_000
				for i := 0; i < reqs; i++ {
					k := int(z.Uint64())
					if _, ok := s.Get(key(k)); ok {
						hits++
						continue
					}
					s.Put(key(k), value(k, 3000))
					if i%64 == 0 {
						s.Flush()
					}
				}
				st := s.Stats()
				b.ReportMetric(float64(hits)/float64(reqs), "hit-ratio")
				b.ReportMetric(float64(st.WriteBytes)/float64(reqs), "written-B/req")
				_ = s.Close()
			}
		})
	}
}

func removeFile(p string) error { return os.Remove(p) }
