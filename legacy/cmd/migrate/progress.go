package main

import (
	"io"
	"sync"
	"time"

	"github.com/imgorigin/imgorigin/legacy/migrate"
	"github.com/imgorigin/imgorigin/origin/progress"
)

// stageProgress counts the files and bytes of the current pass (copy, verify, repair) against
// the totals the Migrator announces before it; progress.Start shows them on a terminal.
type stageProgress struct {
	mu    sync.Mutex
	stage migrate.Stage
	began time.Time
	files int64
	bytes int64
}

func (p *stageProgress) onStage(s migrate.Stage) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.stage, p.began, p.files, p.bytes = s, time.Now(), 0, 0
}

func (p *stageProgress) onEvent(e migrate.Event) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.files++
	p.bytes += e.Size
}

func (p *stageProgress) snapshot() progress.Snapshot {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.began.IsZero() {
		return progress.Snapshot{Label: "migrate: listing the source"}
	}
	return progress.Snapshot{Label: "migrate: " + p.stage.Name, Elapsed: time.Since(p.began), Unit: "files",
		Done: p.files, Total: int64(p.stage.Files), Bytes: p.bytes, TotalBytes: p.stage.Bytes}
}

// showProgress wires a progress line on w (when it is a terminal) to m; the returned func
// ends it.
func showProgress(m *migrate.Migrator, w io.Writer) func() {
	if !progress.IsTerminal(w) {
		return func() {}
	}
	p := &stageProgress{}
	m.Stage, m.Progress = p.onStage, p.onEvent
	return progress.Start(w, p.snapshot)
}
