package e2e_test

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/edge"
	"github.com/imgorigin/imgorigin/cdn/varnish"
	"github.com/imgorigin/imgorigin/cdn/varnish/varnishtest"
	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

var twoEdgesReport = flag.String("twoedges.report", "", "TestTwoEdges: also write what it measured as a Markdown section to this file (scripts/reliability puts it into RELIABILITY.md)")

// Short policy windows for the two-edge tests (seconds): every 200 class is fresh for
// twoEdgeTTL, then stale-while-revalidate twoEdgeSWR, stale-if-error twoEdgeSIE; a store 404
// is fresh for twoEdgeTTL with zero stale windows.
const (
	twoEdgeTTL = 2
	twoEdgeSWR = 1
	twoEdgeSIE = 4
)

// twoEdges is one cluster (3 origins, local + FastDFS sources) behind the front nginx, with
// both edges in front of that front: the nginx edge stand-in (cdn/edge, query passed so the
// origin verifies tokens, no origin secret) and Varnish with imgorigin.vcl.
type twoEdges struct {
	c     *clustertest.Cluster
	edges []namedEdge

	mu       sync.Mutex
	measured map[string]string // row + "|" + edge name → what was seen, for -twoedges.report
}

// note records what an edge did in one row of the report.
func (e *twoEdges) note(row, edge, format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.measured == nil {
		e.measured = map[string]string{}
	}
	e.measured[row+"|"+edge] = fmt.Sprintf(format, args...)
}

// report writes the -twoedges.report section: one row per class and situation, one column
// per edge.
func (e *twoEdges) report(t *testing.T) {
	var b strings.Builder
	fmt.Fprintf(&b, "## Two edges: the nginx edge stand-in and Varnish 7.1\n\n"+
		"`go test -run TestTwoEdges ./cdn/e2e` (run by scripts/reliability; result: %s): one cluster (3 origins, sources local and "+
		"FastDFS) behind the front nginx, both edges in front of that front — the nginx edge stand-in (`cdn/edge`) and Debian's varnishd "+
		"with `cdn/varnish/imgorigin.vcl`. Every 200 class fresh for %d s, stale-while-revalidate %d s, stale-if-error %d s; the store "+
		"404 fresh for %d s with zero stale windows. \"every origin down\": all origins killed right after the object was cached, "+
		"then one request every 200 ms until s-maxage + stale-if-error + 2 s.\n\n", map[bool]string{false: "pass", true: "**FAIL**"}[t.Failed()],
		twoEdgeTTL, twoEdgeSWR, twoEdgeSIE, twoEdgeTTL)
	b.WriteString("| class, situation |")
	for _, ed := range e.edges {
		b.WriteString(" " + ed.name + " |")
	}
	b.WriteString("\n|---|" + strings.Repeat("---|", len(e.edges)) + "\n")
	var rows []string
	for _, cl := range e.classes(t, 160) {
		rows = append(rows, cl.name+", origins up", cl.name+", every origin down")
	}
	rows = append(rows, "forged token inside stale-while-revalidate")
	for _, r := range rows {
		b.WriteString("| " + r + " |")
		for _, ed := range e.edges {
			v := e.measured[r+"|"+ed.name]
			if v == "" {
				v = "(not measured)"
			}
			b.WriteString(" " + v + " |")
		}
		b.WriteString("\n")
	}
	if err := os.WriteFile(*twoEdgesReport, []byte(b.String()), 0o644); err != nil {
		t.Error(err)
	}
}

type namedEdge struct{ name, url string }

type class struct {
	name, path string
	status     int
}

