package fastdfs

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/dialguard"
)

// Client reads and writes files in one FastDFS cluster. It implements source.ReadWriter with
// file IDs as keys (FastDFS assigns them). It is safe for concurrent use.
type Client struct {
	cfg      Config
	log      *slog.Logger
	dialer   *net.Dialer // trackers: addresses from the configuration
	sdialer  *net.Dialer // storages: addresses from tracker replies, through the address guard
	trackers []*server
	next     atomic.Uint32
	httpc    *http.Client

	mu       sync.Mutex
	storages map[string]*server
	closed   bool

	gmu    sync.Mutex
	groups map[string]groupSeen // group list answers (groupListed)

	wake    chan struct{} // a server went down
	stop    chan struct{} // closed by Close
	checked chan struct{} // closed when checkLoop returns
}

// Option changes how New builds a Client.
type Option func(*Client)

// WithLogger sets where server state changes (down, up again) are logged; slog.Default()
// otherwise.
func WithLogger(l *slog.Logger) Option { return func(cl *Client) { cl.log = l } }

// New returns a client of the cluster whose trackers cfg names. It does not connect yet; it
// starts the health check of servers that go down, which Close stops.
func New(cfg Config, opts ...Option) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fastdfs: config: %w", err)
	}
	cl := &Client{
		cfg:      cfg,
		log:      slog.Default(),
		dialer:   &net.Dialer{Timeout: cfg.ConnectTimeout},
		sdialer:  &net.Dialer{Timeout: cfg.ConnectTimeout, Control: dialguard.New(cfg.AllowPrivate).Control},
		storages: make(map[string]*server),
		groups:   make(map[string]groupSeen),
		wake:     make(chan struct{}, 1),
		stop:     make(chan struct{}),
		checked:  make(chan struct{}),
	}
	for _, o := range opts {
		o(cl)
	}
	cl.cfg.Trackers = append([]string(nil), cfg.Trackers...)
	for _, addr := range cl.cfg.Trackers {
		cl.trackers = append(cl.trackers, &server{role: RoleTracker, addr: addr, pool: newPool(addr, &cl.cfg, cl.dialer, min(cfg.FirstByteTimeout, cfg.IOTimeout))})
	}
	if cfg.Transport == TransportHTTP {
		cl.httpc = newHTTPClient(&cl.cfg, cl.sdialer)
	}
	go cl.checkLoop()
	return cl, nil
}

// Close closes idle connections and makes further calls fail; connections in use are closed
// when their requests end.
func (cl *Client) Close() error {
	cl.mu.Lock()
	if cl.closed {
		cl.mu.Unlock()
		return nil
	}
	cl.closed = true
	pools := make([]*pool, 0, len(cl.storages))
	for _, s := range cl.storages {
		pools = append(pools, s.pool)
	}
	cl.mu.Unlock()
	close(cl.stop)
	<-cl.checked
	for _, t := range cl.trackers {
		t.pool.close()
	}
	for _, p := range pools {
		p.close()
	}
	if cl.httpc != nil {
		cl.httpc.CloseIdleConnections()
	}
	return nil
}

func (cl *Client) storage(addr string) (*server, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed {
		return nil, errPoolClosed
	}
	s, ok := cl.storages[addr]
	if !ok {
		s = &server{role: RoleStorage, addr: addr, pool: newPool(addr, &cl.cfg, cl.sdialer, 0)}
		cl.storages[addr] = s
	}
	return s, nil
}

