package reliability

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
)

// localVariants is the number of distinct local URLs of the load: 24 originals × 93 widths ×
// 2 formats × 46 qualities, so that nearly every request is a render.
const localVariants = 24 * 93 * 2 * 46

// capacityWorkers is the closed loop's concurrency when it measures capacity.
func capacityWorkers() int { return 2*runtime.NumCPU() + 4 }

// hostileRow is one hostile input served through nginx.
type hostileRow struct {
	name, variant, node string
	status, want        int
	took                time.Duration
	peak, growth        float64 // MiB
}

// results is what a run measured, turned into the report by markdown.
type results struct {
	opts         Options
	nodes        int
	names        []string // the origins' names (X-Origin-Node), in the stack's order
	fdfsDefaults fastdfs.Config
	fdfsPerPhase int
	s3Distinct   int // distinct S3 URLs per store phase

	l                     *loader
	load0                 string // load average at the start
	took                  time.Duration
	workers               int
	capacity, rate, frate float64
	before, after         []nodeFigures

	steady, kill, hang, down, slow, errs []window
	fdown, frestart, fhung               []window
	victim, stopped, direct0             string // the killed node, the SIGSTOPped one, the one asked directly meanwhile
	direct                               []sample
	residue, residueOK                   int
	upHung, upResumed, failovers         []float64
	hostile                              []hostileRow
}

// nodeNames are the origins' names in the order of the figures.
func (r *results) nodeNames() []string { return r.names }

