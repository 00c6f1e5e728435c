package main

import (
	"runtime"
	"sort"
	"time"

	"github.com/imgorigin/imgorigin/origin/imaging"
)

// setting is one C-allocator configuration of a node: environment added after the one every
// start path gives the origin (`origin allocator-env`, which package origin/stack applies; a
// later VAR=value replaces an earlier one) and a change to the imaging configuration (nil: the
// defaults).
type setting struct {
	what    string
	env     []string
	imaging func(*imaging.Config)
}

// asGlibc clears what `origin allocator-env` sets, so a setting starts from glibc's malloc as
// it comes (an empty MALLOC_ARENA_MAX is glibc's default: up to 8 × cores arenas).
var asGlibc = []string{"LD_PRELOAD=", "MALLOC_CONF=", "MALLOC_ARENA_MAX="}

func glibcWith(env ...string) []string { return append(append([]string{}, asGlibc...), env...) }

// jemalloc preloads Debian's libjemalloc2 with MALLOC_CONF conf. jemalloc(3),
// opt.background_thread: "threads run periodically and handle purging asynchronously", so
// unused pages go back on jemalloc's decay time (opt.dirty_decay_ms, 10 s by default) even
// while no thread allocates.
func jemalloc(conf string) []string {
	return glibcWith("LD_PRELOAD="+imaging.Jemalloc[runtime.GOARCH], "MALLOC_CONF="+conf)
}

// trim sets the trim loop: every interval, when the memory outside the Go runtime is above
// above (0: always).
func trim(interval time.Duration, above int64) func(*imaging.Config) {
	return func(c *imaging.Config) { c.MallocTrimInterval, c.MallocTrimAbove = interval, above }
}

// settings are the configurations soakmemory knows.
var settings = map[string]setting{
	"shipped": {what: "the defaults of every start path: `origin allocator-env` (`MALLOC_ARENA_MAX=1`), " +
		"`imaging.malloc_trim_interval: 250ms`, `imaging.malloc_trim_above: 192 MiB`"},
	"glibc":  {what: "glibc's malloc as it comes (up to 8 × cores arenas), no trimming", env: glibcWith(), imaging: trim(0, 0)},
	"arena1": {what: "`MALLOC_ARENA_MAX=1`, no trimming", env: glibcWith("MALLOC_ARENA_MAX=1"), imaging: trim(0, 0)},
	"arena2": {what: "`MALLOC_ARENA_MAX=2`, no trimming", env: glibcWith("MALLOC_ARENA_MAX=2"), imaging: trim(0, 0)},
	"trim": {what: "glibc's default arenas, `malloc_trim(0)` every second whatever the memory",
		env: glibcWith(), imaging: trim(time.Second, 0)},
	"arena1-above160": {what: "`MALLOC_ARENA_MAX=1`, `malloc_trim(0)` when the memory outside the Go runtime is above 160 MiB",
		env: glibcWith("MALLOC_ARENA_MAX=1"), imaging: trim(time.Second, 160<<20)},
	"arena1-above128": {what: "`MALLOC_ARENA_MAX=1`, `malloc_trim(0)` when the memory outside the Go runtime is above 128 MiB",
		env: glibcWith("MALLOC_ARENA_MAX=1"), imaging: trim(time.Second, 128<<20)},
	"arena1-above192-1s": {what: "`MALLOC_ARENA_MAX=1`, `malloc_trim(0)` checked every second, when the memory outside the Go runtime is above 192 MiB (shipped before run 3)",
		env: glibcWith("MALLOC_ARENA_MAX=1"), imaging: trim(time.Second, 192<<20)},
	"arena1-trim30s": {what: "`MALLOC_ARENA_MAX=1`, `malloc_trim(0)` every 30 s whatever the memory",
		env: glibcWith("MALLOC_ARENA_MAX=1"), imaging: trim(30*time.Second, 0)},
	"jemalloc": {what: "Debian's libjemalloc2 preloaded, `MALLOC_CONF=background_thread:true` (shipped before)",
		env: jemalloc("background_thread:true")},
	"jemalloc-slow": {what: "the same with 30 s dirty decay and no separate arena for allocations over 8 MiB",
		env: jemalloc("background_thread:true,dirty_decay_ms:30000,oversize_threshold:0")},
}

// defaultSettings: before (glibc as it comes), the jemalloc setting shipped before, one arena
// without trimming, and what the start paths ship now.
var defaultSettings = []string{"glibc", "jemalloc", "arena1", "shipped"}

func settingNames() []string {
	var n []string
	for k := range settings {
		n = append(n, k)
	}
	sort.Strings(n)
	return n
}
