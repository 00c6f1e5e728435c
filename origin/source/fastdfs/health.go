package fastdfs

import (
	"context"
	"io"
	"sync/atomic"
	"time"
)

// Server roles.
const (
	RoleTracker = "tracker"
	RoleStorage = "storage"
)

// server is one tracker or storage: its connection pool and its health as this client sees
// it. A server is down from an I/O failure (refused, reset, no first byte in time) until a
// request or the background check (ACTIVE_TEST) gets an answer from it.
type server struct {
	role      string
	addr      string
	pool      *pool
	down      atomic.Bool
	failovers atomic.Uint64 // requests that moved on from this server to another
}

func (s *server) isDown() bool { return s.down.Load() }

// ServerState is one server's health, for metrics.
type ServerState struct {
	Role      string // RoleTracker or RoleStorage
	Addr      string // host:port
	Up        bool
	Failovers uint64 // requests that moved on from this server to another (a counter)
}

// Servers returns the health of the trackers and of the storages this client has talked to.
func (cl *Client) Servers() []ServerState {
	out := make([]ServerState, 0, len(cl.trackers)+4)
	for _, t := range cl.trackers {
		out = append(out, t.state())
	}
	cl.mu.Lock()
	for _, s := range cl.storages {
		out = append(out, s.state())
	}
	cl.mu.Unlock()
	return out
}

func (s *server) state() ServerState {
	return ServerState{Role: s.role, Addr: s.addr, Up: !s.down.Load(), Failovers: s.failovers.Load()}
}

// markDown records a failure of s; the change is logged once and s's idle connections are
// closed (a hung server's would hang too).
func (cl *Client) markDown(s *server, err error) {
	if !s.down.CompareAndSwap(false, true) {
		return
	}
	cl.log.Warn("fastdfs server down: skipped until it answers an ACTIVE_TEST", "role", s.role, "addr", s.addr, "err", err)
	s.pool.drain()
	select {
	case cl.wake <- struct{}{}:
	default:
	}
}

// markUp records an answer from s; the change is logged once.
func (cl *Client) markUp(s *server) {
	if s.down.Load() && s.down.CompareAndSwap(true, false) {
		cl.log.Info("fastdfs server up again", "role", s.role, "addr", s.addr)
	}
}

// checkLoop probes the servers that are down every HealthInterval with ACTIVE_TEST on a
// fresh connection (bounded by ConnectTimeout and FirstByteTimeout), until Close.
func (cl *Client) checkLoop() {
	defer close(cl.checked)
	t := time.NewTicker(cl.cfg.HealthInterval)
	defer t.Stop()
	for {
		select {
		case <-cl.stop:
			return
		case <-cl.wake:
			// A server just went down: probe from the next tick on.
			t.Reset(cl.cfg.HealthInterval)
			continue
		case <-t.C:
		}
		for _, s := range cl.downServers() {
			if err := cl.probe(s); err == nil {
				cl.markUp(s)
			}
		}
	}
}

func (cl *Client) downServers() []*server {
	var out []*server
	for _, t := range cl.trackers {
		if t.isDown() {
			out = append(out, t)
		}
	}
	cl.mu.Lock()
	for _, s := range cl.storages {
		if s.isDown() {
			out = append(out, s)
		}
	}
	cl.mu.Unlock()
	return out
}

// probe sends ACTIVE_TEST to s on a new connection, outside its pool.
func (cl *Client) probe(s *server) error {
	ctx, cancel := context.WithTimeout(context.Background(), cl.cfg.ConnectTimeout+cl.cfg.FirstByteTimeout)
	defer cancel()
	// Close interrupts a probe in progress.
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-cl.stop:
			cancel()
		case <-done:
		}
	}()
	nc, err := s.pool.dialer.DialContext(ctx, "tcp", s.addr) // a storage's passes the address guard
	if err != nil {
		return err
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(cl.cfg.FirstByteTimeout))
	stopIO := context.AfterFunc(ctx, func() { nc.SetDeadline(longAgo) })
	defer stopIO()
	var hdr [HeaderLen]byte
	if _, err := nc.Write(AppendHeader(hdr[:0], Header{Cmd: CmdActiveTest})); err != nil {
		return err
	}
	if _, err := io.ReadFull(nc, hdr[:]); err != nil {
		return err
	}
	h, err := ParseHeader(hdr[:])
	if err != nil {
		return err
	}
	if h.Cmd != CmdResp || h.Status != 0 || h.Len != 0 {
		return ErrFrame
	}
	return nil
}