func startTwoEdges(t *testing.T) *twoEdges {
	t.Helper()
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Edge: true, FastDFS: true,
		FastDFSFiles: map[string][]byte{"fdfs.jpg": clustertest.JPEG(320, 240, 11)},
		EdgeConfig: func(ec *edge.Config) {
			ec.Auth = edge.AuthConfig{TTL: ec.Auth.TTL, PathPrefixes: ec.Auth.PathPrefixes, Param: ec.Auth.Param}
			ec.OriginSecret.Value = ""
			ec.PassQuery = true
		},
		Env: []string{
			fmt.Sprintf("IMGORIGIN_SERVER_CACHE_CONTROL_MAX_AGE=%ds", twoEdgeTTL),
			fmt.Sprintf("IMGORIGIN_SERVER_CACHE_CONTROL_S_MAXAGE=%ds", twoEdgeTTL),
			fmt.Sprintf("IMGORIGIN_SERVER_CACHE_CONTROL_IMMUTABLE_MAX_AGE=%ds", twoEdgeTTL),
			fmt.Sprintf("IMGORIGIN_SERVER_CACHE_CONTROL_NOT_FOUND_MAX_AGE=%ds", twoEdgeTTL),
			fmt.Sprintf("IMGORIGIN_SERVER_CACHE_CONTROL_STALE_WHILE_REVALIDATE=%ds", twoEdgeSWR),
			fmt.Sprintf("IMGORIGIN_SERVER_CACHE_CONTROL_STALE_IF_ERROR=%ds", twoEdgeSIE),
		}})
	v := varnishtest.Start(t, varnishtest.Options{Backend: varnish.Backend{Addr: c.FrontAddr,
		ConnectTimeout: 2 * time.Second, FirstByteTimeout: 35 * time.Second}, FormatsVCL: c.RenderFormats(t, "--varnish")})
	c.WriteLocal(t, "two/a.jpg", clustertest.JPEG(320, 240, 12))
	return &twoEdges{c: c, edges: []namedEdge{{"nginx edge", c.EdgeURL}, {"varnish", "http://" + v.Addr}}}
}

// classes returns one path per response class; each width gives objects no edge has seen.
func (e *twoEdges) classes(t *testing.T, width int) []class {
	return []class{
		{"mutable (local)", variant(t, "local", "two/a.jpg", width), 200},
		{"immutable (FastDFS)", clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: width, Format: imgurl.WebP}},
			Source: "fdfs", Key: e.c.FDFS["fdfs.jpg"]}), 200},
		{"store 404", variant(t, "local", "two/missing.jpg", width), 404},
	}
}

// TestTwoEdges runs the two-edge checks on one cluster: per class and forged tokens with every
// origin up (in parallel, on objects of their own), then the pool down.
func TestTwoEdges(t *testing.T) {
	e := startTwoEdges(t)
	t.Run("group", func(t *testing.T) {
		t.Run("per class", func(t *testing.T) { t.Parallel(); e.perClass(t) })
		t.Run("forged token in grace", func(t *testing.T) { t.Parallel(); e.forgedTokenInGrace(t) })
	})
	t.Run("pool down", e.poolDown)
	if *twoEdgesReport != "" {
		e.report(t)
	}
}

func (e *twoEdges) get(t *testing.T, edgeURL, path, token string) clustertest.Response {
	t.Helper()
	if token == "" {
		token = e.c.Token(t, path, time.Now().Add(time.Hour))
	}
	return e.c.Get(t, edgeURL+path+"?"+token)
}

