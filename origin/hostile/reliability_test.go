//go:build reliability

// The reliability run: a real cluster (3 origin processes, the front nginx, MinIO behind a
// fault-injecting proxy) under load, with faults injected one at a time, and every hostile
// input served through nginx. It takes a few minutes and writes RELIABILITY.md; scripts/reliability
// runs it (go test -tags reliability). It is not part of the normal test suite.
package hostile_test

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/hostile"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

var (
	outPath    = flag.String("reliability.out", "", "write the Markdown report here")
	steadyFor  = flag.Duration("reliability.steady", 3*time.Minute, "how long the steady load is held")
	loadFactor = flag.Float64("reliability.load", 1.0, "offered steady load as a fraction of the measured capacity")
	faultLoad  = flag.Float64("reliability.faultload", 0.6, "offered load during the fault phases, as a fraction of the measured capacity")
	command    = flag.String("reliability.command", "scripts/reliability", "the command line recorded in the report")
	include    = flag.String("reliability.include", "", "comma-separated Markdown sections written by other runs of scripts/reliability (the two edges, the hung node), placed before the hostile inputs")
)

func TestMain(m *testing.M) { clustertest.Main(m) }

// idleSettle is how long the run waits before counting goroutines and open files: longer than
// the 3 s after which servers close idle keep-alive connections.
const idleSettle = 6 * time.Second

// --- fault proxy in front of the S3 store ----------------------------------------------------

type proxyMode int32

const (
	modePass proxyMode = iota
	modeDown           // the listener is closed: connection refused
	modeSlow           // headers at once, then one body byte every 5 s
	mode500            // 500 InternalError
)

var modeNames = map[proxyMode]string{modePass: "pass", modeDown: "down", modeSlow: "slow", mode500: "500"}

type faultProxy struct {
	addr   string
	target atomic.Pointer[url.URL]
	mode   atomic.Int32
	mu     sync.Mutex
	ln     net.Listener
	srv    *http.Server
	stop   chan struct{}
}

func startFaultProxy(t *testing.T) *faultProxy {
	p := &faultProxy{stop: make(chan struct{})}
	rp := &httputil.ReverseProxy{
		Rewrite: func(r *httputil.ProxyRequest) {
			r.SetURL(p.target.Load())
			r.Out.Host = r.In.Host // S3 signatures cover the Host the client used
		},
		FlushInterval: -1,
	}
	p.srv = &http.Server{IdleTimeout: 3 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch proxyMode(p.mode.Load()) {
		case mode500:
			w.Header().Set("Content-Type", "application/xml")
			w.WriteHeader(http.StatusInternalServerError)
			io.WriteString(w, "<Error><Code>InternalError</Code><Message>injected</Message></Error>")
			return
		case modeSlow:
			if r.Method == http.MethodGet {
				rp.ServeHTTP(&slowWriter{ResponseWriter: w, stop: p.stop, ctx: r.Context()}, r)
				return
			}
		}
		rp.ServeHTTP(w, r)
	})}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.ln = ln
	go p.srv.Serve(ln)
	t.Cleanup(func() {
		close(p.stop)
		p.srv.Close()
	})
	return p
}

func (p *faultProxy) set(t *testing.T, m proxyMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	old := proxyMode(p.mode.Swap(int32(m)))
	switch {
	case m == modeDown && old != modeDown:
		p.ln.Close()
		p.srv.SetKeepAlivesEnabled(false)
	case m != modeDown && old == modeDown:
		ln, err := net.Listen("tcp", p.addr)
		if err != nil {
			t.Fatalf("re-listening on %s: %v", p.addr, err)
		}
		p.ln = ln
		p.srv.SetKeepAlivesEnabled(true)
		go p.srv.Serve(ln)
	}
}

// slowWriter passes the headers at once and then one body byte every 5 s.
type slowWriter struct {
	http.ResponseWriter
	stop <-chan struct{}
	ctx  context.Context
}

func (s *slowWriter) Write(b []byte) (int, error) {
	for i := range b {
		if _, err := s.ResponseWriter.Write(b[i : i+1]); err != nil {
			return i, err
		}
		s.ResponseWriter.(http.Flusher).Flush()
		select {
		case <-time.After(5 * time.Second):
		case <-s.stop:
			return i, io.ErrClosedPipe
		case <-s.ctx.Done():
			return i, s.ctx.Err()
		}
	}
	return len(b), nil
}

// --- load ------------------------------------------------------------------------------------

type sample struct {
	at     time.Duration // since the run's start
	took   time.Duration
	status int  // 0: transport error
	store  bool // the URL needs a store (S3 or FastDFS)
	fdfs   bool // the URL needs FastDFS
	cc     string
	url    string        // only when the request failed
	node   string        // X-Origin-Node
	fetch  time.Duration // the store fetch of Server-Timing (fetch;dur=); -1 when it has none
	nginx  bool          // the answer did not come from an origin (no X-Origin-Node): nginx's own
	render bool          // the origin rendered it for this request (Server-Timing starts with cache;desc="miss")
}

type loader struct {
	client  *http.Client
	start   time.Time
	mu      sync.Mutex
	samples []sample
	dropped atomic.Int64
}

func newLoader() *loader {
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
	return &loader{client: &http.Client{Transport: tr, Timeout: 60 * time.Second}, start: time.Now()}
}