// Stat describes the file from its ID alone, with no network round trip, so it does not prove
// that the file exists (Open does). With Config.VerifyStat it asks a storage instead
// (QUERY_FILE_INFO) and reports a missing file as source.ErrNotFound. An appender file's name
// says nothing about its content, so Stat always asks the storage for its size, mtime and
// CRC-32, and its identity is made of them (see appenderInfo).
func (cl *Client) Stat(ctx context.Context, key string) (source.Info, error) {
	if err := ctx.Err(); err != nil {
		return source.Info{}, ctxErr(ctx)
	}
	id, err := ParseFileID(key)
	if err != nil {
		return source.Info{}, err
	}
	if id.Kind == KindAppender {
		fi, err := cl.fileInfo(ctx, id)
		if err != nil {
			return source.Info{}, err
		}
		return appenderInfo(id, fi), nil
	}
	info := infoOf(id)
	if !cl.cfg.VerifyStat {
		return info, nil
	}
	fi, err := cl.fileInfo(ctx, id)
	if err != nil {
		return source.Info{}, err
	}
	if id.Verifiable() && fi.Size != id.Size && !id.MaybeSlave {
		return source.Info{}, fmt.Errorf("%w: %w: storage has %d bytes, %s says %d", source.ErrUnavailable, ErrChecksum, fi.Size, id, id.Size)
	}
	info.Size = fi.Size
	return info, nil
}

// fileInfo asks a storage that serves the file for its size, mtime and checksum. The storage
// computes the CRC-32 of appender files (query_file_info_deal_response reads the whole file
// for it); for other kinds it is the name's, or 0 for slaves, which are not read for it.
func (cl *Client) fileInfo(ctx context.Context, id FileID) (FileInfo, error) {
	st, err := cl.locate(ctx, CmdQueryFetchOne, id)
	if err != nil {
		return FileInfo{}, err
	}
	s, err := cl.storage(st.Addr())
	if err != nil {
		return FileInfo{}, unavailable("storage", err)
	}
	req := AppendFetchRequest(nil, CmdQueryFileInfo, id.Group, id.Remote)
	if id.Kind == KindSlave {
		req[9] = 1 // status byte as flags: FDFS_QUERY_FINFO_FLAGS_NOT_CALC_CRC32
	}
	h, body, err := cl.call(ctx, s, req, 24+ipWidthV6+1)
	if err != nil {
		if ctxDone(ctx) {
			return FileInfo{}, ctxErr(ctx)
		}
		return FileInfo{}, unavailable("query file info", err)
	}
	if h.Status != 0 {
		return FileInfo{}, fmt.Errorf("%s: %w", id, &StatusError{Cmd: CmdQueryFileInfo, Status: h.Status})
	}
	fi, err := ParseFileInfoReply(body)
	if err != nil {
		return FileInfo{}, unavailable("file info reply", err)
	}
	return fi, nil
}

func infoOf(id FileID) source.Info {
	return source.Info{
		Size:         id.Size,
		ContentType:  contentType(id.Ext()),
		Identity:     id.String(),
		LastModified: id.Created,
		Immutable:    id.Kind != KindAppender,
	}
}

// appenderInfo describes an appender file from QUERY_FILE_INFO: its identity is the file ID
// with the size and CR-32 of the content now ("#<size>.<crc32>"), so it changes whenever an
// append, modify or truncate changes the bytes, and it is never immutable.
func appenderInfo(id FileID, fi FileInfo) source.Info {
	info := infoOf(id)
	info.Size = fi.Size
	info.LastModified = time.Unix(fi.Created, 0).UTC()
	info.Identity = fmt.Sprintf("%s#%d.%08x", id, fi.Size, fi.CRC32)
	return info
}

// expect is what a download must deliver to be trusted.
type expect struct {
	size       int64  // bytes
	crc        uint32 // CRC-32 of them
	check      bool   // size and crc describe the content (else nothing is checked)
	maybeSlave bool   // another length means a slave of the normal name length: not checked
}

func expectOf(id FileID) expect {
	return expect{size: id.Size, crc: id.CRC32, check: id.Verifiable(), maybeSlave: id.MaybeSlave}
}

