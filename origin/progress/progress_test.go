package progress

import (
	"bytes"
	"testing"
	"time"
)

func TestLine(t *testing.T) {
	for _, tc := range []struct {
		name string
		s    Snapshot
		want string
	}{
		{"files and bytes, ETA from the byte rate",
			Snapshot{Label: "migrate: copy", Elapsed: 10 * time.Second, Done: 100, Total: 1000, Unit: "files", Bytes: 100 << 20, TotalBytes: 400 << 20},
			"migrate: copy 100 of 1000 files, 100.0 MiB of 400.0 MiB, 10 files/s, 10.0 MiB/s, 10s, ETA 30s"},
		{"items only, ETA from the item rate",
			Snapshot{Label: "offload:", Elapsed: 4 * time.Second, Done: 500, Total: 2000, Unit: "requests"},
			"offload: 500 of 2000 requests, 125 requests/s, 4s, ETA 12s"},
		{"no total: no ETA",
			Snapshot{Label: "migrate: copy", Elapsed: 2 * time.Second, Done: 10, Unit: "files", Bytes: 2048},
			"migrate: copy 10 files, 2.0 KiB, 5 files/s, 1.0 KiB/s, 2s"},
		{"nothing done yet: ETA unknown",
			Snapshot{Label: "migrate: verify", Total: 5, Unit: "files"},
			"migrate: verify 0 of 5 files, 0s, ETA ?"},
		{"the caller knows the time left",
			Snapshot{Label: "reliability: store down", Elapsed: 95 * time.Second, Done: 3000, Unit: "requests", Left: 4*time.Minute + 300*time.Millisecond},
			"reliability: store down 3000 requests, 32 requests/s, 1m35s, ETA 4m0s"},
		{"all done", Snapshot{Label: "x", Elapsed: time.Second, Done: 3, Total: 3, Unit: "files"}, "x 3 of 3 files, 3 files/s, 1s, ETA 0s"},
		{"a phase without items", Snapshot{Label: "reliability: starting the stack", Elapsed: 1500 * time.Millisecond, Left: time.Minute}, "reliability: starting the stack 2s, ETA 1m0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := line(tc.s); got != tc.want {
				t.Errorf("Line:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestFormatBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 B", 1023: "1023 B", 1024: "1.0 KiB", 1536: "1.5 KiB", 5 << 30: "5.0 GiB", 3 << 40: "3.0 TiB"} {
		if got := formatBytes(n); got != want {
			t.Errorf("formatBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

// A writer that is not a terminal gets nothing: the machine-readable output stays as it is.
func TestStartWritesNothingOffTerminal(t *testing.T) {
	var b bytes.Buffer
	stop := Start(&b, func() Snapshot { return Snapshot{Label: "x"} })
	stop()
	if b.Len() != 0 {
		t.Errorf("wrote %q to a buffer", b.String())
	}
}
