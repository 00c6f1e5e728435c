package fdfsfake_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"net"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

// raw is a bare protocol connection: the fake is checked byte by byte here, independently of
// the client's pooling.
type raw struct {
	t *testing.T
	c net.Conn
}

func dial(t *testing.T, addr string) *raw {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(5 * time.Second))
	return &raw{t, c}
}

func (r *raw) send(b []byte) {
	r.t.Helper()
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// recv reads one reply.
func (r *raw) recv() (fastdfs.Header, []byte) {
	r.t.Helper()
	var hb [fastdfs.HeaderLen]byte
	if _, err := io.ReadFull(r.c, hb[:]); err != nil {
		r.t.Fatalf("reading header: %v", err)
	}
	h, err := fastdfs.ParseHeader(hb[:])
	if err != nil || h.Cmd != fastdfs.CmdResp {
		r.t.Fatalf("header %+v, %v", h, err)
	}
	body := make([]byte, h.Len)
	if _, err := io.ReadFull(r.c, body); err != nil {
		r.t.Fatalf("reading %d-byte body: %v", h.Len, err)
	}
	return h, body
}

// closed checks that the server closed the connection.
func (r *raw) closed() {
	r.t.Helper()
	if n, err := r.c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
		r.t.Fatalf("connection still open: read %d, %v", n, err)
	}
}

func TestTrackerReplies(t *testing.T) {
	for _, width := range []int{15, 45} {
		t.Run(fmt.Sprintf("ip width %d", width), func(t *testing.T) {
			fake := fdfstest.Start(t, fdfstest.Options{IPWidth: width})
			_, port, _ := net.SplitHostPort(fake.StorageAddr())
			tr := dial(t, fake.TrackerAddrs()[0])

			tr.send(fastdfs.AppendFetchRequest(nil, fastdfs.CmdQueryFetchOne, "group1", "M00/00/00/fwAAAWsCGgSAOJ-BAAAP5LdNBUU695.jpg"))
			h, body := tr.recv()
			if h.Status != 0 || len(body) != 16+width+8 {
				t.Fatalf("fetch: status %d, %d-byte body", h.Status, len(body))
			}
			st, err := fastdfs.ParseFetchReply(body)
			if err != nil || st.IP != "127.0.0.1" || st.Group != "group1" || st.Addr() != "127.0.0.1:"+port {
				t.Fatalf("fetch: %+v, %v", st, err)
			}

			tr.send(fastdfs.AppendStoreQuery(nil, ""))
			h, body = tr.recv()
			if h.Status != 0 || len(body) != 16+width+9 {
				t.Fatalf("store: status %d, %d-byte body", h.Status, len(body))
			}
			tr.send(fastdfs.AppendStoreQuery(nil, "group1"))
			if h, body = tr.recv(); h.Status != 0 || len(body) != 16+width+9 {
				t.Fatalf("store with group: status %d, %d-byte body", h.Status, len(body))
			}
			tr.send(fastdfs.AppendStoreQuery(nil, "group9"))
			if h, _ = tr.recv(); h.Status != 2 {
				t.Fatalf("store in unknown group: status %d, want ENOENT", h.Status)
			}
			tr.send(fastdfs.AppendFetchRequest(nil, fastdfs.CmdQueryFetchOne, "group1", "short"))
			if h, _ = tr.recv(); h.Status != 22 {
				t.Fatalf("short name: status %d, want EINVAL", h.Status)
			}
			// The tracker keeps the connection after errors.
			tr.send(fastdfs.AppendHeader(nil, fastdfs.Header{Cmd: fastdfs.CmdActiveTest}))
			if h, body = tr.recv(); h.Status != 0 || len(body) != 0 {
				t.Fatalf("active test: %+v", h)
			}
			tr.send(fastdfs.AppendHeader(nil, fastdfs.Header{Cmd: fastdfs.CmdQuit}))
			tr.closed()
		})
	}
}

