package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/stack"
)

// node is the origin process of one setting (a stack of one node: no peers, so every request
// is rendered where it arrives).
type node struct {
	name string
	set  setting
	s    *stack.Stack
}

func (n *node) origin() *stack.Node { return n.s.Nodes[0] }

// renders is imgorigin_renders_total{result="ok"} of the node.
func (n *node) renders() (float64, error) {
	m, err := n.origin().Metrics()
	if err != nil {
		return 0, err
	}
	return m.Sum("imgorigin_renders_total", map[string]string{"result": "ok"}), nil
}

// heap is go_memstats_heap_inuse_bytes of the node, MiB.
func (n *node) heap() float64 {
	m, err := n.origin().Metrics()
	if err != nil {
		return -1
	}
	return m.Sum("go_memstats_heap_inuse_bytes", nil) / (1 << 20)
}

func startNode(ctx context.Context, cfg Config, name string) (*node, error) {
	set := settings[name]
	s, err := stack.Start(ctx, stack.Options{
		Nodes:  1,
		BinDir: cfg.BinDir,
		Env:    set.env,
		OriginConfig: func(c *config.Config) {
			def := config.Default()
			c.Log.Level = "warn"
			c.Admission = def.Admission // the test shape waits longer; measure the default
			c.Cluster.Cache.OriginalsBytes = def.Cluster.Cache.OriginalsBytes
			c.Cluster.Cache.VariantsBytes = 0 // every request renders
			if set.imaging != nil {
				set.imaging(&c.Imaging)
			}
		},
	})
	if err != nil {
		if s != nil {
			err = fmt.Errorf("%w\n%s", err, s.Logs(20))
			s.Close()
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &node{name: name, set: set, s: s}, nil
}

func soak(ctx context.Context, cfg Config, stdout, stderr io.Writer) error {
	logf := func(format string, args ...any) { fmt.Fprintf(stderr, "soakmemory: "+format+"\n", args...) }
	var nodes []*node
	defer func() {
		for _, n := range nodes {
			n.s.Close()
		}
	}()
	var stacks []*stack.Stack
	for _, name := range cfg.Settings {
		logf("starting the %s node", name)
		n, err := startNode(ctx, cfg, name)
		if err != nil {
			return err
		}
		nodes = append(nodes, n)
		stacks = append(stacks, n.s)
	}
	desc, err := originals(stacks)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "## Run of %s: %d cores (%s), libvips %s, %s, glibc %s, load average %s at the start\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), machine(),
		command("pkg-config", "--modversion", "vips"), runtime.Version(), glibc(), loadAverage())
	fmt.Fprintln(stdout, "| setting | what it is |\n|---|---|")
	for _, n := range nodes {
		fmt.Fprintf(stdout, "| %s | %s |\n", n.name, n.set.what)
	}
	fmt.Fprintf(stdout, "\n%s\n\n", desc)
	if err := pngPhase(ctx, cfg, nodes, stdout, logf); err != nil {
		return err
	}
	if cfg.Soak == 0 {
		return nil
	}
	return soakPhase(ctx, cfg, nodes, stdout, logf)
}

// turn is what one node did in phase 1, summed over its rounds.
type turn struct {
	renders, cpu   float64
	minflt         uint64
	other          int64
	loads          []string
	lastRSS, heap  float64
	hwm            uint64
	rssAfterRounds uint64
}

func pngPhase(ctx context.Context, cfg Config, nodes []*node, stdout io.Writer, logf func(string, ...any)) error {
	fmt.Fprintf(stdout, "### 1. 2000×2000 RGBA PNG → w_800,h_600,f_webp, %d connections, %d rounds of %s per node, nodes in turn\n\n",
		cfg.Conns, cfg.Rounds, cfg.PNG)
	turns := make([]turn, len(nodes))
	for round := 1; round <= cfg.Rounds; round++ {
		for i, n := range nodes {
			logf("png: round %d/%d, %s", round, cfg.Rounds, n.name)
			pid := n.origin().PID()
			u0, err := readUsage(pid)
			if err != nil {
				return err
			}
			r0, err := n.renders()
			if err != nil {
				return err
			}
			t := &turns[i]
			t.loads = append(t.loads, loadAverage())
			c := load(ctx, n.s, n.origin(), cfg.Conns, cfg.PNG, pngPath)
			if err := errors.Join(ctx.Err(), c.err()); err != nil {
				return fmt.Errorf("%s: %w", n.name, err)
			}
			u1, err := readUsage(pid)
			if err != nil {
				return err
			}
			r1, err := n.renders()
			if err != nil {
				return err
			}
			t.renders += r1 - r0
			t.cpu += u1.cpu - u0.cpu
			t.minflt += u1.minflt - u0.minflt
			t.other += c.other.Load()
			t.hwm, t.rssAfterRounds = u1.hwm, u1.rss
			t.heap = n.heap()
		}
	}
	fmt.Fprintln(stdout, "| setting | renders | renders per CPU-s | page faults per render | peak RSS (VmHWM) | RSS after | Go heap after | not 200 | load average (each turn) |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---:|---:|---:|---|")
	for i, n := range nodes {
		t := turns[i]
		fmt.Fprintf(stdout, "| %s | %.0f | %.2f | %.0f | %.0f MiB | %.0f MiB | %.0f MiB | %d | %s |\n", n.name, t.renders,
			ratio(t.renders, t.cpu), ratio(float64(t.minflt), t.renders), mib(t.hwm), mib(t.rssAfterRounds), t.heap, t.other,
			strings.Join(t.loads, " "))
	}
	fmt.Fprintln(stdout)
	return nil
}

func soakPhase(ctx context.Context, cfg Config, nodes []*node, stdout io.Writer, logf func(string, ...any)) error {
	fmt.Fprintf(stdout, "### 2. Soak: %d connections per node, all nodes at once, %s, distinct variants\n\n", cfg.Conns, cfg.Soak)
	for _, n := range nodes {
		if err := n.origin().Restart(); err != nil { // a fresh process: VmHWM starts again
			return fmt.Errorf("%s: restart: %w", n.name, err)
		}
	}
	header, sep := "| t (s) | load |", "|---:|---:|"
	for _, n := range nodes {
		header += " " + n.name + " RSS / Go heap (MiB) |"
		sep += "---:|"
	}
	fmt.Fprintf(stdout, "%s\n%s\n", header, sep)
	start := time.Now()
	sample := func(note string) {
		line := fmt.Sprintf("| %.0f%s | %s |", time.Since(start).Seconds(), note, loadAverage())
		for _, n := range nodes {
			u, err := readUsage(n.origin().PID())
			if err != nil {
				line += " ? |"
				continue
			}
			line += fmt.Sprintf(" %.0f / %.0f |", mib(u.rss), n.heap())
		}
		fmt.Fprintln(stdout, line)
	}
	results := make([]*counts, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = load(ctx, n.s, n.origin(), cfg.Conns, cfg.Soak, soakPath)
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	tick := time.NewTicker(cfg.Sample)
	defer tick.Stop()
	for running := true; running; {
		select {
		case <-tick.C:
			logf("soak: %s of %s", time.Since(start).Round(time.Second), cfg.Soak)
			sample("")
		case <-done:
			running = false
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	var errs []error
	for i, n := range nodes {
		if err := results[i].err(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.name, err))
		}
	}
	end := make([]usage, len(nodes))
	for i, n := range nodes {
		end[i], _ = readUsage(n.origin().PID())
	}
	select {
	case <-time.After(cfg.Sample):
	case <-ctx.Done():
		return ctx.Err()
	}
	sample(" (load stopped)")
	fmt.Fprintln(stdout, "\n| setting | renders | renders per CPU-s | page faults per render | peak RSS (VmHWM) | RSS at the end | not 200 |")
	fmt.Fprintln(stdout, "|---|---:|---:|---:|---:|---:|---:|")
	for i, n := range nodes {
		r, err := n.renders()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "| %s | %.0f | %.2f | %.0f | %.0f MiB | %.0f MiB | %d |\n", n.name, r, ratio(r, end[i].cpu),
			ratio(float64(end[i].minflt), r), mib(end[i].hwm), mib(end[i].rss), results[i].other.Load())
	}
	fmt.Fprintln(stdout)
	return errors.Join(errs...)
}

func ratio(a, b float64) float64 {
	if b <= 0 {
		return 0
	}
	return a / b
}

// command is the first line of a program's output, or "?".
func command(name string, args ...string) string {
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		return "?"
	}
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// glibc is the C library's version, from the last word of `ldd --version`'s first line.
func glibc() string {
	f := strings.Fields(command("ldd", "--version"))
	if len(f) == 0 {
		return "?"
	}
	return f[len(f)-1]
}
