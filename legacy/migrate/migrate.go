package migrate

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
)

// Migrator copies and verifies one tree. It is not safe to run two Migrators on the same
// destination at once.
type Migrator struct {
	cfg Config
	// Progress, when set, is called after each file is handled, from the worker goroutines.
	Progress func(Event)
	// Stage, when set, is called before each pass over the files, from the goroutine that
	// called Run or Verify.
	Stage func(Stage)
}

// New returns a Migrator for cfg.
func New(cfg Config) (*Migrator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	return &Migrator{cfg: cfg}, nil
}

func (m *Migrator) progress(rel string, a Action, size int64) {
	if m.Progress != nil {
		m.Progress(Event{Path: rel, Action: a, Size: size})
	}
}

func (m *Migrator) stage(name string, files int, bytes int64) {
	if m.Stage != nil {
		m.Stage(Stage{Name: name, Files: files, Bytes: bytes})
	}
}

// Run copies the source tree (resuming from the manifest and journal of earlier runs), writes
// the manifest, verifies every destination file and, with Config.Repair, re-copies the bad ones.
// The error is for failures of the run itself (walking the source, writing the manifest, ctx);
// per-file failures and verification problems are in the report.
func (m *Migrator) Run(ctx context.Context) (*Report, error) {
	rep := &Report{}
	if err := os.MkdirAll(m.cfg.Dest, 0o755); err != nil {
		return nil, fmt.Errorf("dest: %w", err)
	}
	if err := removeTemps(m.cfg.Dest); err != nil {
		return nil, err
	}
	items, skips, err := walkSource(ctx, m.cfg.Source)
	if err != nil {
		return nil, err
	}
	rep.Skips = skips
	var total int64
	for _, it := range items {
		total += it.size
	}
	m.stage("copy", len(items), total)
	mpath := m.cfg.ManifestPath()
	prev, err := loadState(mpath)
	if err != nil {
		return nil, err
	}
	journal, err := os.OpenFile(mpath+journalSuffix, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	defer journal.Close()

	var (
		mu       sync.Mutex
		entries  = make([]Entry, 0, len(items))
		failures []Problem
		jerr     error
	)
	err = m.forEach(ctx, len(items), func(i int) {
		it := items[i]
		p, had := prev[it.rel]
		e, act, err := m.place(ctx, it, p, had)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			if ctx.Err() == nil {
				failures = append(failures, Problem{Path: it.rel, Kind: Failed, Detail: err.Error()})
			}
			return
		}
		entries = append(entries, e)
		switch act {
		case ActionCopied:
			rep.Copied++
		case ActionSkipped:
			rep.Skipped++
		case ActionRehashed:
			rep.Rehashed++
		}
		if act != ActionSkipped || !had {
			if _, err := journal.WriteString(formatLine(e)); err != nil && jerr == nil {
				jerr = fmt.Errorf("journal: %w", err)
			}
		}
		m.progress(it.rel, act, e.Size)
	})
	if err != nil {
		return rep, err
	}
	if jerr != nil {
		return rep, jerr
	}
	for _, e := range entries {
		rep.Bytes += e.Size
	}
	rep.Files = len(entries)
	if err := saveManifest(mpath, entries); err != nil {
		return rep, err
	}
	journal.Close()
	if err := os.Remove(mpath + journalSuffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return rep, fmt.Errorf("journal: %w", err)
	}

	ver, err := m.verify(ctx, entries)
	if err != nil {
		return rep, err
	}
	rep.Verified = ver.Verified
	problems := ver.Problems
	if m.cfg.Repair && len(problems) > 0 {
		problems, rep.Repaired = m.repair(ctx, problems, entries)
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
	}
	rep.Problems = sortProblems(append(problems, failures...))
	return rep, nil
}

// place puts one file in the destination and returns its manifest entry.
func (m *Migrator) place(ctx context.Context, it item, prev Entry, had bool) (Entry, Action, error) {
	st, err := os.Stat(it.read)
	if err != nil {
		return Entry{}, "", fmt.Errorf("stat source: %w", err)
	}
	size, mtime := st.Size(), st.ModTime()
	dst := filepath.Join(m.cfg.Dest, filepath.FromSlash(it.rel))
	dst0, derr := os.Lstat(dst)
	dstRegular := derr == nil && dst0.Mode().IsRegular() && dst0.Size() == size
	if had && dstRegular && prev.Size == size && prev.MTime.Equal(mtime) && dst0.ModTime().Equal(mtime) {
		return prev, ActionSkipped, nil
	}
	if dstRegular {
		// In doubt: prove it by content.
		hs, n, err := hashFile(ctx, it.read)
		if err != nil {
			return Entry{}, "", fmt.Errorf("hash source: %w", err)
		}
		if n == size {
			if hd, _, err := hashFile(ctx, dst); err == nil && hd == hs {
				if err := os.Chtimes(dst, mtime, mtime); err != nil {
					return Entry{}, "", fmt.Errorf("set mtime: %w", err)
				}
				return Entry{Path: it.rel, Size: size, MTime: mtime, SHA256: hs}, ActionRehashed, nil
			}
		}
	}
	sum, err := copyFile(ctx, it.read, dst, size, mtime)
	if err != nil {
		return Entry{}, "", err
	}
	return Entry{Path: it.rel, Size: size, MTime: mtime, SHA256: sum}, ActionCopied, nil
}

// Verify re-reads every destination file listed in the manifest and reports the ones that are
// missing, truncated or different. It copies nothing.
func (m *Migrator) Verify(ctx context.Context) (*Report, error) {
	entries, err := loadManifest(m.cfg.ManifestPath())
	if err != nil {
		return nil, err
	}
	return m.verify(ctx, entries)
}

