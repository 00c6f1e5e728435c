// Command offload measures how much of a Zipf-distributed image workload the CDN edge keeps
// away from the origin. It starts a real cluster on 127.0.0.1 with ports picked at run time
// (origin/stack: three origin processes peered through groupcache, the front nginx
// rendered by `origin render-nginx`, the edge stand-in of cdn/edge in front), writes the
// originals into the local source, replays the workload through the edge with Aliyun type A
// URLs whose expiries and uids vary per request (so no two URLs of one variant need be equal),
// and reports from the origins' metrics:
//
//	edge hit ratio                    X-Cache HIT / requests
//	back-to-origin pulls              Σ imgorigin_requests_total   (target: distinct (variant, format bucket) pairs)
//	renders                           Σ imgorigin_renders_total    (target: = pulls)
//	storage fetches                   Σ imgorigin_source_fetches_total{result="ok"}  (target: distinct originals)
//
// A third of the catalogue is f_auto, and every request carries an Accept header drawn from a
// population of real browsers' headers (several spellings per browser family, weighted roughly
// by market share): an f_auto variant must cost one pull and one render per format bucket, never
// one per Accept spelling, and every answer must be in its client's bucket's format.
//
// Usage (scripts/offload builds the binaries and runs this):
//
//	offload -bin DIR [-requests 20000] [-variants 2000] [-originals 200] [-zipf-s 1.1]
//	        [-concurrency 16] [-seed 1] [-timeout 5m] [-keep] [-disk] [-roll]
//
// -disk gives every origin a disk tier; -roll then restarts every origin in turn (a deploy),
// starts a fresh edge (an empty CDN cache) and replays the same requests again, reporting that
// replay's pulls, renders, storage fetches and disk hits (with -disk the target is no render and
// no fetch).
//
// What it is doing goes to stderr, and while it replays, on a terminal, a progress line
// (requests done of the total, the rate, the time left); the report on stdout is unchanged.
// It exits 1 when a target is missed or any request fails.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/progress"
	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// Config is the workload.
type Config struct {
	Requests    int
	Variants    int
	Originals   int
	ZipfS       float64
	Concurrency int
	Seed        uint64
	Timeout     time.Duration
	BinDir      string
	Keep        bool
	Disk        bool // each origin keeps a disk tier (cluster.cache.disk)
	Roll        bool // then restart every origin in turn and replay again through a fresh edge
}

// Validate checks the workload; errors name the flag.
func (c Config) Validate() error {
	var errs []error
	if c.Requests < 1 || c.Requests > 1_000_000 {
		errs = append(errs, errors.New("requests: must be 1..1000000"))
	}
	if c.Originals < 1 || c.Originals > 100_000 {
		errs = append(errs, errors.New("originals: must be 1..100000"))
	}
	if c.Variants < c.Originals || c.Variants > 40*c.Originals {
		errs = append(errs, errors.New("variants: must be originals..40×originals"))
	}
	if c.ZipfS <= 1 {
		errs = append(errs, errors.New("zipf-s: must be > 1"))
	}
	if c.Concurrency < 1 || c.Concurrency > 256 {
		errs = append(errs, errors.New("concurrency: must be 1..256"))
	}
	if c.Timeout < time.Second {
		errs = append(errs, errors.New("timeout: must be at least 1s"))
	}
	return errors.Join(errs...)
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg := Config{}
	fs := flag.NewFlagSet("offload", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.IntVar(&cfg.Requests, "requests", 20000, "requests to replay through the edge")
	fs.IntVar(&cfg.Variants, "variants", 2000, "distinct variants in the catalogue")
	fs.IntVar(&cfg.Originals, "originals", 200, "distinct originals (variants are spread evenly over them)")
	fs.Float64Var(&cfg.ZipfS, "zipf-s", 1.1, "Zipf exponent s (> 1) of variant popularity")
	fs.IntVar(&cfg.Concurrency, "concurrency", 16, "requests in flight")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "random seed (workload and tokens)")
	fs.DurationVar(&cfg.Timeout, "timeout", 5*time.Minute, "bound on the whole run")
	fs.StringVar(&cfg.BinDir, "bin", "", "directory with prebuilt origin and fdfsfake binaries (default: go build them)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the cluster's directory (configuration, logs) after the run")
	fs.BoolVar(&cfg.Disk, "disk", false, "give every origin a disk tier (cluster.cache.disk)")
	fs.BoolVar(&cfg.Roll, "roll", false, "after the replay, restart every origin in turn (a deploy) and replay again through a fresh edge")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if err := cfg.Validate(); err != nil {
		fmt.Fprintln(stderr, "offload:", err)
		return 2
	}
	defer stack.RemoveBinaries()
	code, err := measure(cfg, stdout, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "offload:", err)
		return 1
	}
	return code
}