// perClass: per response class, what each edge caches and for how long with every
// origin up: first MISS then HIT; the first answer that is not a HIT comes after the TTL, as
// STALE for a 200 (stale-while-revalidate: one background refresh, then HIT again) and as a
// synchronous pull for a 404 (zero stale windows: no cache's default grace on top).
func (e *twoEdges) perClass(t *testing.T) {
	for _, cl := range e.classes(t, 160) {
		for _, ed := range e.edges {
			t.Run(ed.name+"/"+cl.name, func(t *testing.T) {
				t.Parallel()
				start := time.Now()
				first := e.get(t, ed.url, cl.path, "")
				if first.Status != cl.status || first.Header.Get("X-Cache") != "MISS" {
					t.Fatalf("first: %d X-Cache %q, want %d MISS: %s", first.Status, first.Header.Get("X-Cache"), cl.status, first.Body)
				}
				if cc := first.Header.Get("Cache-Control"); !strings.Contains(cc, fmt.Sprintf("stale-if-error=%d", map[bool]int{true: twoEdgeSIE, false: 0}[cl.status == 200])) {
					t.Fatalf("Cache-Control %q", cc)
				}
				if r := e.get(t, ed.url, cl.path, ""); r.Status != cl.status || r.Header.Get("X-Cache") != "HIT" {
					t.Fatalf("second: %d X-Cache %q, want HIT", r.Status, r.Header.Get("X-Cache"))
				}
				r := poll(t, 10*time.Second, "not a HIT", func() clustertest.Response { return e.get(t, ed.url, cl.path, "") },
					func(r clustertest.Response) bool { return r.Header.Get("X-Cache") != "HIT" })
				held := time.Since(start)
				want := map[bool]string{true: "STALE", false: "MISS"}[cl.status == 200]
				if ed.name == "nginx edge" && cl.status != 200 {
					want = "EXPIRED"
				}
				if r.Status != cl.status || r.Header.Get("X-Cache") != want {
					t.Errorf("after the TTL: %d X-Cache %q, want %d %s", r.Status, r.Header.Get("X-Cache"), cl.status, want)
				}
				if held < twoEdgeTTL*time.Second-300*time.Millisecond || held > twoEdgeTTL*time.Second+1500*time.Millisecond {
					t.Errorf("served from cache for %v, want s-maxage = %d s", held.Round(100*time.Millisecond), twoEdgeTTL)
				}
				t.Logf("%s, %s: HIT for %v, then %s", ed.name, cl.name, held.Round(100*time.Millisecond), r.Header.Get("X-Cache"))
				e.note(cl.name+", origins up", ed.name, "%d MISS, then HIT for %v, then %d %s", first.Status, held.Round(100*time.Millisecond), r.Status, r.Header.Get("X-Cache"))
			})
		}
	}
}

// poolDown: every origin killed right after the objects were cached. Varnish
// serves each 200 class STALE until s-maxage + stale-if-error, then the front's 502 (no-store);
// the 404 for its s-maxage only. The nginx edge (default use_stale: http_500..504) serves
// every cached object STALE for as long as the front answers 5xx (bounded by its inactive
// time, 7 days): its documented, unbounded behaviour.
func (e *twoEdges) poolDown(t *testing.T) {
	classes := e.classes(t, 170)
	type obs struct {
		start    time.Time
		body     []byte
		lastGood time.Duration // last answer equal to the cached one
		end      clustertest.Response
		ended    time.Duration
		xcache   []string // X-Cache of the good answers, consecutive repeats dropped
	}
	seen := map[string]*obs{}
	for _, ed := range e.edges {
		for _, cl := range classes {
			o := &obs{start: time.Now()}
			r := e.get(t, ed.url, cl.path, "")
			if r.Status != cl.status {
				t.Fatalf("%s %s warm-up: %d", ed.name, cl.name, r.Status)
			}
			o.body = r.Body
			seen[ed.name+"/"+cl.name] = o
		}
	}
	for _, n := range e.c.Nodes {
		n.Kill()
	}
	window := time.Duration(twoEdgeTTL+twoEdgeSIE) * time.Second
	deadline := time.Now().Add(window + 2*time.Second)
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) {
		for _, ed := range e.edges {
			for _, cl := range classes {
				o := seen[ed.name+"/"+cl.name]
				if o.ended != 0 {
					continue
				}
				r := e.get(t, ed.url, cl.path, "")
				if r.Status == cl.status && bytes.Equal(r.Body, o.body) {
					o.lastGood = time.Since(o.start)
					if x := r.Header.Get("X-Cache"); len(o.xcache) == 0 || o.xcache[len(o.xcache)-1] != x {
						o.xcache = append(o.xcache, x)
					}
					continue
				}
				o.end, o.ended = r, time.Since(o.start)
			}
		}
		<-tick.C
	}
	for _, ed := range e.edges {
		for _, cl := range classes {
			o := seen[ed.name+"/"+cl.name]
			t.Logf("%s, %s: cached answer served for %v after caching with every origin down; then %d %q (Cache-Control %q) at %v",
				ed.name, cl.name, o.lastGood.Round(100*time.Millisecond), o.end.Status, o.end.Header.Get("X-Cache"), o.end.Header.Get("Cache-Control"), o.ended.Round(100*time.Millisecond))
			if o.ended == 0 {
				e.note(cl.name+", every origin down", ed.name, "the cached %d for all %v measured (X-Cache %s)", cl.status, o.lastGood.Round(100*time.Millisecond),
					strings.Join(o.xcache, " → "))
			} else {
				e.note(cl.name+", every origin down", ed.name, "the cached %d for %v (X-Cache %s), then %d `%s` (X-Cache %s), not kept", cl.status,
					o.lastGood.Round(100*time.Millisecond), strings.Join(o.xcache, " → "), o.end.Status, o.end.Header.Get("Cache-Control"), o.end.Header.Get("X-Cache"))
			}
			switch {
			case ed.name == "nginx edge":
				if o.ended != 0 {
					t.Errorf("%s %s: stopped serving the cached answer at %v (%d)", ed.name, cl.name, o.ended, o.end.Status)
				}
			case cl.status == 200:
				if o.lastGood < window-700*time.Millisecond || o.ended == 0 || o.ended > window+time.Second {
					t.Errorf("%s %s: served until %v, ended at %v; want the stale-if-error window, %v", ed.name, cl.name, o.lastGood, o.ended, window)
				}
			default:
				if o.ended == 0 || o.ended > twoEdgeTTL*time.Second+time.Second {
					t.Errorf("%s %s: 404 served until %v, want %d s", ed.name, cl.name, o.lastGood, twoEdgeTTL)
				}
			}
			if ed.name == "varnish" && o.ended != 0 && (o.end.Status != 502 || o.end.Header.Get("Cache-Control") != "no-store") {
				t.Errorf("%s %s: after the window %d Cache-Control %q, want the front's 502, no-store", ed.name, cl.name, o.end.Status, o.end.Header.Get("Cache-Control"))
			}
		}
	}
}

