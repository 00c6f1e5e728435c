package fastdfs

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Client reads and writes files in one FastDFS cluster. It implements source.ReadWriter with
// file IDs as keys (FastDFS assigns them). It is safe for concurrent use.
type Client struct {
	cfg      Config
	dialer   *net.Dialer
	trackers []*tracker
	next     atomic.Uint32
	httpc    *http.Client

	mu       sync.Mutex
	storages map[string]*pool
	closed   bool
}

// New returns a client of the cluster whose trackers cfg names. It does not connect yet.
func New(cfg Config) (*Client, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("fastdfs: config: %w", err)
	}
	cl := &Client{
		cfg:      cfg,
		dialer:   &net.Dialer{Timeout: cfg.ConnectTimeout},
		storages: make(map[string]*pool),
	}
	cl.cfg.Trackers = append([]string(nil), cfg.Trackers...)
	for _, addr := range cl.cfg.Trackers {
		cl.trackers = append(cl.trackers, &tracker{pool: newPool(addr, &cl.cfg, cl.dialer)})
	}
	if cfg.Transport == TransportHTTP {
		cl.httpc = newHTTPClient(&cl.cfg, cl.dialer)
	}
	return cl, nil
}

// Close closes idle connections and makes further calls fail; connections in use are closed
// when their requests end.
func (cl *Client) Close() error {
	cl.mu.Lock()
	cl.closed = true
	pools := make([]*pool, 0, len(cl.storages))
	for _, p := range cl.storages {
		pools = append(pools, p)
	}
	cl.mu.Unlock()
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

func (cl *Client) storagePool(addr string) (*pool, error) {
	cl.mu.Lock()
	defer cl.mu.Unlock()
	if cl.closed {
		return nil, errPoolClosed
	}
	p, ok := cl.storages[addr]
	if !ok {
		p = newPool(addr, &cl.cfg, cl.dialer)
		cl.storages[addr] = p
	}
	return p, nil
}

// Stat describes the file from its ID alone, with no network round trip, so it does not prove
// that the file exists (Open does). With Config.VerifyStat it asks a storage instead
// (QUERY_FILE_INFO) and reports a missing file as source.ErrNotFound.
func (cl *Client) Stat(ctx context.Context, key string) (source.Info, error) {
	if err := ctx.Err(); err != nil {
		return source.Info{}, ctxErr(ctx)
	}
	id, err := ParseFileID(key)
	if err != nil {
		return source.Info{}, err
	}
	info := infoOf(id)
	if !cl.cfg.VerifyStat {
		return info, nil
	}
	fi, err := cl.fileInfo(ctx, id)
	if err != nil {
		return source.Info{}, err
	}
	if id.Verifiable() && fi.Size != id.Size {
		return source.Info{}, fmt.Errorf("%w: %w: storage has %d bytes, %s says %d", source.ErrUnavailable, ErrChecksum, fi.Size, id, id.Size)
	}
	if !id.Verifiable() {
		info.Size = fi.Size
	}
	if id.Kind == KindAppender {
		info.Identity = fmt.Sprintf("%s#%d.%d", id, fi.Size, fi.Created)
	}
	return info, nil
}

// fileInfo asks a storage that serves the file for its size, time and checksum.
func (cl *Client) fileInfo(ctx context.Context, id FileID) (FileInfo, error) {
	st, err := cl.locate(ctx, CmdQueryFetchOne, id)
	if err != nil {
		return FileInfo{}, err
	}
	p, err := cl.storagePool(st.Addr())
	if err != nil {
		return FileInfo{}, unavailable("storage", err)
	}
	req := AppendFetchRequest(nil, CmdQueryFileInfo, id.Group, id.Remote)
	if !id.Verifiable() {
		req[9] = 1 // status byte as flags: do not compute the CRC-32 of appender and slave files
	}
	h, body, err := cl.call(ctx, p, req, 24+ipWidthV6+1)
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

// Open downloads the file. For normal and trunk files the body is checked against the size
// and CRC-32 in the ID: a mismatch is reported by Read instead of io.EOF.
func (cl *Client) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, source.Info{}, ctxErr(ctx)
	}
	id, err := ParseFileID(key)
	if err != nil {
		return nil, source.Info{}, err
	}
	info := infoOf(id)
	if id.Size > cl.cfg.MaxObjectSize {
		return nil, info, fmt.Errorf("%w: %s is %d bytes (max_object_size %d)", source.ErrTooLarge, id, id.Size, cl.cfg.MaxObjectSize)
	}
	if id.Size == 0 {
		// DOWNLOAD_FILE answers EINVAL for any 0-byte file.
		if id.CRC32 != 0 {
			return nil, info, fmt.Errorf("%w: %w: %s says size 0 and crc32 %08x", source.ErrUnavailable, ErrChecksum, id, id.CRC32)
		}
		return io.NopCloser(bytes.NewReader(nil)), info, nil
	}
	st, err := cl.locate(ctx, CmdQueryFetchOne, id)
	if err != nil {
		return nil, info, err
	}
	var rc io.ReadCloser
	if cl.cfg.Transport == TransportHTTP {
		rc, err = cl.openHTTP(ctx, st, id)
	} else {
		rc, err = cl.download(ctx, st, id)
	}
	if err != nil {
		return nil, info, err
	}
	return rc, info, nil
}