// variant is one entry of the catalogue.
type variant struct {
	path     string
	original int
	auto     bool
}

// browsers is the Accept population: real clients' headers for an <img>, several spellings per
// family (what splits a cache keyed on raw Accept), with weights roughly by share.
var browsers = []struct {
	weight int
	accept string
}{
	{30, "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8"},                                                             // Chrome, Edge 120+
	{10, "image/avif,image/webp,image/apng,image/*,*/*;q=0.8"},                                                                           // Chrome 85-99
	{8, "image/avif,image/webp,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"},                                                         // Firefox 128
	{3, "image/avif,image/webp,*/*"},                                                                                                     // Firefox 93-127
	{12, "image/webp,image/avif,image/jxl,image/heic,image/heic-sequence,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"}, // Safari 17, iOS 17
	{5, "image/webp,image/avif,video/*;q=0.8,image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"},                                           // Safari 16
	{6, "image/webp,image/png,image/svg+xml,image/*;q=0.8,video/*;q=0.8,*/*;q=0.5"},                                                      // Safari 14-15, iOS 15
	{4, "image/webp,image/apng,image/*,*/*;q=0.8"},                                                                                       // Chrome 70-84, WebViews
	{2, "image/webp,*/*"},                                  // Firefox 65-92
	{2, "image/webp,image/*,*/*;q=0.8"},                    // old Android WebView
	{2, "image/png,image/svg+xml,image/*;q=0.8,*/*;q=0.5"}, // IE 11, old Safari
	{3, "*/*"},                           // curl, crawlers, apps
	{1, "image/avif;q=0,image/webp,*/*"}, // AVIF refused
	{1, ""},                              // no Accept
}

func pickAccept(rng *rand.Rand) string {
	total := 0
	for _, b := range browsers {
		total += b.weight
	}
	n := rng.IntN(total)
	for _, b := range browsers {
		if n -= b.weight; n < 0 {
			return b.accept
		}
	}
	return browsers[len(browsers)-1].accept
}

// bucketType is the Content-Type of a JPEG original's f_auto answer per bucket.
var bucketType = map[autoformat.Bucket]string{autoformat.AVIF: "image/avif", autoformat.WebP: "image/webp", autoformat.Fallback: "image/jpeg"}

// target is one request of the workload: its URL, Accept header and the Content-Type it must get.
type target struct {
	url, accept, contentType string
}

func catalogue(cfg Config) []variant {
	widths := []int{100, 160, 200, 240, 320, 400, 480, 560, 640, 720, 800, 960, 1024, 1200, 1280, 1440, 1600, 1920, 2048, 2400,
		120, 180, 220, 260, 300, 360, 420, 500, 600, 700, 840, 900, 1000, 1100, 1150, 1300, 1400, 1500, 1700, 1800}
	formats := []imgurl.Format{imgurl.WebP, imgurl.JPEG, imgurl.Auto}
	out := make([]variant, cfg.Variants)
	for j := range out {
		o, k := j%cfg.Originals, j/cfg.Originals
		opts := imgurl.Options{Width: widths[k%len(widths)] / 4, Format: formats[(j/7)%len(formats)]}
		p, err := imgurl.Build(imgurl.Path{Variant: imgurl.Variant{Options: opts}, Source: "local", Key: originalKey(o)}, imgurl.DefaultLimits())
		if err != nil {
			panic(err) // the catalogue is built from valid options
		}
		out[j] = variant{path: p, original: o, auto: opts.Format == imgurl.Auto}
	}
	return out
}

func originalKey(o int) string { return fmt.Sprintf("offload/%03d/photo.jpg", o) }

