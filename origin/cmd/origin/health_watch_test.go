package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/pool"
)

// TestRenderNginxWatchHealth: with a static pool, render-nginx --watch marks a member whose
// /readyz stops answering `down` (and SIGHUPs nginx's master), and takes the mark off when it
// answers again; the file always passes nginx -t.
func TestRenderNginxWatchHealth(t *testing.T) {
	var hung atomic.Bool
	internal := make([]string, 2)
	for i := range internal {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		internal[i] = l.Addr().String()
		hangs := i == 1
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hangs && hung.Load() {
				<-r.Context().Done() // a stopped process: connected, never answered
			}
		})}
		go func() { _ = srv.Serve(l) }()
		t.Cleanup(func() { _ = srv.Close() })
	}
	cfg := config.Default()
	cfg.Cluster.Pool = []pool.Member{{Name: "127.0.0.1:18291", Internal: internal[0], Weight: 1}, {Name: "127.0.0.1:18292", Internal: internal[1], Weight: 1}}
	cfg.Cluster.Self = cfg.Cluster.Pool[0].Name
	cfg.Auth.Mode = auth.ModeOff
	cfg.Cluster.Cache.PeerSecret.Current = "health-watch-test-cluster-secret-0123456789"
	cfg.Front.Listen = freeAddr(t)
	cfg.Front.ErrorLog = "stderr"
	cfg.Front.HealthCheck.Interval, cfg.Front.HealthCheck.Timeout = 200*time.Millisecond, 100*time.Millisecond
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, pidFile := filepath.Join(dir, "front.conf"), filepath.Join(dir, "nginx.pid")
	first, err := renderNginx(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, first, 0o644); err != nil { // as the start script leaves it
		t.Fatal(err)
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hups := make(chan os.Signal, 8)
	signal.Notify(hups, syscall.SIGHUP)
	defer signal.Stop(hups)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- watchNginx(ctx, cfg, out, pidFile, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	waitHUP := func(down bool) {
		t.Helper()
		select {
		case <-hups:
		case <-time.After(10 * time.Second):
			t.Fatal("no SIGHUP within 10s")
		}
		conf, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Count(string(conf), "server 127.0.0.1:18292 weight=1 max_fails=2 fail_timeout=10s down;") == 2; got != down {
			t.Fatalf("127.0.0.1:18292 rendered down: %v, want %v", got, down)
		}
		if strings.Contains(string(conf), "18291 weight=1 max_fails=2 fail_timeout=10s down") {
			t.Fatal("the healthy member was rendered down")
		}
		if msg, err := nginxtest.Check(t, string(conf)); err != nil {
			t.Fatalf("nginx -t: %v\n%s", err, msg)
		}
	}
	hung.Store(true)
	waitHUP(true)
	hung.Store(false)
	waitHUP(false)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	select {
	case <-hups:
		t.Fatal("SIGHUP without a change")
	default:
	}
}
