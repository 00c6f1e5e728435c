// Command reliability runs the reliability run (package origin/reliability) and writes
// RELIABILITY.md: a real cluster on 127.0.0.1 under load with faults injected one at a time,
// the hostile inputs served through nginx, and, before it, two shorter runs whose sections it
// includes — the nginx edge stand-in and Varnish side by side (`go test -run TestTwoEdges
// ./cdn/e2e`) and a hung node under load with and without the front's health checks (`go test
// -run TestE2EHungNode ./nginx`), which are tests of their own packages and run from the
// module root with the go command. Sections of the file that the run does not write (e.g. the
// write path's load run) are kept.
//
//	reliability -bin DIR [-out RELIABILITY.md] [-steady 3m] [-load 1.0] [-faultload 0.6] [-others] [-v]
//
// The flags' defaults come from the environment variables STEADY, LOAD, FAULTLOAD and OUT, as
// scripts/reliability documents them. On a terminal, stderr shows the phase, the time since
// the start, the requests sent and the time left; the report goes to the file only. It exits
// 1 when the run could not finish or something in it went wrong (the report is written when
// it finished), 2 on usage errors.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/imgorigin/imgorigin/origin/progress"
	"github.com/imgorigin/imgorigin/origin/reliability"
	"github.com/imgorigin/imgorigin/origin/stack"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

// env returns the environment variable name, or def when it is unset.
func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

func run(args []string, stderr io.Writer) int {
	def := reliability.DefaultOptions()
	fs := flag.NewFlagSet("reliability", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("out", env("OUT", "RELIABILITY.md"), "the report to write ($OUT)")
	steady := fs.String("steady", env("STEADY", def.Steady.String()), "how long the steady load is held ($STEADY)")
	load := fs.String("load", env("LOAD", "1.0"), "offered steady load, a fraction of the measured capacity ($LOAD)")
	faultLoad := fs.String("faultload", env("FAULTLOAD", "0.6"), "offered load during the fault phases, a fraction of the capacity ($FAULTLOAD)")
	bin := fs.String("bin", "", "prebuilt origin and fdfsfake binaries (empty: go build them)")
	others := fs.Bool("others", true, "also run the two-edges and hung-node tests and include their sections")
	verbose := fs.Bool("v", false, "log what the stack does")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	opts := def
	var err error
	if opts.Steady, err = time.ParseDuration(*steady); err != nil {
		fmt.Fprintln(stderr, "reliability: -steady:", err)
		return 2
	}
	for _, f := range []struct {
		name string
		s    string
		v    *float64
	}{{"load", *load, &opts.Load}, {"faultload", *faultLoad, &opts.FaultLoad}} {
		if *f.v, err = strconv.ParseFloat(f.s, 64); err != nil || *f.v <= 0 || *f.v > 4 {
			fmt.Fprintf(stderr, "reliability: -%s %q: want a fraction of the capacity in (0, 4]\n", f.name, f.s)
			return 2
		}
	}
	opts.Command = commandLine(*steady, *load, *faultLoad)
	opts.BinDir = *bin
	if *verbose || !progress.IsTerminal(stderr) {
		opts.Logf = func(format string, args ...any) { fmt.Fprintf(stderr, format+"\n", args...) }
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	if *others {
		sections, err := otherSections(ctx, stderr)
		if err != nil {
			fmt.Fprintln(stderr, "reliability:", err)
			return 1
		}
		opts.Sections = sections
	}
	r := reliability.New(opts)
	endProgress := progress.Start(stderr, r.Progress)
	report, err := r.Do(ctx)
	endProgress()
	if report == "" {
		fmt.Fprintln(stderr, "reliability:", err)
		return 1
	}
	old, _ := os.ReadFile(*out) // none yet: nothing to keep
	if werr := os.WriteFile(*out, []byte(report+reliability.Kept(string(old), report)), 0o644); werr != nil {
		fmt.Fprintln(stderr, "reliability:", werr)
		return 1
	}
	fmt.Fprintf(stderr, "reliability: wrote %s\n", *out)
	if err != nil {
		fmt.Fprintln(stderr, "reliability: the run finished with errors:", err)
		return 1
	}
	return 0
}

// commandLine is the command recorded in the report: scripts/reliability with the settings
// that differ from its defaults.
func commandLine(steady, load, faultLoad string) string {
	cmd := "scripts/reliability"
	def := reliability.DefaultOptions()
	if d, err := time.ParseDuration(steady); err != nil || d != def.Steady {
		cmd = "STEADY=" + steady + " " + cmd
	}
	if v, err := strconv.ParseFloat(load, 64); err != nil || v != def.Load {
		cmd = "LOAD=" + load + " " + cmd
	}
	if v, err := strconv.ParseFloat(faultLoad, 64); err != nil || v != def.FaultLoad {
		cmd = "FAULTLOAD=" + faultLoad + " " + cmd
	}
	return cmd
}

// otherRuns are the tests whose Markdown sections the report includes: each is a test of its
// own package (where its subject is) that writes its section to a file when asked.
var otherRuns = []struct {
	name, pkg, run string
	args           []string // before the report flag
	reportFlag     string
}{
	{"the two edges", "./cdn/e2e/", "^TestTwoEdges$", nil, "-twoedges.report"},
	{"the hung node", "./nginx/", "^TestE2EHungNode$", []string{"-hung.before"}, "-hung.report"},
}

// otherSections runs otherRuns with go test from the module root and returns the sections
// they wrote. A run that fails still writes its section (it says FAIL); one that writes
// nothing is reported on stderr and left out.
func otherSections(ctx context.Context, stderr io.Writer) ([]string, error) {
	root, err := stack.ModuleRoot()
	if err != nil {
		return nil, fmt.Errorf("the two-edges and hung-node runs need the source tree (-others=false to skip them): %w", err)
	}
	dir, err := os.MkdirTemp("", "imgorigin-reliability-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	var sections []string
	for i, o := range otherRuns {
		path := filepath.Join(dir, fmt.Sprintf("section-%d.md", i))
		args := append([]string{"test", "-count=1", "-timeout", "10m", "-run", o.run, o.pkg, "-args"}, o.args...)
		args = append(args, o.reportFlag+"="+path)
		fmt.Fprintf(stderr, "reliability: %s: go %s\n", o.name, strings.Join(args, " "))
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		outb, err := cmd.CombinedOutput()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err != nil {
			fmt.Fprintf(stderr, "reliability: %s: %v\n%s\n", o.name, err, lastLines(string(outb), 20))
		}
		b, rerr := os.ReadFile(path)
		if rerr != nil || len(b) == 0 {
			fmt.Fprintf(stderr, "reliability: %s wrote no section; the report goes without it\n", o.name)
			continue
		}
		sections = append(sections, string(b))
	}
	if len(sections) == 0 && len(otherRuns) > 0 {
		return nil, errors.New("neither the two-edges nor the hung-node run wrote its section")
	}
	return sections, nil
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
