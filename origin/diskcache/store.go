package diskcache

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Store is one node's disk tier: append-only segment files under Config.Path and an in-memory
// index of key → (segment, offset, length). Get, File and Put are safe for concurrent use; one
// writer goroutine appends, seals and evicts.
type Store struct {
	cfg Config
	log *slog.Logger

	mu    sync.RWMutex
	index map[string]*entry
	segs  []*segment // oldest first; the last one may be the active one

	// writer goroutine only
	active  *segment
	nextID  uint64
	buf     []byte
	written []indexed // records of the active segment, for its index file

	queue     chan putReq
	stop      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
	ready     chan struct{}

	total        atomic.Int64 // bytes of every segment file
	degraded     atomic.Bool
	retryAt      atomic.Int64 // unix nanoseconds: writes stay off until then
	rebuildNanos atomic.Int64
	c            counters
}

type counters struct {
	hits, misses, writes, writeBytes, dropped, tooLarge atomic.Int64
	evictions, evictedItems, reappended, corrupt, errs  atomic.Int64
}

type segment struct {
	id      uint64
	path    string
	f       *os.File
	size    atomic.Int64
	keys    []string // under Store.mu
	evicted bool     // under Store.mu
}

type entry struct {
	seg      *segment
	off      int64
	size     uint32 // record length
	verified atomic.Bool
	ref      atomic.Bool // read since written or re-appended (CLOCK)
}

type putReq struct {
	key   string
	value []byte
	done  chan struct{} // a Flush marker
}

// Stats is a snapshot of a Store's gauges and counters.
type Stats struct {
	Bytes, Items, Segments int64
	Hits, Misses           int64
	Writes                 int64 // values written (Puts)
	WriteBytes             int64 // bytes appended: Puts and CLOCK's re-appends
	Dropped, TooLarge      int64 // Puts not written: queue full or tier off; value over a segment
	Evictions              int64 // segments evicted
	EvictedItems           int64
	Reappended             int64 // records given a second chance (CLOCK)
	Corrupt                int64 // records (and index files) that failed their checks, never served
	Errors                 int64 // disk errors (open, read, write, sync)
	Degraded               bool  // writes are off after a disk error
	Ready                  bool  // the index is rebuilt
	Rebuild                time.Duration
}

// Open opens (or creates) the tier at cfg.Path. It returns at once and rebuilds the index in
// the background (Ready): lookups meanwhile see the segments loaded so far. Disk trouble is not
// an error: the store logs it once and starts with writes off (Stats.Degraded), and Get misses.
// Only an invalid or disabled configuration is an error.
func Open(cfg Config, log *slog.Logger) (*Store, error) {
	if !cfg.Enabled() {
		return nil, errors.New("diskcache: no path")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("diskcache: %w", err)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		cfg:    cfg,
		log:    log,
		index:  map[string]*entry{},
		queue:  make(chan putReq, cfg.WriteQueue),
		stop:   make(chan struct{}),
		ready:  make(chan struct{}),
		nextID: 1,
	}
	old, err := s.listSegments()
	if err != nil {
		s.trouble("open", err)
	}
	s.wg.Add(2)
	go s.run()
	go s.rebuild(old)
	return s, nil
}

func segName(id uint64) string { return fmt.Sprintf("%016x.seg", id) }

func idxPath(segPath string) string { return strings.TrimSuffix(segPath, ".seg") + ".idx" }