// locate asks the trackers which storage serves (CmdQueryFetchOne) or owns (CmdQueryUpdate)
// the file.
func (cl *Client) locate(ctx context.Context, cmd byte, id FileID) (Storage, error) {
	req := AppendFetchRequest(make([]byte, 0, HeaderLen+GroupLen+len(id.Remote)), cmd, id.Group, id.Remote)
	h, body, err := cl.trackerCall(ctx, req, GroupLen+ipWidthV6+8)
	if err != nil {
		return Storage{}, err
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

// download starts DOWNLOAD_FILE of the whole file and returns its body.
func (cl *Client) download(ctx context.Context, st Storage, id FileID) (io.ReadCloser, error) {
	p, err := cl.storagePool(st.Addr())
	if err != nil {
		return nil, unavailable("storage", err)
	}
	req := AppendDownloadRequest(make([]byte, 0, HeaderLen+32+len(id.Remote)), id.Group, id.Remote, 0, 0)
	for attempt := 0; ; attempt++ {
		c, err := p.get(ctx)
		if err != nil {
			if ctxDone(ctx) {
				return nil, ctxErr(ctx)
			}
			return nil, unavailable("storage "+p.addr, err)
		}
		reused := c.reused
		rc, retry, err := cl.startDownload(ctx, c, req, id)
		if err != nil && retry && reused && attempt < 2 && !ctxDone(ctx) {
			continue
		}
		return rc, err
	}
}

// startDownload sends the request and reads the reply header. retry reports a failure before
// any reply arrived (a stale pooled connection).
func (cl *Client) startDownload(ctx context.Context, c *conn, req []byte, id FileID) (rc io.ReadCloser, retry bool, err error) {
	stop := c.watch(ctx)
	fail := func(e error) (io.ReadCloser, bool, error) {
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
		return nil, !isTimeout(err), unavailable("storage "+c.p.addr, err)
	}
	h, err := c.readHeader()
	if err != nil {
		c.discard()
		if !stop() || ctxDone(ctx) {
			return nil, false, ctxErr(ctx)
		}
		return nil, !isTimeout(err), unavailable("storage "+c.p.addr, err)
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
	if id.Verifiable() && h.Len != id.Size {
		return fail(fmt.Errorf("%w: %w: storage sends %d bytes, %s says %d", source.ErrUnavailable, ErrChecksum, h.Len, id, id.Size))
	}
	b := &body{
		r:         connReader{c: c, ctx: ctx},
		remaining: h.Len,
		check:     id.Verifiable(),
		want:      id.CRC32,
		size:      id.Size,
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
	h, body, err := cl.trackerCall(ctx, AppendStoreQuery(nil, group), GroupLen+ipWidthV6+8+1)
	if err != nil {
		return "", err
	}
	cmd := CmdQueryStoreWithoutGroupOne
	if group != "" {
		cmd = CmdQueryStoreWithGroupOne
	}
	if h.Status != 0 {
		return "", &StatusError{Cmd: cmd, Status: h.Status}
	}
	st, err := ParseStoreReply(body)
	if err != nil {
		return "", unavailable("tracker reply", err)
	}
	p, err := cl.storagePool(st.Addr())
	if err != nil {
		return "", unavailable("storage", err)
	}
	c, err := p.get(ctx)
	if err != nil {
		if ctxDone(ctx) {
			return "", ctxErr(ctx)
		}
		return "", unavailable("storage "+p.addr, err)
	}
	req := AppendUploadHeader(nil, st.StorePath, ext, int64(len(data)))
	h, body, err = c.roundTrip(ctx, net.Buffers{req, data}, GroupLen+128)
	if err != nil {
		return "", unavailable("upload to "+p.addr, err)
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
	p, err := cl.storagePool(st.Addr())
	if err != nil {
		return unavailable("storage", err)
	}
	req := AppendFetchRequest(nil, CmdDeleteFile, id.Group, id.Remote)
	h, _, err := cl.call(ctx, p, req, 0)
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