func (l *loader) get(u string) sample {
	t0 := time.Now()
	s := sample{at: t0.Sub(l.start), fdfs: strings.Contains(u, "/fdfs/"), fetch: -1}
	s.store = s.fdfs || strings.Contains(u, "/s3/")
	resp, err := l.client.Get(u)
	if err == nil {
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if err == nil {
			s.status = resp.StatusCode
			s.nginx = resp.Header.Get("X-Origin-Node") == ""
			s.render = strings.HasPrefix(resp.Header.Get("Server-Timing"), `cache;desc="miss"`)
			s.cc = resp.Header.Get("Cache-Control")
			s.node = resp.Header.Get("X-Origin-Node")
			s.fetch = timingDur(resp.Header.Get("Server-Timing"), "fetch")
		}
	}
	s.took = time.Since(t0)
	if s.status != 200 {
		s.url = u
	}
	return s
}

// closed runs workers back to back for d and returns the requests per second.
func (l *loader) closed(workers int, d time.Duration, next func() string) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	end := time.Now().Add(d)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(end) {
				if s := l.get(next()); s.status == 200 {
					n.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

// open offers rate requests per second for d (open loop, at most maxOut outstanding) while
// during runs; it records every request.
func (l *loader) open(rate float64, d time.Duration, next func() string, during func()) {
	const maxOut = 256
	work := make(chan string, maxOut)
	var wg sync.WaitGroup
	for w := 0; w < maxOut; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for u := range work {
				s := l.get(u)
				l.mu.Lock()
				l.samples = append(l.samples, s)
				l.mu.Unlock()
			}
		}()
	}
	done := make(chan struct{})
	if during != nil {
		go func() { during(); close(done) }()
	} else {
		close(done)
	}
	interval := time.Duration(float64(time.Second) / rate)
	tick := time.NewTicker(interval)
	end := time.After(d)
loop:
	for {
		select {
		case <-tick.C:
			select {
			case work <- next():
			default:
				l.dropped.Add(1) // the offered load exceeded what 256 outstanding requests carry
			}
		case <-end:
			break loop
		}
	}
	tick.Stop()
	close(work)
	wg.Wait()
	<-done
}

// timingDur reads metric name's dur from a Server-Timing header; -1 when absent.
func timingDur(header, name string) time.Duration {
	for _, m := range strings.Split(header, ",") {
		m = strings.TrimSpace(m)
		if rest, ok := strings.CutPrefix(m, name+";dur="); ok {
			if v, err := strconv.ParseFloat(rest, 64); err == nil {
				return time.Duration(v * float64(time.Millisecond))
			}
		}
	}
	return -1
}

// failedBetween returns the distinct URLs of failed requests sent in [from, to) that needed
// FastDFS (fdfs) or not.
func (l *loader) failedBetween(from, to time.Duration, fdfs bool) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	seen := map[string]bool{}
	var out []string
	for _, s := range l.samples {
		if s.at >= from && s.at < to && s.status != 200 && s.fdfs == fdfs && !seen[s.url] {
			seen[s.url] = true
			out = append(out, s.url)
		}
	}
	return out
}

// storeAnswers describes the answers to requests that needed FastDFS, sent in [from, to).
type storeAnswers struct {
	n, failed int
	notFound  int                         // 404s: an outage taken for a missing file
	cacheable int                         // failed answers without Cache-Control: no-store
	slow      int                         // whose store fetch took at least the bound given to fdfsAnswers
	slowNodes map[string][2]time.Duration // per node: first and last start of a slow one
	maxFetch  time.Duration
	max       time.Duration
}

func (l *loader) fdfsAnswers(from, to, slowAfter time.Duration) storeAnswers {
	l.mu.Lock()
	defer l.mu.Unlock()
	a := storeAnswers{slowNodes: map[string][2]time.Duration{}}
	for _, s := range l.samples {
		if s.at < from || s.at >= to || !s.fdfs {
			continue
		}
		a.n++
		a.max = max(a.max, s.took)
		a.maxFetch = max(a.maxFetch, s.fetch)
		if s.fetch >= slowAfter {
			a.slow++
			fl, ok := a.slowNodes[s.node]
			if !ok || s.at < fl[0] {
				fl[0] = s.at
			}
			fl[1] = max(fl[1], s.at)
			a.slowNodes[s.node] = fl
		}
		if s.status == 200 {
			continue
		}
		a.failed++
		if s.status == 404 {
			a.notFound++
		}
		if s.cc != "no-store" {
			a.cacheable++
		}
	}
	return a
}

type window struct {
	name     string
	from, to time.Duration
}

type stats struct {
	n, failed     int
	storeN        int // requests that need the store
	storeFailed   int
	renders       int
	rps           float64
	p50, p99, max time.Duration
	codes         map[int]int
}

func (l *loader) stats(from, to time.Duration) stats {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := stats{codes: map[int]int{}}
	var lat []time.Duration
	for _, s := range l.samples {
		if s.at < from || s.at >= to {
			continue
		}
		st.n++
		code := s.status
		if s.nginx && code != 0 {
			code += 10000 // nginx's own answer
		}
		st.codes[code]++
		if s.store {
			st.storeN++
		}
		if s.render {
			st.renders++
		}
		if s.status != 200 {
			st.failed++
			if s.store {
				st.storeFailed++
			}
		}
		lat = append(lat, s.took)
	}
	if len(lat) > 0 {
		slices.Sort(lat)
		st.p50 = lat[len(lat)/2]
		st.p99 = lat[len(lat)*99/100]
		st.max = lat[len(lat)-1]
		st.rps = float64(st.n) / (to - from).Seconds()
	}
	return st
}

