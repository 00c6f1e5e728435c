package reliability

import (
	"testing"
	"time"
)

func TestKept(t *testing.T) {
	old := "# Reliability run\n\nold intro\n\n## Summary\n\n- old\n\n## Load held\n\nold figures\n\n" +
		"## Write path: an origin killed during 1,000 uploads\n\nkept figures\n\n## Attacks tried\n\n| a | b |\n"
	generated := "# Reliability run\n\nnew intro\n\n## Summary\n\n- new\n\n## Load held\n\nnew figures\n"
	want := "\n## Write path: an origin killed during 1,000 uploads\n\nkept figures\n" +
		"\n## Attacks tried\n\n| a | b |\n"
	if got := Kept(old, generated); got != want {
		t.Errorf("Kept:\n got %q\nwant %q", got, want)
	}
	if got := Kept("", generated); got != "" {
		t.Errorf("Kept of no file: %q", got)
	}
	// A section the run writes is never kept twice, even when the old file had it last.
	if got := Kept("## Load held\n\nold\n", generated); got != "" {
		t.Errorf("Kept kept a generated section: %q", got)
	}
}

// The time left is the rest of the current phase by the plan plus every later phase; a phase
// that overruns its plan counts as ending now.
func TestProgressTimeLeft(t *testing.T) {
	r := New(Options{Steady: time.Minute})
	if got := r.Progress().Label; got != "reliability: not started" {
		t.Errorf("before the start: %q", got)
	}
	var total time.Duration
	for _, p := range r.plan {
		total += p.d
	}
	r.began = time.Now().Add(-time.Hour)
	r.enter("starting the stack")
	r.phaseBegan = time.Now().Add(-10 * time.Second)
	s := r.Progress()
	if want := total - 10*time.Second; s.Left < want-time.Second || s.Left > want {
		t.Errorf("10 s into the first phase: %v left, want %v", s.Left, want)
	}
	if s.Label != "reliability: starting the stack," || s.Elapsed < time.Hour {
		t.Errorf("snapshot %+v", s)
	}
	r.enter("settling")
	r.phaseBegan = time.Now().Add(-time.Minute) // overran its 6 s
	if s := r.Progress(); s.Left != time.Second {
		t.Errorf("an overrun last phase: %v left, want the 1 s floor", s.Left)
	}
}
