package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/discovery"
	"github.com/imgorigin/imgorigin/origin/discovery/dnstest"
)

const peersSRV = "_http._tcp.imgorigin-peers.test.svc.cluster.local"

func port(t *testing.T, addr string) uint16 {
	t.Helper()
	_, p, err := net.SplitHostPort(addr)
	if err != nil {
		t.Fatal(err)
	}
	n, err := strconv.Atoi(p)
	if err != nil {
		t.Fatal(err)
	}
	return uint16(n)
}

// waitGauge polls until the metric equals want or 15 s pass.
func waitGauge(t *testing.T, internalURL, name string, want float64) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		got := metricSum(t, internalURL, name)
		if got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s = %v after 15s, want %v", name, got, want)
		}
		<-tick.C
	}
}

// TestDiscoveryFollowsDNS runs a real origin whose pool comes from SRV records: it takes the
// pool DNS publishes, follows it as it grows and shrinks, and refuses a pool without itself
// (serving on with the last pool it accepted) until it is back in DNS.
func TestDiscoveryFollowsDNS(t *testing.T) {
	dns := dnstest.Start(t)
	public, internal := freeAddr(t), freeAddr(t)
	// SRV targets are names (Go's resolver refuses an address as a target), so the members are
	// localhost:{port}; the two peers are ports nothing listens on.
	self := dnstest.SRV{Target: "localhost", Port: port(t, public)}
	peer1 := dnstest.SRV{Target: "localhost", Port: port(t, freeAddr(t))}
	peer2 := dnstest.SRV{Target: "localhost", Port: port(t, freeAddr(t))}
	dns.SetSRV(peersSRV, self, peer1)
	root := t.TempDir()
	writeSamples(t, root)
	p := startProc(t, fmt.Sprintf(`
node: {name: dns-node}
log: {level: info, format: json}
auth: {mode: "off"}
server: {listen: "%s", internal_listen: "%s"}
cluster:
  self: "localhost:%d"
  cache: {peer_timeout: 1s, peer_secret: {current: "discovery-test-cluster-secret-0123456789"}}
  discovery: {name: %s, resolver: "%s", interval: 1s, internal_port: %d}
sources:
  local: {type: local, local: {root: "%s"}}
`, public, internal, self.Port, peersSRV, dns.Addr(), port(t, freeAddr(t)), root), public, internal)

	waitGauge(t, p.internal, "imgorigin_pool_members", 2)
	dns.SetSRV(peersSRV, self, peer1, peer2)
	waitGauge(t, p.internal, "imgorigin_pool_members", 3)

	dns.SetSRV(peersSRV, peer1, peer2) // this node is gone from DNS: refused
	p.waitMsg(t, "pool from DNS refused", 15*time.Second)
	if got := metricSum(t, p.internal, "imgorigin_pool_members"); got != 3 {
		t.Fatalf("pool members %v after a pool without this node, want the last pool's 3", got)
	}
	dns.SetSRV(peersSRV, self, peer2)
	waitGauge(t, p.internal, "imgorigin_pool_members", 2)

	// The node serves throughout; images it does not own are loaded here when the owner
	// (not running in this test) cannot be reached.
	for i := 0; i < 8; i++ {
		if code, body := p.get(t, fmt.Sprintf("%s/i/w_%d,f_jpeg/local/photo.jpg", p.base, 40+i)); code != http.StatusOK {
			t.Fatalf("GET: %d %s", code, body)
		}
	}
}

// TestRenderNginxWatch: render-nginx --watch rewrites the front configuration when the pool in
// DNS changes, the file always passes nginx -t, and the nginx master named by the PID file is
// sent SIGHUP after each change (here the test process stands in for nginx's master).
func TestRenderNginxWatch(t *testing.T) {
	if _, err := nginxtest.Binary(); err != nil {
		t.Fatalf("nginx is needed (make deps): %v", err)
	}
	dns := dnstest.Start(t)
	a := dnstest.SRV{Target: "localhost", Port: 18181}
	b := dnstest.SRV{Target: "localhost", Port: 18182}
	dns.SetSRV(peersSRV, a)
	cfg := config.Default()
	cfg.Cluster.Self = "localhost:18181"
	cfg.Auth.Mode = auth.ModeOff
	cfg.Cluster.Cache.PeerSecret.Current = "discovery-test-cluster-secret-0123456789"
	cfg.Cluster.Discovery = discovery.DefaultConfig()
	cfg.Cluster.Discovery.Name, cfg.Cluster.Discovery.Resolver, cfg.Cluster.Discovery.Interval = peersSRV, dns.Addr(), time.Second
	cfg.Front.Listen = freeAddr(t)
	cfg.Front.ErrorLog = "stderr"
	cfg.Front.HealthCheck.Enabled = false // nothing answers /readyz here: TestRenderNginxWatchHealth
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out, pidFile := filepath.Join(dir, "front.conf"), filepath.Join(dir, "nginx.pid")
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	hups := make(chan os.Signal, 8)
	signal.Notify(hups, syscall.SIGHUP)
	defer signal.Stop(hups)

	// One-shot render-nginx resolves DNS once.
	once, err := renderNginx(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(once), "server localhost:18181") {
		t.Fatalf("one-shot render has no server from DNS:\n%s", once)
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- watchNginx(ctx, cfg, out, pidFile, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
	waitHUP := func() {
		t.Helper()
		select {
		case <-hups:
		case <-time.After(15 * time.Second):
			t.Fatal("no SIGHUP within 15s")
		}
	}
	check := func(want, notWant []string) {
		t.Helper()
		conf, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range want {
			if !strings.Contains(string(conf), "server "+s) {
				t.Errorf("rendered upstream lacks %s", s)
			}
		}
		for _, s := range notWant {
			if strings.Contains(string(conf), "server "+s) {
				t.Errorf("rendered upstream still has %s", s)
			}
		}
		if msg, err := nginxtest.Check(t, string(conf)); err != nil {
			t.Fatalf("nginx -t: %v\n%s", err, msg)
		}
	}
	waitHUP()
	check([]string{"localhost:18181"}, []string{"localhost:18182"})
	dns.SetSRV(peersSRV, a, b)
	waitHUP()
	check([]string{"localhost:18181", "localhost:18182"}, nil)
	dns.SetSRV(peersSRV, b)
	waitHUP()
	check([]string{"localhost:18182"}, []string{"localhost:18181"})
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