// listSegments opens the segment files left by an earlier run (read-only) and removes files of
// no use: index files without a segment, temporary files of an interrupted index write.
func (s *Store) listSegments() ([]*segment, error) {
	if err := os.MkdirAll(s.cfg.Path, 0o755); err != nil {
		return nil, err
	}
	des, err := os.ReadDir(s.cfg.Path)
	if err != nil {
		return nil, err
	}
	segIDs := map[uint64]bool{}
	for _, de := range des {
		if id, ok := parseSegName(de.Name(), ".seg"); ok {
			segIDs[id] = true
		}
	}
	var segs []*segment
	for _, de := range des {
		name := de.Name()
		if id, ok := parseSegName(name, ".idx"); ok && !segIDs[id] || strings.HasSuffix(name, ".tmp") {
			_ = os.Remove(filepath.Join(s.cfg.Path, name))
			continue
		}
		id, ok := parseSegName(name, ".seg")
		if !ok {
			continue
		}
		p := filepath.Join(s.cfg.Path, name)
		f, err := os.Open(p)
		var st os.FileInfo
		if err == nil {
			if st, err = f.Stat(); err != nil {
				_ = f.Close()
			}
		}
		if err != nil { // the old segments are left alone: this run writes new ones only
			for _, seg := range segs {
				_ = seg.f.Close()
			}
			return nil, err
		}
		seg := &segment{id: id, path: p, f: f}
		seg.size.Store(st.Size())
		segs = append(segs, seg)
	}
	sort.Slice(segs, func(i, j int) bool { return segs[i].id < segs[j].id })
	for _, seg := range segs {
		s.total.Add(seg.size.Load())
		s.nextID = max(s.nextID, seg.id+1)
	}
	s.segs = append(s.segs, segs...)
	return segs, nil
}

func parseSegName(name, ext string) (uint64, bool) {
	hex, ok := strings.CutSuffix(name, ext)
	if !ok || len(hex) != 16 {
		return 0, false
	}
	id, err := strconv.ParseUint(hex, 16, 64)
	return id, err == nil && id > 0
}

// rebuild loads the index of each old segment, newest first (the newest are the likeliest to
// be asked for), from its index file or, when that is missing or bad, by scanning the segment.
func (s *Store) rebuild(old []*segment) {
	defer s.wg.Done()
	defer close(s.ready)
	t0 := time.Now()
	for i := len(old) - 1; i >= 0; i-- {
		select {
		case <-s.stop:
			return
		default:
		}
		s.load(old[i])
	}
	s.rebuildNanos.Store(int64(time.Since(t0)))
	s.log.Info("disk cache ready", "path", s.cfg.Path, "items", s.Stats().Items, "segments", len(old), "took", time.Since(t0))
}

func (s *Store) load(seg *segment) {
	size := seg.size.Load()
	var entries []indexed
	verified := false
	b, err := os.ReadFile(idxPath(seg.path))
	if err == nil {
		cov, es, perr := parseIndex(b, seg.id)
		if perr != nil {
			s.c.corrupt.Add(1)
		} else {
			entries = es
			if cov > size { // the segment lost its tail: drop what it no longer holds
				kept := entries[:0]
				for _, e := range es {
					if int64(e.off)+int64(e.size) <= size {
						kept = append(kept, e)
					} else {
						s.c.corrupt.Add(1)
					}
				}
				entries = kept
			}
		}
	}
	if entries == nil {
		res, err := scanSegment(io.NewSectionReader(seg.f, 0, size), size, seg.id)
		if err != nil {
			s.mu.RLock()
			gone := seg.evicted
			s.mu.RUnlock()
			if !gone {
				s.trouble("read", fmt.Errorf("scan %s: %w", seg.path, err))
			}
			return
		}
		s.c.corrupt.Add(int64(res.corrupt))
		entries, verified = res.entries, true
		_ = writeIndexFile(seg.path, seg.id, res.end, entries) // best effort: a read-only disk scans again next time
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if seg.evicted {
		return
	}
	for _, ix := range entries {
		if _, ok := s.index[ix.key]; ok {
			continue // a newer copy; values of a key never change
		}
		e := &entry{seg: seg, off: int64(ix.off), size: ix.size}
		e.verified.Store(verified)
		s.index[ix.key] = e
		seg.keys = append(seg.keys, ix.key)
	}
}

// writeIndexFile writes the index of a segment beside it (through a temporary file and a
// rename, so a crash leaves the old index or none, never half of one).
func writeIndexFile(segPath string, id uint64, covered int64, entries []indexed) error {
	tmp := idxPath(segPath) + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = f.Write(appendIndex(nil, id, covered, entries))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, idxPath(segPath))
	}
	if err != nil {
		_ = os.Remove(tmp)
	}
	return err
}

