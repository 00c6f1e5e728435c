package cache

import (
	"testing"
	"time"
)

// TestPeerHealth: a transport failure skips the owner; after the back-off one background
// probe runs while requests still skip it; a good probe brings it back, a failed one starts
// another back-off; an answered fetch closes it at once.
func TestPeerHealth(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	h := newPeerHealth(3*time.Second, time.Second, nil)
	probes := make(chan string, 4)
	verdict := make(chan bool)
	h.alive = func(addr string) bool { probes <- addr; return <-verdict }
	const a, b = "a:1", "b:1"
	step := func(what string, got, want bool) {
		t.Helper()
		if got != want {
			t.Fatalf("%s: usable %v, want %v", what, got, want)
		}
	}
	settle := func() { // wait until the probe goroutine has recorded its verdict
		t.Helper()
		for i := 0; ; i++ {
			h.mu.Lock()
			s := h.down[a]
			busy := s != nil && s.probing
			h.mu.Unlock()
			if !busy {
				return
			}
			if i > 1000 {
				t.Fatal("probe did not finish")
			}
			time.Sleep(time.Millisecond) // polling a goroutine's state, bounded
		}
	}
	step("fresh", h.usable(a, "ia", t0), true)
	h.failed(a, t0)
	step("in back-off", h.usable(a, "ia", t0.Add(time.Second)), false)
	step("other owner", h.usable(b, "ib", t0.Add(time.Second)), true)
	if len(probes) != 0 {
		t.Fatal("probed during the back-off")
	}
	step("back-off over: probe starts, request still skips", h.usable(a, "ia", t0.Add(3*time.Second)), false)
	if got := <-probes; got != "ia" {
		t.Fatalf("probed %q", got)
	}
	step("while probing", h.usable(a, "ia", t0.Add(3*time.Second)), false)
	verdict <- false
	settle()
	step("probe failed: back-off again", h.usable(a, "ia", time.Now()), false)
	if len(probes) != 0 {
		t.Fatal("probed again within the back-off")
	}
	step("next probe", h.usable(a, "ia", time.Now().Add(4*time.Second)), false)
	<-probes
	verdict <- true
	settle()
	step("probe good: back", h.usable(a, "ia", time.Now()), true)
	h.failed(a, t0)
	h.answered(a)
	step("answered fetch closes", h.usable(a, "ia", t0), true)

	off := newPeerHealth(0, time.Second, nil)
	off.failed(a, t0)
	step("back-off 0", off.usable(a, "ia", t0), true)
}