type result struct {
	requests, hits, misses, other, failed int64
	wrongFormat                           int64 // f_auto answers not in the client's bucket's format
	xcache                                map[string]int64
	elapsed                               time.Duration
	latencies                             []time.Duration
}

func measure(cfg Config, stdout, stderr io.Writer) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), cfg.Timeout)
	defer cancel()
	start := time.Now()
	fmt.Fprintf(stderr, "offload: starting the cluster (3 origins, front nginx, edge) on 127.0.0.1 …\n")
	opts := stack.Options{Nodes: 3, Edge: true, Disk: cfg.Disk, BinDir: cfg.BinDir, Logf: func(f string, a ...any) { fmt.Fprintf(stderr, f+"\n", a...) }}
	if cfg.Keep {
		dir, err := os.MkdirTemp("", "imgorigin-offload-")
		if err != nil {
			return 1, err
		}
		opts.Dir = dir
		fmt.Fprintf(stderr, "offload: keeping %s\n", dir)
	}
	c, err := stack.Start(ctx, opts)
	if c != nil {
		defer c.Close()
	}
	if err != nil {
		return 1, err
	}
	fmt.Fprintf(stderr, "offload: cluster up in %v (%s); writing %d originals\n", time.Since(start).Round(time.Millisecond), c.Dir, cfg.Originals)
	for o := 0; o < cfg.Originals; o++ {
		if err := c.WriteLocal(originalKey(o), original(o)); err != nil {
			return 1, err
		}
	}

	// The workload: Zipf ranks over a shuffled catalogue, expiries 1..24 h and uids varying.
	rng := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	cat := catalogue(cfg)
	perm := rng.Perm(len(cat))
	zipf := rand.NewZipf(rng, cfg.ZipfS, 1, uint64(len(cat)-1))
	now := time.Now()
	rules, err := autoformat.New(autoformat.DefaultConfig())
	if err != nil {
		return 1, err
	}
	targets := make([]target, cfg.Requests)
	distinctV, distinctO, accepts := map[string]bool{}, map[int]bool{}, map[string]bool{}
	rawAccept := map[string]bool{} // (variant, Accept) pairs: the objects a cache keyed on raw Accept would hold
	for i := range targets {
		j := perm[zipf.Uint64()]
		v := cat[j]
		accept := pickAccept(rng)
		accepts[accept] = true
		pair, ct := v.path, ""
		if v.auto {
			b := rules.FromAccept(accept)
			pair, ct = v.path+"#"+string(b), bucketType[b]
		}
		distinctV[pair], distinctO[v.original] = true, true
		if v.auto {
			rawAccept[v.path+"#"+accept] = true
		} else {
			rawAccept[v.path] = true
		}
		a := signer.AliyunA{Key: c.EdgeKey, ValidFor: stack.EdgeTTL, UID: strconv.Itoa(rng.IntN(1000))}
		q, err := a.Query(v.path, now.Add(time.Duration(60+rng.IntN(23*60))*time.Minute).Unix())
		if err != nil {
			return 1, fmt.Errorf("sign: %w", err)
		}
		targets[i] = target{url: c.EdgeURL + v.path + "?" + q, accept: accept, contentType: ct}
	}

	fmt.Fprintf(stderr, "offload: replaying %d requests (%d distinct (variant, bucket) pairs of %d originals, %d Accept spellings) with %d in flight\n",
		cfg.Requests, len(distinctV), len(distinctO), len(accepts), cfg.Concurrency)
	var done atomic.Int64
	began := time.Now()
	defer progress.Start(stderr, func() progress.Snapshot {
		return progress.Snapshot{Label: "offload:", Elapsed: time.Since(began), Unit: "requests", Done: done.Load(), Total: int64(len(targets))}
	})()
	res := replay(ctx, targets, cfg.Concurrency, &done)
	if ctx.Err() != nil {
		return 1, fmt.Errorf("timed out after %v", cfg.Timeout)
	}

	// A node counts a request just after answering it: wait (bounded) for the last counts.
	n, err := readCounts(c, len(distinctV))
	if err != nil {
		return 1, err
	}
	pulls, renders, fetches, peerHits := n.pulls, n.renders, n.fetches, n.peerHits

	pullsOK := int(pulls) == len(distinctV)
	rendersOK := renders == pulls
	fetchesOK := int(fetches) == len(distinctO)
	sort.Slice(res.latencies, func(i, j int) bool { return res.latencies[i] < res.latencies[j] })
	q := func(p float64) time.Duration {
		if len(res.latencies) == 0 {
			return 0
		}
		return res.latencies[int(p*float64(len(res.latencies)-1))].Round(10 * time.Microsecond)
	}
	mark := func(ok bool) string {
		if ok {
			return "met"
		}
		return "MISSED"
	}
	fmt.Fprintf(stdout, "workload: %d requests, Zipf s=%.2f over %d variants of %d originals (seed %d), %d in flight\n",
		cfg.Requests, cfg.ZipfS, cfg.Variants, cfg.Originals, cfg.Seed, cfg.Concurrency)
	fmt.Fprintf(stdout, "requested: %d distinct (variant, format bucket) pairs, %d distinct originals; %d Accept spellings\n",
		len(distinctV), len(distinctO), len(accepts))
	fmt.Fprintf(stdout, "edge: %d HIT, %d MISS, %d other %v, %d failed, %d in a format the client's bucket does not name; hit ratio %.4f\n",
		res.hits, res.misses, res.other, res.xcache, res.failed, res.wrongFormat, float64(res.hits)/float64(res.requests))
	fmt.Fprintf(stdout, "back-to-origin pulls: %d (distinct (variant, bucket) pairs %d: target %s)\n", int(pulls), len(distinctV), mark(pullsOK))
	fmt.Fprintf(stdout, "renders: %d (= pulls: target %s)\n", int(renders), mark(rendersOK))
	fmt.Fprintf(stdout, "for comparison, a cache keyed on raw Accept would pull %d times\n", len(rawAccept))
	fmt.Fprintf(stdout, "storage fetches: %d (distinct originals %d: target %s)\n", int(fetches), len(distinctO), mark(fetchesOK))
	fmt.Fprintf(stdout, "groupcache peer hits: %d\n", int(peerHits))
	fmt.Fprintf(stdout, "replay: %v, %.0f requests/s; latency p50 %v p99 %v max %v\n",
		res.elapsed.Round(time.Millisecond), float64(res.requests)/res.elapsed.Seconds(), q(0.5), q(0.99), q(1))
	if !pullsOK || !rendersOK || !fetchesOK || res.failed > 0 || res.wrongFormat > 0 {
		return 1, nil
	}
	if cfg.Roll {
		return afterRoll(ctx, c, cfg, targets, len(distinctV), stdout, stderr)
	}
	return 0, nil
}

