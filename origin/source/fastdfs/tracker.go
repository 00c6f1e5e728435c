package fastdfs

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"
)

// groupCheckTTL is how long an answer of the group list (known or not) is remembered, and
// groupCheckMax how many groups are remembered (group names come from request paths).
const (
	groupCheckTTL = 10 * time.Second
	groupCheckMax = 256
)

// trackerOrder lists the trackers to try: those up round-robin, then those down (tried only
// when no tracker that is up answered).
func (cl *Client) trackerOrder() (up, down []*server) {
	n := len(cl.trackers)
	start := int(cl.next.Add(1)) % n
	up = make([]*server, 0, n)
	for i := range n {
		t := cl.trackers[(start+i)%n]
		if t.isDown() {
			down = append(down, t)
			continue
		}
		up = append(up, t)
	}
	return up, down
}

// trackerCall sends req to the trackers in turn until one answers. A reply with a non-zero
// status is an answer, except ENOENT when nextOnENOENT is set: then the next tracker is asked
// too (it may already have heard from the group's storages), and an ENOENT reply is returned
// only when no tracker answered otherwise. I/O and framing failures mark the tracker down
// and move on. Trackers that are down are asked only when none that is up answered at all.
func (cl *Client) trackerCall(ctx context.Context, req []byte, maxBody int, nextOnENOENT bool) (Header, []byte, error) {
	var errs []error
	var enoent *Header
	up, down := cl.trackerOrder()
	for _, list := range [][]*server{up, down} {
		if enoent != nil {
			break
		}
		for _, t := range list {
			h, body, err := cl.call(ctx, t, req, maxBody)
			if err == nil {
				if h.Status == StatusENOENT && nextOnENOENT {
					enoent = &h
					continue
				}
				return h, body, nil
			}
			if ctxDone(ctx) {
				return h, nil, ctxErr(ctx)
			}
			if errors.Is(err, errPoolClosed) {
				return h, nil, unavailable("tracker", err)
			}
			t.failovers.Add(1)
			errs = append(errs, err)
		}
	}
	if enoent != nil {
		return *enoent, nil, nil
	}
	return Header{}, nil, unavailable("trackers", errors.Join(errs...))
}

// call performs one idempotent request on a pooled connection of s and keeps s's health: an
// I/O or framing failure marks it down, an answer up. A reused connection that fails other
// than by timeout (the server closed it while idle) is replaced once by another.
func (cl *Client) call(ctx context.Context, s *server, req []byte, maxBody int) (Header, []byte, error) {
	for attempt := 0; ; attempt++ {
		c, err := s.pool.get(ctx)
		if err != nil {
			if !ctxDone(ctx) && !errors.Is(err, errPoolClosed) {
				cl.markDown(s, err)
			}
			return Header{}, nil, err
		}
		reused := c.reused
		h, body, err := c.roundTrip(ctx, net.Buffers{req}, maxBody)
		if err != nil && reused && attempt < 2 && !ctxDone(ctx) && !isTimeout(err) {
			continue
		}
		if err != nil {
			if !ctxDone(ctx) {
				cl.markDown(s, err)
			}
			return h, nil, &opError{addr: s.addr, err: err}
		}
		cl.markUp(s)
		return h, body, nil
	}
}

// trackerENOENT turns a tracker's ENOENT for group into an error. tracker_mem.c answers
// ENOENT both for a group it does not know and for a known group with no active storage
// (stopped, or not reported yet after a tracker restart): only the group list tells them apart.
func (cl *Client) trackerENOENT(ctx context.Context, group string, cmd byte) error {
	st := &StatusError{Cmd: cmd, Status: StatusENOENT}
	known, err := cl.groupListed(ctx, group)
	switch {
	case err != nil:
		return fmt.Errorf("%w: group %s: %w (group list: %w)", ErrNoStorage, group, st, err)
	case known:
		return fmt.Errorf("%w: group %s: %w", ErrNoStorage, group, st)
	}
	return fmt.Errorf("%w: group %s (%s)", ErrUnknownGroup, group, st.Error())
}

type groupSeen struct {
	known   bool
	expires time.Time
}

// groupListed asks the trackers whether group exists (LIST_ONE_GROUP: the group's stats, or
// ENOENT from tracker_deal_server_list_one_group). A restarted tracker still lists the groups
// it loaded from its data files before any storage reports in. Answers are remembered for
// groupCheckTTL; a failure to ask is an error and is not remembered.
func (cl *Client) groupListed(ctx context.Context, group string) (bool, error) {
	now := time.Now()
	cl.gmu.Lock()
	e, ok := cl.groups[group]
	cl.gmu.Unlock()
	if ok && now.Before(e.expires) {
		return e.known, nil
	}
	req := AppendHeader(make([]byte, 0, HeaderLen+GroupLen), Header{Len: GroupLen, Cmd: CmdListOneGroup})
	req = appendFixed(req, group, GroupLen)
	h, _, err := cl.trackerCall(ctx, req, 1024, true)
	if err != nil {
		return false, err
	}
	if h.Status != StatusOK && h.Status != StatusENOENT {
		return false, &StatusError{Cmd: CmdListOneGroup, Status: h.Status}
	}
	known := h.Status == StatusOK
	cl.gmu.Lock()
	if len(cl.groups) >= groupCheckMax {
		clear(cl.groups)
	}
	cl.groups[group] = groupSeen{known: known, expires: now.Add(groupCheckTTL)}
	cl.gmu.Unlock()
	return known, nil
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
