package fastdfs

import (
	"context"
	"errors"
	"net"
	"sort"
	"sync"
	"time"
)

// tracker is one tracker server with its pool and back-off state.
type tracker struct {
	pool *pool

	mu        sync.Mutex
	failures  int
	downUntil time.Time
}

func (t *tracker) ok() {
	t.mu.Lock()
	t.failures = 0
	t.downUntil = time.Time{}
	t.mu.Unlock()
}

// fail records a failure: the tracker is tried last for base·2^(failures-1), capped at max.
func (t *tracker) fail(base, max time.Duration) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.failures++
	d := base
	for i := 1; i < t.failures && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	t.downUntil = time.Now().Add(d)
}

func (t *tracker) until() time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.downUntil
}

// trackerOrder lists the trackers to try: healthy ones round-robin first, then those in
// back-off, soonest to recover first.
func (cl *Client) trackerOrder() []*tracker {
	n := len(cl.trackers)
	start := int(cl.next.Add(1)) % n
	now := time.Now()
	order := make([]*tracker, 0, n)
	var down []*tracker
	var downAt []time.Time
	for i := range n {
		t := cl.trackers[(start+i)%n]
		if u := t.until(); u.After(now) {
			down = append(down, t)
			downAt = append(downAt, u)
			continue
		}
		order = append(order, t)
	}
	idx := make([]int, len(down))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return downAt[idx[a]].Before(downAt[idx[b]]) })
	for _, i := range idx {
		order = append(order, down[i])
	}
	return order
}

// trackerCall sends req to the trackers in turn until one answers. A reply with a non-zero
// status is an answer; I/O and framing failures move on to the next tracker.
func (cl *Client) trackerCall(ctx context.Context, req []byte, maxBody int) (Header, []byte, error) {
	var errs []error
	for _, t := range cl.trackerOrder() {
		h, body, err := cl.call(ctx, t.pool, req, maxBody)
		if err == nil {
			t.ok()
			return h, body, nil
		}
		if ctxDone(ctx) {
			return h, nil, ctxErr(ctx)
		}
		if errors.Is(err, errPoolClosed) {
			return h, nil, unavailable("tracker", err)
		}
		t.fail(cl.cfg.TrackerBackoff, cl.cfg.TrackerBackoffMax)
		errs = append(errs, err)
	}
	return Header{}, nil, unavailable("trackers", errors.Join(errs...))
}

// call performs one idempotent request on a pooled connection. A reused connection that fails
// other than by timeout (the server closed it while idle) is replaced once by another.
func (cl *Client) call(ctx context.Context, p *pool, req []byte, maxBody int) (Header, []byte, error) {
	for attempt := 0; ; attempt++ {
		c, err := p.get(ctx)
		if err != nil {
			return Header{}, nil, err
		}
		reused := c.reused
		h, body, err := c.roundTrip(ctx, net.Buffers{req}, maxBody)
		if err != nil && reused && attempt < 2 && !ctxDone(ctx) && !isTimeout(err) {
			continue
		}
		if err != nil {
			return h, nil, &opError{addr: p.addr, err: err}
		}
		return h, body, nil
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

type opError struct {
	addr string
	err  error
}

func (e *opError) Error() string { return e.addr + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }
