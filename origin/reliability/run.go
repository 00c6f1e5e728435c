package reliability

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"os"
	"sync"
	"syscall"
	"time"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/hostile"
	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/progress"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfsfake"
	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Options says how hard and how long the run pushes.
type Options struct {
	Steady    time.Duration // how long the steady load is held; 0 means 3 min
	Load      float64       // offered steady load, a fraction of the measured capacity; 0 means 1.0
	FaultLoad float64       // offered load during the fault phases, a fraction of the capacity; 0 means 0.6
	// Command is the command line recorded in the report; empty means "scripts/reliability".
	Command string
	// Sections are Markdown sections written by other runs (the two edges, the hung node),
	// placed before the hostile inputs.
	Sections []string
	// BinDir holds prebuilt origin and fdfsfake binaries (stack.Options.BinDir).
	BinDir string
	// Logf, when set, is told what the stack does as it starts.
	Logf func(format string, args ...any)
}

// DefaultOptions are the settings of scripts/reliability without environment overrides.
func DefaultOptions() Options {
	return Options{Steady: 3 * time.Minute, Load: 1.0, FaultLoad: 0.6, Command: "scripts/reliability"}
}

// idleSettle is how long the run waits before counting goroutines and open files: longer than
// the 3 s after which servers close idle keep-alive connections.
const idleSettle = 6 * time.Second

// fdfsOriginals is the number of FastDFS originals per FastDFS phase, one variant each, so
// that nearly every FastDFS request fetches an original (and asks a tracker) instead of
// finding it in the originals cache.
const fdfsOriginals = 400

// phasePlan is one step of the run and how long it is expected to take (for the progress
// line's time left); the timed phases take exactly that, the others about that on an idle
// 2-core machine.
type phasePlan struct {
	name string
	d    time.Duration
}

// Run is one reliability run: New, then Do; Progress may be called at any time meanwhile.
type Run struct {
	opts Options
	plan []phasePlan

	mu         sync.Mutex
	began      time.Time
	phase      int // index into plan
	phaseBegan time.Time
	load       *loader
}

// New returns a run with opts (zero fields take DefaultOptions' values).
func New(opts Options) *Run {
	def := DefaultOptions()
	if opts.Steady <= 0 {
		opts.Steady = def.Steady
	}
	if opts.Load <= 0 {
		opts.Load = def.Load
	}
	if opts.FaultLoad <= 0 {
		opts.FaultLoad = def.FaultLoad
	}
	if opts.Command == "" {
		opts.Command = def.Command
	}
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	fd := fastdfs.DefaultConfig()
	return &Run{opts: opts, plan: []phasePlan{
		{"starting the stack", 30 * time.Second},
		{"writing the originals", 20 * time.Second},
		{"measuring capacity", 15*time.Second + idleSettle},
		{"steady load", opts.Steady},
		{"origin killed and restarted", 40 * time.Second},
		{"peer hung", 30 * time.Second},
		{"store down", 30 * time.Second},
		{"store slow", 30 * time.Second},
		{"store 500", 30 * time.Second},
		{"FastDFS storage stopped", 35 * time.Second},
		{"FastDFS trackers restarted", 30 * time.Second},
		{"FastDFS tracker hung", 30*time.Second + fd.HealthInterval + fd.FirstByteTimeout + time.Second},
		{"hostile inputs", 30 * time.Second},
		{"settling", idleSettle},
	}}
}

// enter starts the named phase of the plan (for the progress line).
func (r *Run) enter(name string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i, p := range r.plan {
		if p.name == name {
			r.phase, r.phaseBegan = i, time.Now()
			return
		}
	}
	panic("reliability: phase not in the plan: " + name)
}

