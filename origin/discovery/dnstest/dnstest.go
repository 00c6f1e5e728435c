// Package dnstest is a small authoritative DNS server on 127.0.0.1 (UDP) for tests of pool
// discovery: it answers SRV and A queries from a table the test changes while it runs, in the
// real DNS wire format (golang.org/x/net/dns/dnsmessage), so the code under test uses Go's
// own resolver unchanged. Names it does not know get NXDOMAIN.
package dnstest

import (
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"

	"golang.org/x/net/dns/dnsmessage"
)

// SRV is one SRV record's data.
type SRV struct {
	Target string
	Port   uint16
}

// Server is a running DNS server.
type Server struct {
	conn    *net.UDPConn
	mu      sync.Mutex
	srv     map[string][]SRV
	a       map[string][]netip.Addr
	fail    atomic.Bool
	queries atomic.Int64
	done    chan struct{}
}

// TB is the part of testing.TB the server needs.
type TB interface {
	Helper()
	Fatalf(format string, args ...any)
	Cleanup(func())
}

// Start starts a server on 127.0.0.1 and stops it at t's cleanup.
func Start(t TB) *Server {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatalf("dnstest: %v", err)
	}
	s := &Server{conn: c, srv: map[string][]SRV{}, a: map[string][]netip.Addr{}, done: make(chan struct{})}
	go s.serve()
	t.Cleanup(func() { c.Close(); <-s.done })
	return s
}

// Addr is the server's host:port, for a resolver's configuration.
func (s *Server) Addr() string { return s.conn.LocalAddr().String() }

// SetSRV replaces the SRV records of name.
func (s *Server) SetSRV(name string, recs ...SRV) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.srv[canonical(name)] = recs
}

// SetA replaces the A records of name.
func (s *Server) SetA(name string, addrs ...netip.Addr) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.a[canonical(name)] = addrs
}

// Fail makes the server answer SERVFAIL to everything while on is true.
func (s *Server) Fail(on bool) { s.fail.Store(on) }

// Queries is the number of queries answered so far.
func (s *Server) Queries() int64 { return s.queries.Load() }

func canonical(name string) string { return strings.ToLower(strings.TrimSuffix(name, ".")) + "." }

func (s *Server) serve() {
	defer close(s.done)
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFromUDP(buf)
		if err != nil {
			return
		}
		if out, ok := s.answer(buf[:n]); ok {
			_, _ = s.conn.WriteToUDP(out, from)
		}
	}
}

func (s *Server) answer(req []byte) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(req)
	if err != nil {
		return nil, false
	}
	q, err := p.Question()
	if err != nil {
		return nil, false
	}
	s.queries.Add(1)
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	name := strings.ToLower(q.Name.String())
	s.mu.Lock()
	srvs, hasSRV := s.srv[name]
	addrs, hasA := s.a[name]
	s.mu.Unlock()
	switch {
	case s.fail.Load():
		rh.RCode = dnsmessage.RCodeServerFailure
	case !hasSRV && !hasA:
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(make([]byte, 0, 512), rh)
	b.EnableCompression()
	if err := b.StartQuestions(); err != nil {
		return nil, false
	}
	if err := b.Question(q); err != nil {
		return nil, false
	}
	if err := b.StartAnswers(); err != nil {
		return nil, false
	}
	if rh.RCode == dnsmessage.RCodeSuccess {
		rr := dnsmessage.ResourceHeader{Name: q.Name, Class: dnsmessage.ClassINET, TTL: 5}
		switch q.Type {
		case dnsmessage.TypeSRV:
			for _, r := range srvs {
				target, err := dnsmessage.NewName(canonical(r.Target))
				if err != nil {
					return nil, false
				}
				if err := b.SRVResource(rr, dnsmessage.SRVResource{Priority: 0, Weight: 10, Port: r.Port, Target: target}); err != nil {
					return nil, false
				}
			}
		case dnsmessage.TypeA:
			for _, a := range addrs {
				if a.Is4() {
					if err := b.AResource(rr, dnsmessage.AResource{A: a.As4()}); err != nil {
						return nil, false
					}
				}
			}
		case dnsmessage.TypeAAAA:
			for _, a := range addrs {
				if a.Is6() && !a.Is4In6() {
					if err := b.AAAAResource(rr, dnsmessage.AAAAResource{AAAA: a.As16()}); err != nil {
						return nil, false
					}
				}
			}
		}
	}
	out, err := b.Finish()
	return out, err == nil
}