func TestStorageDownloadSemantics(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	data := []byte("0123456789abcdefghij")
	id := fake.Put("txt", data)
	f, err := fastdfs.ParseFileID(id)
	if err != nil {
		t.Fatalf("fake made an invalid id %q: %v", id, err)
	}
	if f.Size != int64(len(data)) || f.CRC32 != crc32.ChecksumIEEE(data) || f.SourceIP.String() != "127.0.0.1" {
		t.Fatalf("id %q decodes to %+v", id, f)
	}
	tests := []struct {
		name           string
		offset, length int64
		want           string
	}{
		{"whole file", 0, 0, string(data)},
		{"offset to end", 15, 0, "fghij"},
		{"range", 2, 3, "234"},
		{"clipped at end", 18, 10, "ij"},
	}
	s := dial(t, fake.StorageAddr())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s.send(fastdfs.AppendDownloadRequest(nil, f.Group, f.Remote, tt.offset, tt.length))
			h, body := s.recv()
			if h.Status != 0 || string(body) != tt.want {
				t.Fatalf("status %d body %q, want %q", h.Status, body, tt.want)
			}
		})
	}
	t.Run("missing file keeps the connection", func(t *testing.T) {
		s.send(fastdfs.AppendDownloadRequest(nil, f.Group, f.Remote[:len(f.Remote)-3]+"png", 0, 0))
		if h, _ := s.recv(); h.Status != 2 {
			t.Fatalf("status %d, want ENOENT", h.Status)
		}
		s.send(fastdfs.AppendHeader(nil, fastdfs.Header{Cmd: fastdfs.CmdActiveTest}))
		if h, _ := s.recv(); h.Status != 0 {
			t.Fatalf("active test status %d", h.Status)
		}
	})
	einval := []struct {
		name string
		req  []byte
	}{
		{"offset = size", fastdfs.AppendDownloadRequest(nil, f.Group, f.Remote, int64(len(data)), 0)},
		{"wrong group", fastdfs.AppendDownloadRequest(nil, "group2", f.Remote, 0, 0)},
		{"unknown command", fastdfs.AppendHeader(nil, fastdfs.Header{Cmd: 99})},
		{"upload size mismatch", sizeMismatch()},
		{"upload bad extension", append(fastdfs.AppendUploadHeader(nil, 0, "j/g", 1), 'x')},
	}
	for _, tt := range einval {
		t.Run("einval closes/"+tt.name, func(t *testing.T) {
			c := dial(t, fake.StorageAddr())
			c.send(tt.req)
			if h, body := c.recv(); h.Status != 22 || len(body) != 0 {
				t.Fatalf("status %d, %d-byte body; want EINVAL, empty", h.Status, len(body))
			}
			c.closed()
		})
	}
}

// sizeMismatch is an upload whose pkg_len says 15+5 bytes but whose size field says 6.
func sizeMismatch() []byte {
	req := fastdfs.AppendUploadHeader(nil, 0, "jpg", 5)
	binary.BigEndian.PutUint64(req[fastdfs.HeaderLen+1:], 6)
	return append(req, "abcde"...)
}

func TestStorageUploadDelete(t *testing.T) {
	created := time.Date(2026, 11, 21, 22, 24, 4, 0, time.UTC)
	fake := fdfstest.Start(t, fdfstest.Options{Now: func() time.Time { return created }})
	s := dial(t, fake.StorageAddr())
	for _, ext := range []string{"jpg", "", "abcdef"} {
		data := bytes.Repeat([]byte{0xab}, 60)
		s.send(append(fastdfs.AppendUploadHeader(nil, 0xFF, ext, int64(len(data))), data...))
		h, body := s.recv()
		if h.Status != 0 {
			t.Fatalf("upload %q: status %d", ext, h.Status)
		}
		id, err := fastdfs.ParseUploadReply(body)
		if err != nil {
			t.Fatalf("upload %q: %v", ext, err)
		}
		f, _ := fastdfs.ParseFileID(id)
		if len(f.Remote) != 44 || f.Ext() != ext || f.Size != 60 || !f.Created.Equal(created) || f.CRC32 != crc32.ChecksumIEEE(data) {
			t.Errorf("upload %q: id %q decodes to %+v", ext, id, f)
		}
		s.send(fastdfs.AppendFetchRequest(nil, fastdfs.CmdDeleteFile, f.Group, f.Remote))
		if h, _ := s.recv(); h.Status != 0 {
			t.Fatalf("delete: status %d", h.Status)
		}
		s.send(fastdfs.AppendFetchRequest(nil, fastdfs.CmdDeleteFile, f.Group, f.Remote))
		if h, _ := s.recv(); h.Status != 2 {
			t.Fatalf("second delete: status %d, want ENOENT", h.Status)
		}
	}
	if st := fake.Stats(); st.StorageAccepted != 1 || st.StorageRequests != 9 {
		t.Errorf("stats %+v", st)
	}
}

func TestFileInfo(t *testing.T) {
	fake := fdfstest.Start(t, fdfstest.Options{})
	data := []byte("a") // crc32 e8b7be43: the top bit is set, so the reply sign-extends it
	f, _ := fastdfs.ParseFileID(fake.Put("jpg", data))
	s := dial(t, fake.StorageAddr())
	s.send(fastdfs.AppendFetchRequest(nil, fastdfs.CmdQueryFileInfo, f.Group, f.Remote))
	h, body := s.recv()
	fi, err := fastdfs.ParseFileInfoReply(body)
	if h.Status != 0 || err != nil || fi.Size != 1 || fi.CRC32 != crc32.ChecksumIEEE(data) || fi.Source != "127.0.0.1" {
		t.Fatalf("status %d: %+v, %v", h.Status, fi, err)
	}
	if !bytes.Equal(body[16:24], []byte{0xff, 0xff, 0xff, 0xff, 0xe8, 0xb7, 0xbe, 0x43}) {
		t.Errorf("crc32 field % x, want sign-extended e8b7be43", body[16:24])
	}
}