// forLength adjusts e to the length a server announces (n < 0: unknown yet): a different
// length is an error, or for a name a slave could have, the sign of a slave.
func (e expect) forLength(n int64, id FileID) (expect, error) {
	if !e.check || n < 0 || n == e.size {
		return e, nil
	}
	if e.maybeSlave {
		e.check = false
		return e, nil
	}
	return e, fmt.Errorf("%w: %w: storage sends %d bytes, %s says %d", source.ErrUnavailable, ErrChecksum, n, id, e.size)
}

// Open downloads the file. For normal and trunk files the body is checked against the size
// and CRC-32 in the ID, for appender files against those QUERY_FILE_INFO reported (so the
// bytes are those of the identity Open returns, which is Stat's): a mismatch is reported by
// Read instead of io.EOF.
func (cl *Client) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, source.Info{}, ctxErr(ctx)
	}
	id, err := ParseFileID(key)
	if err != nil {
		return nil, source.Info{}, err
	}
	info, want := infoOf(id), expectOf(id)
	if id.Kind == KindAppender {
		fi, err := cl.fileInfo(ctx, id)
		if err != nil {
			return nil, source.Info{}, err
		}
		info = appenderInfo(id, fi)
		want = expect{size: fi.Size, crc: fi.CRC32, check: true}
	}
	if info.Size > cl.cfg.MaxObjectSize && !id.MaybeSlave {
		return nil, info, fmt.Errorf("%w: %s is %d bytes (max_object_size %d)", source.ErrTooLarge, id, info.Size, cl.cfg.MaxObjectSize)
	}
	if info.Size == 0 && (want.check || id.Kind == KindAppender) {
		// DOWNLOAD_FILE answers EINVAL for any 0-byte file.
		if want.crc != 0 {
			return nil, info, fmt.Errorf("%w: %w: %s says size 0 and crc32 %08x", source.ErrUnavailable, ErrChecksum, id, want.crc)
		}
		return io.NopCloser(bytes.NewReader(nil)), info, nil
	}
	st, err := cl.locate(ctx, CmdQueryFetchOne, id)
	if err != nil {
		return nil, info, err
	}
	var b *body
	if cl.cfg.Transport == TransportHTTP {
		b, err = cl.openHTTP(ctx, st, id, want)
	} else {
		b, err = cl.download(ctx, st, id, want)
	}
	if err != nil {
		return nil, info, err
	}
	if b.total >= 0 {
		info.Size = b.total
	}
	return b, info, nil
}

// locate asks the trackers which storage serves (CmdQueryFetchOne) or owns (CmdQueryUpdate)
// the file. A tracker's ENOENT is asked of the next tracker too, and is then "no storage can
// serve the group now" (source.ErrUnavailable) unless no tracker lists the group.
func (cl *Client) locate(ctx context.Context, cmd byte, id FileID) (Storage, error) {
	req := AppendFetchRequest(make([]byte, 0, HeaderLen+GroupLen+len(id.Remote)), cmd, id.Group, id.Remote)
	h, body, err := cl.trackerCall(ctx, req, GroupLen+ipWidthV6+8, true)
	if err != nil {
		return Storage{}, err
	}
	if h.Status == StatusENOENT {
		return Storage{}, fmt.Errorf("%s: %w", id, cl.trackerENOENT(ctx, id.Group, cmd))
	}
	if h.Status != 0 {
		return Storage{}, fmt.Errorf("%s: %w", id, &StatusError{Cmd: cmd, Status: h.Status})
	}
	st, err := ParseFetchReply(body)
	if err != nil {
		return Storage{}, unavailable("tracker reply", err)
	}
	return st, nil
}