// Ready is closed when the index is rebuilt.
func (s *Store) Ready() <-chan struct{} { return s.ready }

func (s *Store) lookup(key string) *entry {
	s.mu.RLock()
	e := s.index[key]
	s.mu.RUnlock()
	return e
}

// Get returns the value of key read from disk, after checking the record's key and checksum.
// A record that fails them is never returned: it is dropped from the index and counted.
func (s *Store) Get(key string) ([]byte, bool) {
	e := s.lookup(key)
	if e == nil {
		s.c.misses.Add(1)
		return nil, false
	}
	v, err := s.read(key, e)
	if err != nil {
		s.c.misses.Add(1)
		return nil, false
	}
	s.c.hits.Add(1)
	e.ref.Store(true)
	return v, true
}

// read reads and checks the whole record of e.
func (s *Store) read(key string, e *entry) ([]byte, error) {
	buf := make([]byte, e.size)
	_, err := e.seg.f.ReadAt(buf, e.off)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrClosed):
		return nil, err // evicted meanwhile
	case errors.Is(err, io.EOF):
		s.corruptRecord(key, e, "segment shorter than its index")
		return nil, errCorrupt
	default:
		s.drop(key, e)
		s.trouble("read", err)
		return nil, err
	}
	k, v, err := decodeRecord(buf)
	if err != nil || k != key {
		s.corruptRecord(key, e, "bad checksum or key")
		return nil, errCorrupt
	}
	e.verified.Store(true)
	return v, nil
}

func (s *Store) corruptRecord(key string, e *entry, why string) {
	s.c.corrupt.Add(1)
	s.drop(key, e)
	s.log.Debug("disk cache: corrupt record skipped", "segment", e.seg.path, "offset", e.off, "why", why)
}

// drop removes key from the index if it still points at e.
func (s *Store) drop(key string, e *entry) {
	s.mu.Lock()
	if s.index[key] == e {
		delete(s.index, key)
	}
	s.mu.Unlock()
}

// File returns the value of key as a file of its own, positioned at the value's first byte,
// and the value's length, so that a caller can send it with sendfile (net/http does for an
// *os.File behind an io.LimitedReader). The caller reads at most n bytes and closes f. A record
// loaded from an index file is checked (read whole, once) before its first use. A value shorter
// than min is not handed out (ok false, not counted as a miss): send small values from memory.
func (s *Store) File(key string, min int64) (f *os.File, n int64, ok bool) {
	e := s.lookup(key)
	if e == nil {
		s.c.misses.Add(1)
		return nil, 0, false
	}
	if int64(e.size)-recordHeader-int64(len(key)) < min {
		return nil, 0, false
	}
	if !e.verified.Load() {
		if _, err := s.read(key, e); err != nil {
			s.c.misses.Add(1)
			return nil, 0, false
		}
	}
	f, err := os.Open(e.seg.path)
	if err != nil { // evicted meanwhile
		s.c.misses.Add(1)
		return nil, 0, false
	}
	start := e.off + recordHeader + int64(len(key))
	if _, err := f.Seek(start, io.SeekStart); err != nil {
		_ = f.Close()
		s.c.misses.Add(1)
		return nil, 0, false
	}
	s.c.hits.Add(1)
	e.ref.Store(true)
	return f, int64(e.size) - recordHeader - int64(len(key)), true
}

// Put writes (key, value) behind: it queues the pair and returns. The store keeps value until
// it is written, so the caller must not modify it. A key already on disk is not written again
// (values of a key never change); a full queue or a tier whose writes are off drops the pair.
func (s *Store) Put(key string, value []byte) {
	if len(key) == 0 || len(key) > maxKey || s.lookup(key) != nil {
		return
	}
	select {
	case <-s.stop:
		return
	default:
	}
	select {
	case s.queue <- putReq{key: key, value: value}:
	default:
		s.c.dropped.Add(1)
	}
}

