package fdfsfake

import (
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Protocol constants, from tracker/tracker_proto.h.
const (
	cmdResp            = 100
	cmdActiveTest      = 111
	cmdQuit            = 82
	cmdStoreNoGroupOne = 101
	cmdFetchOne        = 102
	cmdUpdate          = 103
	cmdStoreGroupOne   = 104
	cmdFetchAll        = 105
	cmdListOneGroup    = 90
	cmdUpload          = 11
	cmdDelete          = 12
	cmdDownload        = 14
	cmdFileInfo        = 22

	enoent = 2
	einval = 22

	groupLen     = 16
	maxUpload    = 256 << 20
	maxSmallBody = 16 + 32 + 128

	// Size-field marks and name lengths (tracker/tracker_types.h).
	appenderMark  = 1 << 58 // FDFS_APPENDER_FILE_SIZE
	trunkMark     = 1 << 59 // FDFS_TRUNK_FILE_MARK_SIZE
	normalNameLen = 44      // FDFS_NORMAL_LOGIC_FILENAME_LENGTH
	trunkNameLen  = 60      // FDFS_TRUNK_LOGIC_FILENAME_LENGTH
)

// Options configure a fake cluster.
type Options struct {
	Group     string           // group name; default "group1"
	IPWidth   int              // width of the tracker replies' IP field: 15 (default) or 45
	Trackers  int              // number of tracker listeners; default 1
	StorageIP string           // IPv4 the trackers announce and upload names embed; default 127.0.0.1
	HTTP      bool             // also serve GET /<file id> on HTTPAddr
	Now       func() time.Time // clock for creation times; default time.Now

	// Listen addresses; loopback only, default "127.0.0.1:0" (a random port). TrackerListen,
	// when set, gives one address per tracker and overrides Trackers.
	TrackerListen []string
	StorageListen string
	HTTPListen    string
}

// FaultKind selects a misbehaviour.
type FaultKind int

// Faults. Drop, Stall and Status do not carry the request out (nothing is stored or deleted);
// DropMidBody and Corrupt do, and spoil the reply. On the HTTP interface Status answers 404 for
// ENOENT and 500 otherwise, and the drops and Stall abort the response.
const (
	FaultNone         FaultKind = iota
	FaultDrop                   // close the connection instead of answering
	FaultDropMidBody            // send the header and After body bytes (-1 = half), then close
	FaultStall                  // answer nothing until ClearFaults or Close, then close
	FaultStatus                 // answer Status with an empty body (the storage closes after EINVAL)
	FaultCorrupt                // flip one byte in the middle of a reply body
	FaultStallMidBody           // send the header and After body bytes, then stall like FaultStall
)

// Fault is a misbehaviour applied to matching requests.
type Fault struct {
	Kind   FaultKind
	Cmd    byte  // command it applies to; 0 = any except ACTIVE_TEST and QUIT
	Status byte  // errno for FaultStatus
	After  int64 // body bytes sent before FaultDropMidBody drops; -1 or too many = half the body
	Times  int   // number of requests affected; 0 = all until cleared
}

// Stats counts what the fake saw.
type Stats struct {
	TrackerAccepted int64 // connections accepted by all trackers
	StorageAccepted int64
	TrackerRequests int64 // requests read, ACTIVE_TEST included
	StorageRequests int64
	ActiveTests     int64
	HTTPRequests    int64
	StorageOpen     int64 // storage connections open now
	StoragePeakOpen int64
}

type faultSlot struct {
	f    Fault
	left int
}

// Server is a running fake cluster.
type Server struct {
	opts         Options
	group        string
	ip           [4]byte
	trackerAddrs []string
	storageAddr  string
	storagePort  int
	httpLn       net.Listener
	httpSrv      *http.Server
	done         chan struct{}
	wg           sync.WaitGroup

	mu       sync.Mutex
	trackers []net.Listener        // nil entries: stopped
	storage  net.Listener          // nil: stopped
	active   []bool                // per tracker: the storage is ACTIVE in its memory
	hung     map[int]chan struct{} // trackers that accept and never answer, until the channel closes
	files    map[string]file       // remote name → content
	conns    map[net.Conn]int      // → tracker index, -1 for the storage
	tfaults  map[int]*faultSlot
	sfault   *faultSlot
	unstall  chan struct{}
	rnd      *rand.Rand
	written  int // files written, for directory rotation
	closed   bool
	closeErr error

	trackerAccepted, storageAccepted atomic.Int64
	trackerRequests, storageRequests atomic.Int64
	activeTests, httpRequests        atomic.Int64
	storageOpen, storagePeak         atomic.Int64
}

// New starts a fake cluster on 127.0.0.1. Close stops it.
func New(opts Options) (*Server, error) {
	if opts.Group == "" {
		opts.Group = "group1"
	}
	if len(opts.Group) > groupLen {
		return nil, fmt.Errorf("group %q longer than 16", opts.Group)
	}
	if opts.IPWidth == 0 {
		opts.IPWidth = 15
	}
	if opts.IPWidth != 15 && opts.IPWidth != 45 {
		return nil, fmt.Errorf("ip width %d: must be 15 or 45", opts.IPWidth)
	}
	if len(opts.TrackerListen) > 0 {
		opts.Trackers = len(opts.TrackerListen)
	}
	if opts.Trackers <= 0 {
		opts.Trackers = 1
	}
	if opts.StorageIP == "" {
		opts.StorageIP = "127.0.0.1"
	}
	ip, err := netip.ParseAddr(opts.StorageIP)
	if err != nil || !ip.Is4() {
		return nil, fmt.Errorf("storage ip %q: must be IPv4", opts.StorageIP)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Server{
		opts:    opts,
		group:   opts.Group,
		ip:      ip.As4(),
		done:    make(chan struct{}),
		files:   make(map[string]file),
		conns:   make(map[net.Conn]int),
		tfaults: make(map[int]*faultSlot),
		hung:    make(map[int]chan struct{}),
		unstall: make(chan struct{}),
		rnd:     rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 0x9e3779b97f4a7c15)),
	}
	if s.storage, err = listen(opts.StorageListen); err != nil {
		return nil, err
	}
	s.storageAddr = s.storage.Addr().String()
	s.storagePort = s.storage.Addr().(*net.TCPAddr).Port
	for i := range opts.Trackers {
		addr := ""
		if i < len(opts.TrackerListen) {
			addr = opts.TrackerListen[i]
		}
		ln, err := listen(addr)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.trackers = append(s.trackers, ln)
		s.trackerAddrs = append(s.trackerAddrs, ln.Addr().String())
		s.active = append(s.active, true)
	}
	if opts.HTTP {
		if s.httpLn, err = listen(opts.HTTPListen); err != nil {
			s.Close()
			return nil, err
		}
		s.httpSrv = &http.Server{Handler: http.HandlerFunc(s.serveHTTP), ReadHeaderTimeout: 5 * time.Second}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.httpSrv.Serve(s.httpLn) }()
	}
	s.wg.Add(1)
	go s.accept(s.storage, -1)
	for i, ln := range s.trackers {
		s.wg.Add(1)
		go s.accept(ln, i)
	}
	return s, nil
}