func (m *Migrator) verify(ctx context.Context, entries []Entry) (*Report, error) {
	rep := &Report{Files: len(entries)}
	var total int64
	for _, e := range entries {
		total += e.Size
	}
	m.stage("verify", len(entries), total)
	var mu sync.Mutex
	err := m.forEach(ctx, len(entries), func(i int) {
		e := entries[i]
		p := checkOne(ctx, filepath.Join(m.cfg.Dest, filepath.FromSlash(e.Path)), e)
		if ctx.Err() != nil {
			return
		}
		mu.Lock()
		defer mu.Unlock()
		rep.Bytes += e.Size
		if p != nil {
			rep.Problems = append(rep.Problems, *p)
			return
		}
		rep.Verified++
		m.progress(e.Path, ActionVerified, e.Size)
	})
	if err != nil {
		return rep, err
	}
	rep.Problems = sortProblems(rep.Problems)
	return rep, nil
}

// checkOne compares one destination file with its entry; nil means identical.
func checkOne(ctx context.Context, dst string, e Entry) *Problem {
	st, err := os.Lstat(dst)
	if err != nil || !st.Mode().IsRegular() {
		detail := "no regular file"
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			detail = err.Error()
		}
		return &Problem{Path: e.Path, Kind: Missing, Detail: detail}
	}
	if st.Size() < e.Size {
		return &Problem{Path: e.Path, Kind: Truncated, Detail: fmt.Sprintf("%d of %d bytes", st.Size(), e.Size)}
	}
	sum, n, err := hashFile(ctx, dst)
	switch {
	case err != nil:
		return &Problem{Path: e.Path, Kind: Different, Detail: "unreadable: " + err.Error()}
	case n < e.Size:
		return &Problem{Path: e.Path, Kind: Truncated, Detail: fmt.Sprintf("%d of %d bytes", n, e.Size)}
	case n > e.Size:
		return &Problem{Path: e.Path, Kind: Different, Detail: fmt.Sprintf("%d bytes, expected %d", n, e.Size)}
	case sum != e.SHA256:
		return &Problem{Path: e.Path, Kind: Different, Detail: "sha256 " + sum + ", expected " + e.SHA256}
	}
	return nil
}

// repair re-copies the files behind problems from the source, checks that the source still has
// the manifest's bytes, and returns what is still wrong and what was fixed.
func (m *Migrator) repair(ctx context.Context, problems []Problem, entries []Entry) (left []Problem, fixed []string) {
	byPath := make(map[string]Entry, len(entries))
	for _, e := range entries {
		byPath[e.Path] = e
	}
	var total int64
	for _, pr := range problems {
		total += byPath[pr.Path].Size
	}
	m.stage("repair", len(problems), total)
	var mu sync.Mutex
	_ = m.forEach(ctx, len(problems), func(i int) {
		pr := problems[i]
		e := byPath[pr.Path]
		err := m.recopy(ctx, e)
		mu.Lock()
		defer mu.Unlock()
		if err != nil {
			left = append(left, Problem{Path: pr.Path, Kind: pr.Kind, Detail: pr.Detail + "; repair failed: " + err.Error()})
			return
		}
		fixed = append(fixed, pr.Path)
		m.progress(pr.Path, ActionRepaired, e.Size)
	})
	slices.Sort(fixed)
	return left, fixed
}

func (m *Migrator) recopy(ctx context.Context, e Entry) error {
	src, err := m.sourcePath(e.Path)
	if err != nil {
		return err
	}
	st, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("stat source: %w", err)
	}
	if st.Size() != e.Size || !st.ModTime().Equal(e.MTime) {
		return errors.New("source changed since the manifest was written; run again without -repair")
	}
	dst := filepath.Join(m.cfg.Dest, filepath.FromSlash(e.Path))
	sum, err := copyFile(ctx, src, dst, e.Size, e.MTime)
	if err != nil {
		return err
	}
	if sum != e.SHA256 {
		return errors.New("source bytes differ from the manifest")
	}
	if p := checkOne(ctx, dst, e); p != nil {
		return fmt.Errorf("still %s after copy", p.Kind)
	}
	return nil
}

// sourcePath resolves a manifest path in the source without leaving its root.
func (m *Migrator) sourcePath(rel string) (string, error) {
	if err := checkRel(rel); err != nil {
		return "", err
	}
	root, err := filepath.EvalSymlinks(m.cfg.Source)
	if err != nil {
		return "", fmt.Errorf("source: %w", err)
	}
	root, _ = filepath.Abs(root)
	real, err := filepath.EvalSymlinks(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return "", fmt.Errorf("source: %w", err)
	}
	if !within(root, real) {
		return "", fmt.Errorf("%w: %q leaves the source root", ErrBadPath, rel)
	}
	return real, nil
}

// forEach runs f(0..n-1) on cfg.Workers goroutines and returns ctx's error if it ended first.
func (m *Migrator) forEach(ctx context.Context, n int, f func(i int)) error {
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(m.cfg.Workers, max(n, 1)) {
		wg.Go(func() {
			for i := range next {
				f(i)
			}
		})
	}
feed:
	for i := range n {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	return ctx.Err()
}

// removeTemps deletes temporary files that an interrupted run left in the destination.
func removeTemps(root string) error {
	return filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("dest: %w", err)
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), tmpSuffix) {
			if err := os.Remove(p); err != nil {
				return fmt.Errorf("dest: %w", err)
			}
		}
		return nil
	})
}

func sortProblems(ps []Problem) []Problem {
	slices.SortFunc(ps, func(a, b Problem) int { return strings.Compare(a.Path, b.Path) })
	return ps
}
