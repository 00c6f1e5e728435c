//go:build linux

package imaging

import (
	"os"
	"strings"
	"testing"
	"time"
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
