package fastdfs

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
)

var errPoolClosed = errors.New("fastdfs: client closed")

// longAgo is a deadline in the past: setting it interrupts blocked I/O.
var longAgo = time.Unix(1, 0)

// pool holds the connections to one server. slots has one token per open connection (in use
// or idle), so at most cap(slots) are ever open; idle holds at most MaxIdle of them.
type pool struct {
	addr      string
	cfg       *Config
	firstByte time.Duration // bound on the wait for a reply's header; IOTimeout when 0
	dialer    *net.Dialer
	slots     chan struct{}
	idle      chan *conn
	closed    atomic.Bool
	done      chan struct{}
	once      sync.Once
}

func newPool(addr string, cfg *Config, dialer *net.Dialer, firstByte time.Duration) *pool {
	return &pool{
		addr:      addr,
		cfg:       cfg,
		firstByte: firstByte,
		dialer:    dialer,
		slots:     make(chan struct{}, cfg.MaxOpen),
		idle:      make(chan *conn, cfg.MaxIdle),
		done:      make(chan struct{}),
	}
}

// conn is one pooled connection. It has a single owner at a time.
type conn struct {
	net.Conn
	p        *pool
	lastUsed time.Time
	reused   bool        // taken from the idle list rather than dialled for this request
	released bool        // returned to the pool or closed
	aborted  atomic.Bool // the request's context ended while the connection was in use
	hdr      [HeaderLen]byte
}

// get returns an idle connection (checked with ACTIVE_TEST when idle for long) or dials a
// new one, waiting for a free slot while MaxOpen connections are open.
func (p *pool) get(ctx context.Context) (*conn, error) {
	for {
		if p.closed.Load() {
			return nil, errPoolClosed
		}
		select {
		case c := <-p.idle:
			if ok, err := p.revive(ctx, c); ok {
				return c, nil
			} else if err != nil {
				return nil, err
			}
			continue
		default:
		}
		select {
		case c := <-p.idle:
			if ok, err := p.revive(ctx, c); ok {
				return c, nil
			} else if err != nil {
				return nil, err
			}
		case p.slots <- struct{}{}:
			nc, err := p.dialer.DialContext(ctx, "tcp", p.addr)
			if err != nil {
				<-p.slots
				return nil, err
			}
			return &conn{Conn: nc, p: p}, nil
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-p.done:
			return nil, errPoolClosed
		}
	}
}

// revive decides whether an idle connection may be reused, closing it if not. A connection
// the server closed while idle is replaced by the next one; an ACTIVE_TEST that gets no answer
// in time is the server's failure (it accepts and does not answer: hung), returned as the
// error of get, so that it costs the caller one first-byte deadline instead of one per idle
// connection.
func (p *pool) revive(ctx context.Context, c *conn) (bool, error) {
	c.released = false
	c.aborted.Store(false)
	idle := time.Since(c.lastUsed)
	if idle > p.cfg.IdleTimeout {
		c.discard()
		return false, nil
	}
	if idle > p.cfg.CheckAfter {
		stop := c.watch(ctx)
		err := c.activeTest(ctx)
		if !stop() {
			c.discard()
			return false, nil // the context ended: get's loop returns its error
		}
		if err != nil {
			c.discard()
			if isTimeout(err) {
				return false, fmt.Errorf("active test of an idle connection: %w", err)
			}
			return false, nil
		}
	}
	c.reused = true
	return true, nil
}

// activeTest sends ACTIVE_TEST and expects an empty OK reply.
func (c *conn) activeTest(ctx context.Context) error {
	c.Conn.SetDeadline(c.deadline(ctx))
	b := AppendHeader(c.hdr[:0], Header{Cmd: CmdActiveTest})
	if _, err := c.Conn.Write(b); err != nil {
		return err
	}
	c.Conn.SetReadDeadline(c.firstByteDeadline(ctx))
	if _, err := io.ReadFull(c.Conn, c.hdr[:]); err != nil {
		return err
	}
	h, err := ParseHeader(c.hdr[:])
	if err != nil {
		return err
	}
	if h.Cmd != CmdResp || h.Status != 0 || h.Len != 0 {
		return fmt.Errorf("%w: active test reply %+v", ErrFrame, h)
	}
	return nil
}

