package nginx_test

import (
	"flag"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/origin/health"
)

var (
	hungBefore = flag.Bool("hung.before", false, "TestE2EHungNode: also run the scenario without health checks (the stall before issue 20) and log both")
	hungReport = flag.String("hung.report", "", "TestE2EHungNode: also write the figures as a Markdown section to this file (scripts/reliability puts it into RELIABILITY.md)")
)

// The hung-node scenario: open-loop load through the front, one node SIGSTOPped for hungPause.
const (
	hungRate        = 20 // requests/s
	hungStopAt      = 2 * time.Second
	hungPause       = 8 * time.Second
	hungAfter       = 3 * time.Second
	hungPeerTimeout = time.Second
)

type hungSample struct {
	at, took time.Duration // start after the SIGSTOP (negative: before), latency
	status   int
}

// hungRun runs the scenario on a fresh cluster and returns every request's sample.
func hungRun(t *testing.T, checks bool) []hungSample {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, HealthCheck: checks,
		Env: []string{fmt.Sprintf("IMGORIGIN_CLUSTER_CACHE_PEER_TIMEOUT=%s", hungPeerTimeout)}})
	exp := time.Now().Add(time.Hour)
	var urls []string
	for o := 0; o < 20; o++ {
		key := fmt.Sprintf("hung/%02d.jpg", o)
		c.WriteLocal(t, key, clustertest.JPEG(64, 48, o))
		for w := 0; w < 5; w++ {
			urls = append(urls, c.FrontURL+c.Signed(t, fmt.Sprintf("/i/w_%d,f_jpeg/local/%s", 20+w, key), exp))
		}
	}
	for _, u := range urls { // warm: every answer is a cache hit on its owner
		if r := c.Get(t, u); r.Status != http.StatusOK {
			t.Fatalf("warm-up %s: %d", u, r.Status)
		}
	}
	victim := c.Node(2)
	t.Cleanup(func() {
		if victim.Alive() {
			victim.Signal(syscall.SIGCONT)
		}
	})
	var (
		mu      sync.Mutex
		samples []hungSample
		wg      sync.WaitGroup
		stopped time.Time
	)
	start := time.Now()
	tick := time.NewTicker(time.Second / hungRate)
	defer tick.Stop()
	total := hungStopAt + hungPause + hungAfter
	for i := 0; time.Since(start) < total; i++ {
		if stopped.IsZero() && time.Since(start) >= hungStopAt {
			victim.Signal(syscall.SIGSTOP)
			stopped = time.Now()
		}
		if !stopped.IsZero() && time.Since(stopped) >= hungPause && victim.Alive() {
			victim.Signal(syscall.SIGCONT)
			stopped = stopped.Add(-time.Hour) // resumed once
		}
		u := urls[rand.IntN(len(urls))]
		wg.Add(1)
		go func(begin time.Time) {
			defer wg.Done()
			r, err := c.Do(http.MethodGet, u, nil)
			s := hungSample{took: time.Since(begin), status: r.Status}
			if err != nil {
				s.status = 0
			}
			mu.Lock()
			defer mu.Unlock()
			s.at = begin.Sub(start) - hungStopAt
			samples = append(samples, s)
		}(time.Now())
		<-tick.C
	}
	wg.Wait()
	return samples
}

type hungStats struct {
	n, failed int
	slow      int // took more than 2 s
	p50, p99  time.Duration
	max       time.Duration
}

func statsOf(ss []hungSample, from, to time.Duration) hungStats {
	var st hungStats
	var took []time.Duration
	for _, s := range ss {
		if s.at < from || s.at >= to {
			continue
		}
		st.n++
		if s.status != http.StatusOK {
			st.failed++
		}
		if s.took > 2*time.Second {
			st.slow++
		}
		took = append(took, s.took)
	}
	if len(took) == 0 {
		return st
	}
	slices.Sort(took)
	st.p50, st.p99, st.max = took[len(took)/2], took[(len(took)*99)/100], took[len(took)-1]
	return st
}

func (s hungStats) String() string {
	return fmt.Sprintf("%d requests, %d failed, %d over 2 s, p50 %v, p99 %v, max %v", s.n, s.failed, s.slow,
		s.p50.Round(time.Millisecond), s.p99.Round(time.Millisecond), s.max.Round(time.Millisecond))
}

