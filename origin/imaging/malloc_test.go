//go:build linux

package imaging

import (
	"context"
	"fmt"
	"image"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestAllocator: Allocator names the allocator this process really has, read from its own
// memory map (go test runs with glibc's unless LD_PRELOAD says otherwise).
func TestAllocator(t *testing.T) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		t.Fatalf("reading the process's memory map: %v", err)
	}
	want := AllocatorGlibc
	if strings.Contains(string(maps), "libjemalloc") {
		want = AllocatorJemalloc
	}
	if got := Allocator(); got != want {
		t.Fatalf("Allocator() = %q, want %q", got, want)
	}
}

func TestMallocTrimIntervalValidate(t *testing.T) {
	for _, tc := range []struct {
		d  time.Duration
		ok bool
	}{{0, true}, {time.Second, true}, {100 * time.Millisecond, true}, {time.Millisecond, false}, {-time.Second, false}} {
		c := DefaultConfig()
		c.MallocTrimInterval = tc.d
		err := c.Validate()
		if (err == nil) != tc.ok || (err != nil && !strings.Contains(err.Error(), "malloc_trim_interval")) {
			t.Errorf("malloc_trim_interval %v: error %v", tc.d, err)
		}
	}
}

func TestMallocTrimAboveValidate(t *testing.T) {
	c := DefaultConfig()
	c.MallocTrimAbove = -1
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "malloc_trim_above") {
		t.Fatalf("malloc_trim_above -1: error %v", err)
	}
}

// TestTrimGivesBackWhatRendersLeft: renders of a 2000×2000 RGBA PNG (16 MB of pixels each:
// PNG has no shrink-on-load) leave glibc's heap holding free space, which outsideGo counts and
// mallocTrim gives back — what the trim loop does once that memory is above
// malloc_trim_above.
func TestTrimGivesBackWhatRendersLeft(t *testing.T) {
	// Every start path runs glibc (imaging.AllocatorEnv); so does a test binary, unless it is
	// run with another allocator preloaded, which this test refuses rather than skips.
	if Allocator() != AllocatorGlibc {
		t.Fatalf("the C allocator is %s: run the tests without LD_PRELOAD (malloc_trim is glibc's)", Allocator())
	}
	e := newTestEngine(t, nil)
	m := image.NewNRGBA(image.Rect(0, 0, 2000, 2000))
	for i := range m.Pix {
		m.Pix[i] = uint8(i*7 + i/8000)
	}
	src := synth.PNG(m)
	in := probe(t, src)
	before, err := outsideGo()
	if err != nil {
		t.Fatal(err)
	}
	// Run a forced trim first: what the test binary did before is not this test's to measure.
	mallocTrim()
	for range 3 { // the first 16 MB buffer is mmapped and unmapped on free; glibc then raises
		// its mmap threshold (mallopt(3), M_MMAP_THRESHOLD) and the next ones stay in the heap.
		if _, err := e.Process(context.Background(), src, in, imgurl.Options{Width: 800, Height: 600, Format: imgurl.WebP}); err != nil {
			t.Fatal(err)
		}
	}
	held, err := outsideGo()
	if err != nil {
		t.Fatal(err)
	}
	if before <= 0 || held <= 0 {
		t.Fatalf("outsideGo() = %d before the renders, %d after: want the resident code and heap", before, held)
	}
	if !mallocTrim() {
		t.Fatal("malloc_trim(0) released nothing after three renders")
	}
	after, err := outsideGo()
	if err != nil {
		t.Fatal(err)
	}
	if held-after < 8<<20 {
		t.Fatalf("outsideGo() went from %d MiB to %d MiB with malloc_trim(0), want ≥ 8 MiB given back", held>>20, after>>20)
	}
	t.Logf("outsideGo: %d MiB before, %d MiB after three renders, %d MiB after malloc_trim(0)", before>>20, held>>20, after>>20)
}

// TestOutsideGo: RSS less the Go runtime's share is below RSS.
func TestOutsideGo(t *testing.T) {
	n, err := outsideGo()
	if err != nil {
		t.Fatal(err)
	}
	statm, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Fatal(err)
	}
	var size, resident int64
	if _, err := fmt.Sscan(string(statm), &size, &resident); err != nil {
		t.Fatal(err)
	}
	if rss := resident * int64(os.Getpagesize()); n <= 0 || n >= rss {
		t.Fatalf("outsideGo() = %d, RSS %d: want 0 < outsideGo < RSS", n, rss)
	}
}