// Progress is how far the run is: the phase, the time since the run began, the requests sent
// so far and the time left by the plan (a phase that overruns its plan counts as ending now).
func (r *Run) Progress() progress.Snapshot {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.began.IsZero() {
		return progress.Snapshot{Label: "reliability: not started"}
	}
	left := max(0, r.plan[r.phase].d-time.Since(r.phaseBegan))
	for _, p := range r.plan[r.phase+1:] {
		left += p.d
	}
	s := progress.Snapshot{Label: "reliability: " + r.plan[r.phase].name + ",", Elapsed: time.Since(r.began), Left: max(left, time.Second)}
	if r.load != nil {
		s.Unit, s.Done = "requests", r.load.sent.Load()
	}
	return s
}

// at waits d within a phase (fault timing is wall-clock by design) or until ctx ends.
func at(ctx context.Context, d time.Duration) {
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// Do runs the whole run and returns the report (RELIABILITY.md without the sections other runs
// keep there, see Kept). A non-nil error with a non-empty report means the run finished but
// something in it went wrong (a fault that could not be injected, a node whose metrics could
// not be read): the report says what was measured, the error what was not.
func (r *Run) Do(ctx context.Context) (string, error) {
	r.mu.Lock()
	r.began = time.Now()
	r.mu.Unlock()
	r.enter("starting the stack")

	var problems []error
	problem := func(err error) {
		if err != nil {
			problems = append(problems, err)
		}
	}
	proxy, err := startFaultProxy()
	if err != nil {
		return "", err
	}
	defer proxy.close()
	// FastDFS: the protocol-level fake with two trackers, in this process so that the run
	// drives its faults (a stopped storage, restarted trackers, a hung tracker); the origins
	// reach it over loopback with the source's default settings.
	fake, err := fdfsfake.New(fdfsfake.Options{Trackers: 2})
	if err != nil {
		return "", err
	}
	defer fake.Close()
	fdfsDefaults := fastdfs.DefaultConfig()
	// The negative cache keeps its default (cluster.cache.negative_ttl 30 s): a store outage
	// that were remembered as a missing file would show after the store is back.
	var proxyErr error
	c, err := stack.Start(ctx, stack.Options{Nodes: 3, MinIO: true, FastDFSTrackers: fake.TrackerAddrs(), BinDir: r.opts.BinDir, Logf: r.opts.Logf,
		OriginConfig: func(cfg *config.Config) {
			cfg.Render.Timeout = 4 * time.Second
			cfg.Front.ReadTimeout = 6 * time.Second
			cfg.Cluster.Cache.PeerTimeout = time.Second
			cfg.Log.Level = "warn"
			cfg.Server.IdleTimeout = 3 * time.Second
			// The origins reach MinIO through the fault proxy (MinIO is up when this runs).
			s3 := cfg.Sources["s3"]
			u, err := url.Parse(s3.S3.Endpoint)
			if err != nil || u.Host == "" {
				proxyErr = fmt.Errorf("S3 endpoint %q: %v", s3.S3.Endpoint, err)
				return
			}
			proxy.target.Store(u)
			s3.S3.Endpoint, s3.S3.ResponseHeaderTimeout = "http://"+proxy.addr, 2*time.Second
			cfg.Sources["s3"] = s3
		}})
	if c != nil {
		defer c.Close()
	}
	if err == nil {
		err = proxyErr
	}
	if err != nil {
		if c != nil {
			return "", fmt.Errorf("%w\n%s", err, c.Logs(20))
		}
		return "", err
	}

	r.enter("writing the originals")
	exp := time.Now().Add(2 * time.Hour)
	var urlErr error
	build := func(source, key string, w int, f imgurl.Format, q int) string {
		p, err := stack.Path(imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: w, Quality: q, Format: f}}, Source: source, Key: key})
		if err == nil {
			var tok string
			if tok, err = c.Token(p, exp); err == nil {
				return c.FrontURL + p + "?" + tok
			}
		}
		if urlErr == nil {
			urlErr = err
		}
		return ""
	}
	var localURLs []string          // the variants at the default quality, for the hanging-peer probe
	s3Sets := map[string][]string{} // per phase: originals no earlier phase has fetched (and cached)
	for i := 0; i < 24; i++ {
		key := fmt.Sprintf("load/%02d.jpg", i)
		if err := c.WriteLocal(key, synth.JPEG(synth.Gradient(1024, 768, i), 85, 0)); err != nil {
			return "", err
		}
		for w := 64; w <= 800; w += 8 {
			localURLs = append(localURLs, build("local", key, w, imgurl.JPEG, 0), build("local", key, w, imgurl.WebP, 0))
		}
	}
	for si, set := range []string{"warm", "down", "slow", "500"} {
		for i := 0; i < 24; i++ {
			key := fmt.Sprintf("load/%s/%02d.jpg", set, i)
			// Distinct bytes: nothing shared by content.
			if err := c.PutS3(ctx, key, synth.JPEG(synth.Gradient(800, 600, 100*(si+1)+i), 85, 0), "image/jpeg"); err != nil {
				return "", err
			}
			for w := 64; w <= 800; w += 4 {
				s3Sets[set] = append(s3Sets[set], build("s3", key, w, imgurl.JPEG, 0))
			}
		}
	}
	fdfsSets := map[string][]string{}
	for si, set := range []string{"storage", "restart", "hung"} {
		for i := 0; i < fdfsOriginals; i++ {
			id := fake.Put("jpg", synth.JPEG(synth.Gradient(320, 240, 10000*(si+1)+i), 85, 0))
			fdfsSets[set] = append(fdfsSets[set], build("fdfs", id, 160, imgurl.JPEG, 0))
		}
	}
	if urlErr != nil {
		return "", urlErr
	}
	rng := rand.New(rand.NewPCG(1, 2))
	var rngMu sync.Mutex
	pick := func(list []string) string {
		rngMu.Lock()
		defer rngMu.Unlock()
		return list[rng.IntN(len(list))]
	}
	// The load: 24 originals × 93 widths × 2 formats × 46 qualities = 205,344 distinct variants,
	// so nearly every request is a render (the report counts them from Server-Timing).
	nextLocal := func() string {
		rngMu.Lock()
		i, w, webp, q := rng.IntN(24), 64+8*rng.IntN(93), rng.IntN(2) == 1, 50+rng.IntN(46)
		rngMu.Unlock()
		f := imgurl.JPEG
		if webp {
			f = imgurl.WebP
		}
		return build("local", fmt.Sprintf("load/%02d.jpg", i), w, f, q)
	}
	mixed := func(store []string) func() string { // one request in five needs the store
		return func() string {
			rngMu.Lock()
			fromStore := rng.IntN(5) == 0
			rngMu.Unlock()
			if fromStore {
				return pick(store)
			}
			return nextLocal()
		}
	}
	nextMixed := func(set string) func() string { return mixed(s3Sets[set]) }

	res := &results{opts: r.opts, nodes: len(c.Nodes), fdfsDefaults: fdfsDefaults, fdfsPerPhase: fdfsOriginals}
	for _, n := range c.Nodes {
		res.names = append(res.names, n.Name)
	}
	res.load0 = loadAvg()
	l := newLoader()
	r.mu.Lock()
	r.load = l
	r.mu.Unlock()
	res.l = l
	if s := l.get(nextLocal()); s.status != 200 {
		return "", fmt.Errorf("first request through nginx: %d", s.status)
	}
	if s := l.get(s3Sets["warm"][0]); s.status != 200 {
		return "", fmt.Errorf("first S3 request through the fault proxy: %d", s.status)
	}
	if s := l.get(build("fdfs", fake.Put("jpg", synth.JPEG(synth.Gradient(64, 48, 999), 85, 0)), 32, imgurl.JPEG, 0)); s.status != 200 {
		return "", fmt.Errorf("first FastDFS request: %d", s.status)
	}

	// Capacity: closed loop, the miss-heavy mix of distinct signed URLs.
	r.enter("measuring capacity")
	res.workers = capacityWorkers()
	res.capacity = l.closed(res.workers, 15*time.Second, nextLocal)
	res.rate = res.capacity * r.opts.Load
	res.frate = res.capacity * r.opts.FaultLoad
	r.opts.Logf("capacity %.1f req/s; offered load %.1f req/s, during faults %.1f req/s", res.capacity, res.rate, res.frate)
	// Idle keep-alive connections are closed by their servers after 3 s
	// (server.idle_timeout, the fault proxy's IdleTimeout): wait for that, so that the before
	// and after figures count only what is really in use.
	l.client.CloseIdleConnections()
	at(ctx, idleSettle)
	if res.before, err = figures(c); err != nil {
		return "", err
	}

	phase := func(name string, rate float64, d time.Duration, next func() string, during func(mark func(string))) []window {
		r.enter(name)
		var marks []window
		var mu sync.Mutex
		start := time.Since(l.start)
		mark := func(label string) {
			mu.Lock()
			marks = append(marks, window{name: label, from: time.Since(l.start)})
			mu.Unlock()
		}
		var fn func()
		if during != nil {
			fn = func() { during(mark) }
		}
		l.open(rate, d, next, fn)
		end := time.Since(l.start)
		var ws []window
		prev := window{name: "before", from: start}
		for _, m := range marks {
			prev.to = m.from
			ws = append(ws, prev)
			prev = m
		}
		prev.to = end
		ws = append(ws, prev)
		r.opts.Logf("%s done", name)
		return ws
	}

	res.steady = phase("steady load", res.rate, r.opts.Steady, nextLocal, nil)
	if err := ctx.Err(); err != nil {
		return "", err
	}
	victim := c.Node(1)
	res.victim = victim.Name
	res.kill = phase("origin killed and restarted", res.frate, 40*time.Second, nextLocal, func(mark func(string)) {
		at(ctx, 8*time.Second)
		mark("killed → restarted")
		victim.Kill()
		at(ctx, 8*time.Second)
		problem(victim.Restart())
		mark("after restart")
	})
	stopped := c.Node(2)
	res.stopped, res.direct0 = stopped.Name, c.Node(0).Name
	res.hang = phase("peer hung", res.frate, 30*time.Second, nextLocal, func(mark func(string)) {
		at(ctx, 6*time.Second)
		mark("peer SIGSTOPped")
		problem(stopped.Signal(syscall.SIGSTOP))
		// Straight to another node, objects the stopped node owns: peer_timeout, then a local
		// load. Sequential, for 8 s.
		end := time.Now().Add(8 * time.Second)
		for _, u := range localURLs {
			if time.Now().After(end) {
				break
			}
			pu, _ := url.Parse(u)
			if c.Owner(pu.EscapedPath()) == stopped {
				res.direct = append(res.direct, l.get(c.Node(0).URL+pu.RequestURI()))
			}
		}
		problem(stopped.Signal(syscall.SIGCONT))
		mark("after SIGCONT")
	})
	storePhase := func(m proxyMode) []window {
		return phase("store "+modeNames[m], res.frate, 30*time.Second, nextMixed(modeNames[m]), func(mark func(string)) {
			at(ctx, 8*time.Second)
			mark("store " + modeNames[m])
			problem(proxy.set(m))
			at(ctx, 10*time.Second)
			problem(proxy.set(modePass))
			mark("store back")
		})
	}
	res.s3Distinct = len(s3Sets["down"])
	res.down = storePhase(modeDown)
	res.slow = storePhase(modeSlow)
	res.errs = storePhase(mode500)
	if err := ctx.Err(); err != nil {
		return "", err
	}

	// FastDFS faults, one request in five from FastDFS. Each phase: 8 s, the fault for 10 s,
	// then the recovery.
	fdfsPhase := func(name, set, faultLabel, backLabel string, fault, recover func(), during func()) []window {
		return phase(name, res.frate, 30*time.Second, mixed(fdfsSets[set]), func(mark func(string)) {
			at(ctx, 8*time.Second)
			mark(faultLabel)
			fault()
			if during != nil {
				during()
			} else {
				at(ctx, 10*time.Second)
			}
			recover()
			mark(backLabel)
		})
	}
	res.fdown = fdfsPhase("FastDFS storage stopped", "storage", "storage stopped", "storage back", fake.StopStorage, func() { problem(fake.StartStorage()) }, nil)
	// Every FastDFS URL that failed while the storage was down, once more now: a negative
	// cache entry left by the outage would answer 404 here.
	for _, s := range l.failedBetween(res.fdown[1].from, res.fdown[1].to, true) {
		res.residue++
		if g := l.get(s); g.status == 200 {
			res.residueOK++
		}
	}
	res.frestart = fdfsPhase("FastDFS trackers restarted", "restart", "both trackers restarted", "storage reported",
		func() { problem(fake.RestartTracker(0)); problem(fake.RestartTracker(1)) }, fake.ReportStorage, nil)
	hungAddr := fake.TrackerAddrs()[0]
	gauge := func(name string, labels map[string]string) []float64 {
		var v []float64
		for _, n := range c.Nodes {
			m, err := n.Metrics()
			if err != nil {
				problem(err)
				v = append(v, -1)
				continue
			}
			v = append(v, m.Sum(name, labels))
		}
		return v
	}
	trackerUp := func() []float64 {
		return gauge("imgorigin_source_server_up", map[string]string{"source": "fdfs", "role": "tracker", "addr": hungAddr})
	}
	failoversOf := func() []float64 {
		return gauge("imgorigin_source_failovers_total", map[string]string{"source": "fdfs", "addr": hungAddr})
	}
	failovers0 := failoversOf()
	res.fhung = fdfsPhase("FastDFS tracker hung", "hung", "tracker 1 hangs", "tracker 1 answers again",
		func() { fake.HangTracker(0) }, func() { fake.ResumeTracker(0) }, func() {
			// The gauge of every node every 500 ms while it hangs; a node counts as having
			// seen it down when any sample says 0.
			end := time.Now().Add(10 * time.Second)
			for time.Now().Before(end) && ctx.Err() == nil {
				up := trackerUp()
				if res.upHung == nil {
					res.upHung = up
				}
				for i := range up {
					res.upHung[i] = min(res.upHung[i], up[i])
				}
				at(ctx, 500*time.Millisecond)
			}
		})
	at(ctx, fdfsDefaults.HealthInterval+fdfsDefaults.FirstByteTimeout+time.Second)
	res.upResumed = trackerUp()
	res.failovers = failoversOf()
	for i := range res.failovers {
		res.failovers[i] -= failovers0[i]
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}

	// Hostile inputs through nginx, one at a time, with the serving node's peak RSS.
	r.enter("hostile inputs")
	inputs := hostile.All("")
	for _, in := range inputs {
		if err := c.WriteLocal("hostile/"+in.Name, in.Data); err != nil {
			return "", err
		}
	}
	for _, in := range inputs {
		for _, cs := range in.Cases {
			p := "/i/" + cs.Variant + "/local/hostile/" + in.Name
			pid := c.Owner(p).PID()
			rss0 := procStatus(pid, "VmRSS")
			_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
			tok, err := c.Token(p, exp)
			if err != nil {
				return "", err
			}
			t0 := time.Now()
			resp, err := c.Do("GET", c.FrontURL+p+"?"+tok, nil)
			took := time.Since(t0)
			h := hostileRow{name: in.Name, variant: cs.Variant, want: cs.Status, took: took}
			if err == nil {
				h.status, h.node = resp.Status, resp.Header.Get("X-Origin-Node")
			}
			h.peak = procStatus(pid, "VmHWM")
			h.growth = h.peak - rss0
			res.hostile = append(res.hostile, h)
		}
	}
	// Every node still answers after the hostile inputs.
	for _, n := range c.Nodes {
		if _, err := n.Metrics(); err != nil {
			problem(fmt.Errorf("%s after the hostile inputs: %w", n.Name, err))
		}
	}

	// Let keep-alive connections and finished work settle, then measure again.
	r.enter("settling")
	l.client.CloseIdleConnections()
	at(ctx, idleSettle)
	if res.after, err = figures(c); err != nil {
		return "", err
	}
	if err := ctx.Err(); err != nil {
		return "", err
	}
	res.took = time.Since(l.start)
	return res.markdown(), errors.Join(problems...)
}