// run is the writer goroutine.
func (s *Store) run() {
	defer s.wg.Done()
	for {
		select {
		case req := <-s.queue:
			s.write(req)
		case <-s.stop:
			for {
				select {
				case req := <-s.queue:
					s.write(req)
				default:
					if s.active != nil {
						s.seal()
					}
					return
				}
			}
		}
	}
}

func (s *Store) write(req putReq) {
	if req.done != nil {
		close(req.done)
		return
	}
	if s.lookup(req.key) != nil {
		return
	}
	n := int64(recordLen(req.key, len(req.value)))
	if n > s.cfg.SegmentBytes-segmentHeader || len(req.value) > 1<<32-1 {
		s.c.tooLarge.Add(1)
		return
	}
	if s.degraded.Load() && time.Now().UnixNano() < s.retryAt.Load() {
		s.c.dropped.Add(1)
		return
	}
	if s.active == nil || s.active.size.Load()+n > s.cfg.SegmentBytes {
		if err := s.rotate(); err != nil {
			s.trouble("write", err)
			s.c.dropped.Add(1)
			return
		}
	}
	if err := s.appendActive(req.key, req.value, &entry{}); err != nil {
		s.trouble("write", err)
		s.c.dropped.Add(1)
		s.seal() // what was written before stays readable; a torn tail is skipped by scans
		return
	}
	s.c.writes.Add(1)
	s.c.writeBytes.Add(n)
	if s.degraded.CompareAndSwap(true, false) {
		s.log.Info("disk cache recovered: writing again", "path", s.cfg.Path)
	}
}

// appendActive appends a record to the active segment and indexes it as e.
func (s *Store) appendActive(key string, value []byte, e *entry) error {
	seg := s.active
	off := seg.size.Load()
	s.buf = appendRecord(s.buf[:0], key, value)
	if _, err := seg.f.WriteAt(s.buf, off); err != nil {
		return err
	}
	n := int64(len(s.buf))
	seg.size.Store(off + n)
	s.total.Add(n)
	s.written = append(s.written, indexed{key: key, off: uint32(off), size: uint32(n)})
	e.seg, e.off, e.size = seg, off, uint32(n)
	e.verified.Store(true)
	s.mu.Lock()
	s.index[key] = e
	seg.keys = append(seg.keys, key)
	s.mu.Unlock()
	return nil
}

// rotate seals the active segment, starts the next one and evicts the oldest segments until
// the next one fits in the budget.
func (s *Store) rotate() error {
	if s.active != nil {
		s.seal()
	}
	if err := os.MkdirAll(s.cfg.Path, 0o755); err != nil {
		return err
	}
	id := s.nextID
	p := filepath.Join(s.cfg.Path, segName(id))
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	s.nextID++
	if _, err := f.Write(appendSegmentHeader(nil, id)); err != nil {
		_ = f.Close()
		_ = os.Remove(p)
		return err
	}
	seg := &segment{id: id, path: p, f: f}
	seg.size.Store(segmentHeader)
	s.total.Add(segmentHeader)
	s.mu.Lock()
	s.segs = append(s.segs, seg)
	s.mu.Unlock()
	s.active, s.written = seg, s.written[:0]
	for s.total.Load()-seg.size.Load()+s.cfg.SegmentBytes > s.cfg.Bytes {
		if !s.evictOldest() {
			break
		}
	}
	return nil
}

// seal syncs the active segment and writes its index file; the segment stays readable.
func (s *Store) seal() {
	seg := s.active
	s.active = nil
	if err := seg.f.Sync(); err != nil {
		s.trouble("sync", err)
		return
	}
	if err := writeIndexFile(seg.path, seg.id, seg.size.Load(), s.written); err != nil {
		s.trouble("write index", err)
	}
	s.written = s.written[:0]
}

