package cache

import (
	"sync"
	"time"
)

// peerHealth remembers owners whose last fetch failed at the transport level (refused, reset,
// no answer within PeerTimeout: a killed, hung or partitioned node), so that for PeerBackoff
// this node loads their keys itself instead of paying PeerTimeout on every request. When the
// back-off has passed, one fetch goes to the owner as a trial while the others still load
// locally; its success (any HTTP answer: the node is alive) closes the breaker, its failure
// starts another back-off. An owner that answers with an error status is alive and is not
// skipped.
type peerHealth struct {
	backoff time.Duration // 0: never skip
	mu      sync.Mutex
	down    map[string]*peerState
}

type peerState struct {
	until time.Time // skip the owner until then
	trial bool      // a trial fetch is in flight
}

func newPeerHealth(backoff time.Duration) *peerHealth {
	return &peerHealth{backoff: backoff, down: map[string]*peerState{}}
}

// usable reports whether a fetch may go to owner now.
func (h *peerHealth) usable(owner string, now time.Time) bool {
	if h.backoff == 0 {
		return true
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.down[owner]
	switch {
	case s == nil:
		return true
	case s.trial || now.Before(s.until):
		return false
	default:
		s.trial = true
		return true
	}
}

// failed records a transport failure of a fetch from owner.
func (h *peerHealth) failed(owner string, now time.Time) {
	if h.backoff == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.down[owner] = &peerState{until: now.Add(h.backoff)}
}

// answered records that owner answered (whatever the status).
func (h *peerHealth) answered(owner string) {
	if h.backoff == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.down, owner)
}

// abandoned records a fetch from owner that ended without a verdict (its caller gave up): a
// trial slot it held is free again.
func (h *peerHealth) abandoned(owner string) {
	if h.backoff == 0 {
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if s := h.down[owner]; s != nil {
		s.trial = false
	}
}
