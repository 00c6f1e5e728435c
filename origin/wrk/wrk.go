// Package wrk runs the HTTP load generator wrk (Debian package wrk, installed by
// scripts/install-deps) and reads its figures.
//
// Every run gets a Lua script: the caller's request generator (Options.Script, e.g. Vary), or
// none, followed by the package's report.lua, whose done() prints one line
//
//	WRK_RESULT {"requests":…,"duration_us":…,"bytes":…,"errors":{…},"latency_us":{"p50":…,"p90":…,"p99":…,"max":…}}
//
// that Parse reads, so nothing depends on the layout of wrk's human-readable summary. A
// script without request() keeps wrk's fast path (one prepared request sent again and again);
// a caller's script must not define done(). errors.status counts answers outside 2xx and 3xx
// ("Non-2xx or 3xx responses" in wrk's summary).
package wrk

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

//go:embed report.lua
var reportLua string

// Vary is a request generator: with Args {BASE, N0, REST, K} it requests BASE..i..REST with
// i = N0 + (thread-1)·K + (n mod K), so each thread cycles through K distinct paths of its
// own and no two concurrent requests ask for the same one (see vary.lua).
//
//go:embed vary.lua
var Vary string

// Options is one run of wrk.
type Options struct {
	URL         string        // http://host:port/path (the path is what a script without request() asks for)
	Threads     int           // -t; 0 means 2
	Connections int           // -c; 0 means Threads
	Duration    time.Duration // -d, whole seconds (at least 1 s)
	// Timeout is wrk's request timeout (--timeout); 0 keeps wrk's default of 2 s. A request
	// without an answer by then counts as a timeout error.
	Timeout time.Duration
	Script  string   // Lua defining setup/init/request, or "" (see the package doc)
	Args    []string // passed to the script's init(args) after --
}

// Errors counts failed requests by kind.
type Errors struct {
	Connect int64 `json:"connect"`
	Read    int64 `json:"read"`
	Write   int64 `json:"write"`
	Status  int64 `json:"status"` // answers outside 2xx/3xx
	Timeout int64 `json:"timeout"`
}

// Total is the sum of every kind.
func (e Errors) Total() int64 { return e.Connect + e.Read + e.Write + e.Status + e.Timeout }

// Result is what one run measured.
type Result struct {
	Requests           int64         // completed requests (with any status)
	Duration           time.Duration // of the run
	Bytes              int64         // read, headers included
	Errors             Errors
	P50, P90, P99, Max time.Duration
}

// Rate is requests per second, as wrk's "Requests/sec".
func (r Result) Rate() float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Duration.Seconds()
}

const marker = "WRK_RESULT "

// Parse finds the WRK_RESULT line in wrk's output and reads it.
func Parse(out string) (Result, error) {
	i := strings.LastIndex(out, marker)
	if i < 0 {
		return Result{}, errors.New("wrk: no WRK_RESULT line in the output")
	}
	line := out[i+len(marker):]
	if j := strings.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	var raw struct {
		Requests   *int64 `json:"requests"`
		DurationUS *int64 `json:"duration_us"`
		Bytes      int64  `json:"bytes"`
		Errors     Errors `json:"errors"`
		Latency    struct {
			P50 int64 `json:"p50"`
			P90 int64 `json:"p90"`
			P99 int64 `json:"p99"`
			Max int64 `json:"max"`
		} `json:"latency_us"`
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&raw); err != nil {
		return Result{}, fmt.Errorf("wrk: WRK_RESULT: %w", err)
	}
	if raw.Requests == nil || raw.DurationUS == nil {
		return Result{}, errors.New("wrk: WRK_RESULT without requests or duration_us")
	}
	us := func(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
	r := Result{
		Requests: *raw.Requests, Duration: us(*raw.DurationUS), Bytes: raw.Bytes, Errors: raw.Errors,
		P50: us(raw.Latency.P50), P90: us(raw.Latency.P90), P99: us(raw.Latency.P99), Max: us(raw.Latency.Max),
	}
	if r.Requests < 0 || r.Duration < 0 || r.Bytes < 0 || r.P50 < 0 || r.P90 < 0 || r.P99 < 0 || r.Max < 0 ||
		r.Errors.Connect < 0 || r.Errors.Read < 0 || r.Errors.Write < 0 || r.Errors.Status < 0 || r.Errors.Timeout < 0 {
		return Result{}, errors.New("wrk: WRK_RESULT with a negative figure")
	}
	return r, nil
}

// args returns wrk's command line for o, with the script at scriptPath.
func (o Options) args(scriptPath string) []string {
	threads := o.Threads
	if threads <= 0 {
		threads = 2
	}
	conns := o.Connections
	if conns < threads {
		conns = threads
	}
	secs := int((o.Duration + time.Second/2) / time.Second)
	if secs < 1 {
		secs = 1
	}
	a := []string{"-t" + strconv.Itoa(threads), "-c" + strconv.Itoa(conns), "-d" + strconv.Itoa(secs) + "s"}
	if o.Timeout > 0 {
		a = append(a, "--timeout", strconv.Itoa(int((o.Timeout+time.Second-1)/time.Second))+"s")
	}
	a = append(a, "-s", scriptPath, o.URL)
	if len(o.Args) > 0 {
		a = append(a, "--")
		a = append(a, o.Args...)
	}
	return a
}

// Binary is the wrk on PATH, or an error that says how to install it.
func Binary() (string, error) {
	p, err := exec.LookPath("wrk")
	if err != nil {
		return "", errors.New("wrk is missing: run make deps (scripts/install-deps)")
	}
	return p, nil
}

// Run runs wrk once and returns its figures and its whole output.
func Run(ctx context.Context, o Options) (Result, string, error) {
	bin, err := Binary()
	if err != nil {
		return Result{}, "", err
	}
	dir, err := os.MkdirTemp("", "imgorigin-wrk-")
	if err != nil {
		return Result{}, "", err
	}
	defer os.RemoveAll(dir)
	script := filepath.Join(dir, "script.lua")
	if err := os.WriteFile(script, []byte(o.Script+"\n"+reportLua), 0o644); err != nil {
		return Result{}, "", err
	}
	var out, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, bin, o.args(script)...)
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		return Result{}, out.String(), fmt.Errorf("wrk %s: %w\n%s%s", strings.Join(cmd.Args[1:], " "), err, out.String(), stderr.String())
	}
	r, err := Parse(out.String())
	if err != nil {
		return Result{}, out.String(), fmt.Errorf("%w\n%s%s", err, out.String(), stderr.String())
	}
	return r, out.String(), nil
}
