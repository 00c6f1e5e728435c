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
	"sync"
	"time"
)

// Allocators named by Allocator.
const (
	AllocatorGlibc    = "glibc"
	AllocatorJemalloc = "jemalloc"
)

// Allocator names the C allocator serving libvips' pixel buffers in this process: "jemalloc"
// when libjemalloc is preloaded (the deployment files do: LD_PRELOAD=libjemalloc.so.2),
// otherwise "glibc".
func Allocator() string {
	if C.jemalloc_active() != 0 {
		return AllocatorJemalloc
	}
	return AllocatorGlibc
}

// mallocTrim gives memory that glibc's allocator keeps in its arenas back to the kernel.
//
// glibc's manual (Memory Allocation Tunables, and malloc_trim(3)): malloc_trim(pad) releases
// free memory from the top of the heap and, since glibc 2.8, from every arena and every free
// page in the middle of a heap (madvise MADV_DONTNEED), leaving pad bytes untrimmed; it
// returns 1 when memory was released. glibc makes up to 8 × cores arenas on 64-bit systems
// (M_ARENA_MAX, glibc.malloc.arena_max), one per thread that finds the others locked, and a
// freed block stays in its arena: libvips' worker threads each touch their own, which is
// where RSS goes that the Go heap does not explain. Under jemalloc it does nothing (jemalloc
// returns dirty pages itself, after its decay time).
func mallocTrim() bool { return C.trim_glibc() != 0 }

// trimmer runs mallocTrim every interval for the life of the process: like libvips, the C
// heap is process-wide, so one loop serves every engine (the first configuration wins).
var trimmer sync.Once

func startTrimmer(every time.Duration) {
	if every <= 0 || Allocator() != AllocatorGlibc {
		return
	}
	trimmer.Do(func() {
		go func() {
			t := time.NewTicker(every)
			defer t.Stop()
			for range t.C {
				mallocTrim()
			}
		}()
	})
}