// afterRoll restarts every origin in turn (SIGTERM, drain, start, ready), starts a fresh edge
// (an empty CDN cache: the pulls a deploy meets when the CDN's copies expire) and replays the
// same requests through it. The origins' counters restarted with them, so the sums are the
// second replay's. With the disk tier the target is no render and no storage fetch.
func afterRoll(ctx context.Context, c *stack.Stack, cfg Config, targets []target, pairs int, stdout, stderr io.Writer) (int, error) {
	t0 := time.Now()
	for _, n := range c.Nodes {
		if err := n.Restart(); err != nil {
			return 1, err
		}
	}
	fmt.Fprintf(stderr, "offload: rolling restart of %d origins took %v; replaying again through a fresh edge\n", len(c.Nodes), time.Since(t0).Round(time.Millisecond))
	edgeURL, err := c.StartEdge("edge-after-roll", nil)
	if err != nil {
		return 1, err
	}
	again := make([]target, len(targets))
	for i, t := range targets {
		t.url = edgeURL + strings.TrimPrefix(t.url, c.EdgeURL)
		again[i] = t
	}
	res := replay(ctx, again, cfg.Concurrency, new(atomic.Int64))
	if ctx.Err() != nil {
		return 1, fmt.Errorf("timed out after %v", cfg.Timeout)
	}
	n, err := readCounts(c, pairs)
	if err != nil {
		return 1, err
	}
	pulls, renders, fetches, diskHits := n.pulls, n.renders, n.fetches, n.diskHits
	fmt.Fprintf(stdout, "after a rolling restart of every origin (disk tier %v), the same replay through a fresh edge:\n", cfg.Disk)
	fmt.Fprintf(stdout, "  edge: %d HIT, %d MISS, %d failed\n", res.hits, res.misses, res.failed)
	fmt.Fprintf(stdout, "  back-to-origin pulls: %d; renders: %d; storage fetches: %d; disk hits: %d\n", int(pulls), int(renders), int(fetches), int(diskHits))
	fmt.Fprintf(stdout, "  replay: %v, %.0f requests/s\n", res.elapsed.Round(time.Millisecond), float64(res.requests)/res.elapsed.Seconds())
	if res.failed > 0 || cfg.Disk && (renders > 0 || fetches > 0) {
		if cfg.Disk {
			fmt.Fprintln(stdout, "  target (disk tier: no render, no storage fetch after the roll): MISSED")
		}
		return 1, nil
	}
	if cfg.Disk {
		fmt.Fprintln(stdout, "  target (disk tier: no render, no storage fetch after the roll): met")
	}
	return 0, nil
}