func ms(d time.Duration) string {
	return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 1, 64)
}

func codesString(c map[int]int) string {
	var keys []int
	for k := range c {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var parts []string
	for _, k := range keys {
		name := strconv.Itoa(k)
		switch {
		case k == 0:
			name = "conn-error"
		case k > 10000:
			name = strconv.Itoa(k-10000) + "(nginx)"
		}
		parts = append(parts, fmt.Sprintf("%s×%d", name, c[k]))
	}
	return strings.Join(parts, " ")
}

// --- process figures ---------------------------------------------------------------------------

// pidOf finds the origin process listening on addr (its command line has --listen addr).
func pidOf(t *testing.T, addr string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(b, []byte("--listen\x00"+addr+"\x00")) {
			return pid
		}
	}
	t.Fatalf("no process listens on %s", addr)
	return 0
}

func procStatus(pid int, field string) float64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && f[0] == field+":" {
			v, _ := strconv.ParseFloat(f[1], 64)
			return v / 1024 // kB → MiB
		}
	}
	return -1
}

type nodeFigures struct{ goroutines, fds, rss float64 }

func figures(t *testing.T, c *clustertest.Cluster) []nodeFigures {
	var out []nodeFigures
	for _, n := range c.Nodes {
		m, err := n.Metrics()
		if err != nil {
			t.Fatalf("%s: %v", n.Name, err)
		}
		out = append(out, nodeFigures{m.Sum("go_goroutines", nil), m.Sum("process_open_fds", nil), m.Sum("process_resident_memory_bytes", nil) / (1 << 20)})
	}
	return out
}

// --- the run -------------------------------------------------------------------------------------

