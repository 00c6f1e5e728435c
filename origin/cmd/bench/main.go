// Command bench measures the origin over HTTP against the physical limit of the same path,
// measured in the same run on the same machine, and prints a Markdown report (BENCHMARKS.md
// holds the figures of a run and the command):
//
//	bench origin  [-rounds 3] [-duration 20s] [-benchtime 3s]   (make bench)
//	bench disk    [-rounds 3] [-duration 10s]                    (make bench-disk)
//	bench imaging [-count 3] [-benchtime 5s]
//	bench formats [-count 1] [-benchtime 1s] [-photos dir]
//
// `bench origin`:
//
//  1. the limit: libvips itself in a bare in-process loop with the fastest pipeline
//     (BenchmarkPipelines/…/bare-shrink of origin/imaging, compiled with go test -c), and
//     the engine alone;
//  2. the origin: one node with the variants cache off (every request renders), loaded by wrk
//     for the same two cases (a 4000×3000 JPEG → 300 px wide JPEG, → 800×600 WebP), each run
//     bracketed by the limit, renders counted per CPU-second of the origin process
//     (/proc/<pid>/stat);
//  3. memory: 8 concurrent requests for 24-megapixel JPEG and PNG originals, peak RSS (VmHWM);
//  4. cache hits: one node against nginx serving the same bytes as static files (20 KB, 200 KB).
//
// `bench disk`: disk-tier hits (a node with no variants in memory and a disk tier) against
// nginx static and against a node answering from memory.
//
// `bench imaging` and `bench formats` run origin/imaging's benchmarks (compiled once with go
// test -c) several times and print medians: the engine's two pipelines beside bare libvips
// loops (BenchmarkPipelines), and bytes and render rate per f_auto format bucket
// (BenchmarkFormats; -photos adds real photographs to the procedural samples).
//
// The origins are started by origin/stack (one node each, with the allocator every start path
// ships, `origin allocator-env`; -allocator glibc runs them on glibc's malloc instead), from
// make build's binaries (-bin); wrk (origin/wrk) is the load generator. Everything listens on
// 127.0.0.1 on ports picked at run time. The report goes to stdout, progress to stderr.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/imgorigin/imgorigin/origin/machine"
	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/origin/wrk"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  bench origin  [-rounds 3] [-duration 20s] [-benchtime 3s] [-allocator shipped|glibc] [-bin bin]
  bench disk    [-rounds 3] [-duration 10s] [-allocator shipped|glibc] [-bin bin]
  bench imaging [-count 3] [-benchtime 5s] [-input file.jpg]
  bench formats [-count 1] [-benchtime 1s] [-photos dir]`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("bench "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		bin                  = fs.String("bin", "bin", "make build's binaries (origin, fdfsfake, mksamples)")
		rounds, count        *int
		duration             *time.Duration
		benchtime, allocator *string
		input, photos        *string
	)
	stackRun := cmd == "origin" || cmd == "disk" // a run of origins: wrk, make build, a stack
	switch cmd {
	case "origin", "disk":
		rounds = fs.Int("rounds", 3, "rounds of each comparison (the median is quoted)")
		d := 20 * time.Second
		if cmd == "disk" {
			d = 10 * time.Second
		}
		duration = fs.Duration("duration", d, "wrk's duration per run (whole seconds)")
		allocator = fs.String("allocator", "shipped", "the origins' C allocator: shipped (origin allocator-env) or glibc (as it comes)")
		if cmd == "origin" {
			benchtime = fs.String("benchtime", "3s", "-benchtime of each limit run")
		}
	case "imaging":
		count = fs.Int("count", 3, "runs of each benchmark (medians are printed)")
		benchtime = fs.String("benchtime", "5s", "-benchtime of each run")
		input = fs.String("input", "", "the original to resize (IMGDEV_BENCH_INPUT; default: the benchmark's 4000×3000 JPEG)")
	case "formats":
		count = fs.Int("count", 1, "runs of each benchmark (medians are printed)")
		benchtime = fs.String("benchtime", "1s", "-benchtime of each run")
		photos = fs.String("photos", "", "a directory of real photographs (JPEG, PNG, WebP) measured beside the procedural samples")
	default:
		return errors.New(usage)
	}
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 || (rounds != nil && *rounds < 1) || (count != nil && *count < 1) || (duration != nil && *duration < time.Second) {
		return errors.New(usage)
	}
	e := &env{
		logf:   func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) },
		client: &http.Client{Timeout: time.Minute},
	}
	var err error
	allocNote := ""
	if stackRun {
		if _, err := wrk.Binary(); err != nil {
			return err
		}
		if e.bin, err = filepath.Abs(*bin); err != nil {
			return err
		}
		for _, b := range []string{"origin", "fdfsfake", "mksamples"} {
			if _, err := os.Stat(filepath.Join(e.bin, b)); err != nil {
				return fmt.Errorf("%w: run make build first", err)
			}
		}
		switch *allocator {
		case "shipped":
			allocNote = "; origins on the allocator every start path ships (`origin allocator-env`)"
		case "glibc":
			e.oenv = []string{"LD_PRELOAD=", "MALLOC_CONF=", "MALLOC_ARENA_MAX="}
			allocNote = "; origins on glibc's malloc (`-allocator glibc`)"
		default:
			return errors.New("-allocator: shipped or glibc")
		}
	}
	for _, p := range []*string{input, photos} {
		if p != nil && *p != "" {
			if *p, err = filepath.Abs(*p); err != nil {
				return err
			}
		}
	}
	if e.root, err = stack.ModuleRoot(); err != nil {
		return err
	}
	if e.work, err = os.MkdirTemp("", "imgorigin-bench-"); err != nil {
		return err
	}
	defer os.RemoveAll(e.work)
	e.images = filepath.Join(e.work, "img")
	if err := os.MkdirAll(e.images, 0o755); err != nil {
		return err
	}

	m, err := machine.Describe()
	if err != nil {
		return err
	}
	vips, err := execOut(ctx, "pkg-config", "--modversion", "vips")
	if err != nil {
		vips = "?"
	}
	fmt.Fprintf(stdout, "## Run of %s (`bin/bench %s`)\n\nMachine: %s; libvips %s, %s%s.\n\n",
		time.Now().UTC().Format("2006-01-02T15:04:05Z"), strings.Join(args, " "), m, strings.TrimSpace(vips), runtime.Version(), allocNote)
	switch cmd {
	case "origin":
		err = originBench{rounds: *rounds, duration: *duration, benchtime: *benchtime}.run(ctx, e, stdout)
	case "disk":
		err = diskBench{rounds: *rounds, duration: *duration}.run(ctx, e, stdout)
	case "imaging":
		err = imagingBench{benchtime: *benchtime, count: *count, input: *input}.run(ctx, e, stdout)
	case "formats":
		err = formatsBench{benchtime: *benchtime, count: *count, photos: *photos}.run(ctx, e, stdout)
	}
	if err != nil {
		return err
	}
	if m, err = machine.Describe(); err == nil {
		fmt.Fprintf(stdout, "\nMachine at the end of the run: %s.\n", m.LoadString())
	}
	return nil
}

// machineCores is the number of CPUs the benchmarks run on (GOMAXPROCS of the limit's test
// binary, what img/s/core is per).
func machineCores() int { return runtime.NumCPU() }

// execOut runs a command and returns its standard output (its standard error too on failure).
func execOut(ctx context.Context, name string, args ...string) (string, error) {
	out, err := exec.CommandContext(ctx, name, args...).CombinedOutput()
	return string(out), err
}
