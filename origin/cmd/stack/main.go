// Command stack starts the local stack of `make run` (package origin/stack) on 127.0.0.1 and
// prints URLs to try:
//
//	edge (nginx proxy_cache + lua, :8000) → front nginx (:8080) → origins (:8101-8103, peered)
//	                                                └→ legacy site (:8090)
//	sources: local sample directory, MinIO (:9000), FastDFS stand-in (tracker :22122, storage :23000)
//
//	stack up [-dir .run] [-bin bin] [-root .]
//
// Idempotent: a running stack is left alone and its URLs printed again; a partly running one is
// stopped (scripts/stop) and started again. The processes outlive the command: scripts/stop
// (make stop) stops exactly those listed in <dir>/pids. Everything lives under the directory:
// configuration, data, logs (logs/*.log), PIDs (pids), and the URL lists urls.txt (for people)
// and urls.json (for scripts/smoke).
package main

import (
	"bufio"
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
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "stack:", err)
		os.Exit(1)
	}
}

func run(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "up" {
		return errors.New("usage: stack up [-dir .run] [-bin bin] [-root .]")
	}
	fs := flag.NewFlagSet("stack up", flag.ContinueOnError)
	fs.SetOutput(stderr)
	dir := fs.String("dir", ".run", "the stack's directory (configuration, data, logs, pids, URL lists)")
	bin := fs.String("bin", "bin", "the binaries make build builds")
	root := fs.String("root", ".", "the repository (for scripts/demo and scripts/stop)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	for _, p := range []*string{dir, bin, root} {
		a, err := filepath.Abs(*p)
		if err != nil {
			return err
		}
		*p = a
	}
	say := func(format string, a ...any) {
		fmt.Fprintf(stdout, "\033[1m==> %s\033[0m\n", fmt.Sprintf(format, a...))
	}

	if pids, err := readPids(filepath.Join(*dir, "pids")); err == nil {
		if _, err := os.Stat(filepath.Join(*dir, "urls.txt")); err == nil && allAlive(pids) {
			say("the stack is already running (make stop to stop it)")
			return printFile(stdout, filepath.Join(*dir, "urls.txt"))
		}
		say("a previous stack is partly down: stopping what is left")
		if out, err := exec.Command(filepath.Join(*root, "scripts", "stop")).CombinedOutput(); err != nil {
			return fmt.Errorf("scripts/stop: %w\n%s", err, out)
		}
	}

	run := &stack.Run{Root: *root, Ports: stack.DefaultPorts()}
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
		say("%s", strings.TrimPrefix(fmt.Sprintf(format, a...), "stack: "))
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

type pid struct {
	name string
	pid  int
}

func readPids(path string) ([]pid, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []pid
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 2 {
			continue
		}
		n, err := strconv.Atoi(fields[1])
		if err != nil {
			continue
		}
		out = append(out, pid{fields[0], n})
	}
	return out, sc.Err()
}

func allAlive(pids []pid) bool {
	for _, p := range pids {
		if syscall.Kill(p.pid, 0) != nil {
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
