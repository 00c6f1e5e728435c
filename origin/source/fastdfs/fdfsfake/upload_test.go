package fdfsfake_test

import (
	"encoding/binary"
	"io"
	"net"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

// TestUploadStorePathIndex: as storage_upload_file does, the storage takes -1 (it chooses)
// or one of its store paths, and refuses any other index with EINVAL.
func TestUploadStorePathIndex(t *testing.T) {
	s := fdfstest.Start(t, fdfstest.Options{})
	for _, tc := range []struct {
		idx    byte
		status byte
	}{{0, 0}, {0xFF, 0}, {1, fastdfs.StatusEINVAL}, {0x7F, fastdfs.StatusEINVAL}} {
		c, err := net.Dial("tcp", s.StorageAddr())
		if err != nil {
			t.Fatal(err)
		}
		data := []byte("hello")
		body := make([]byte, 15, 15+len(data))
		body[0] = tc.idx
		binary.BigEndian.PutUint64(body[1:9], uint64(len(data)))
		copy(body[9:15], "jpg")
		body = append(body, data...)
		hdr := make([]byte, 10)
		binary.BigEndian.PutUint64(hdr, uint64(len(body)))
		hdr[8] = fastdfs.CmdUploadFile
		if _, err := c.Write(append(hdr, body...)); err != nil {
			t.Fatal(err)
		}
		resp := make([]byte, 10)
		if _, err := io.ReadFull(c, resp); err != nil {
			t.Fatal(err)
		}
		c.Close()
		if resp[9] != tc.status {
			t.Errorf("store path index %#x: status %d, want %d", tc.idx, resp[9], tc.status)
		}
	}
}