// markdown is the report: the heading, the summary of targets, then every section.
func (r *results) markdown() string {
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

	section("# Reliability run\n\n")
	section("Produced by `%s` on %s (UTC), on this project's development machine: %d cores, %s RAM, Linux; "+
		"everything on 127.0.0.1. The run takes about %d minutes. The machine's load average (1 min, other jobs included) was %s at the start "+
		"and %s at the end: figures of different runs are comparable only at similar load.\n\n", r.opts.Command, time.Now().UTC().Format("2006-01-02 15:04"),
		runtime.NumCPU(), memTotal(), int((r.took+time.Minute-1)/time.Minute), r.load0, loadAvg())
	section("Cluster: 3 origin processes (`bin/origin`, real libvips) peered through groupcache, the front nginx rendered by " +
		"`origin render-nginx` (hash consistent, `proxy_next_upstream error timeout http_503`, 3 tries: an origin's 502/504 is a store " +
		"failure every node shares, so it is not retried), " +
		"MinIO as source `s3` behind a fault-injecting HTTP proxy, the FastDFS protocol-level fake (two trackers, one storage) as source `fdfs`, " +
		"source `local` on disk; started by `origin/stack`. " +
		"Settings changed from the defaults for the run: render.timeout 4s, front.read_timeout 6s, cluster.cache.peer_timeout 1s, " +
		"s3 response_header_timeout 2s, server.idle_timeout 3s (so that idle keep-alive connections are gone when open files are counted).\n\n")
	section("Load: an open-loop generator (Go, in the run) offering a fixed rate through nginx, each request a random one of %d distinct "+
		"signed URLs (24 JPEG originals of 1024×768, widths 64–800 px, JPEG and WebP, quality 50–95): nearly every request is a render "+
		"(column \"renders\": answers whose Server-Timing says miss; the rest were cached by an earlier request). "+
		"A request fails when it is not a 200 (any status, a connection error or a 60 s timeout).\n\n", localVariants)
	section("## Load held\n\nMeasured capacity (closed loop, %d workers, 15 s, the same mix): **%.1f req/s**. Offered steady load: "+
		"%.0f %% of it, **%.1f req/s**. The fault phases offer %.0f %% of it (%.1f req/s), so that two nodes can carry the load while "+
		"the third is down.\n\n", r.workers, r.capacity, 100*r.opts.Load, r.rate, 100*r.opts.FaultLoad, r.frate)
	section("%s", header)
	st := r.l.stats(r.steady[0].from, r.steady[len(r.steady)-1].to)
	row(fmt.Sprintf("steady, %v", r.opts.Steady), st)
	section("\nRequests the generator could not send (256 already outstanding): %d.\n\n", r.l.dropped.Load())

	section("## Faults\n\n")
	faultTable := func(title, note string, ws []window) {
		section("### %s\n\n%s\n\n", title, note)
		section("%s", header)
		for _, w := range ws {
			row(w.name, r.l.stats(w.from, w.to))
		}
		section("\n")
	}
	faultTable("One of three origins killed (SIGKILL) and restarted", fmt.Sprintf("`%s` is killed 8 s into the window and restarted 8 s later "+
		"(the restart includes its start-up until /readyz). Target: 0 failed requests.", r.victim), r.kill)
	faultTable("A groupcache peer hangs (SIGSTOP for 8 s)", fmt.Sprintf("`%s` is stopped: its listeners accept connections (the kernel does) and "+
		"nothing answers. nginx sends it the keys it owns until proxy_read_timeout (6 s), then tries the next node; the other nodes "+
		"ask it for the objects it owns until peer_timeout (1 s), then load them themselves.", r.stopped), r.hang)
	if len(r.direct) > 0 {
		var worst time.Duration
		okd := 0
		for _, s := range r.direct {
			worst = max(worst, s.took)
			if s.status == 200 {
				okd++
			}
		}
		section("Straight to `%s` while `%s` is stopped, for %d objects the stopped node owns: %d × 200, slowest %s ms "+
			"(bound: peer_timeout 1 s for the variant + 1 s for the original + the render).\n\n", r.direct0, r.stopped, len(r.direct), okd, ms(worst))
	}
	storeNote := "One request in five needs an original from the S3 store (%d distinct URLs of 24 originals no earlier phase fetched), the rest come from local disk. " +
		"Store faults cannot be hidden by the origin for objects it has not cached: those requests fail fast with 502/504 " +
		"(a CDN with stale-if-error keeps serving what it cached); what matters is that they fail within the timeouts and that " +
		"requests from local disk are unaffected. \"(nginx)\" marks answers nginx made itself (no X-Origin-Node)."
	faultTable("Store down (connection refused)", fmt.Sprintf(storeNote, r.s3Distinct), r.down)
	faultTable("Store slow (1 byte every 5 s)", "Same mix; render.timeout is 4 s.", r.slow)
	faultTable("Store answers 500", "Same mix; the S3 client retries (2 attempts) then the origin answers 502.", r.errs)

	section("## FastDFS\n\nOne request in five needs an original from source `fdfs` (%d distinct originals per phase, no earlier phase fetched them), "+
		"the rest come from local disk; each FastDFS URL is the only variant (w_160) of its own 320×240 original, so nearly every FastDFS request fetches "+
		"an original and asks a tracker. The FastDFS cluster is the in-repo protocol-level fake (`origin/source/fastdfs/fdfstest`) with two trackers "+
		"and one storage, reproducing what the real servers do in each fault (see its comments, which name the FastDFS sources); the "+
		"origins use the source's defaults (first_byte_timeout %v, health_interval %v, io_timeout %v) and the default negative cache (30 s). "+
		"\"failed, FastDFS\" counts FastDFS requests that were not a 200.\n\n", r.fdfsPerPhase, r.fdfsDefaults.FirstByteTimeout,
		r.fdfsDefaults.HealthInterval, r.fdfsDefaults.IOTimeout)
	fdfsTable := func(title, note string, ws []window) storeAnswers {
		section("### %s\n\n%s\n\n%s", title, note, headerFor("FastDFS"))
		for _, w := range ws {
			row(w.name, r.l.stats(w.from, w.to))
		}
		a := r.l.fdfsAnswers(ws[1].from, ws[1].to, r.fdfsDefaults.FirstByteTimeout)
		section("\nFastDFS requests sent during the fault: %d; not 200: %d, of which 404: %d and without `Cache-Control: no-store`: %d.\n\n",
			a.n, a.failed, a.notFound, a.cacheable)
		return a
	}
	downA := fdfsTable("Storage stopped, then started again", "The storage's port refuses and its connections close; the trackers see it go "+
		"(tracker_mem_offline_store_server) and answer every fetch query for its group with ENOENT, byte-identical to an unknown group. "+
		"The origin takes a tracker's ENOENT for an outage while the group is listed (502, `no-store`, never negatively cached).", r.fdown)
	section("After the storage was back, each of the %d FastDFS URLs that had failed during the outage was requested once more through the front: %d answered 200.\n\n", r.residue, r.residueOK)
	restartA := fdfsTable("Both trackers restarted; the storage reports 10 s later", "A restarted fdfs_trackerd loads its groups and storages from "+
		"its data files with the storages OFFLINE, and answers ENOENT to fetch queries until the storage's next heartbeat (up to 30 s with stock "+
		"configs; 10 s here).", r.frestart)
	hungA := r.l.fdfsAnswers(r.fhung[1].from, r.fhung[1].to, r.fdfsDefaults.FirstByteTimeout)
	section("### One of two trackers hangs for 10 s\n\nTracker 1 accepts connections and reads requests but never answers (ACTIVE_TEST "+
		"included), as a stopped or wedged fdfs_trackerd whose kernel still completes handshakes. Each origin waits at most "+
		"first_byte_timeout (%v) for it once, marks it down, asks the other tracker, and probes it in the background every "+
		"health_interval (%v).\n\n%s", r.fdfsDefaults.FirstByteTimeout, r.fdfsDefaults.HealthInterval, headerFor("FastDFS"))
	for _, w := range r.fhung {
		row(w.name, r.l.stats(w.from, w.to))
	}
	var perNode []string
	for i, n := range r.nodeNames() {
		fl, ok := hungA.slowNodes[n]
		first := "none"
		if ok {
			first = fmt.Sprintf("from %s to %s ms after the hang began", ms(fl[0]-r.fhung[1].from), ms(fl[1]-r.fhung[1].from))
		}
		perNode = append(perNode, fmt.Sprintf("| %s | %.0f | %s | %.0f | %.0f |", n, r.failovers[i], first, r.upHung[i], r.upResumed[i]))
	}
	section("\nFastDFS requests sent while it hangs: %d, not 200: %d; whose fetch (Server-Timing `fetch`) took first_byte_timeout or more: %d; "+
		"longest fetch %s ms, slowest request %s ms. Per node: failovers away from the hung tracker during the phase "+
		"(`imgorigin_source_failovers_total`), when the requests that waited for it were sent, and its "+
		"lowest `imgorigin_source_server_up{role=\"tracker\"}` read every 500 ms while it hangs, and the gauge %v after it answers again (a node that did not ask it "+
		"while it hung has not seen it go; the background probe only checks trackers marked down):\n\n"+
		"| node | failovers | requests that waited for it | up, during | up, after |\n|---|---:|---|---:|---:|\n%s\n\n",
		hungA.n, hungA.failed, hungA.slow, ms(hungA.maxFetch), ms(hungA.max),
		r.fdfsDefaults.HealthInterval+r.fdfsDefaults.FirstByteTimeout+time.Second, strings.Join(perNode, "\n"))

	for _, s := range r.opts.Sections {
		section("%s\n", strings.TrimSpace(s))
		section("\n")
	}

	section("## Hostile inputs through nginx\n\nEach input of `origin/hostile` (written by `bin/mkhostile`) served once through the front nginx; " +
		"peak RSS is VmHWM of the serving origin process, reset before the request (`/proc/PID/clear_refs`); growth is peak − RSS before.\n\n")
	section("| input | variant | answer | expected | node | ms | peak RSS MiB | growth MiB |\n|---|---|---:|---:|---|---:|---:|---:|\n")
	worstGrowth := 0.0
	for _, h := range r.hostile {
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
		"so its figures are of the new process.\n\n| node | goroutines before | after | open fds before | after | RSS MiB before | after |\n|---|---:|---:|---:|---:|---:|---:|\n", r.victim)
	for i, n := range r.nodeNames() {
		section("| %s | %.0f | %.0f | %.0f | %.0f | %.0f | %.0f |\n", n, r.before[i].goroutines, r.after[i].goroutines, r.before[i].fds, r.after[i].fds, r.before[i].rss, r.after[i].rss)
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
	killSt := r.l.stats(r.kill[0].from, r.kill[len(r.kill)-1].to)
	verdict(killSt.failed == 0, "0 failed requests through nginx while one of three origins is killed and restarted: %d of %d failed", killSt.failed, killSt.n)
	steadySt := r.l.stats(r.steady[0].from, r.steady[len(r.steady)-1].to)
	verdict(steadySt.failed == 0, "steady load at %.0f %% of capacity: %.1f req/s, %d of %d failed, p99 %s ms", 100*r.opts.Load, steadySt.rps, steadySt.failed, steadySt.n, ms(steadySt.p99))
	hangSt := r.l.stats(r.hang[1].from, r.hang[1].to)
	verdict(hangSt.failed == 0, "a hanging peer (SIGSTOP): %d of %d failed, p99 %s ms while it hangs", hangSt.failed, hangSt.n, ms(hangSt.p99))
	for _, f := range []struct {
		name string
		ws   []window
	}{{"store down", r.down}, {"store slow", r.slow}, {"store 500", r.errs}} {
		st := r.l.stats(f.ws[1].from, f.ws[2].to)
		local := st.failed - st.storeFailed
		verdict(local == 0, "%s: requests from local disk unaffected: %d of %d failed (nginx's own 502s: %d); S3 requests: %d of %d failed, p99 %s ms",
			f.name, local, st.n-st.storeN, st.codes[10502], st.storeFailed, st.storeN, ms(st.p99))
	}
	localOf := func(ws []window) int {
		st := r.l.stats(ws[1].from, ws[len(ws)-1].to)
		return st.failed - st.storeFailed
	}
	for _, f := range []struct {
		name string
		a    storeAnswers
		ws   []window
	}{{"FastDFS storage stopped", downA, r.fdown}, {"FastDFS trackers restarted before the storage's heartbeat", restartA, r.frestart}} {
		verdict(f.a.notFound == 0 && f.a.cacheable == 0 && localOf(f.ws) == 0,
			"%s: FastDFS requests answered 5xx `no-store`, never 404: %d of %d failed, %d × 404, %d cacheable; requests from local disk: %d failed",
			f.name, f.a.failed, f.a.n, f.a.notFound, f.a.cacheable, localOf(f.ws))
	}
	verdict(r.residue == r.residueOK, "FastDFS storage back: every URL that failed during the outage answers 200 (no negative-cache residue): %d of %d", r.residueOK, r.residue)
	// A hung tracker costs each node one first-byte deadline: the requests that waited for it
	// were sent within that deadline of the first one on their node (they picked it before it
	// was marked down); every node that failed over from it has it down, and all have it up
	// again after it answers.
	hungOK := hungA.failed == 0 && localOf(r.fhung) == 0 && slices.Min(r.upResumed) == 1
	for _, fl := range hungA.slowNodes {
		if fl[1]-fl[0] > r.fdfsDefaults.FirstByteTimeout+250*time.Millisecond {
			hungOK = false
		}
	}
	met := 0
	for i := range r.before {
		if r.failovers[i] > 0 {
			met++
			if r.upHung[i] != 0 {
				hungOK = false
			}
		}
	}
	if met == 0 {
		hungOK = false
	}
	verdict(hungOK, "a hung FastDFS tracker among two: %d of %d FastDFS requests failed; %d waited for it, on each node only those sent within first_byte_timeout "+
		"(%v) of the first; down on every node that met it (%d of %d), up again on all after it answers", hungA.failed, hungA.n, hungA.slow,
		r.fdfsDefaults.FirstByteTimeout, met, r.nodes)
	bad := 0
	var badNames []string
	for _, h := range r.hostile {
		if h.status != h.want {
			bad++
			badNames = append(badNames, fmt.Sprintf("%s → %d after %s ms", h.name, h.status, ms(h.took)))
		}
	}
	verdict(bad == 0, "every hostile input gets its expected answer: %d of %d do%s", len(r.hostile)-bad, len(r.hostile), func() string {
		if bad == 0 {
			return ""
		}
		return " (not: " + strings.Join(badNames, "; ") + ")"
	}())
	verdict(worstGrowth <= 320, "peak RSS growth per hostile input within 320 MiB: largest %.1f MiB", worstGrowth)
	grow := 0.0
	for i := range r.before {
		if i == 1 {
			continue // restarted: a new process
		}
		grow = max(grow, r.after[i].goroutines-r.before[i].goroutines, r.after[i].fds-r.before[i].fds)
	}
	verdict(grow <= 2, "no goroutine or fd growth after the run (nodes not restarted, idle connections closed; allowance 2): largest growth %.0f", grow)
	final := rep.String()
	i := strings.Index(final, "## Load held")
	final = final[:i] + "## Summary\n\n" + sum.String() + "\n" + final[i:]
	return final
}

// Kept returns the "## " sections of old (the report file as it was) that generated does not
// have — written by other runs, e.g. the write path's load run — to be appended to generated.
// The old summary is never kept: the new run's replaces it.
func Kept(old, generated string) string {
	var kept strings.Builder
	parts := strings.Split("\n"+old, "\n## ")
	for _, p := range parts[1:] {
		title, _, _ := strings.Cut(p, "\n")
		if title == "Summary" || strings.Contains(generated, "\n## "+title+"\n") {
			continue
		}
		kept.WriteString("\n## " + strings.TrimRight(p, "\n") + "\n")
	}
	return kept.String()
}