// listen listens on addr ("" = a random loopback port), refusing non-loopback hosts.
func listen(addr string) (net.Listener, error) {
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	if ip, err := netip.ParseAddr(host); err != nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("listen %q: the fake listens on loopback addresses only", addr)
	}
	return net.Listen("tcp", addr)
}

// TrackerAddrs returns the trackers' "127.0.0.1:port" addresses.
func (s *Server) TrackerAddrs() []string { return append([]string(nil), s.trackerAddrs...) }

// StorageAddr returns the storage's address.
func (s *Server) StorageAddr() string { return s.storageAddr }

// HTTPAddr returns the HTTP interface's address ("" without Options.HTTP).
func (s *Server) HTTPAddr() string {
	if s.httpLn == nil {
		return ""
	}
	return s.httpLn.Addr().String()
}

// Group returns the group name.
func (s *Server) Group() string { return s.group }

// StopTracker closes tracker i's listener and its connections: it refuses from now on.
func (s *Server) StopTracker(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(i)
}

// stopLocked closes the listener of tracker i (the storage for i < 0) and its connections.
func (s *Server) stopLocked(i int) {
	if i < 0 && s.storage != nil {
		s.storage.Close()
		s.storage = nil
	}
	if i >= 0 && s.trackers[i] != nil {
		s.trackers[i].Close()
		s.trackers[i] = nil
	}
	for c, t := range s.conns {
		if t == i {
			c.Close()
		}
	}
}

