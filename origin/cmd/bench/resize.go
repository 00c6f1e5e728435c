package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/machine"
	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/origin/wrk"
)

// originBench is `bench origin`: sections 1–4 of the report (what make bench runs).
type originBench struct {
	rounds    int
	duration  time.Duration
	benchtime string
}

// resizeCases are the two renders set against libvips' limit: the names are
// BenchmarkPipelines' cases (origin/imaging), the paths ask for exactly their output.
var resizeCases = []struct{ name, base string }{
	{"jpeg300", "/i/w_300,f_jpeg/local/large-"},
	{"webp800x600", "/i/w_800,h_600,f_webp/local/large-"},
}

// samples writes the originals: make build's mksamples (large.jpg, 4000×3000), a 24-megapixel
// JPEG and PNG made from it by libvips' CLI, and eight hard links large-0..7.jpg of large.jpg.
func (e *env) samples(ctx context.Context) error {
	run := func(name string, args ...string) error {
		if out, err := exec.CommandContext(ctx, name, args...).CombinedOutput(); err != nil {
			return fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, out)
		}
		return nil
	}
	img := func(n string) string { return filepath.Join(e.images, n) }
	if err := run(filepath.Join(e.bin, "mksamples"), "-out", e.images); err != nil {
		return err
	}
	if err := run("vips", "resize", img("large.jpg"), img("mp24.jpg"), "1.4142"); err != nil {
		return err
	}
	if err := run("vips", "copy", img("mp24.jpg"), img("mp24.png")); err != nil {
		return err
	}
	// Eight names for the same original, so that requests for exactly the limit's output are
	// still distinct variants, each rendered.
	for i := range 8 {
		if err := os.Link(img("large.jpg"), img(fmt.Sprintf("large-%d.jpg", i))); err != nil {
			return err
		}
	}
	return nil
}

// dims is "4000×3000" from the file's header.
func dims(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "?"
	}
	info, err := imgprobe.Probe(b)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%d×%d", info.Width, info.Height)
}

func (b originBench) run(ctx context.Context, e *env, w io.Writer) error {
	if err := e.samples(ctx); err != nil {
		return err
	}
	fmt.Fprintf(w, "Originals: large.jpg %s (from `bin/mksamples`), mp24.jpg/png %s (libvips' `vips resize` of it).\n\n",
		dims(filepath.Join(e.images, "large.jpg")), dims(filepath.Join(e.images, "mp24.jpg")))

	e.logf("bench: building origin/imaging's benchmarks")
	tests, err := buildImagingTests(ctx, e.root, e.work)
	if err != nil {
		return err
	}
	lim := &limitBench{tests: tests, input: filepath.Join(e.images, "large.jpg"), benchtime: b.benchtime}
	fmt.Fprintf(w, "### 1. The limit: libvips in a bare loop (and the engine without HTTP)\n\n")
	e.logf("bench: section 1, BenchmarkPipelines")
	lines, _, err := lim.run(ctx, "BenchmarkPipelines")
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "`go test -bench BenchmarkPipelines -benchtime %s ./origin/imaging/` with `IMGDEV_BENCH_INPUT` = large.jpg:\n\n```\n%s\n```\n\n", b.benchtime, lines)

	s, err := e.startOrigin(ctx, false, func(c *config.Config) { c.Cluster.Cache.VariantsBytes = 0 })
	if err != nil {
		return err
	}
	defer s.Close()
	if err := b.renders(ctx, e, w, lim, s.Node(0)); err != nil {
		return err
	}
	if err := b.memory(ctx, e, w, s.Node(0)); err != nil {
		return err
	}
	s.Close()
	return b.cacheHits(ctx, e, w)
}