// download starts DOWNLOAD_FILE of the file (of want.size bytes for an appender, whose later
// appends belong to a later identity) and returns its body.
func (cl *Client) download(ctx context.Context, st Storage, id FileID, want expect) (*body, error) {
	s, err := cl.storage(st.Addr())
	if err != nil {
		return nil, unavailable("storage", err)
	}
	var length int64
	if id.Kind == KindAppender {
		length = want.size
	}
	req := AppendDownloadRequest(make([]byte, 0, HeaderLen+32+len(id.Remote)), id.Group, id.Remote, 0, length)
	for attempt := 0; ; attempt++ {
		c, err := s.pool.get(ctx)
		if err != nil {
			if ctxDone(ctx) {
				return nil, ctxErr(ctx)
			}
			if !errors.Is(err, errPoolClosed) {
				cl.markDown(s, err)
			}
			return nil, unavailable("storage "+s.addr, err)
		}
		reused := c.reused
		b, retry, err := cl.startDownload(ctx, c, req, id, want)
		if err != nil && retry && reused && attempt < 2 && !ctxDone(ctx) {
			continue
		}
		switch {
		case retry && !ctxDone(ctx):
			cl.markDown(s, err)
		case err == nil || errors.As(err, new(*StatusError)):
			cl.markUp(s)
		}
		return b, err
	}
}

// startDownload sends the request and reads the reply header. retry reports an I/O failure
// before any reply arrived (a stale pooled connection, or a storage that is gone).
func (cl *Client) startDownload(ctx context.Context, c *conn, req []byte, id FileID, want expect) (b *body, retry bool, err error) {
	stop := c.watch(ctx)
	fail := func(e error) (*body, bool, error) {
		c.discard()
		if !stop() || ctxDone(ctx) {
			return nil, false, ctxErr(ctx)
		}
		return nil, false, e
	}
	c.Conn.SetDeadline(c.deadline(ctx))
	if _, err := c.Conn.Write(req); err != nil {
		c.discard()
		stop()
		return nil, true, unavailable("storage "+c.p.addr, err)
	}
	h, err := c.readHeader()
	if err != nil {
		c.discard()
		if !stop() || ctxDone(ctx) {
			return nil, false, ctxErr(ctx)
		}
		return nil, true, unavailable("storage "+c.p.addr, err)
	}
	if h.Status != 0 {
		if h.Len > 0 && h.Len <= 1024 {
			if _, err := io.CopyN(io.Discard, c.Conn, h.Len); err != nil {
				return fail(unavailable("storage "+c.p.addr, err))
			}
		} else if h.Len > 0 {
			return fail(unavailable("storage "+c.p.addr, fmt.Errorf("%w: error reply with %d-byte body", ErrFrame, h.Len)))
		}
		if !stop() {
			c.discard()
			return nil, false, ctxErr(ctx)
		}
		if reusable(h.Status) {
			c.put()
		} else {
			c.discard()
		}
		return nil, false, fmt.Errorf("%s: %w", id, &StatusError{Cmd: CmdDownloadFile, Status: h.Status})
	}
	if h.Len > cl.cfg.MaxObjectSize {
		return fail(fmt.Errorf("%w: %s is %d bytes (max_object_size %d)", source.ErrTooLarge, id, h.Len, cl.cfg.MaxObjectSize))
	}
	want, err = want.forLength(h.Len, id)
	if err != nil {
		return fail(err)
	}
	b = &body{
		r:         connReader{c: c, ctx: ctx},
		remaining: h.Len,
		total:     h.Len,
		want:      want,
		id:        id,
	}
	b.release = func(clean bool) {
		if stop() && clean {
			c.put()
		} else {
			c.discard()
		}
	}
	if h.Len == 0 {
		b.finish()
	}
	return b, false, nil
}

// connReader reads from a pooled connection, renewing the I/O deadline for every read.
type connReader struct {
	c   *conn
	ctx context.Context
}

func (r connReader) Read(p []byte) (int, error) {
	r.c.Conn.SetReadDeadline(r.c.deadline(r.ctx))
	if r.c.aborted.Load() {
		return 0, ctxErr(r.ctx)
	}
	n, err := r.c.Conn.Read(p)
	if err != nil && (r.c.aborted.Load() || ctxDone(r.ctx)) {
		return n, ctxErr(r.ctx)
	}
	return n, err
}