// RestartTracker stops tracker i and starts it again on the same address. Like a restarted
// fdfs_trackerd it still knows the group (tracker_load_groups_new and
// tracker_load_storages_new in tracker/tracker_mem.c load groups and storages from its data
// files, the storages with status OFFLINE), but until the storage's next heartbeat
// (ReportStorage; up to 30 s with stock configs) it has no ACTIVE storage: fetch, update and
// store queries answer ENOENT, while LIST_ONE_GROUP lists the group.
func (s *Server) RestartTracker(i int) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	s.stopLocked(i)
	ln, err := net.Listen("tcp", s.trackerAddrs[i])
	if err != nil {
		return err
	}
	s.trackers[i] = ln
	s.active[i] = false
	s.wg.Add(1)
	go s.accept(ln, i)
	return nil
}

// StopStorage stops the storage server: its port refuses and its connections close. Every
// tracker notices at once (the storage's tracker connection closes:
// tracker_mem_offline_store_server, tracker/tracker_mem.c), so the group has no readable or
// writable storage and tracker_mem_get_storage_by_filename answers ENOENT, which
// tracker_deal_service_query_fetch_update (tracker/tracker_service.c) sends as a bare header
// with status 2: byte-identical to an unknown group.
func (s *Server) StopStorage() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopLocked(-1)
	for i := range s.active {
		s.active[i] = false
	}
}

// StartStorage starts the storage again on its address (files kept) and reports it to every
// tracker that runs (tracker_mem_active_store_server: ACTIVE again).
func (s *Server) StartStorage() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return net.ErrClosed
	}
	if s.storage != nil {
		return nil
	}
	ln, err := net.Listen("tcp", s.storageAddr)
	if err != nil {
		return err
	}
	s.storage = ln
	s.wg.Add(1)
	go s.accept(ln, -1)
	for i := range s.active {
		s.active[i] = s.trackers[i] != nil
	}
	return nil
}

// ReportStorage delivers the running storage's heartbeat to every tracker: those that
// restarted list it ACTIVE again.
func (s *Server) ReportStorage() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range s.active {
		s.active[i] = s.storage != nil && s.trackers[i] != nil
	}
}

// HangTracker makes tracker i accept connections and read requests but never answer
// (ACTIVE_TEST included), as a stopped or wedged fdfs_trackerd whose kernel still completes
// handshakes; ResumeTracker ends it (the connections that hung are closed).
func (s *Server) HangTracker(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hung[i] == nil {
		s.hung[i] = make(chan struct{})
	}
}

// ResumeTracker undoes HangTracker.
func (s *Server) ResumeTracker(i int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.hung[i]; ch != nil {
		close(ch)
		delete(s.hung, i)
	}
}

// hang returns the channel tracker i waits on while it hangs (nil when it does not).
func (s *Server) hang(i int) chan struct{} {
	if i < 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hung[i]
}

// CloseConnections closes every open tracker and storage connection, as servers do with idle
// connections; the listeners keep accepting.
func (s *Server) CloseConnections() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for c := range s.conns {
		c.Close()
	}
}

// Close stops everything and waits for the connection handlers.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	close(s.done)
	for c := range s.conns {
		c.Close()
	}
	if s.storage != nil {
		s.storage.Close()
	}
	for _, ln := range s.trackers {
		if ln != nil {
			ln.Close()
		}
	}
	s.mu.Unlock()
	if s.httpSrv != nil {
		s.httpSrv.Close()
	}
	s.wg.Wait()
}

// SetTrackerFault sets the fault of tracker i, replacing any previous one.
func (s *Server) SetTrackerFault(i int, f Fault) {
	s.mu.Lock()
	s.tfaults[i] = &faultSlot{f: f, left: f.Times}
	s.mu.Unlock()
}