// deadline is now + IOTimeout, or the context's deadline when sooner.
func (c *conn) deadline(ctx context.Context) time.Time {
	d := time.Now().Add(c.p.cfg.IOTimeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// firstByteDeadline bounds the wait for a reply's header: now + the pool's first-byte
// timeout (a server that accepts and never answers costs that, not IOTimeout), or the
// context's deadline when sooner.
func (c *conn) firstByteDeadline(ctx context.Context) time.Time {
	if c.p.firstByte <= 0 {
		return c.deadline(ctx)
	}
	d := time.Now().Add(c.p.firstByte)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// watch interrupts the connection's I/O when ctx ends; the returned stop reports whether it
// had not fired.
func (c *conn) watch(ctx context.Context) (stop func() bool) {
	return context.AfterFunc(ctx, func() {
		c.aborted.Store(true)
		c.Conn.SetDeadline(longAgo)
	})
}

// put returns a healthy connection to the idle list, or closes it when the list is full.
func (c *conn) put() {
	if c.released {
		return
	}
	p := c.p
	if p.closed.Load() || c.aborted.Load() {
		c.discard()
		return
	}
	c.released = true
	c.reused = false
	c.lastUsed = time.Now()
	c.Conn.SetDeadline(time.Time{})
	select {
	case p.idle <- c:
		if p.closed.Load() {
			p.drain()
		}
	default:
		c.released = false
		c.discard()
	}
}

// discard closes the connection and frees its slot.
func (c *conn) discard() {
	if c.released {
		return
	}
	c.released = true
	c.Conn.Close()
	<-c.p.slots
}

func (p *pool) drain() {
	for {
		select {
		case c := <-p.idle:
			c.released = false
			c.discard()
		default:
			return
		}
	}
}

func (p *pool) close() {
	p.once.Do(func() {
		p.closed.Store(true)
		close(p.done)
		p.drain()
	})
}

// roundTrip writes a request and reads a reply whose body is at most maxBody bytes. On any
// error the connection is closed; otherwise it is returned to the pool when the status
// allows reuse.
func (c *conn) roundTrip(ctx context.Context, req net.Buffers, maxBody int) (Header, []byte, error) {
	stop := c.watch(ctx)
	h, body, err := c.exchange(ctx, req, maxBody)
	if !stop() {
		c.discard()
		return h, nil, ctxErr(ctx)
	}
	if err != nil {
		c.discard()
		return h, nil, err
	}
	if reusable(h.Status) {
		c.put()
	} else {
		c.discard()
	}
	return h, body, nil
}

func (c *conn) exchange(ctx context.Context, req net.Buffers, maxBody int) (Header, []byte, error) {
	c.Conn.SetDeadline(c.deadline(ctx))
	if _, err := req.WriteTo(c.Conn); err != nil {
		return Header{}, nil, err
	}
	if c.p.firstByte > 0 {
		c.Conn.SetReadDeadline(c.firstByteDeadline(ctx))
	}
	h, err := c.readHeader()
	if err != nil {
		return h, nil, err
	}
	if c.p.firstByte > 0 {
		c.Conn.SetReadDeadline(c.deadline(ctx))
	}
	if h.Len > int64(maxBody) {
		return h, nil, fmt.Errorf("%w: reply body of %d bytes (at most %d expected)", ErrFrame, h.Len, maxBody)
	}
	body := make([]byte, h.Len)
	if _, err := io.ReadFull(c.Conn, body); err != nil {
		return h, nil, err
	}
	return h, body, nil
}

func (c *conn) readHeader() (Header, error) {
	if _, err := io.ReadFull(c.Conn, c.hdr[:]); err != nil {
		return Header{}, err
	}
	h, err := ParseHeader(c.hdr[:])
	if err != nil {
		return h, err
	}
	if h.Cmd != CmdResp {
		return h, fmt.Errorf("%w: reply command %d, want %d", ErrFrame, h.Cmd, CmdResp)
	}
	return h, nil
}

// ctxDone reports whether ctx has ended or its deadline has passed (a connection deadline
// taken from ctx can fire a moment before ctx.Err is set).
func ctxDone(ctx context.Context) bool {
	if ctx.Err() != nil {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && !time.Now().Before(dl)
}

// ctxErr returns the context's error marked as unavailable too.
func ctxErr(ctx context.Context) error {
	err := context.Cause(ctx)
	if err == nil {
		err = context.DeadlineExceeded
	}
	return fmt.Errorf("%w: fastdfs: %w", source.ErrUnavailable, err)
}
