package wrk

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// summary is wrk 4.1's human-readable output with the report line, as a run prints it.
const summary = `Running 1s test @ http://127.0.0.1:18080
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    88.48ms   20.12ms 135.22ms   70.00%
    Req/Sec    22.31      5.01    30.00     60.00%
  45 requests in 1.00s, 1.02MB read
  Non-2xx or 3xx responses: 2
Requests/sec:     44.93
Transfer/sec:      1.02MB
WRK_RESULT {"requests":45,"duration_us":1001500,"bytes":1069548,"errors":{"connect":0,"read":0,"write":0,"status":2,"timeout":1},"latency_us":{"p50":86012,"p90":112000,"p99":135220,"max":135220}}
`

func TestParse(t *testing.T) {
	r, err := Parse(summary)
	if err != nil {
		t.Fatal(err)
	}
	want := Result{
		Requests: 45, Duration: 1001500 * time.Microsecond, Bytes: 1069548,
		Errors: Errors{Status: 2, Timeout: 1},
		P50:    86012 * time.Microsecond, P90: 112 * time.Millisecond, P99: 135220 * time.Microsecond, Max: 135220 * time.Microsecond,
	}
	if r != want {
		t.Errorf("Parse = %+v\nwant %+v", r, want)
	}
	if got := r.Rate(); got < 44.93 || got > 44.94 {
		t.Errorf("Rate = %v, want 44.93 (wrk's Requests/sec)", got)
	}
	if r.Errors.Total() != 3 {
		t.Errorf("Errors.Total = %d", r.Errors.Total())
	}
	for name, out := range map[string]string{
		"no report line":  strings.Split(summary, "WRK_RESULT")[0],
		"truncated JSON":  summary[:len(summary)-20],
		"unknown field":   strings.Replace(summary, `"bytes"`, `"bites"`, 1),
		"no requests":     strings.Replace(summary, `"requests":45,`, ``, 1),
		"negative figure": strings.Replace(summary, `"p99":135220`, `"p99":-1`, 1),
		"not a number":    strings.Replace(summary, `"requests":45`, `"requests":"45"`, 1),
	} {
		if _, err := Parse(out); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add(summary)
	f.Add("WRK_RESULT {}")
	f.Add("WRK_RESULT {\"requests\":1,\"duration_us\":1}\nWRK_RESULT")
	f.Fuzz(func(t *testing.T, out string) {
		r, err := Parse(out)
		if err != nil {
			return
		}
		if r.Requests < 0 || r.Duration < 0 || r.P99 < 0 || r.Errors.Total() < 0 {
			t.Errorf("accepted negative figures: %+v", r)
		}
	})
}

func TestArgs(t *testing.T) {
	o := Options{URL: "http://127.0.0.1:1", Connections: 4, Duration: 20 * time.Second, Args: []string{"/i/w_", "1200", ",f_webp/local/a.jpg", "50"}}
	got := strings.Join(o.args("s.lua"), " ")
	want := "-t2 -c4 -d20s -s s.lua http://127.0.0.1:1 -- /i/w_ 1200 ,f_webp/local/a.jpg 50"
	if got != want {
		t.Errorf("args = %q, want %q", got, want)
	}
	o = Options{URL: "u", Threads: 2, Duration: 300 * time.Millisecond, Timeout: 2500 * time.Millisecond}
	if got, want := strings.Join(o.args("s.lua"), " "), "-t2 -c2 -d1s --timeout 3s -s s.lua u"; got != want {
		t.Errorf("args = %q, want %q", got, want)
	}
}

// TestRun runs the real wrk (1 s each) against a local server: the report line is printed
// and read, Vary's paths are what its comment says, and error answers are counted.
func TestRun(t *testing.T) {
	if _, err := Binary(); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	paths := map[string]int{}
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths[r.URL.Path]++
		s := status
		mu.Unlock()
		w.WriteHeader(s)
		w.Write([]byte("hello"))
	}))
	defer srv.Close()
	ctx := context.Background()

	r, out, err := Run(ctx, Options{URL: srv.URL, Threads: 2, Connections: 2, Duration: time.Second, Script: Vary, Args: []string{"/p/", "10", ".x", "3"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Errors.Total() != 0 || r.Duration < 900*time.Millisecond || r.P99 <= 0 || r.Bytes == 0 {
		t.Errorf("result %+v\n%s", r, out)
	}
	mu.Lock()
	re := regexp.MustCompile(`^/p/1[0-5]\.x$`)
	total := 0
	for p, n := range paths {
		if !re.MatchString(p) {
			t.Errorf("Vary asked for %q", p)
		}
		total += n
	}
	if len(paths) != 6 {
		t.Errorf("Vary asked for %d distinct paths, want 6 (2 threads × 3): %v", len(paths), paths)
	}
	if int64(total) < r.Requests {
		t.Errorf("the server saw %d requests, wrk counted %d", total, r.Requests)
	}
	paths = map[string]int{}
	status = http.StatusServiceUnavailable
	mu.Unlock()

	r, out, err = Run(ctx, Options{URL: srv.URL + "/static", Duration: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Errors.Status != r.Requests {
		t.Errorf("503s: %+v\n%s", r, out)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(paths) != 1 || paths["/static"] == 0 {
		t.Errorf("without a script wrk asks for the URL's path: %v", paths)
	}
}
