// Command soakmemory measures what the C allocator does to an origin node's memory and render
// cost: one node per allocator setting (settings.go), each a real origin process started by
// package origin/stack on 127.0.0.1, measured side by side in one run (BENCHMARKS.md §11,
// "Memory that stays flat"). The variants cache is off (every request renders); every other
// setting is the origin's default.
//
//  1. png: a 2000×2000 RGBA PNG → w_800,h_600,f_webp at -conns connections, under eight names
//     (the originals cache holds eight originals, like a site with many); the nodes take turns,
//     -rounds rounds of -png each, so the settings alternate (A B C A B C) and drift of a shared
//     machine's load falls on all of them; per setting: renders, renders per CPU-second of the
//     node (utime + stime from /proc/<pid>/stat, less sensitive to the machine's load than wall
//     time), minor page faults per render, peak RSS (VmHWM), RSS and Go heap after.
//  2. soak: every node restarted (a fresh VmHWM), then all at once under -conns connections
//     each for -soak: distinct variants (widths 200–1199 × heights 150–899) of a 4000×3000 JPEG
//     (to WebP and JPEG), the RGBA PNG (to WebP and PNG) and a 4000×3000 WebP; RSS and the Go
//     heap sampled every -sample, once more -sample after the load stops; renders, renders per
//     CPU-second, VmHWM, answers that were not 200.
//
// Usage (scripts/soak-memory builds the binaries and runs this; long, so not part of make test):
//
//	soakmemory -bin DIR [-settings shipped,glibc,jemalloc] [-soak 10m] [-png 30s] [-rounds 3]
//	           [-conns 8] [-sample 30s]
//
// -soak 0 runs phase 1 only. It prints Markdown on stdout and its progress on stderr, and
// exits 1 when a node fails or a request gets no answer.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Config is one run.
type Config struct {
	BinDir   string
	Settings []string      // names in settings.go, in the order they are measured and shown
	Soak     time.Duration // phase 2; 0 skips it
	PNG      time.Duration // one turn of one node in phase 1
	Rounds   int
	Conns    int
	Sample   time.Duration
}

// Validate checks the run; errors name the flag.
func (c Config) Validate() error {
	var errs []error
	if c.BinDir == "" {
		errs = append(errs, errors.New("bin: required (a directory with the origin binary)"))
	}
	if len(c.Settings) == 0 {
		errs = append(errs, errors.New("settings: at least one"))
	}
	seen := map[string]bool{}
	for _, s := range c.Settings {
		if _, ok := settings[s]; !ok {
			errs = append(errs, fmt.Errorf("settings: unknown %q (known: %s)", s, strings.Join(settingNames(), ", ")))
		}
		if seen[s] {
			errs = append(errs, fmt.Errorf("settings: %q twice", s))
		}
		seen[s] = true
	}
	if c.Soak < 0 || c.Soak > 2*time.Hour {
		errs = append(errs, errors.New("soak: must be 0..2h"))
	}
	if c.PNG < time.Second || c.PNG > 10*time.Minute {
		errs = append(errs, errors.New("png: must be 1s..10m"))
	}
	if c.Rounds < 1 || c.Rounds > 20 {
		errs = append(errs, errors.New("rounds: must be 1..20"))
	}
	if c.Conns < 1 || c.Conns > 64 {
		errs = append(errs, errors.New("conns: must be 1..64"))
	}
	if c.Sample < time.Second || c.Sample > 10*time.Minute {
		errs = append(errs, errors.New("sample: must be 1s..10m"))
	}
	return errors.Join(errs...)
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("soakmemory", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg Config
	var names string
	fs.StringVar(&cfg.BinDir, "bin", "", "directory holding the origin binary")
	fs.StringVar(&names, "settings", strings.Join(defaultSettings, ","), "allocator settings to compare, comma-separated: "+strings.Join(settingNames(), ", "))
	fs.DurationVar(&cfg.Soak, "soak", 10*time.Minute, "length of the soak (phase 2); 0 skips it")
	fs.DurationVar(&cfg.PNG, "png", 30*time.Second, "one node's turn in the PNG phase (phase 1)")
	fs.IntVar(&cfg.Rounds, "rounds", 3, "rounds of the PNG phase (every node once per round)")
	fs.IntVar(&cfg.Conns, "conns", 8, "connections per node")
	fs.DurationVar(&cfg.Sample, "sample", 30*time.Second, "time between memory samples in the soak")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	for _, s := range strings.Split(names, ",") {
		if s = strings.TrimSpace(s); s != "" {
			cfg.Settings = append(cfg.Settings, s)
		}
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "soakmemory:", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := soak(ctx, cfg, stdout, stderr); err != nil {
		fmt.Fprintln(stderr, "soakmemory:", err)
		return 1
	}
	return 0
}
