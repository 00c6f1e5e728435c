package reliability

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// sample is one request of the load and what it got.
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

// loader sends the run's requests and keeps a sample of each one sent in open loop.
type loader struct {
	client  *http.Client
	start   time.Time
	mu      sync.Mutex
	samples []sample
	dropped atomic.Int64
	sent    atomic.Int64 // every request, closed and open loop (for the progress line)
}

func newLoader() *loader {
	tr := &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256, IdleConnTimeout: 30 * time.Second}
	return &loader{client: &http.Client{Transport: tr, Timeout: 60 * time.Second}, start: time.Now()}
}

func (l *loader) get(u string) sample {
	l.sent.Add(1)
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
