// Command stack starts the local stack of `make run` (package origin/stack) on 127.0.0.1 and
// prints URLs to try:
//
//	edge (nginx proxy_cache + lua, :8000) → front nginx (:8080) → origins (:8101-8103, peered)
//	                                                └→ legacy site (:8090)
//	sources: local sample directory, MinIO (:9000), FastDFS stand-in (tracker :22122, storage :23000)
//
//	stack up [-dir .run] [-bin bin] [-root .]
//	stack smoke [-dir .run] [-root .]
//
// up is idempotent: a running stack is left alone and its URLs printed again; a partly running
// one is stopped (scripts/stop) and started again. The processes outlive the command:
// scripts/stop (make stop) stops exactly those listed in <dir>/pids. Everything lives under the
// directory: configuration, data, logs (logs/*.log), PIDs (pids), the demo page (demo/) and the
// URL lists urls.txt (for people) and urls.json (for programs).
//
// smoke checks the running stack as a newcomer would use it (package origin/stack/smoke: every
// listed URL, every image of the demo page, an upload and a signed delete), then stops it with
// scripts/stop and checks that nothing is left. It exits 1 when any check failed;
// scripts/smoke (the last step of make test and of CI) runs make run and then it.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/origin/source/s3/minio"
	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/origin/stack/smoke"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stack:", err)
		os.Exit(1)
	}
}

const usage = "usage: stack up [-dir .run] [-bin bin] [-root .] | stack smoke [-dir .run] [-root .]"

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(usage)
	}
	switch args[0] {
	case "up":
		return up(args[1:], stdout, stderr)
	case "smoke":
		return smokeCmd(args[1:], stdout, stderr)
	}
	return errors.New(usage)
}

func say(w io.Writer, format string, a ...any) {
	fmt.Fprintf(w, "\033[1m==> %s\033[0m\n", fmt.Sprintf(format, a...))
}

// abs makes every path absolute.
func abs(paths ...*string) error {
	for _, p := range paths {
		a, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = a
	}
	return nil
}

// running reports whether the stack in dir started completely (it writes urls.txt last) and
// every process of it is alive.
func running(dir string) bool {
	pids, err := stack.ReadPids(filepath.Join(dir, "pids"))
	if err != nil {
		return false
	}
	_, err = os.Stat(filepath.Join(dir, "urls.txt"))
	return err == nil && allAlive(pids)
}

func smokeCmd(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stack smoke", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".run", "the stack's directory")
	root := fs.String("root", ".", "the repository (for scripts/stop)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := abs(dir, root); err != nil {
		return err
	}
	if !running(*dir) {
		return errors.New("smoke: the stack is not running: make run first (scripts/smoke does)")
	}
	start := time.Now()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	failed, err := smoke.Run(ctx, smoke.Options{Dir: *dir, Out: stdout, Stop: func() error {
		out, err := exec.Command(filepath.Join(*root, "scripts", "stop")).CombinedOutput()
		if err != nil {
			return fmt.Errorf("scripts/stop: %w\n%s", err, out)
		}
		return nil
	}})
	if err != nil {
		return err
	}
	if failed > 0 {
		say(stdout, "smoke: %d check(s) FAILED (logs: %s)", failed, filepath.Join(*dir, "logs"))
		return fmt.Errorf("smoke: %d check(s) failed", failed)
	}
	say(stdout, "smoke: all checks passed in %d s", int(time.Since(start).Seconds()))
	return nil
}

func up(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("stack up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".run", "the stack's directory (configuration, data, logs, pids, URL lists)")
	bin := fs.String("bin", "bin", "the binaries make build builds")
	root := fs.String("root", ".", "the repository (for scripts/stop)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := abs(dir, bin, root); err != nil {
		return err
	}

	if running(*dir) {
		say(stdout, "the stack is already running (make stop to stop it)")
		return printFile(stdout, filepath.Join(*dir, "urls.txt"))
	}
	if _, err := os.Stat(filepath.Join(*dir, "pids")); err == nil {
		say(stdout, "a previous stack is partly down: stopping what is left")
		if out, err := exec.Command(filepath.Join(*root, "scripts", "stop")).CombinedOutput(); err != nil {
			return fmt.Errorf("scripts/stop: %w\n%s", err, out)
		}
	}

	run := &stack.Run{Ports: stack.DefaultPorts()}
	named := run.Ports.Named()
	names := make([]string, 0, len(named))
	for n := range named {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		if c, err := net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(named[n]), time.Second); err == nil {
			c.Close()
			return fmt.Errorf("port 127.0.0.1:%d (the %s's) is taken by another program; stop it (ss -ltnp 'sport = :%d' shows which) and run again", named[n], n, named[n])
		}
	}
	if _, err := os.Stat(filepath.Join(*bin, "origin")); err != nil {
		return errors.New("bin/origin is missing: run make run (it builds first)")
	}
	if _, err := minio.Binary(); err != nil {
		return err
	}
	if _, err := nginx.Binary(); err != nil {
		return err
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	s, err := stack.Start(ctx, stack.Options{Dir: *dir, BinDir: *bin, Run: run, Logf: func(format string, a ...any) {
		say(stdout, "%s", strings.TrimPrefix(fmt.Sprintf(format, a...), "stack: "))
	}})
	if err != nil {
		// A start that fails halfway stops what it started: no half stack is left to be taken
		// for a running one.
		if s != nil {
			s.Close()
		}
		return err
	}
	return printFile(stdout, filepath.Join(*dir, "urls.txt"))
}

func allAlive(pids []stack.Pid) bool {
	for _, p := range pids {
		if !p.Alive() {
			return false
		}
	}
	return len(pids) > 0
}

func printFile(w io.Writer, path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