// Upload stores data as a new file (in group, or where the tracker chooses when group is "")
// and returns its file ID. ext is the extension without the dot (at most 6 characters of
// [A-Za-z0-9_.-]). The write path uses it through Create, which verifies the result.
func (cl *Client) Upload(ctx context.Context, group, ext string, data []byte) (string, error) {
	if len(ext) > 6 || !validSuffixChars(ext) {
		return "", fmt.Errorf("%w: extension %q: at most 6 characters of [A-Za-z0-9_.-]", source.ErrInvalidKey, ext)
	}
	if len(group) > GroupLen {
		return "", fmt.Errorf("%w: group %q longer than 16", source.ErrInvalidKey, group)
	}
	h, body, err := cl.trackerCall(ctx, AppendStoreQuery(nil, group), GroupLen+ipWidthV6+8+1, true)
	if err != nil {
		return "", err
	}
	cmd := CmdQueryStoreWithoutGroupOne
	if group != "" {
		cmd = CmdQueryStoreWithGroupOne
	}
	switch {
	case h.Status == StatusENOENT && group != "":
		return "", cl.trackerENOENT(ctx, group, cmd)
	case h.Status == StatusENOENT:
		return "", fmt.Errorf("%w: %w", ErrNoStorage, &StatusError{Cmd: cmd, Status: h.Status})
	case h.Status != 0:
		return "", &StatusError{Cmd: cmd, Status: h.Status}
	}
	st, err := parseStoreReply(body)
	if err != nil {
		return "", unavailable("tracker reply", err)
	}
	s, err := cl.storage(st.Addr())
	if err != nil {
		return "", unavailable("storage", err)
	}
	c, err := s.pool.get(ctx)
	if err != nil {
		if ctxDone(ctx) {
			return "", ctxErr(ctx)
		}
		return "", unavailable("storage "+s.addr, err)
	}
	req := AppendUploadHeader(nil, st.StorePath, ext, int64(len(data)))
	h, body, err = c.roundTrip(ctx, net.Buffers{req, data}, GroupLen+128)
	if err != nil {
		return "", unavailable("upload to "+s.addr, err)
	}
	if h.Status != 0 {
		return "", &StatusError{Cmd: CmdUploadFile, Status: h.Status}
	}
	id, err := ParseUploadReply(body)
	if err != nil {
		return "", unavailable("upload reply", err)
	}
	return id, nil
}

// Delete removes the file from its source storage (found with QUERY_UPDATE).
func (cl *Client) Delete(ctx context.Context, key string) error {
	id, err := ParseFileID(key)
	if err != nil {
		return err
	}
	st, err := cl.locate(ctx, CmdQueryUpdate, id)
	if err != nil {
		return err
	}
	s, err := cl.storage(st.Addr())
	if err != nil {
		return unavailable("storage", err)
	}
	req := AppendFetchRequest(nil, CmdDeleteFile, id.Group, id.Remote)
	h, _, err := cl.call(ctx, s, req, 0)
	if err != nil {
		if ctxDone(ctx) {
			return ctxErr(ctx)
		}
		return unavailable("delete", err)
	}
	if h.Status != 0 {
		return fmt.Errorf("%s: %w", id, &StatusError{Cmd: CmdDeleteFile, Status: h.Status})
	}
	return nil
}

// contentType names the common image types by extension; "" for anything else.
func contentType(ext string) string {
	switch strings.ToLower(ext) {
	case "jpg", "jpeg":
		return "image/jpeg"
	case "png":
		return "image/png"
	case "gif":
		return "image/gif"
	case "webp":
		return "image/webp"
	case "avif":
		return "image/avif"
	case "heic", "heif":
		return "image/heif"
	case "bmp":
		return "image/bmp"
	case "tif", "tiff":
		return "image/tiff"
	case "svg":
		return "image/svg+xml"
	}
	return ""
}

// Interface guard.
var _ source.Source = (*Client)(nil)