// TestE2EHungNode: one of three origins SIGSTOPped for 8 s under 20 req/s through the front.
// With the front's health checks (origin render-nginx --watch) the node is rendered down within
// fails × interval + timeout (3 s) and nginx reloaded; requests that reach the front after that
// (+1 s for the reload) go to the next node on the ring, whose cache skips the hung owner after
// one peer_timeout: they take at most peer_timeout + 1.5 s. Requests sent to the node before
// it was detected wait until it resumes (below front.read_timeout, 30 s). Nothing fails.
func TestE2EHungNode(t *testing.T) {
	hc := health.DefaultConfig()
	detect := time.Duration(hc.Fails)*hc.Interval + hc.Timeout + time.Second
	bound := hungPeerTimeout + 1500*time.Millisecond
	runs := []bool{true}
	if *hungBefore {
		runs = append(runs, false)
	}
	type windowStats struct {
		name string
		st   map[bool]hungStats // by checks
	}
	windows := []windowStats{
		{"before the stop", map[bool]hungStats{}},
		{fmt.Sprintf("sent within %v of the stop (detection + reload)", detect), map[bool]hungStats{}},
		{fmt.Sprintf("sent from %v after the stop until SIGCONT", detect), map[bool]hungStats{}},
		{"after SIGCONT", map[bool]hungStats{}},
		{"the whole pause", map[bool]hungStats{}},
	}
	if *hungReport != "" {
		defer func() {
			var b strings.Builder
			fmt.Fprintf(&b, "## A hung node under load through the front, before and after health checks\n\n"+
				"`go test -run TestE2EHungNode ./nginx -args -hung.before` (run by scripts/reliability; result: %s): 3 origins behind the front "+
				"nginx, %d req/s open loop over 100 cached variants (each answer a cache hit on its owner), `%s` SIGSTOPped %v after the start for %v "+
				"(cluster.cache.peer_timeout %v, front.read_timeout 30 s). Without health checks nginx waits on the stopped node for "+
				"every request of its shard until it resumes; with them (`origin render-nginx --watch`, front.health_check defaults: "+
				"%d failed probes of /readyz %v apart, timeout %v) the node is rendered down and nginx reloaded within %v, and later requests "+
				"go to the next node on the ring (stated bound: peer_timeout + 1.5 s = %v).\n\n",
				map[bool]string{false: "pass", true: "**FAIL**"}[t.Failed()], hungRate, "origin-3", hungStopAt, hungPause, hungPeerTimeout,
				hc.Fails, hc.Interval, hc.Timeout, detect, bound)
			b.WriteString("| requests | without health checks (before) | with health checks |\n|---|---|---|\n")
			for _, w := range windows {
				cell := func(checks bool) string {
					st, ok := w.st[checks]
					if !ok {
						return "(not run)"
					}
					return st.String()
				}
				fmt.Fprintf(&b, "| %s | %s | %s |\n", w.name, cell(false), cell(true))
			}
			if err := os.WriteFile(*hungReport, []byte(b.String()), 0o644); err != nil {
				t.Error(err)
			}
		}()
	}
	for _, checks := range runs {
		name := map[bool]string{true: "with health checks", false: "without health checks (before)"}[checks]
		t.Run(name, func(t *testing.T) {
			ss := hungRun(t, checks)
			before, window, after, resumed := statsOf(ss, -time.Hour, 0), statsOf(ss, 0, detect), statsOf(ss, detect, hungPause), statsOf(ss, hungPause, time.Hour)
			for i, st := range []hungStats{before, window, after, resumed, statsOf(ss, 0, hungPause)} {
				windows[i].st[checks] = st
			}
			t.Logf("%s: before the stop: %v", name, before)
			t.Logf("%s: sent within %v of the stop (detection + reload): %v", name, detect, window)
			t.Logf("%s: sent later while it hangs: %v", name, after)
			t.Logf("%s: after SIGCONT: %v", name, resumed)
			t.Logf("%s: whole pause: %v", name, statsOf(ss, 0, hungPause))
			if !checks {
				return
			}
			for _, st := range []hungStats{before, window, after, resumed} {
				if st.failed != 0 {
					t.Errorf("%d requests failed", st.failed)
				}
			}
			if after.n < hungRate*int((hungPause-detect)/time.Second)/2 {
				t.Fatalf("only %d requests in the measured window", after.n)
			}
			if after.max > bound {
				t.Errorf("a request sent %v after the stop or later took %v, want at most %v", detect, after.max, bound)
			}
		})
	}
}
