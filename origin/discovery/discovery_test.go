package discovery_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/discovery"
	"github.com/imgorigin/imgorigin/origin/discovery/dnstest"
	"github.com/imgorigin/imgorigin/origin/pool"
)

const srvName = "_http._tcp.imgorigin-peers.test.svc.cluster.local"

func newDiscoverer(t *testing.T, dns *dnstest.Server, mod func(*discovery.Config)) *discovery.Discoverer {
	t.Helper()
	cfg := discovery.DefaultConfig()
	cfg.Name, cfg.Resolver, cfg.Interval = srvName, dns.Addr(), time.Second
	if mod != nil {
		mod(&cfg)
	}
	d, err := discovery.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestResolveSRV(t *testing.T) {
	dns := dnstest.Start(t)
	dns.SetSRV(srvName,
		dnstest.SRV{Target: "Origin-2.imgorigin-peers.test.svc.cluster.local.", Port: 8080},
		dnstest.SRV{Target: "origin-0.imgorigin-peers.test.svc.cluster.local", Port: 8080},
		dnstest.SRV{Target: "origin-1.imgorigin-peers.test.svc.cluster.local", Port: 8081},
		dnstest.SRV{Target: "origin-0.imgorigin-peers.test.svc.cluster.local", Port: 8080}, // duplicate
	)
	got, err := newDiscoverer(t, dns, nil).Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []pool.Member{
		{Name: "origin-0.imgorigin-peers.test.svc.cluster.local:8080", Internal: "origin-0.imgorigin-peers.test.svc.cluster.local:9090"},
		{Name: "origin-1.imgorigin-peers.test.svc.cluster.local:8081", Internal: "origin-1.imgorigin-peers.test.svc.cluster.local:9090"},
		{Name: "origin-2.imgorigin-peers.test.svc.cluster.local:8080", Internal: "origin-2.imgorigin-peers.test.svc.cluster.local:9090"},
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Resolve = %v\nwant %v", got, want)
	}
}

func TestResolveA(t *testing.T) {
	dns := dnstest.Start(t)
	const name = "imgorigin-peers.test.svc.cluster.local"
	dns.SetA(name, netip.MustParseAddr("10.1.0.9"), netip.MustParseAddr("10.1.0.10"))
	got, err := newDiscoverer(t, dns, func(c *discovery.Config) {
		c.Name, c.Type, c.Port, c.InternalPort = name, discovery.TypeA, 8000, 9000
	}).Resolve(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []pool.Member{{Name: "10.1.0.10:8000", Internal: "10.1.0.10:9000"}, {Name: "10.1.0.9:8000", Internal: "10.1.0.9:9000"}}
	if !slices.Equal(got, want) {
		t.Fatalf("Resolve = %v, want %v", got, want)
	}
}

func TestResolveFailures(t *testing.T) {
	dns := dnstest.Start(t)
	d := newDiscoverer(t, dns, nil)
	if _, err := d.Resolve(context.Background()); err == nil {
		t.Fatal("unknown name: no error")
	}
	dns.SetSRV(srvName) // the name exists, with no records
	if _, err := d.Resolve(context.Background()); err == nil {
		t.Fatal("no records: no error")
	}
	dns.SetSRV(srvName, dnstest.SRV{Target: "a.example", Port: 1})
	dns.Fail(true)
	if _, err := d.Resolve(context.Background()); err == nil {
		t.Fatal("SERVFAIL: no error")
	}
	dns.Fail(false)
	if ms, err := d.Resolve(context.Background()); err != nil || len(ms) != 1 {
		t.Fatalf("after recovery: %v, %v", ms, err)
	}
	dead := newDiscoverer(t, dns, func(c *discovery.Config) { c.Resolver, c.Timeout = "127.0.0.1:1", 200*time.Millisecond })
	start := time.Now()
	if _, err := dead.Resolve(context.Background()); err == nil {
		t.Fatal("no DNS server: no error")
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Fatalf("a dead DNS server took %s, want about the 200ms timeout", took)
	}
}

// TestResolveEmptyIsErrEmpty: a name whose SRV set is empty is an error, never an empty pool.
func TestResolveEmptyIsErrEmpty(t *testing.T) {
	dns := dnstest.Start(t)
	dns.SetSRV(srvName, dnstest.SRV{Target: ".", Port: 8080}) // "no service" target
	_, err := newDiscoverer(t, dns, nil).Resolve(context.Background())
	if !errors.Is(err, discovery.ErrEmpty) {
		t.Fatalf("err = %v, want ErrEmpty", err)
	}
}

// TestWatch: the first pool, then only changes; failed lookups and refused pools keep the last
// accepted pool, and a refused pool is offered again.
func TestWatch(t *testing.T) {
	dns := dnstest.Start(t)
	dns.SetSRV(srvName, dnstest.SRV{Target: "a.svc", Port: 80}, dnstest.SRV{Target: "b.svc", Port: 80})
	d := newDiscoverer(t, dns, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pools := make(chan []pool.Member, 16)
	refuse := make(chan bool, 1)
	refuse <- false
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		d.Watch(ctx, slog.New(slog.NewTextHandler(io.Discard, nil)), func(ms []pool.Member) error {
			r := <-refuse
			refuse <- r
			pools <- ms
			if r {
				return errors.New("refused")
			}
			return nil
		})
	}()
	next := func() string {
		t.Helper()
		select {
		case ms := <-pools:
			var s []string
			for _, m := range ms {
				s = append(s, m.Name)
			}
			return strings.Join(s, " ")
		case <-time.After(10 * time.Second):
			t.Fatal("no pool offered within 10s")
			return ""
		}
	}
	if got := next(); got != "a.svc:80 b.svc:80" {
		t.Fatalf("first pool %q", got)
	}
	// A lookup that fails, then the same pool again: nothing offered; then a third member.
	dns.Fail(true)
	q := dns.Queries()
	for dns.Queries() < q+2 {
		time.Sleep(20 * time.Millisecond)
	}
	dns.Fail(false)
	dns.SetSRV(srvName, dnstest.SRV{Target: "a.svc", Port: 80}, dnstest.SRV{Target: "b.svc", Port: 80}, dnstest.SRV{Target: "c.svc", Port: 80})
	if got := next(); got != "a.svc:80 b.svc:80 c.svc:80" {
		t.Fatalf("after a failed lookup and a change: %q", got)
	}
	// A refused pool is offered again at the next lookup, then accepted.
	<-refuse
	refuse <- true
	dns.SetSRV(srvName, dnstest.SRV{Target: "a.svc", Port: 80})
	if got := next(); got != "a.svc:80" {
		t.Fatalf("shrunk pool %q", got)
	}
	<-refuse
	refuse <- false
	if got := next(); got != "a.svc:80" {
		t.Fatalf("refused pool offered again: %q", got)
	}
	cancel()
	<-stopped
	select {
	case ms := <-pools:
		t.Fatalf("offered %v after an unchanged lookup", ms)
	default:
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		mod  func(*discovery.Config)
		want string
	}{
		{"default (off)", func(*discovery.Config) {}, ""},
		{"srv", func(c *discovery.Config) { c.Name = srvName }, ""},
		{"bad type", func(c *discovery.Config) { c.Type = "mx" }, "type:"},
		{"bad name", func(c *discovery.Config) { c.Name = "http://x" }, "name:"},
		{"port", func(c *discovery.Config) { c.Port = 0 }, "port:"},
		{"internal port", func(c *discovery.Config) { c.InternalPort = 70000 }, "internal_port:"},
		{"interval", func(c *discovery.Config) { c.Interval = time.Millisecond }, "interval:"},
		{"timeout", func(c *discovery.Config) { c.Timeout = 0 }, "timeout:"},
		{"resolver", func(c *discovery.Config) { c.Resolver = "10.0.0.1" }, "resolver:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := discovery.DefaultConfig()
			tc.mod(&c)
			err := c.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.HasPrefix(err.Error(), tc.want)) {
				t.Fatalf("Validate = %v, want prefix %q", err, tc.want)
			}
		})
	}
}