// renders is section 2: the origin over HTTP against the limit, bracketed by it.
func (b originBench) renders(ctx context.Context, e *env, w io.Writer, lim *limitBench, n *stack.Node) error {
	fmt.Fprintf(w, `### 2. The origin over HTTP (wrk, 2 threads, 4 connections, %v, variants cache off)

Every request renders exactly the limit's output from the same 4000×3000 JPEG, under one of
eight names (hard links large-0..7.jpg), so concurrent requests are distinct variants and
none shares another's render. img/s: renders per wall-clock second of the whole machine;
img/cpu-s: renders per CPU-second the origin process used (robust when other work shares the
cores). The limit is libvips' bare-shrink loop of section 1 for the same case, run again
right before and right after the origin's run (mean of the two): the cores of this machine
are shared, and its speed drifts over minutes. The cases alternate for %d rounds; the median
ratio is the figure to quote. wrk timeouts: requests without an answer within wrk's 2 s (wrk
closes the connection and asks again; the render goes on and is counted).

`, b.duration, b.rounds)
	cores := machineCores()
	tab := newTable("case", "round>", "origin img/s>", "limit img/s>", "origin img/cpu-s>", "limit img/cpu-s>", "origin / limit (per CPU-s)>", "p99>", "wrk timeouts>")
	ratios := map[string][]float64{}
	for round := 1; round <= b.rounds; round++ {
		for _, c := range resizeCases {
			if _, _, err := e.get(ctx, n.URL+c.base+"0.jpg"); err != nil {
				return fmt.Errorf("%w\n%s", err, n.Log())
			}
			e.logf("bench: section 2, round %d, %s", round, c.name)
			w0, c0, err := lim.bareShrink(ctx, c.name, cores)
			if err != nil {
				return err
			}
			m0, err := measure(n)
			if err != nil {
				return err
			}
			res, out, err := wrk.Run(ctx, wrk.Options{URL: n.URL, Threads: 2, Connections: 4, Duration: b.duration,
				Script: wrk.Vary, Args: []string{c.base, "0", ".jpg", "4"}})
			if err != nil {
				return err
			}
			m1, err := measure(n)
			if err != nil {
				return err
			}
			w1, c1, err := lim.bareShrink(ctx, c.name, cores)
			if err != nil {
				return err
			}
			if res.Errors.Status > 0 {
				return fmt.Errorf("%d answers outside 2xx/3xx\n%s\n%s", res.Errors.Status, out, n.Log())
			}
			d := m1.sub(m0)
			rps, cps := d.renders/d.wall.Seconds(), 0.0
			if d.cpu > 0 {
				cps = d.renders / d.cpu.Seconds()
			}
			lw, lc := (w0+w1)/2, (c0+c1)/2
			ratios[c.name] = append(ratios[c.name], 100*cps/lc)
			tab.add(fmt.Sprintf("%s `%s0.jpg`", c.name, c.base), fmt.Sprint(round), fmt.Sprintf("%.1f", rps), fmt.Sprintf("%.1f", lw),
				fmt.Sprintf("%.1f", cps), fmt.Sprintf("%.1f", lc), percent(cps, lc), latency(res.P99), count(float64(res.Errors.Timeout)))
		}
	}
	tab.write(w)
	var med []string
	for _, c := range resizeCases {
		med = append(med, fmt.Sprintf("%s **%.0f %%**", c.name, median(ratios[c.name])))
	}
	fmt.Fprintf(w, "\nMedian origin / limit (per CPU-second) over %d rounds: %s.\n\n", b.rounds, strings.Join(med, ", "))
	return nil
}

// sample is a node's counters at one moment.
type sample struct {
	at      time.Time
	cpu     time.Duration
	renders float64
}

type delta struct {
	wall, cpu time.Duration
	renders   float64
}

func (s sample) sub(o sample) delta {
	return delta{wall: s.at.Sub(o.at), cpu: s.cpu - o.cpu, renders: s.renders - o.renders}
}

