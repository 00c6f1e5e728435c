package health_test

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/health"
	"github.com/imgorigin/imgorigin/origin/pool"
)

// node is a real HTTP server on 127.0.0.1 answering /readyz: 200, or 503 (draining), or not at
// all (hung: the handler blocks, as a SIGSTOPped process's kernel accepts and nothing answers).
type node struct {
	addr string
	mode atomic.Int32 // 0 ready, 1 draining, 2 hung
}

func startNode(t *testing.T) *node {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := &node{addr: l.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch n.mode.Load() {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			<-r.Context().Done()
		}
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return n
}

func TestChecker(t *testing.T) {
	cfg := health.DefaultConfig()
	cfg.Interval, cfg.Timeout = 100*time.Millisecond, 50*time.Millisecond
	c, err := health.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	a, b, d := startNode(t), startNode(t), startNode(t)
	targets := []pool.Member{{Name: "a:80", Internal: a.addr}, {Name: "b:80", Internal: b.addr}, {Name: "d:80", Internal: d.addr}}
	changes := make(chan []string, 16)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		c.Run(ctx, func() []pool.Member { return targets }, func(down []string) { changes <- down })
	}()
	t.Cleanup(func() { cancel(); <-done })
	next := func(want ...string) {
		t.Helper()
		select {
		case got := <-changes:
			if !slices.Equal(got, want) {
				t.Fatalf("down %v, want %v", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no change to %v within 5 s", want)
		}
	}
	start := time.Now()
	b.mode.Store(2)
	next("b:80")
	if took := time.Since(start); took > time.Duration(cfg.Fails+1)*cfg.Interval+cfg.Timeout+200*time.Millisecond {
		t.Errorf("hung node detected after %v, want within fails × interval", took)
	}
	d.mode.Store(1)
	next("b:80", "d:80")
	b.mode.Store(0)
	next("d:80")
	d.mode.Store(0)
	next()
	select {
	case got := <-changes:
		t.Fatalf("change %v without a change of state", got)
	case <-time.After(3 * cfg.Interval):
	}
}

func TestValidate(t *testing.T) {
	for name, edit := range map[string]func(*health.Config){
		"interval": func(c *health.Config) { c.Interval = 0 },
		"timeout":  func(c *health.Config) { c.Timeout = 2 * c.Interval },
		"fails":    func(c *health.Config) { c.Fails = 0 },
		"passes":   func(c *health.Config) { c.Passes = 0 },
		"path":     func(c *health.Config) { c.Path = "readyz" },
	} {
		cfg := health.DefaultConfig()
		edit(&cfg)
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "health_check."+name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := health.DefaultConfig().Validate(); err != nil {
		t.Fatal(err)
	}
}
