package cache

import (
	"testing"
	"time"
)

// TestPeerHealth: a transport failure skips the owner for the back-off; then exactly one trial
// goes through; its success closes the breaker, its failure starts another back-off, and a
// trial whose caller gave up frees the slot.
func TestPeerHealth(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	h := newPeerHealth(3 * time.Second)
	const a, b = "a:1", "b:1"
	step := func(what string, got, want bool) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: usable %v, want %v", what, got, want)
		}
	}
	step("fresh", h.usable(a, t0), true)
	h.failed(a, t0)
	step("in back-off", h.usable(a, t0.Add(time.Second)), false)
	step("other owner", h.usable(b, t0.Add(time.Second)), true)
	step("trial", h.usable(a, t0.Add(3*time.Second)), true)
	step("while the trial runs", h.usable(a, t0.Add(3*time.Second)), false)
	h.abandoned(a)
	step("trial abandoned: another", h.usable(a, t0.Add(3*time.Second)), true)
	h.failed(a, t0.Add(4*time.Second))
	step("trial failed", h.usable(a, t0.Add(6*time.Second)), false)
	step("next trial", h.usable(a, t0.Add(7*time.Second)), true)
	h.answered(a)
	step("closed", h.usable(a, t0.Add(7*time.Second)), true)
	step("closed, again", h.usable(a, t0.Add(7*time.Second)), true)

	off := newPeerHealth(0)
	off.failed(a, t0)
	step("back-off 0", off.usable(a, t0), true)
}