// evictOldest removes the oldest segment that is not the active one. With CLOCK, records read
// since they were written are first re-appended to the active segment, up to half a segment.
func (s *Store) evictOldest() bool {
	s.mu.Lock()
	var victim *segment
	for i, seg := range s.segs {
		if seg != s.active {
			victim = seg
			s.segs = append(s.segs[:i:i], s.segs[i+1:]...)
			break
		}
	}
	if victim == nil {
		s.mu.Unlock()
		return false
	}
	victim.evicted = true
	type second struct {
		key string
		e   *entry
	}
	var again []second
	items := int64(0)
	for _, k := range victim.keys {
		e := s.index[k]
		if e == nil || e.seg != victim {
			continue
		}
		if s.cfg.Eviction == EvictClock && e.ref.Load() {
			again = append(again, second{k, e})
			continue
		}
		delete(s.index, k)
		items++
	}
	victim.keys = nil
	s.mu.Unlock()

	budget := s.cfg.SegmentBytes / 2
	for _, a := range again {
		moved := false
		if int64(a.e.size) <= budget && s.active != nil && s.active.size.Load()+int64(a.e.size) <= s.cfg.SegmentBytes {
			if v, err := s.read(a.key, a.e); err == nil {
				ne := &entry{}
				if s.appendActive(a.key, v, ne) == nil { // replaces a.e in the index
					budget -= int64(a.e.size)
					s.c.reappended.Add(1)
					s.c.writeBytes.Add(int64(a.e.size))
					moved = true
				}
			}
		}
		if !moved {
			s.drop(a.key, a.e)
			items++
		}
	}
	_ = victim.f.Close()
	_ = os.Remove(victim.path)
	_ = os.Remove(idxPath(victim.path))
	s.total.Add(-victim.size.Load())
	s.c.evictions.Add(1)
	s.c.evictedItems.Add(items)
	return true
}

// trouble records a disk error: writes go off for RetryAfter, and the first error of an
// episode is logged (the rest are counted).
func (s *Store) trouble(op string, err error) {
	s.c.errs.Add(1)
	s.retryAt.Store(time.Now().Add(s.cfg.RetryAfter).UnixNano())
	if s.degraded.CompareAndSwap(false, true) {
		s.log.Warn("disk cache degraded: serving from memory and the stores", "op", op, "path", s.cfg.Path,
			"err", err, "retry_after", s.cfg.RetryAfter, "read_only", errors.Is(err, fs.ErrPermission))
	}
}

// Stats returns the store's gauges and counters.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	items, segs := int64(len(s.index)), int64(len(s.segs))
	s.mu.RUnlock()
	ready := false
	select {
	case <-s.ready:
		ready = true
	default:
	}
	return Stats{
		Bytes: s.total.Load(), Items: items, Segments: segs,
		Hits: s.c.hits.Load(), Misses: s.c.misses.Load(),
		Writes: s.c.writes.Load(), WriteBytes: s.c.writeBytes.Load(),
		Dropped: s.c.dropped.Load(), TooLarge: s.c.tooLarge.Load(),
		Evictions: s.c.evictions.Load(), EvictedItems: s.c.evictedItems.Load(), Reappended: s.c.reappended.Load(),
		Corrupt: s.c.corrupt.Load(), Errors: s.c.errs.Load(),
		Degraded: s.degraded.Load(), Ready: ready, Rebuild: time.Duration(s.rebuildNanos.Load()),
	}
}

// Flush waits until every Put queued before it is written (tests, benchmarks, shutdown).
func (s *Store) Flush() {
	done := make(chan struct{})
	select {
	case s.queue <- putReq{done: done}:
	case <-s.stop:
		return
	}
	select {
	case <-done:
	case <-s.stop:
	}
}

// Close writes what is queued, seals the active segment (with its index file, for a fast
// restart) and closes the files.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.stop)
		s.wg.Wait()
		s.mu.Lock()
		for _, seg := range s.segs {
			_ = seg.f.Close()
		}
		s.mu.Unlock()
	})
	return nil
}