// forgedTokenInGrace: inside stale-while-revalidate, requests with a forged token
// get the stale copy and start background fetches that the origin answers 403 (private,
// no-store); the copy stays (no MISS, no 403), and a valid request then refreshes it.
func (e *twoEdges) forgedTokenInGrace(t *testing.T) {
	cl := e.classes(t, 180)[0]
	for _, ed := range e.edges {
		t.Run(ed.name, func(t *testing.T) {
			t.Parallel()
			first := e.get(t, ed.url, cl.path, "")
			forged := "token=k1.4102444800.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
			r := poll(t, 10*time.Second, "stale", func() clustertest.Response { return e.get(t, ed.url, cl.path, forged) },
				func(r clustertest.Response) bool { return r.Header.Get("X-Cache") != "HIT" })
			var seen []string
			for i := 0; i < 3; i++ {
				if r.Status != 200 || r.Header.Get("X-Cache") != "STALE" && r.Header.Get("X-Cache") != "UPDATING" || !bytes.Equal(r.Body, first.Body) {
					t.Fatalf("forged token #%d in the stale window: %d X-Cache %q", i, r.Status, r.Header.Get("X-Cache"))
				}
				seen = append(seen, fmt.Sprintf("%d %s", r.Status, r.Header.Get("X-Cache")))
				r = e.get(t, ed.url, cl.path, forged)
			}
			r = poll(t, 10*time.Second, "refreshed by a valid request", func() clustertest.Response { return e.get(t, ed.url, cl.path, "") },
				func(r clustertest.Response) bool { return r.Header.Get("X-Cache") == "HIT" })
			if r.Status != 200 || !bytes.Equal(r.Body, first.Body) {
				t.Errorf("after: %d", r.Status)
			}
			e.note("forged token inside stale-while-revalidate", ed.name, "three forged requests: %s, the stale copy's bytes each time (the refresh's 403 is not kept); "+
				"then a valid request: %d %s, same bytes", strings.Join(seen, ", "), r.Status, r.Header.Get("X-Cache"))
		})
	}
}
