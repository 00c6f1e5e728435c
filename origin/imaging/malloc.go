package imaging

// #cgo LDFLAGS: -ldl
// #define _GNU_SOURCE
// #include <dlfcn.h>
// #include <malloc.h>
//
// // jemalloc_active reports whether malloc is jemalloc's: jemalloc exports mallctl, glibc does
// // not, and with LD_PRELOAD=libjemalloc.so.2 that symbol is in the global scope.
// static int jemalloc_active(void) {
//   return dlsym(RTLD_DEFAULT, "mallctl") != NULL;
// }
//
// // trim_glibc calls glibc's malloc_trim(0) when glibc's allocator is the one in use.
// static int trim_glibc(void) {
//   if (jemalloc_active()) return 0;
//   return malloc_trim(0);
// }
import "C"

import (
	"fmt"
	"os"
	"runtime/metrics"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Allocators named by Allocator.
const (
	AllocatorGlibc    = "glibc"
	AllocatorJemalloc = "jemalloc"
)

// Allocator names the C allocator serving libvips' pixel buffers in this process: "jemalloc"
// when libjemalloc is preloaded (LD_PRELOAD=libjemalloc.so.2; no start path does),
// otherwise "glibc".
func Allocator() string {
	if C.jemalloc_active() != 0 {
		return AllocatorJemalloc
	}
	return AllocatorGlibc
}

// mallocTrim gives memory that glibc's allocator keeps in its arenas back to the kernel.
//
// malloc_trim(3): it releases free memory "by calling sbrk(2) or madvise(2)"; "since glibc
// 2.8 this function frees memory in all arenas and in all chunks with whole free pages"; only
// the main heap honours pad; it returns 1 when memory was released. Why there is something to
// release: a freed block stays in the arena it came from, as free space between blocks in use
// that only the top of a heap can shrink past; libvips' pixel buffers (16 MB for one
// 2000×2000 RGBA decode) leave such holes. Under jemalloc it does nothing: jemalloc purges
// unused pages itself.
func mallocTrim() bool { return C.trim_glibc() != 0 }

// outsideGo is the process's resident memory that the Go runtime does not account for: RSS
// (/proc/self/statm) minus what the runtime has mapped and not given back
// (runtime/metrics: /memory/classes/total minus /memory/classes/heap/released). That is the C
// heap — libvips' buffers and what glibc keeps of them — plus the code of the binary and its
// libraries (about 55 MB for the origin), whatever the Go heap (the originals cache) holds.
func outsideGo() (int64, error) {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0, fmt.Errorf("/proc/self/statm: %q", b)
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0, fmt.Errorf("/proc/self/statm: %w", err)
	}
	m := []metrics.Sample{{Name: "/memory/classes/total:bytes"}, {Name: "/memory/classes/heap/released:bytes"}}
	metrics.Read(m)
	goMapped := int64(m[0].Value.Uint64()) - int64(m[1].Value.Uint64())
	return pages*int64(os.Getpagesize()) - goMapped, nil
}

// trimmer runs the trim loop for the life of the process: like libvips, the C heap is
// process-wide, so one loop serves every engine (the first configuration wins).
var trimmer sync.Once

// startTrimmer checks every interval whether the memory outside the Go runtime is above
// `above` bytes (0: always) and if so calls mallocTrim. Trimming costs page faults: the next
// render touches the released pages again and the kernel zeroes each one (BENCHMARKS.md §11
// measures it), so the loop trims only when there is something worth giving back.
func startTrimmer(every time.Duration, above int64) {
	if every <= 0 || Allocator() != AllocatorGlibc {
		return
	}
	trimmer.Do(func() {
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for range t.C {
				if above > 0 {
					if n, err := outsideGo(); err != nil || n <= above {
						continue
					}
				}
				mallocTrim()
			}
		}()
	})
}

// ArenaMax is MALLOC_ARENA_MAX in every start path (`origin allocator-env`): one glibc arena
// for every thread. mallopt(3), M_ARENA_MAX: by default up to 8 × the cores online on 64-bit
// systems; a thread that finds the arenas locked gets one of its own, and a freed block stays
// in the arena it came from. With many arenas a pixel buffer freed in one is of no use to a
// libvips thread allocating in another, which grows its own heap and faults in (and zeroes)
// fresh pages for every decode; with one arena each decode reuses the space the last one
// freed. Measured (BENCHMARKS.md §11, same run): fewer page faults per render than glibc's
// default or jemalloc and the most renders per CPU-second; the free space it keeps is what
// the trim loop gives back.
const ArenaMax = "1"

// AllocatorEnv returns the environment every start path gives the origin process:
// `origin allocator-env` prints it for scripts and package origin/stack, the Dockerfile and
// the systemd unit write it out (a test compares them with this).
func AllocatorEnv() []string {
	return []string{"MALLOC_ARENA_MAX=" + ArenaMax}
}

// Jemalloc is where Debian's libjemalloc2 installs the library, by machine: not shipped, kept
// for comparison (origin/cmd/soakmemory preloads it).
var Jemalloc = map[string]string{
	"amd64": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
	"arm64": "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
}