// measure reads the node's CPU time (/proc/<pid>/stat) and its successful renders.
func measure(n *stack.Node) (sample, error) {
	m, err := n.Metrics()
	if err != nil {
		return sample{}, err
	}
	u, err := machine.Process(n.PID())
	if err != nil {
		return sample{}, err
	}
	return sample{at: time.Now(), cpu: u.CPU, renders: m.Sum("imgorigin_renders_total", map[string]string{"result": "ok"})}, nil
}

// memory is section 3: peak RSS of a fresh process under 24-megapixel renders.
func (b originBench) memory(ctx context.Context, e *env, w io.Writer, n *stack.Node) error {
	fmt.Fprintf(w, `### 3. Memory: 8 concurrent requests for 24-megapixel originals

A fresh origin process (variants cache off); distinct variants (widths 1200..1299), 8
connections, 10 s each: every request is its own render, none shares another's through
singleflight.

`)
	e.logf("bench: section 3, memory")
	if err := n.Restart(); err != nil {
		return err
	}
	idle, err := machine.Process(n.PID())
	if err != nil {
		return err
	}
	tab := newTable("original", "req/s>", "renders>", "non-2xx>", "wrk timeouts>")
	for _, f := range []string{"mp24.jpg", "mp24.png"} {
		m0, err := measure(n)
		if err != nil {
			return err
		}
		res, _, err := wrk.Run(ctx, wrk.Options{URL: n.URL, Threads: 2, Connections: 8, Duration: 10 * time.Second,
			Script: wrk.Vary, Args: []string{"/i/w_", "1200", ",f_webp/local/" + f, "50"}})
		if err != nil {
			return err
		}
		m1, err := measure(n)
		if err != nil {
			return err
		}
		tab.add(f+" → `w_1200..1299,f_webp`", fmt.Sprintf("%.1f", res.Rate()), count(m1.sub(m0).renders), count(float64(res.Errors.Status)), count(float64(res.Errors.Timeout)))
	}
	tab.write(w)
	peak, err := machine.Process(n.PID())
	if err != nil {
		return err
	}
	m, err := n.Metrics()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\n- RSS of the idle origin before the load: %s\n- **peak RSS of the origin (VmHWM of this process, both loads): %s**\n- 503s shed by admission control: %s\n\n",
		mib(idle.RSS), mib(peak.PeakRSS), count(m.Sum("imgorigin_rejections_total", map[string]string{"kind": "overloaded"})))
	return nil
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

// cacheHits is section 4: one node with variants in memory against nginx serving the same
// bytes as static files.
func (b originBench) cacheHits(ctx context.Context, e *env, w io.Writer) error {
	fmt.Fprintf(w, `### 4. Cache hits: one node against nginx serving the same bytes as static files

A variant is rendered once, then wrk (2 threads, 32 connections, %v, on the same machine as
the servers) asks for it from the origin (variants cache on), then for the same bytes as a
static file from nginx (`+"`sendfile on`, `tcp_nopush on`, `access_log off`, `worker_processes auto`"+`);
the two servers alternate for %d rounds (the machine drifts over minutes) and the median ratio
is the figure to quote.

`, b.duration, b.rounds)
	e.logf("bench: section 4, cache hits")
	s, err := e.startOrigin(ctx, false, func(c *config.Config) { c.Cluster.Cache.VariantsBytes = 256 << 20 })
	if err != nil {
		return err
	}
	defer s.Close()
	n := s.Node(0)
	vs, err := e.hitVariants(ctx, n.URL)
	if err != nil {
		return err
	}
	static := filepath.Join(e.work, "static")
	nginxURL, err := startStatic(s, static)
	if err != nil {
		return err
	}
	origin, ngx := hitTarget{label: "origin"}, hitTarget{label: "nginx static"}
	for _, v := range vs {
		u, err := e.staticCopy(ctx, static, nginxURL, v)
		if err != nil {
			return err
		}
		origin.urls, ngx.urls = append(origin.urls, n.URL+v.path), append(ngx.urls, u)
	}
	return hits(ctx, w, vs, []hitTarget{origin, ngx}, b.rounds, b.duration)
}
