package cache

import (
	"context"
	"io"
	"net/http"
	"sync"
	"time"
)

// peerHealth remembers owners whose last fetch failed at the transport level (refused, reset,
// no answer within PeerTimeout: a killed, hung or partitioned node), so that this node loads
// their keys itself instead of paying PeerTimeout on every request. Once PeerBackoff has
// passed, the next request for such an owner starts one background probe of its peer
// endpoint (any HTTP answer within min(PeerTimeout, 1 s) means alive) and still loads
// locally; a good probe brings the owner back, a failed one starts another back-off. So no
// request waits on an owner already known to be down. An owner that answers a fetch with an
// error status is alive and is not skipped.
type peerHealth struct {
	backoff time.Duration // 0: never skip
	alive   func(addr string) bool
	mu      sync.Mutex
	down    map[string]*peerState
}

type peerState struct {
	until   time.Time // no probe before then
	probing bool
}

func newPeerHealth(backoff, timeout time.Duration, client *http.Client) *peerHealth {
	timeout = min(timeout, time.Second)
	return &peerHealth{backoff: backoff, down: map[string]*peerState{}, alive: func(addr string) bool {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+addr+PeerPath, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
		resp.Body.Close()
		return true // the peer handler answered (400 for this empty key): the node runs
	}}
}

// usable reports whether a fetch may go to owner (internal address addr) now.
func (h *peerHealth) usable(owner, addr string, now time.Time) bool {
	if h.backoff == 0 {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.down[owner]
	if s == nil {
		return true
	}
	if !s.probing && !now.Before(s.until) {
		s.probing = true
		go h.probe(owner, addr)
	}
	return false
}

func (h *peerHealth) probe(owner, addr string) {
	ok := h.alive(addr)
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.down[owner]
	switch {
	case s == nil:
	case ok:
		delete(h.down, owner)
	default:
		s.probing, s.until = false, time.Now().Add(h.backoff)
	}
}

// failed records a transport failure of a fetch from owner.
func (h *peerHealth) failed(owner string, now time.Time) {
	if h.backoff == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.down[owner]; s != nil {
		s.until = now.Add(h.backoff)
		return
	}
	h.down[owner] = &peerState{until: now.Add(h.backoff)}
}

// answered records that owner answered a fetch (whatever the status).
func (h *peerHealth) answered(owner string) {
	if h.backoff == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.down, owner)
}
