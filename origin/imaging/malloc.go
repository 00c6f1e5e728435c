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
	"runtime"
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
// malloc_trim(3): it releases free memory "by calling sbrk(2) or madvise(2)"; "since glibc
// 2.8 this function frees memory in all arenas and in all chunks with whole free pages"; only
// the main heap honours pad; it returns 1 when memory was released. Why there is so much to
// release: glibc gives a thread that finds the arenas locked an arena of its own, up to
// M_ARENA_MAX arenas (mallopt(3): by default 8 × the cores online on 64-bit systems;
// MALLOC_ARENA_MAX in the environment), and a freed block stays in the arena it came from.
// libvips' worker threads spread their pixel buffers over many arenas, whose free space the
// per-thread heaps keep; that is the RSS the Go heap does not explain. Under jemalloc it does
// nothing: jemalloc purges unused pages itself.
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

// MallocConf is jemalloc's MALLOC_CONF in every start path. jemalloc(3), opt.background_thread
// (off by default): "background threads are created on demand (the number of background
// threads will be no more than the number of CPUs or active arenas). Threads run periodically
// and handle purging asynchronously" — so unused pages go back on jemalloc's decay time
// (opt.dirty_decay_ms, 10 s by default) even while no thread allocates, and an idle node
// shrinks too.
const MallocConf = "background_thread:true"

// Jemalloc is where Debian's libjemalloc2 installs the library, by machine (the deployment
// files name the amd64 path, the Dockerfile links /usr/local/lib/libjemalloc.so.2 to it).
var Jemalloc = map[string]string{
	"amd64": "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
	"arm64": "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
}

// AllocatorEnv returns the environment that makes an origin process allocate with jemalloc:
// LD_PRELOAD of Debian's libjemalloc.so.2 (installed by scripts/install-deps) and MALLOC_CONF.
// scripts/run takes it from `origin allocator-env`, origin/clustertest from here.
func AllocatorEnv() ([]string, error) {
	p, ok := Jemalloc[runtime.GOARCH]
	if !ok {
		return nil, fmt.Errorf("imaging: no jemalloc path known for %s", runtime.GOARCH)
	}
	if _, err := os.Stat(p); err != nil {
		return nil, fmt.Errorf("imaging: jemalloc (Debian's libjemalloc2; scripts/install-deps installs it): %w", err)
	}
	return []string{"LD_PRELOAD=" + p, "MALLOC_CONF=" + MallocConf}, nil
}
