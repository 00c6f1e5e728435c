// Package progress shows how far a long run is (a migration over millions of files, a load
// replay, the reliability run) as one line rewritten in place on a terminal: what is done of
// what total, the rate and the time left. It writes nothing when the output is not a terminal,
// so the machine-readable output of a command (on stdout) and its logs stay as they are.
//
// The line is a pure function of a Snapshot, so its format is tested without a terminal; Start
// calls it twice a second.
package progress

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

// Snapshot is how far a run is. Zero fields are left out of the line.
type Snapshot struct {
	Label   string        // what runs, e.g. "migrate: copy"
	Elapsed time.Duration // since the run (or this stage of it) began
	Done    int64         // items done (files, requests)
	Total   int64         // items in all; 0 when not known
	Unit    string        // what an item is, plural ("files", "requests")
	Bytes   int64         // bytes done
	// TotalBytes is the bytes in all; 0 when not known. When known, the time left is
	// estimated from the byte rate (bytes, not files, set the pace of a copy).
	TotalBytes int64
	// Left, when set, is the time left as the caller knows it (a run of timed phases); it
	// takes precedence over an estimate from the rate.
	Left time.Duration
}

// line formats s, e.g.
//
//	migrate: copy 1200 of 5000 files, 1.2 of 4.8 GiB, 310 files/s, 40.2 MiB/s, 4s, ETA 12s
func line(s Snapshot) string {
	var b strings.Builder
	b.WriteString(s.Label)
	secs := s.Elapsed.Seconds()
	if s.Unit != "" {
		if s.Total > 0 {
			fmt.Fprintf(&b, " %d of %d %s", s.Done, s.Total, s.Unit)
		} else {
			fmt.Fprintf(&b, " %d %s", s.Done, s.Unit)
		}
		if s.TotalBytes > 0 {
			fmt.Fprintf(&b, ", %s of %s", formatBytes(s.Bytes), formatBytes(s.TotalBytes))
		} else if s.Bytes > 0 {
			fmt.Fprintf(&b, ", %s", formatBytes(s.Bytes))
		}
		if secs > 0 {
			fmt.Fprintf(&b, ", %.0f %s/s", float64(s.Done)/secs, s.Unit)
			if s.Bytes > 0 {
				fmt.Fprintf(&b, ", %s/s", formatBytes(int64(float64(s.Bytes)/secs)))
			}
		}
		b.WriteString(",")
	}
	fmt.Fprintf(&b, " %s", s.Elapsed.Round(time.Second))
	if eta, ok := s.eta(); ok {
		fmt.Fprintf(&b, ", ETA %s", eta.Round(time.Second))
	} else if s.Total > 0 || s.TotalBytes > 0 {
		b.WriteString(", ETA ?")
	}
	return b.String()
}

// eta is the time left: Left when set, else the remaining bytes (or items) at the rate so far.
func (s Snapshot) eta() (time.Duration, bool) {
	if s.Left > 0 {
		return s.Left, true
	}
	var done, total int64
	switch {
	case s.TotalBytes > 0 && s.Bytes > 0:
		done, total = s.Bytes, s.TotalBytes
	case s.Total > 0 && s.Done > 0:
		done, total = s.Done, s.Total
	default:
		return 0, false
	}
	if s.Elapsed <= 0 {
		return 0, false
	}
	left := max(0, total-done)
	return time.Duration(float64(s.Elapsed) * float64(left) / float64(done)), true
}

// formatBytes formats n in binary units: "512 B", "1.5 KiB", "40.2 MiB", "1.2 GiB".
func formatBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v, i := float64(n)/unit, 0
	for v >= unit && i < 4 {
		v /= unit
		i++
	}
	return fmt.Sprintf("%.1f %ciB", v, "KMGTP"[i])
}

// IsTerminal reports whether w is a terminal (a character device).
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// Start rewrites the line of snap() on w twice a second when w is a terminal, and does
// nothing otherwise. The returned stop writes the last line, ends it with a newline and
// returns once nothing more is written.
func Start(w io.Writer, snap func() Snapshot) (stop func()) {
	if !IsTerminal(w) {
		return func() {}
	}
	quit, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				fmt.Fprintf(w, "\r%s\033[K\n", line(snap()))
				return
			case <-tick.C:
				fmt.Fprintf(w, "\r%s\033[K", line(snap()))
			}
		}
	}()
	return func() { close(quit); <-ended }
}