// SetStorageFault sets the storage's fault, replacing any previous one.
func (s *Server) SetStorageFault(f Fault) {
	s.mu.Lock()
	s.sfault = &faultSlot{f: f, left: f.Times}
	s.mu.Unlock()
}

// ClearFaults removes all faults and releases stalled connections (they are closed).
func (s *Server) ClearFaults() {
	s.mu.Lock()
	s.tfaults = make(map[int]*faultSlot)
	s.sfault = nil
	close(s.unstall)
	s.unstall = make(chan struct{})
	s.mu.Unlock()
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{
		TrackerAccepted: s.trackerAccepted.Load(),
		StorageAccepted: s.storageAccepted.Load(),
		TrackerRequests: s.trackerRequests.Load(),
		StorageRequests: s.storageRequests.Load(),
		ActiveTests:     s.activeTests.Load(),
		HTTPRequests:    s.httpRequests.Load(),
		StorageOpen:     s.storageOpen.Load(),
		StoragePeakOpen: s.storagePeak.Load(),
	}
}

// Files returns the number of stored files.
func (s *Server) Files() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.files)
}

// Put stores data as if uploaded with extension ext and returns its file ID.
func (s *Server) Put(ext string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.group + "/" + s.storeLocked(0, ext, data, 0)
}

// PutAppender stores data as an appender file (upload_appender_file: storage_upload_file with
// bAppenderFile) and returns its file ID. storage_gen_filename puts the appender mark and no
// size into the name (COMBINE_RAND_FILE_SIZE(0) | FDFS_APPENDER_FILE_SIZE), and the CRC-32
// of the first content, which later appends do not change.
func (s *Server) PutAppender(ext string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.group + "/" + s.storeLocked(0, ext, data, appenderMark)
}

// PutTrunk stores data as a file inside a trunk file (use_trunk_file = true) and returns its
// 60-character ID: storage_gen_filename marks the size with FDFS_TRUNK_FILE_MARK_SIZE, and the
// 27 characters are followed by 16 base64 characters of the trunk position (trunk file id,
// offset, size).
func (s *Server) PutTrunk(ext string, data []byte) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.group + "/" + s.storeLocked(0, ext, data, trunkMark)
}

// Append adds data at the end of an appender file (storage_append_file,
// storage/storage_service.c); its mtime becomes now. Only appender files can grow.
func (s *Server) Append(fileID string, data []byte) error {
	return s.change(fileID, func(b []byte) []byte { return append(b, data...) })
}

// Truncate cuts an appender file to size bytes (storage_do_truncate_file).
func (s *Server) Truncate(fileID string, size int) error {
	return s.change(fileID, func(b []byte) []byte { return b[:min(size, len(b))] })
}

func (s *Server) change(fileID string, f func([]byte) []byte) error {
	group, remote, _ := strings.Cut(fileID, "/")
	s.mu.Lock()
	defer s.mu.Unlock()
	old, ok := s.files[remote]
	if sizeField, _ := nameFields(remote); !ok || group != s.group || sizeField&appenderMark == 0 {
		return fmt.Errorf("fdfstest: %s is no appender file here", fileID)
	}
	old.data = f(append([]byte(nil), old.data...))
	old.mtime = s.opts.Now()
	s.files[remote] = old
	return nil
}