func TestReliabilityRun(t *testing.T) {
	if *outPath == "" {
		t.Fatal("-reliability.out is required (scripts/reliability sets it)")
	}
	proxy := startFaultProxy(t)
	// FastDFS: the protocol-level fake with two trackers, in this process so that the run
	// drives its faults (a stopped storage, restarted trackers, a hung tracker); the origins
	// reach it over loopback with the source's default settings.
	fake := fdfstest.Start(t, fdfstest.Options{Trackers: 2})
	fdfsDefaults := fastdfs.DefaultConfig()
	// The negative cache keeps its default (cluster.cache.negative_ttl 30 s): a store outage
	// that were remembered as a missing file would show after the store is back.
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, MinIO: true, FastDFSTrackers: fake.TrackerAddrs(), Env: []string{
		"IMGORIGIN_RENDER_TIMEOUT=4s",
		"IMGORIGIN_FRONT_READ_TIMEOUT=6s",
		"IMGORIGIN_CLUSTER_CACHE_PEER_TIMEOUT=1s",
		"IMGORIGIN_LOG_LEVEL=warn",
		"IMGORIGIN_SERVER_IDLE_TIMEOUT=3s",
	}, OriginConfig: func(cfg *config.Config) {
		// The origins reach MinIO through the fault proxy (MinIO is up when this runs).
		s3 := cfg.Sources["s3"]
		u, err := url.Parse(s3.S3.Endpoint)
		if err != nil || u.Host == "" {
			t.Fatalf("S3 endpoint %q: %v", s3.S3.Endpoint, err)
		}
		proxy.target.Store(u)
		s3.S3.Endpoint, s3.S3.ResponseHeaderTimeout = "http://"+proxy.addr, 2*time.Second
		cfg.Sources["s3"] = s3
	}})

	exp := time.Now().Add(2 * time.Hour)
	build := func(source, key string, w int, f imgurl.Format, q int) string {
		p := clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: w, Quality: q, Format: f}}, Source: source, Key: key})
		return c.FrontURL + c.Signed(t, p, exp)
	}
	var localURLs []string          // the variants at the default quality, for the hanging-peer probe
	s3Sets := map[string][]string{} // per phase: originals no earlier phase has fetched (and cached)
	for i := 0; i < 24; i++ {
		key := fmt.Sprintf("load/%02d.jpg", i)
		c.WriteLocal(t, key, clustertest.JPEG(1024, 768, i))
		for w := 64; w <= 800; w += 8 {
			localURLs = append(localURLs, build("local", key, w, imgurl.JPEG, 0), build("local", key, w, imgurl.WebP, 0))
		}
	}
	for si, set := range []string{"warm", "down", "slow", "500"} {
		for i := 0; i < 24; i++ {
			key := fmt.Sprintf("load/%s/%02d.jpg", set, i)
			c.PutS3(t, key, clustertest.JPEG(800, 600, 100*(si+1)+i), "image/jpeg") // distinct bytes: nothing shared by content
			for w := 64; w <= 800; w += 4 {
				s3Sets[set] = append(s3Sets[set], build("s3", key, w, imgurl.JPEG, 0))
			}
		}
	}
	// Per FastDFS phase: fdfsOriginals originals no earlier phase fetched, one variant each,
	// so that nearly every FastDFS request fetches an original (and asks a tracker) instead of
	// finding it in the originals cache.
	const fdfsOriginals = 400
	fdfsSets := map[string][]string{}
	for si, set := range []string{"storage", "restart", "hung"} {
		for i := 0; i < fdfsOriginals; i++ {
			id := fake.Put("jpg", clustertest.JPEG(320, 240, 10000*(si+1)+i))
			fdfsSets[set] = append(fdfsSets[set], build("fdfs", id, 160, imgurl.JPEG, 0))
		}
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
	const localVariants = 24 * 93 * 2 * 46
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

	load0 := loadAvg()
	l := newLoader()
	if s := l.get(nextLocal()); s.status != 200 {
		t.Fatalf("first request through nginx: %d", s.status)
	}
	if s := l.get(s3Sets["warm"][0]); s.status != 200 {
		t.Fatalf("first S3 request through the fault proxy: %d", s.status)
	}
	if s := l.get(build("fdfs", fake.Put("jpg", clustertest.JPEG(64, 48, 999)), 32, imgurl.JPEG, 0)); s.status != 200 {
		t.Fatalf("first FastDFS request: %d", s.status)
	}

	var rep strings.Builder
	section := func(format string, args ...any) { fmt.Fprintf(&rep, format, args...) }
	row := func(name string, st stats) {
		section("| %s | %d | %.1f | %.0f %% | %d (%.2f %%) | %d of %d | %d of %d | %s | %s | %s | %s |\n", name, st.n, st.rps,
			100*float64(st.renders)/max(1, float64(st.n)), st.failed,
			100*float64(st.failed)/max(1, float64(st.n)), st.failed-st.storeFailed, st.n-st.storeN, st.storeFailed, st.storeN,
			ms(st.p50), ms(st.p99), ms(st.max), codesString(st.codes))
	}
	headerFor := func(store string) string {
		return "| window | requests | req/s | renders | failed | failed, local | failed, " + store + " | p50 ms | p99 ms | max ms | answers |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n"
	}
	header := headerFor("S3")

	// Capacity: closed loop, the miss-heavy mix of distinct signed URLs.
	capacity := l.closed(2*runtime.NumCPU()+4, 15*time.Second, nextLocal)
	rate := capacity * *loadFactor
	frate := capacity * *faultLoad
	t.Logf("capacity %.1f req/s; offered load %.1f req/s, during faults %.1f req/s", capacity, rate, frate)
	// Idle keep-alive connections are closed by their servers after 3 s
	// (IMGORIGIN_SERVER_IDLE_TIMEOUT, the fault proxy's IdleTimeout): wait for that, so that
	// the before and after figures count only what is really in use.
	l.client.CloseIdleConnections()
	time.Sleep(idleSettle)
	before := figures(t, c)

	phase := func(name string, rate float64, d time.Duration, next func() string, during func(mark func(string))) []window {
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
		t.Logf("%s done", name)
		return ws
	}
	at := func(d time.Duration) { time.Sleep(d) } // fault timing within a phase: wall-clock by design

	steady := phase("steady", rate, *steadyFor, nextLocal, nil)
	victim := c.Node(1)
	kill := phase("kill", frate, 40*time.Second, nextLocal, func(mark func(string)) {
		at(8 * time.Second)
		mark("killed → restarted")
		victim.Kill()
		at(8 * time.Second)
		victim.Restart()
		mark("after restart")
	})
	stopped := c.Node(2)
	var direct []sample
	hang := phase("hang", frate, 30*time.Second, nextLocal, func(mark func(string)) {
		at(6 * time.Second)
		mark("peer SIGSTOPped")
		stopped.Signal(syscall.SIGSTOP)
		// Straight to another node, objects the stopped node owns: peer_timeout, then a local
		// load. Sequential, for 8 s.
		end := time.Now().Add(8 * time.Second)
		for _, u := range localURLs {
			if time.Now().After(end) {
				break
			}
			pu, _ := url.Parse(u)
			if c.Owner(pu.EscapedPath()) == stopped {
				direct = append(direct, l.get(c.Node(0).URL+pu.RequestURI()))
			}
		}
		stopped.Signal(syscall.SIGCONT)
		mark("after SIGCONT")
	})
	storePhase := func(name string, m proxyMode) []window {
		return phase(name, frate, 30*time.Second, nextMixed(modeNames[m]), func(mark func(string)) {
			at(8 * time.Second)
			mark("store " + modeNames[m])
			proxy.set(t, m)
			at(10 * time.Second)
			proxy.set(t, modePass)
			mark("store back")
		})
	}
	down := storePhase("store down", modeDown)
	slow := storePhase("store slow", modeSlow)
	errs := storePhase("store 500", mode500)

	// FastDFS faults, one request in five from FastDFS. Each phase: 8 s, the fault for 10 s,
	// then the recovery.
	fdfsPhase := func(name, set, faultLabel, backLabel string, fault, recover func(), during func()) []window {
		return phase(name, frate, 30*time.Second, mixed(fdfsSets[set]), func(mark func(string)) {
			at(8 * time.Second)
			mark(faultLabel)
			fault()
			if during != nil {
				during()
			} else {
				at(10 * time.Second)
			}
			recover()
			mark(backLabel)
		})
	}
	must := func(err error) {
		if err != nil {
			t.Errorf("fdfstest: %v", err)
		}
	}
	fdown := fdfsPhase("fastdfs storage down", "storage", "storage stopped", "storage back", fake.StopStorage, func() { must(fake.StartStorage()) }, nil)
	// Every FastDFS URL that failed while the storage was down, once more now: a negative
	// cache entry left by the outage would answer 404 here.
	var residue, residueOK int
	for _, s := range l.failedBetween(fdown[1].from, fdown[1].to, true) {
		residue++
		if r := l.get(s); r.status == 200 {
			residueOK++
		}
	}
	frestart := fdfsPhase("fastdfs trackers restarted", "restart", "both trackers restarted", "storage reported",
		func() { must(fake.RestartTracker(0)); must(fake.RestartTracker(1)) }, fake.ReportStorage, nil)
	hungAddr := fake.TrackerAddrs()[0]
	trackerUp := func() []float64 {
		var up []float64
		for _, n := range c.Nodes {
			m, err := n.Metrics()
			if err != nil {
				t.Errorf("%s: %v", n.Name, err)
				up = append(up, -1)
				continue
			}
			up = append(up, m.Sum("imgorigin_source_server_up", map[string]string{"source": "fdfs", "role": "tracker", "addr": hungAddr}))
		}
		return up
	}
	var upHung, upResumed []float64
	failoversOf := func() []float64 {
		var f []float64
		for _, n := range c.Nodes {
			v := -1.0
			if m, err := n.Metrics(); err == nil {
				v = m.Sum("imgorigin_source_failovers_total", map[string]string{"source": "fdfs", "addr": hungAddr})
			}
			f = append(f, v)
		}
		return f
	}
	failovers0 := failoversOf()
	fhung := fdfsPhase("fastdfs tracker hangs", "hung", "tracker 1 hangs", "tracker 1 answers again",
		func() { fake.HangTracker(0) }, func() { fake.ResumeTracker(0) }, func() {
			// The gauge of every node every 500 ms while it hangs; a node counts as having
			// seen it down when any sample says 0.
			end := time.Now().Add(10 * time.Second)
			for time.Now().Before(end) {
				up := trackerUp()
				if upHung == nil {
					upHung = up
				}
				for i := range up {
					upHung[i] = min(upHung[i], up[i])
				}
				at(500 * time.Millisecond)
			}
		})
	at(fdfsDefaults.HealthInterval + fdfsDefaults.FirstByteTimeout + time.Second)
	upResumed = trackerUp()
	failovers := failoversOf()
	for i := range failovers {
		failovers[i] -= failovers0[i]
	}

	// Hostile inputs through nginx, one at a time, with the serving node's peak RSS.
	type hostileRow struct {
		name, variant, node string
		status, want        int
		took                time.Duration
		peak, growth        float64
	}
	var hrows []hostileRow
	pids := map[string]int{}
	for _, n := range c.Nodes {
		pids[n.Name] = pidOf(t, n.Addr)
	}
	for _, in := range hostile.All("") {
		c.WriteLocal(t, "hostile/"+in.Name, in.Data)
	}
	for _, in := range hostile.All("") {
		for _, cs := range in.Cases {
			p := "/i/" + cs.Variant + "/local/hostile/" + in.Name
			owner := c.Owner(p)
			pid := pids[owner.Name]
			rss0 := procStatus(pid, "VmRSS")
			_ = os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
			t0 := time.Now()
			resp, err := c.Do("GET", c.FrontURL+c.Signed(t, p, exp), nil)
			took := time.Since(t0)
			status := 0
			node := ""
			if err == nil {
				status = resp.Status
				node = resp.Header.Get("X-Origin-Node")
			}
			peak := procStatus(pid, "VmHWM")
			hrows = append(hrows, hostileRow{in.Name, cs.Variant, node, status, cs.Status, took, peak, peak - rss0})
		}
	}
	// Every node still answers after the hostile inputs.
	for _, n := range c.Nodes {
		if _, err := n.Metrics(); err != nil {
			t.Errorf("%s after the hostile inputs: %v", n.Name, err)
		}
	}

	// Let keep-alive connections and finished work settle, then measure again.
	l.client.CloseIdleConnections()
	time.Sleep(idleSettle)
	after := figures(t, c)

	// --- report ---
	host, _ := os.Hostname()
	_ = host
	section("# Reliability run\n\n")
	section("Produced by `%s` on %s (UTC), on this project's development machine: %d cores, %s RAM, Linux; "+
		"everything on 127.0.0.1. The run takes about %d minutes. The machine's load average (1 min, other jobs included) was %s at the start "+
		"and %s at the end: figures of different runs are comparable only at similar load.\n\n", *command, time.Now().UTC().Format("2006-01-02 15:04"),
		runtime.NumCPU(), memTotal(), int((time.Since(l.start)+time.Minute-1)/time.Minute), load0, loadAvg())
	section("Cluster: 3 origin processes (`bin/origin`, real libvips) peered through groupcache, the front nginx rendered by " +
		"`origin render-nginx` (hash consistent, `proxy_next_upstream error timeout http_503`, 3 tries: an origin's 502/504 is a store " +
		"failure every node shares, so it is not retried), " +
		"MinIO as source `s3` behind a fault-injecting HTTP proxy, the FastDFS protocol-level fake (two trackers, one storage) as source `fdfs`, " +
		"source `local` on disk; started by `origin/clustertest`. " +
		"Settings changed from the defaults for the run: render.timeout 4s, front.read_timeout 6s, cluster.cache.peer_timeout 1s, " +
		"s3 response_header_timeout 2s, server.idle_timeout 3s (so that idle keep-alive connections are gone when open files are counted).\n\n")
	section("Load: an open-loop generator (Go, in the run) offering a fixed rate through nginx, each request a random one of %d distinct "+
		"signed URLs (24 JPEG originals of 1024×768, widths 64–800 px, JPEG and WebP, quality 50–95): nearly every request is a render "+
		"(column \"renders\": answers whose Server-Timing says miss; the rest were cached by an earlier request). "+
		"A request fails when it is not a 200 (any status, a connection error or a 60 s timeout).\n\n", localVariants)
	section("## Load held\n\nMeasured capacity (closed loop, %d workers, 15 s, the same mix): **%.1f req/s**. Offered steady load: "+
		"%.0f %% of it, **%.1f req/s**. The fault phases offer %.0f %% of it (%.1f req/s), so that two nodes can carry the load while "+
		"the third is down.\n\n", 2*runtime.NumCPU()+4, capacity, 100**loadFactor, rate, 100**faultLoad, frate)
	section("%s", header)
	st := l.stats(steady[0].from, steady[len(steady)-1].to)
	row(fmt.Sprintf("steady, %v", *steadyFor), st)
	section("\nRequests the generator could not send (256 already outstanding): %d.\n\n", l.dropped.Load())

	section("## Faults\n\n")
	faultTable := func(title, note string, ws []window) {
		section("### %s\n\n%s\n\n", title, note)
		section("%s", header)
		for _, w := range ws {
			row(w.name, l.stats(w.from, w.to))
		}
		section("\n")
	}
	faultTable("One of three origins killed (SIGKILL) and restarted", fmt.Sprintf("`%s` is killed 8 s into the window and restarted 8 s later "+
		"(the restart includes its start-up until /readyz). Target: 0 failed requests.", victim.Name), kill)
	faultTable("A groupcache peer hangs (SIGSTOP for 8 s)", fmt.Sprintf("`%s` is stopped: its listeners accept connections (the kernel does) and "+
		"nothing answers. nginx sends it the keys it owns until proxy_read_timeout (6 s), then tries the next node; the other nodes "+
		"ask it for the objects it owns until peer_timeout (1 s), then load them themselves.", stopped.Name), hang)
	if len(direct) > 0 {
		var worst time.Duration
		okd := 0
		for _, s := range direct {
			worst = max(worst, s.took)
			if s.status == 200 {
				okd++
			}
		}
		section("Straight to `%s` while `%s` is stopped, for %d objects the stopped node owns: %d × 200, slowest %s ms "+
			"(bound: peer_timeout 1 s for the variant + 1 s for the original + the render).\n\n", c.Node(0).Name, stopped.Name, len(direct), okd, ms(worst))
	}
	storeNote := "One request in five needs an original from the S3 store (%d distinct URLs of 24 originals no earlier phase fetched), the rest come from local disk. " +
		"Store faults cannot be hidden by the origin for objects it has not cached: those requests fail fast with 502/504 " +
		"(a CDN with stale-if-error keeps serving what it cached); what matters is that they fail within the timeouts and that " +
		"requests from local disk are unaffected. \"(nginx)\" marks answers nginx made itself (no X-Origin-Node)."
	faultTable("Store down (connection refused)", fmt.Sprintf(storeNote, len(s3Sets["down"])), down)
	faultTable("Store slow (1 byte every 5 s)", "Same mix; render.timeout is 4 s.", slow)
	faultTable("Store answers 500", "Same mix; the S3 client retries (2 attempts) then the origin answers 502.", errs)

	section("## FastDFS\n\nOne request in five needs an original from source `fdfs` (%d distinct originals per phase, no earlier phase fetched them), "+
		"the rest come from local disk; each FastDFS URL is the only variant (w_160) of its own 320×240 original, so nearly every FastDFS request fetches "+
		"an original and asks a tracker. The FastDFS cluster is the in-repo protocol-level fake (`origin/source/fastdfs/fdfstest`) with two trackers "+
		"and one storage, reproducing what the real servers do in each fault (see its comments, which name the FastDFS sources); the "+
		"origins use the source's defaults (first_byte_timeout %v, health_interval %v, io_timeout %v) and the default negative cache (30 s). "+
		"\"failed, FastDFS\" counts FastDFS requests that were not a 200.\n\n", len(fdfsSets["storage"]), fdfsDefaults.FirstByteTimeout,
		fdfsDefaults.HealthInterval, fdfsDefaults.IOTimeout)
	fdfsTable := func(title, note string, ws []window) storeAnswers {
		section("### %s\n\n%s\n\n%s", title, note, headerFor("FastDFS"))
		for _, w := range ws {
			row(w.name, l.stats(w.from, w.to))
		}
		a := l.fdfsAnswers(ws[1].from, ws[1].to, fdfsDefaults.FirstByteTimeout)
		section("\nFastDFS requests sent during the fault: %d; not 200: %d, of which 404: %d and without `Cache-Control: no-store`: %d.\n\n",
			a.n, a.failed, a.notFound, a.cacheable)
		return a
	}
	downA := fdfsTable("Storage stopped, then started again", "The storage's port refuses and its connections close; the trackers see it go "+
		"(tracker_mem_offline_store_server) and answer every fetch query for its group with ENOENT, byte-identical to an unknown group. "+
		"The origin takes a tracker's ENOENT for an outage while the group is listed (502, `no-store`, never negatively cached).", fdown)
	section("After the storage was back, each of the %d FastDFS URLs that had failed during the outage was requested once more through the front: %d answered 200.\n\n", residue, residueOK)
	restartA := fdfsTable("Both trackers restarted; the storage reports 10 s later", "A restarted fdfs_trackerd loads its groups and storages from "+
		"its data files with the storages OFFLINE, and answers ENOENT to fetch queries until the storage's next heartbeat (up to 30 s with stock "+
		"configs; 10 s here).", frestart)
	hungA := l.fdfsAnswers(fhung[1].from, fhung[1].to, fdfsDefaults.FirstByteTimeout)
	section("### One of two trackers hangs for 10 s\n\nTracker 1 accepts connections and reads requests but never answers (ACTIVE_TEST "+
		"included), as a stopped or wedged fdfs_trackerd whose kernel still completes handshakes. Each origin waits at most "+
		"first_byte_timeout (%v) for it once, marks it down, asks the other tracker, and probes it in the background every "+
		"health_interval (%v).\n\n%s", fdfsDefaults.FirstByteTimeout, fdfsDefaults.HealthInterval, headerFor("FastDFS"))
	for _, w := range fhung {
		row(w.name, l.stats(w.from, w.to))
	}
	var perNode []string
	for i, n := range c.Nodes {
		fl, ok := hungA.slowNodes[n.Name]
		first := "none"
		if ok {
			first = fmt.Sprintf("from %s to %s ms after the hang began", ms(fl[0]-fhung[1].from), ms(fl[1]-fhung[1].from))
		}
		perNode = append(perNode, fmt.Sprintf("| %s | %.0f | %s | %.0f | %.0f |", n.Name, failovers[i], first, upHung[i], upResumed[i]))
	}
	section("\nFastDFS requests sent while it hangs: %d, not 200: %d; whose fetch (Server-Timing `fetch`) took first_byte_timeout or more: %d; "+
		"longest fetch %s ms, slowest request %s ms. Per node: failovers away from the hung tracker during the phase "+
		"(`imgorigin_source_failovers_total`), when the requests that waited for it were sent, and its "+
		"lowest `imgorigin_source_server_up{role=\"tracker\"}` read every 500 ms while it hangs, and the gauge %v after it answers again (a node that did not ask it "+
		"while it hung has not seen it go; the background probe only checks trackers marked down):\n\n"+
		"| node | failovers | requests that waited for it | up, during | up, after |\n|---|---:|---|---:|---:|\n%s\n\n",
		hungA.n, hungA.failed, hungA.slow, ms(hungA.maxFetch), ms(hungA.max),
		fdfsDefaults.HealthInterval+fdfsDefaults.FirstByteTimeout+time.Second, strings.Join(perNode, "\n"))

	for _, f := range strings.Split(*include, ",") {
		if f == "" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Errorf("-reliability.include: %v", err)
			continue
		}
		section("%s\n", strings.TrimSpace(string(b)))
		section("\n")
	}

	section("## Hostile inputs through nginx\n\nEach input of `origin/hostile` (written by `bin/mkhostile`) served once through the front nginx; " +
		"peak RSS is VmHWM of the serving origin process, reset before the request (`/proc/PID/clear_refs`); growth is peak − RSS before.\n\n")
	section("| input | variant | answer | expected | node | ms | peak RSS MiB | growth MiB |\n|---|---|---:|---:|---|---:|---:|---:|\n")
	worstGrowth := 0.0
	for _, h := range hrows {
		mark := ""
		if h.status != h.want {
			mark = " ✗"
		}
		worstGrowth = max(worstGrowth, h.growth)
		section("| %s | %s | %d%s | %d | %s | %s | %.0f | %.1f |\n", h.name, h.variant, h.status, mark, h.want, h.node, ms(h.took), h.peak, h.growth)
	}
	section("\nLargest RSS growth for one hostile input: %.1f MiB (budget in `go test`: %d MiB, `IMGDEV_HOSTILE_RSS_BUDGET_MIB`).\n\n", worstGrowth, 320)

	section("## Goroutines, open files and RSS before and after\n\nFrom each node's /metrics (go_goroutines, process_open_fds, process_resident_memory_bytes): "+
		"before = after the first requests, before any load; after = once the last request is answered. Both are taken 6 s after the last request, "+
		"when the servers have closed idle keep-alive connections (idle_timeout 3 s). `%s` was restarted during the run, "+
		"so its figures are of the new process.\n\n| node | goroutines before | after | open fds before | after | RSS MiB before | after |\n|---|---:|---:|---:|---:|---:|---:|\n", victim.Name)
	for i, n := range c.Nodes {
		section("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", n.Name, before[i].goroutines, after[i].goroutines, before[i].fds, after[i].fds, before[i].rss, after[i].rss)
	}
	section("\n")
	// Summary, computed from the figures above, goes first.
	var sum strings.Builder
	verdict := func(ok bool, format string, args ...any) {
		mark := "met"
		if !ok {
			mark = "**not met**"
		}
		fmt.Fprintf(&sum, "- %s — %s\n", fmt.Sprintf(format, args...), mark)
	}
	killSt := l.stats(kill[0].from, kill[len(kill)-1].to)
	verdict(killSt.failed == 0, "0 failed requests through nginx while one of three origins is killed and restarted: %d of %d failed", killSt.failed, killSt.n)
	steadySt := l.stats(steady[0].from, steady[len(steady)-1].to)
	verdict(steadySt.failed == 0, "steady load at %.0f %% of capacity: %.1f req/s, %d of %d failed, p99 %s ms", 100**loadFactor, steadySt.rps, steadySt.failed, steadySt.n, ms(steadySt.p99))
	hangSt := l.stats(hang[1].from, hang[1].to)
	verdict(hangSt.failed == 0, "a hanging peer (SIGSTOP): %d of %d failed, p99 %s ms while it hangs", hangSt.failed, hangSt.n, ms(hangSt.p99))
	for _, f := range []struct {
		name string
		ws   []window
	}{{"store down", down}, {"store slow", slow}, {"store 500", errs}} {
		st := l.stats(f.ws[1].from, f.ws[2].to)
		local := st.failed - st.storeFailed
		verdict(local == 0, "%s: requests from local disk unaffected: %d of %d failed (nginx's own 502s: %d); S3 requests: %d of %d failed, p99 %s ms",
			f.name, local, st.n-st.storeN, st.codes[10502], st.storeFailed, st.storeN, ms(st.p99))
	}
	localOf := func(ws []window) int {
		st := l.stats(ws[1].from, ws[len(ws)-1].to)
		return st.failed - st.storeFailed
	}
	for _, f := range []struct {
		name string
		a    storeAnswers
		ws   []window
	}{{"FastDFS storage stopped", downA, fdown}, {"FastDFS trackers restarted before the storage's heartbeat", restartA, frestart}} {
		verdict(f.a.notFound == 0 && f.a.cacheable == 0 && localOf(f.ws) == 0,
			"%s: FastDFS requests answered 5xx `no-store`, never 404: %d of %d failed, %d × 404, %d cacheable; requests from local disk: %d failed",
			f.name, f.a.failed, f.a.n, f.a.notFound, f.a.cacheable, localOf(f.ws))
	}
	verdict(residue == residueOK, "FastDFS storage back: every URL that failed during the outage answers 200 (no negative-cache residue): %d of %d", residueOK, residue)
	// A hung tracker costs each node one first-byte deadline: the requests that waited for it
	// were sent within that deadline of the first one on their node (they picked it before it
	// was marked down); every node that failed over from it has it down, and all have it up
	// again after it answers.
	hungOK := hungA.failed == 0 && localOf(fhung) == 0 && slices.Min(upResumed) == 1
	for _, fl := range hungA.slowNodes {
		if fl[1]-fl[0] > fdfsDefaults.FirstByteTimeout+250*time.Millisecond {
			hungOK = false
		}
	}
	met := 0
	for i := range c.Nodes {
		if failovers[i] > 0 {
			met++
			if upHung[i] != 0 {
				hungOK = false
			}
		}
	}
	if met == 0 {
		hungOK = false
	}
	verdict(hungOK, "a hung FastDFS tracker among two: %d of %d FastDFS requests failed; %d waited for it, on each node only those sent within first_byte_timeout "+
		"(%v) of the first; down on every node that met it (%d of %d), up again on all after it answers", hungA.failed, hungA.n, hungA.slow,
		fdfsDefaults.FirstByteTimeout, met, len(c.Nodes))
	bad := 0
	var badNames []string
	for _, h := range hrows {
		if h.status != h.want {
			bad++
			badNames = append(badNames, fmt.Sprintf("%s → %d after %s ms", h.name, h.status, ms(h.took)))
		}
	}
	verdict(bad == 0, "every hostile input gets its expected answer: %d of %d do%s", len(hrows)-bad, len(hrows), func() string {
		if bad == 0 {
			return ""
		}
		return " (not: " + strings.Join(badNames, "; ") + ")"
	}())
	verdict(worstGrowth <= 320, "peak RSS growth per hostile input within 320 MiB: largest %.1f MiB", worstGrowth)
	grow := 0.0
	for i := range c.Nodes {
		if i == 1 {
			continue // restarted: a new process
		}
		grow = max(grow, after[i].goroutines-before[i].goroutines, after[i].fds-before[i].fds)
	}
	verdict(grow <= 2, "no goroutine or fd growth after the run (nodes not restarted, idle connections closed; allowance 2): largest growth %.0f", grow)
	final := rep.String()
	i := strings.Index(final, "## Load held")
	final = final[:i] + "## Summary\n\n" + sum.String() + "\n" + final[i:]
	final += keptSections(*outPath, final)
	if err := os.WriteFile(*outPath, []byte(final), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("wrote %s", *outPath)
}

// keptSections returns the "## " sections of the report at path that generated does not
// have (written from other runs, e.g. the write path's load run), to be kept at its end.
func keptSections(path, generated string) string {
	old, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	var kept strings.Builder
	parts := strings.Split("\n"+string(old), "\n## ")
	for _, p := range parts[1:] {
		title, _, _ := strings.Cut(p, "\n")
		if title == "Summary" || strings.Contains(generated, "\n## "+title+"\n") {
			continue
		}
		kept.WriteString("\n## " + strings.TrimRight(p, "\n") + "\n")
	}
	return kept.String()
}

// loadAvg is the 1-minute load average of /proc/loadavg.
func loadAvg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "unknown"
}

func memTotal() string {
	b, _ := os.ReadFile("/proc/meminfo")
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "MemTotal:" {
			kb, _ := strconv.ParseFloat(f[1], 64)
			return fmt.Sprintf("%.0f GiB", kb/(1<<20))
		}
	}
	return "unknown"
}