// counts are the cluster's counters after a replay.
type counts struct{ pulls, renders, fetches, peerHits, diskHits float64 }

// readCounts sums the nodes' counters, waiting (bounded) until the pulls reach wantPulls: a
// node counts a request just after answering it.
func readCounts(c *stack.Stack, wantPulls int) (counts, error) {
	var n counts
	var err error
	if n.pulls, err = c.SumAtLeast("imgorigin_requests_total", nil, float64(wantPulls), 5*time.Second); err != nil {
		return n, err
	}
	for _, m := range []struct {
		name   string
		labels map[string]string
		to     *float64
	}{
		{"imgorigin_renders_total", map[string]string{"result": "ok"}, &n.renders},
		{"imgorigin_source_fetches_total", map[string]string{"result": "ok"}, &n.fetches},
		{"imgorigin_cache_peer_hits_total", nil, &n.peerHits},
		{"imgorigin_cache_disk_hits_total", nil, &n.diskHits},
	} {
		if *m.to, err = c.Sum(m.name, m.labels); err != nil {
			return n, err
		}
	}
	return n, nil
}

// replay sends the targets with concurrency requests in flight, counting finished ones in done.
func replay(ctx context.Context, targets []target, concurrency int, done *atomic.Int64) result {
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: concurrency}}
	var (
		next                        atomic.Int64
		hits, misses, other, failed atomic.Int64
		wrongFormat                 atomic.Int64
		mu                          sync.Mutex
		xcache                      = map[string]int64{}
		latencies                   = make([]time.Duration, 0, len(targets))
		wg                          sync.WaitGroup
	)
	start := time.Now()
	for w := 0; w < concurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= len(targets) {
					return
				}
				t0 := time.Now()
				tg := targets[i]
				req, _ := http.NewRequestWithContext(ctx, http.MethodGet, tg.url, nil)
				if tg.accept != "" {
					req.Header.Set("Accept", tg.accept)
				}
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					done.Add(1)
					continue
				}
				_, err = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				d := time.Since(t0)
				xc := resp.Header.Get("X-Cache")
				switch {
				case err != nil || resp.StatusCode != http.StatusOK:
					failed.Add(1)
				case tg.contentType != "" && resp.Header.Get("Content-Type") != tg.contentType:
					wrongFormat.Add(1)
				case xc == "HIT":
					hits.Add(1)
				case xc == "MISS":
					misses.Add(1)
				default:
					other.Add(1)
				}
				mu.Lock()
				latencies = append(latencies, d)
				if xc != "HIT" && xc != "MISS" {
					xcache[xc]++
				}
				mu.Unlock()
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	return result{requests: int64(len(targets)), hits: hits.Load(), misses: misses.Load(), other: other.Load(), failed: failed.Load(),
		wrongFormat: wrongFormat.Load(),
		xcache:      xcache, elapsed: time.Since(start), latencies: latencies}
}

// original returns the JPEG of original o: a 480×360 photo-like picture whose content depends
// on o, so every original is distinct.
func original(o int) []byte {
	return synth.JPEG(synth.Photo(480, 360, uint64(o)), 85, 0)
}
