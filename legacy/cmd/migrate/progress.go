package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"github.com/imgorigin/imgorigin/legacy/migrate"
)

// progress shows, on a terminal, the files and bytes handled so far and the rate, rewritten in
// place twice a second on stderr; the report on stdout is unchanged.
type progress struct {
	dest         string
	files, bytes atomic.Int64
	start        time.Time
	stop         chan struct{}
	done         chan struct{}
}

// isTerminal reports whether w is a character device (a terminal).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

func startProgress(dest string, w io.Writer) *progress {
	p := &progress{dest: dest, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stop:
				fmt.Fprintf(w, "\r%s\n", p.line())
				return
			case <-tick.C:
				fmt.Fprintf(w, "\r%s", p.line())
			}
		}
	}()
	return p
}

// event counts one handled file (and its size in the destination).
func (p *progress) event(e migrate.Event) {
	p.files.Add(1)
	if st, err := os.Stat(filepath.Join(p.dest, filepath.FromSlash(e.Path))); err == nil {
		p.bytes.Add(st.Size())
	}
}

func (p *progress) line() string {
	secs := time.Since(p.start).Seconds()
	f, b := p.files.Load(), p.bytes.Load()
	return fmt.Sprintf("migrate: %d files, %.1f MiB in %.0f s (%.0f files/s, %.1f MiB/s)", f, float64(b)/(1<<20), secs,
		float64(f)/max(secs, 0.001), float64(b)/(1<<20)/max(secs, 0.001))
}

func (p *progress) finish() {
	close(p.stop)
	<-p.done
}
