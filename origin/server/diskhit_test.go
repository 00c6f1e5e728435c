package server

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// fileRenderer answers every request with a disk hit handed out as a file, as
// cache.VariantFile does: a file of its own positioned at the value inside a larger file.
type fileRenderer struct {
	noInfo
	path      string
	off, size int64
	opened    int
}

func (fileRenderer) Parse(esc string) (imgurl.Path, error) {
	return imgurl.Path{Source: "t", Key: esc}, nil
}
func (fileRenderer) IsAuto(imgurl.Variant) bool { return false }

func (f *fileRenderer) Render(context.Context, imgurl.Path, autoformat.Bucket) (*render.Rendition, error) {
	file, err := os.Open(f.path)
	if err != nil {
		return nil, err
	}
	if _, err := file.Seek(f.off, io.SeekStart); err != nil {
		return nil, err
	}

	return &render.Rendition{File: file, Size: f.size, ContentType: "image/jpeg", ETag: `"d"`, Outcome: render.OutcomeDisk}, nil
}

// TestDiskHitFromFile: a large disk hit is answered with exactly its bytes (not the segment's
// neighbours), for a plain GET (the sendfile path), a Range and a HEAD.
func TestDiskHitFromFile(t *testing.T) {
	value := bytes.Repeat([]byte("0123456789abcdef"), 229<<10/16)
	seg := append(append([]byte("bytes before the value"), value...), "bytes after"...)
	p := filepath.Join(t.TempDir(), "segment")
	if err := os.WriteFile(p, seg, 0o644); err != nil {
		t.Fatal(err)
	}
	fr := &fileRenderer{path: p, off: int64(len("bytes before the value")), size: int64(len(value))}
	srv := httptest.NewServer(newTestServer(t, fr).PublicHandler())
	defer srv.Close()

	get := func(method string, hdr map[string]string) (*http.Response, []byte) {
		req, _ := http.NewRequest(method, srv.URL+"/i/w_100/t/k.jpg", nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := srv.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, b
	}
	resp, body := get(http.MethodGet, nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, value) || resp.ContentLength != int64(len(value)) {
		t.Fatalf("GET: %d, %d bytes (content-length %d), want %d", resp.StatusCode, len(body), resp.ContentLength, len(value))
	}
	if st := resp.Header.Get("Server-Timing"); !bytes.HasPrefix([]byte(st), []byte(`cache;desc="disk"`)) {
		t.Errorf("Server-Timing %q", st)
	}
	resp, body = get(http.MethodGet, map[string]string{"Range": "bytes=10-19"})
	if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, value[10:20]) {
		t.Fatalf("Range: %d %q", resp.StatusCode, body)
	}
	resp, body = get(http.MethodHead, nil)
	if resp.StatusCode != 200 || len(body) != 0 || resp.ContentLength != int64(len(value)) {
		t.Fatalf("HEAD: %d, %d bytes, content-length %d", resp.StatusCode, len(body), resp.ContentLength)
	}
}