// PutSlave stores data as a slave of master (upload_slave_file: storage_upload_slave_file,
// storage/storage_service.c) and returns its file ID. The name is fdfs_gen_slave_filename's
// (common/fdfs_global.c): the master's name up to the "." of its extension (found in its last
// 7 characters), then prefix, then "." + ext, or nothing when ext is "". The prefix must be
// 1..16 characters of [A-Za-z0-9_.-] (fdfs_validate_filename), the master must exist, and
// the slave's name keeps the master's 27 characters, so its size and CRC-32 are the master's.
func (s *Server) PutSlave(master, prefix, ext string, data []byte) (string, error) {
	group, remote, _ := strings.Cut(master, "/")
	if prefix == "" || len(prefix) > 16 || !validExt(prefix) || len(ext) > 6 || !validExt(ext) {
		return "", fmt.Errorf("fdfstest: prefix %q or extension %q refused (EINVAL)", prefix, ext)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.files[remote]; !ok || group != s.group {
		return "", fmt.Errorf("fdfstest: master %s not found (ENOENT)", master)
	}
	stem := remote
	if i := strings.IndexByte(remote[len(remote)-7:], '.'); i >= 0 {
		stem = remote[:len(remote)-7+i]
	}
	name := stem + prefix
	if ext != "" {
		name += "." + ext
	}
	if len(name) > 127 {
		return "", fmt.Errorf("fdfstest: slave name of %d characters (EINVAL)", len(name))
	}
	if _, ok := s.files[name]; ok {
		return "", fmt.Errorf("fdfstest: slave %s exists (EEXIST)", name)
	}
	now := s.opts.Now()
	s.files[name] = file{data: append([]byte(nil), data...), created: now, mtime: now}
	return s.group + "/" + name, nil
}

// nameFields decodes the size field and CRC-32 from a remote name's 27 base64 characters.
func nameFields(remote string) (sizeField uint64, crc uint32) {
	if len(remote) < 37 {
		return 0, 0
	}
	raw, err := base64.RawURLEncoding.DecodeString(remote[10:37])
	if err != nil || len(raw) != 20 {
		return 0, 0
	}
	return binary.BigEndian.Uint64(raw[8:16]), binary.BigEndian.Uint32(raw[16:20])
}

// takeFault returns the fault that applies to a request with command cmd (tracker < 0 means
// the storage), consuming one of its Times.
func (s *Server) takeFault(tracker int, cmd byte) (Fault, <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	slot := s.sfault
	if tracker >= 0 {
		slot = s.tfaults[tracker]
	}
	if slot == nil || slot.f.Kind == FaultNone {
		return Fault{}, nil
	}
	if slot.f.Cmd == 0 && (cmd == cmdActiveTest || cmd == cmdQuit) || slot.f.Cmd != 0 && slot.f.Cmd != cmd {
		return Fault{}, nil
	}
	if slot.f.Times > 0 {
		if slot.left == 0 {
			return Fault{}, nil
		}
		slot.left--
	}
	return slot.f, s.unstall
}

func (s *Server) accept(ln net.Listener, tracker int) {
	defer s.wg.Done()
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = tracker
		s.wg.Add(1)
		s.mu.Unlock()
		if tracker >= 0 {
			s.trackerAccepted.Add(1)
		} else {
			s.storageAccepted.Add(1)
			n := s.storageOpen.Add(1)
			for {
				p := s.storagePeak.Load()
				if n <= p || s.storagePeak.CompareAndSwap(p, n) {
					break
				}
			}
		}
		go func() {
			defer s.wg.Done()
			s.serveConn(c, tracker)
			c.Close()
			if tracker < 0 {
				s.storageOpen.Add(-1)
			}
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

type file struct {
	data    []byte
	created time.Time
	mtime   time.Time // changes with appends, modifies and truncates of appender files
}

// reply is what a handler answers: a status, a body, and whether to close afterwards.
type reply struct {
	status byte
	body   []byte
	close  bool
}

func (s *Server) serveConn(c net.Conn, tracker int) {
	var hdr [10]byte
	for {
		if _, err := io.ReadFull(c, hdr[:]); err != nil {
			return
		}
		n := int64(binary.BigEndian.Uint64(hdr[:8]))
		cmd := hdr[8]
		if tracker >= 0 {
			s.trackerRequests.Add(1)
		} else {
			s.storageRequests.Add(1)
		}
		if cmd == cmdActiveTest {
			s.activeTests.Add(1)
		}
		limit := int64(maxSmallBody)
		if cmd == cmdUpload && tracker < 0 {
			limit = maxUpload
		}
		if n < 0 || n > limit {
			writeReply(c, reply{status: einval})
			return
		}
		body := make([]byte, n)
		if _, err := io.ReadFull(c, body); err != nil {
			return
		}
		if cmd == cmdQuit {
			return
		}
		if ch := s.hang(tracker); ch != nil {
			select {
			case <-ch:
			case <-s.done:
			}
			return
		}
		f, unstall := s.takeFault(tracker, cmd)
		var r reply
		switch {
		case f.Kind == FaultDrop || f.Kind == FaultStall || f.Kind == FaultStatus:
			// The request is not carried out.
		case tracker >= 0:
			r = s.trackerCmd(tracker, cmd, body)
		default:
			r = s.storageCmd(cmd, hdr[9], body)
		}
		switch f.Kind {
		case FaultDrop:
			return
		case FaultStall:
			select {
			case <-unstall:
			case <-s.done:
			}
			return
		case FaultStatus:
			r = reply{status: f.Status, close: f.Status == einval && tracker < 0}
		case FaultCorrupt:
			if len(r.body) > 0 {
				b := append([]byte(nil), r.body...)
				b[len(b)/2] ^= 0x5a
				r.body = b
			}
		case FaultDropMidBody, FaultStallMidBody:
			after := f.After
			if after < 0 || after > int64(len(r.body)) {
				after = int64(len(r.body)) / 2
			}
			var h [10]byte
			binary.BigEndian.PutUint64(h[:8], uint64(len(r.body)))
			h[8] = cmdResp
			c.Write(h[:])
			c.Write(r.body[:after])
			if f.Kind == FaultStallMidBody {
				select {
				case <-unstall:
				case <-s.done:
				}
			}
			return
		}
		if err := writeReply(c, r); err != nil || r.close {
			return
		}
	}
}

func writeReply(c net.Conn, r reply) error {
	var h [10]byte
	binary.BigEndian.PutUint64(h[:8], uint64(len(r.body)))
	h[8] = cmdResp
	h[9] = r.status
	bufs := net.Buffers{h[:], r.body}
	_, err := bufs.WriteTo(c)
	return err
}

func (s *Server) trackerCmd(tracker int, cmd byte, body []byte) reply {
	s.mu.Lock()
	active := s.active[tracker]
	s.mu.Unlock()
	switch cmd {
	case cmdActiveTest:
		return reply{}
	case cmdFetchOne, cmdUpdate, cmdFetchAll:
		// tracker_deal_service_query_fetch_update (tracker/tracker_service.c): EINVAL for a
		// body outside 16+22..16+127; tracker_mem_get_storage_by_filename
		// (tracker/tracker_mem.c): ENOENT for an unknown group and for a group without a
		// readable (writable, for QUERY_UPDATE) storage. It never checks that the file exists.
		if len(body) < groupLen+22 || len(body) >= groupLen+128 {
			return reply{status: einval}
		}
		if trimNUL(body[:groupLen]) != s.group || !active {
			return reply{status: enoent}
		}
		return reply{body: s.storageAnnounce(false)}
	case cmdStoreNoGroupOne:
		// tracker_deal_service_query_storage (tracker/tracker_service.c): no body (EINVAL
		// otherwise); the answer names a storage and the store path index to upload to, or
		// ENOENT when no group has a writable storage.
		if len(body) != 0 {
			return reply{status: einval}
		}
		if !active {
			return reply{status: enoent}
		}
		return reply{body: s.storageAnnounce(true)}
	case cmdStoreGroupOne:
		if len(body) != groupLen {
			return reply{status: einval}
		}
		if trimNUL(body) != s.group || !active {
			return reply{status: enoent}
		}
		return reply{body: s.storageAnnounce(true)}
	case cmdListOneGroup:
		// tracker_deal_server_list_one_group: EINVAL unless the body is the 16-byte group
		// name; ENOENT for a group tracker_mem_get_group does not know; else a
		// TrackerGroupStat (tracker/tracker_proto.h), listed whether or not a storage is
		// active (readable and writable counts say that).
		if len(body) != groupLen {
			return reply{status: einval}
		}
		if trimNUL(body) != s.group {
			return reply{status: enoent}
		}
		return reply{body: s.groupStat(active)}
	}
	return reply{status: einval}
}

// groupStat builds a V6.13.1+ TrackerGroupStat: group_name[17] then twelve int64 fields
// (total, free, reserved and trunk free MB, storage count, storage port, readable and writable
// counts, current write server, store path count, subdirs per path, current trunk file id).
func (s *Server) groupStat(active bool) []byte {
	b := make([]byte, groupLen+1, groupLen+1+12*8)
	copy(b, s.group)
	n := uint64(0)
	if active {
		n = 1
	}
	for _, v := range []uint64{1 << 20, 1 << 19, 0, 0, 1, uint64(s.storagePort), n, n, 0, 1, 256, 0} {
		b = binary.BigEndian.AppendUint64(b, v)
	}
	return b
}

// storageAnnounce builds group(16) + ip(IPWidth) + port(8) [+ store path index(1)].
func (s *Server) storageAnnounce(store bool) []byte {
	w := s.opts.IPWidth
	b := make([]byte, groupLen+w+8, groupLen+w+9)
	copy(b, s.group)
	copy(b[groupLen:], s.opts.StorageIP)
	binary.BigEndian.PutUint64(b[groupLen+w:], uint64(s.storagePort))
	if store {
		b = append(b, 0)
	}
	return b
}

func (s *Server) storageCmd(cmd, flags byte, body []byte) reply {
	switch cmd {
	case cmdActiveTest:
		return reply{}
	case cmdDownload:
		if len(body) < 32+22 {
			return reply{status: einval, close: true}
		}
		off := int64(binary.BigEndian.Uint64(body[0:8]))
		length := int64(binary.BigEndian.Uint64(body[8:16]))
		if trimNUL(body[16:32]) != s.group || off < 0 || length < 0 {
			return reply{status: einval, close: true}
		}
		s.mu.Lock()
		f, ok := s.files[string(body[32:])]
		s.mu.Unlock()
		if !ok {
			return reply{status: enoent}
		}
		data := f.data
		if off >= int64(len(data)) {
			return reply{status: einval, close: true}
		}
		end := int64(len(data))
		if length > 0 && off+length < end {
			end = off + length
		}
		return reply{body: data[off:end]}
	case cmdUpload:
		// storage_upload_file (storage/storage_service.c): store path index (1, a signed
		// char: -1 lets the storage choose, anything outside its store paths is EINVAL),
		// file size (8, must equal the rest of the body), extension (6, validated), content.
		// The name is made by storage_gen_filename from the CRC-32 of what was received.
		if len(body) < 15 {
			return reply{status: einval, close: true}
		}
		if idx := int8(body[0]); idx != -1 && idx != 0 {
			return reply{status: einval, close: true} // this fake storage has one store path
		}
		size := int64(binary.BigEndian.Uint64(body[1:9]))
		ext := trimNUL(body[9:15])
		if size != int64(len(body)-15) || !validExt(ext) {
			return reply{status: einval, close: true}
		}
		s.mu.Lock()
		remote := s.storeLocked(body[0], ext, append([]byte(nil), body[15:]...), 0)
		s.mu.Unlock()
		out := make([]byte, groupLen, groupLen+len(remote))
		copy(out, s.group)
		return reply{body: append(out, remote...)}
	case cmdFileInfo:
		if len(body) <= groupLen || trimNUL(body[:groupLen]) != s.group {
			return reply{status: einval, close: true}
		}
		name := string(body[groupLen:])
		s.mu.Lock()
		f, ok := s.files[name]
		s.mu.Unlock()
		if !ok {
			return reply{status: enoent}
		}
		// query_file_info_deal_response (storage/storage_service.c): the size and mtime of the
		// file on disk; the CRC-32 from the name, except for appender and slave files
		// (IS_SLAVE_FILE: longer than 60, or than 44 without the trunk mark), whose content is
		// read to compute it, or 0 with flag 1 (FDFS_QUERY_FINFO_FLAGS_NOT_CALC_CRC32).
		sizeField, nameCRC := nameFields(name)
		crc := nameCRC
		if sizeField&appenderMark != 0 || len(name) > trunkNameLen || len(name) > normalNameLen && sizeField&trunkMark == 0 {
			crc = 0
			if flags&1 == 0 {
				crc = crc32.ChecksumIEEE(f.data)
			}
		}
		ipLen := s.opts.IPWidth + 1
		out := make([]byte, 24+ipLen)
		binary.BigEndian.PutUint64(out[0:8], uint64(len(f.data)))
		binary.BigEndian.PutUint64(out[8:16], uint64(f.mtime.Unix()))
		// A C int, sign-extended to 8 bytes.
		binary.BigEndian.PutUint64(out[16:24], uint64(int64(int32(crc))))
		copy(out[24:], s.opts.StorageIP)
		return reply{body: out}
	case cmdDelete:
		// storage_server_delete_file (storage/storage_service.c): group (16) + remote name;
		// a wrong group is EINVAL, a missing file ENOENT.
		if len(body) <= groupLen || trimNUL(body[:groupLen]) != s.group {
			return reply{status: einval, close: true}
		}
		name := string(body[groupLen:])
		s.mu.Lock()
		_, ok := s.files[name]
		delete(s.files, name)
		s.mu.Unlock()
		if !ok {
			return reply{status: enoent}
		}
		return reply{}
	}
	return reply{status: einval, close: true}
}

// storeLocked names and stores data the way storage_gen_filename does, as a normal file or
// with mark (appenderMark, trunkMark). s.mu is held.
func (s *Server) storeLocked(storePath byte, ext string, data []byte, mark uint64) string {
	if storePath == 0xFF {
		storePath = 0
	}
	var raw [20]byte
	copy(raw[0:4], s.ip[:])
	now := s.opts.Now()
	binary.BigEndian.PutUint32(raw[4:8], uint32(now.Unix()))
	size := uint64(len(data))
	if mark == appenderMark {
		size = 0
	}
	if size>>32 == 0 || mark != 0 {
		r := uint64(s.rnd.Uint32()&0x007FFFFF | 0x80000000)
		size = size&0xFFFFFFFF | r<<32 | mark
	}
	binary.BigEndian.PutUint64(raw[8:16], size)
	binary.BigEndian.PutUint32(raw[16:20], crc32.ChecksumIEEE(data))
	// Round-robin directories as file_distribute_path_mode=0: next directory every 100 files.
	dir := s.written / 100
	s.written++
	var sb strings.Builder
	fmt.Fprintf(&sb, "M%02X/%02X/%02X/", storePath, (dir>>8)&0xFF, dir&0xFF)
	sb.WriteString(base64.RawURLEncoding.EncodeToString(raw[:]))
	if mark == trunkMark {
		// FDFSTrunkFileInfo: trunk file id, offset, size (int32 each), base64 as 16 characters.
		var pos [12]byte
		binary.BigEndian.PutUint32(pos[0:4], 1)
		binary.BigEndian.PutUint32(pos[4:8], uint32(s.written)*4096)
		binary.BigEndian.PutUint32(pos[8:12], uint32(len(data)))
		sb.WriteString(base64.RawURLEncoding.EncodeToString(pos[:]))
	}
	for range 6 - len(ext) {
		sb.WriteByte(byte('0' + s.rnd.IntN(10)))
	}
	if ext == "" {
		sb.WriteByte(byte('0' + s.rnd.IntN(10)))
	} else {
		sb.WriteByte('.')
		sb.WriteString(ext)
	}
	name := sb.String()
	s.files[name] = file{data: data, created: now, mtime: now}
	return name
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.httpRequests.Add(1)
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	group, remote, ok := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	if !ok || group != s.group {
		http.NotFound(w, r)
		return
	}
	s.mu.Lock()
	f0, found := s.files[remote]
	s.mu.Unlock()
	data := f0.data
	f, _ := s.takeFault(-1, cmdDownload)
	switch f.Kind {
	case FaultStatus:
		code := http.StatusInternalServerError
		if f.Status == enoent {
			code = http.StatusNotFound
		}
		http.Error(w, "fault", code)
		return
	case FaultCorrupt:
		if len(data) > 0 {
			data = append([]byte(nil), data...)
			data[len(data)/2] ^= 0x5a
		}
	case FaultDrop, FaultDropMidBody, FaultStall, FaultStallMidBody:
		panic(http.ErrAbortHandler)
	}
	if !found {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Length", fmt.Sprint(len(data)))
	w.Write(data)
}

func trimNUL(b []byte) string {
	if i := strings.IndexByte(string(b), 0); i >= 0 {
		return string(b[:i])
	}
	return string(b)
}

func validExt(ext string) bool {
	for i := 0; i < len(ext); i++ {
		c := ext[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '.') {
			return false
		}
	}
	return true
}
