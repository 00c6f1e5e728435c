// Command bench measures the origin over HTTP against the physical limit of the same path,
// measured in the same run on the same machine, and prints a Markdown report (BENCHMARKS.md
// holds the figures of a run and the command):
//
//	bench origin [-rounds 3] [-duration 20s] [-benchtime 3s]   (make bench)
//	bench disk   [-rounds 3] [-duration 10s]
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

const usage = "usage: bench origin [-rounds 3] [-duration 20s] [-benchtime 3s] | bench disk [-rounds 3] [-duration 10s]"

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || (args[0] != "origin" && args[0] != "disk") {
		return errors.New(usage)
	}
	cmd := args[0]
	fs := flag.NewFlagSet("bench "+cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	bin := fs.String("bin", "bin", "make build's binaries (origin, fdfsfake, mksamples)")
	rounds := fs.Int("rounds", 3, "rounds of each comparison (the median is quoted)")
	defDuration := 20 * time.Second
	if cmd == "disk" {
		defDuration = 10 * time.Second
	}
	duration := fs.Duration("duration", defDuration, "wrk's duration per run (whole seconds)")
	benchtime := fs.String("benchtime", "3s", "-benchtime of each limit run (origin)")
	allocator := fs.String("allocator", "shipped", "the origins' C allocator: shipped (origin allocator-env: jemalloc) or glibc")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 || *rounds < 1 || *duration < time.Second {
		return errors.New(usage)
	}
	if _, err := wrk.Binary(); err != nil {
		return err
	}
	e := &env{
		logf:   func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) },
		client: &http.Client{Timeout: time.Minute},
	}
	var err error
	if e.bin, err = filepath.Abs(*bin); err != nil {
		return err
	}
	for _, b := range []string{"origin", "fdfsfake", "mksamples"} {
		if _, err := os.Stat(filepath.Join(e.bin, b)); err != nil {
			return fmt.Errorf("%w: run make build first", err)
		}
	}
	allocNote := "the allocator every start path ships (`origin allocator-env`)"
	switch *allocator {
	case "shipped":
	case "glibc":
		e.oenv = []string{"LD_PRELOAD=", "MALLOC_CONF="}
		allocNote = "glibc's malloc (`-allocator glibc`)"
	default:
		return errors.New("-allocator: shipped or glibc")
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
	fmt.Fprintf(stdout, "## Run of %s (`bin/bench %s`)\n\nMachine: %s; libvips %s, %s; origins on %s.\n\n",
		time.Now().UTC().Format("2006-01-02T15:04:05Z"), strings.Join(args, " "), m, strings.TrimSpace(vips), runtime.Version(), allocNote)
	switch cmd {
	case "origin":
		err = originBench{rounds: *rounds, duration: *duration, benchtime: *benchtime}.run(ctx, e, stdout)
	case "disk":
		err = diskBench{rounds: *rounds, duration: *duration}.run(ctx, e, stdout)
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
