package nginx_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/nginx/nginxtest"
)

// upload sends a body to the front and returns the backend that got it and the status.
func (f *front) upload(t *testing.T, method, path string, body []byte) (string, int, nginxtest.Echo) {
	t.Helper()
	req, err := http.NewRequest(method, f.nginx.URL(path), bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var echo nginxtest.Echo
	if resp.StatusCode == 200 {
		if err := json.NewDecoder(resp.Body).Decode(&echo); err != nil {
			t.Fatal(err)
		}
	}
	return resp.Header.Get("X-Backend"), resp.StatusCode, echo
}

// TestUploadRoute: /u/ goes to every node by load (not to the hash owner), keeps its query and
// escaping, is bounded in size, takes only the write methods, and skips a dead node.
func TestUploadRoute(t *testing.T) {
	f := startFront(t, func(c *nginx.Config) {
		*c = c.WithUploads(1000)
		c.UploadRateLimit, c.UploadRateBurst = 100000, 100000
	})
	seen := map[string]int{}
	for range 30 {
		b, status, echo := f.upload(t, "POST", "/u/s3?policy=k1.abc.def", []byte("image bytes"))
		if status != 200 {
			t.Fatalf("status %d", status)
		}
		if echo.RequestURI != "/u/s3?policy=k1.abc.def" {
			t.Fatalf("upstream got %q", echo.RequestURI)
		}
		seen[b]++
	}
	if len(seen) != 3 {
		t.Fatalf("30 uploads of one path went to %v: the write path must not follow the hash", seen)
	}
	if _, status, echo := f.upload(t, "PUT", "/u/local/a%20b/%C3%BC.jpg", []byte("x")); status != 200 || echo.RequestURI != "/u/local/a%20b/%C3%BC.jpg" {
		t.Fatalf("PUT: %d, upstream got %q", status, echo.RequestURI)
	}
	if _, status, _ := f.upload(t, "DELETE", "/u/local/a.jpg?token=k1.1.m", nil); status != 200 {
		t.Fatalf("DELETE: %d", status)
	}
	if _, status, _ := f.upload(t, "POST", "/u/s3", bytes.Repeat([]byte("x"), 1000+nginx.FormOverhead+1)); status != 413 {
		t.Fatalf("oversized body: status %d, want 413", status)
	}
	if _, status, _ := f.upload(t, "GET", "/u/s3/a.jpg", nil); status != 403 {
		t.Fatalf("GET /u/: status %d, want 403", status)
	}
	f.pool[0].Stop()
	for i := range 10 {
		b, status, _ := f.upload(t, "PUT", "/u/s3/k"+strings.Repeat("x", i)+".jpg", []byte("x"))
		if status != 200 || b == f.pool[0].Name {
			t.Fatalf("with %s down: %s answered %d", f.pool[0].Name, b, status)
		}
	}
}

func TestUploadRateLimit(t *testing.T) {
	f := startFront(t, func(c *nginx.Config) { c.UploadRateLimit, c.UploadRateBurst = 1, 2 })
	statuses := map[int]int{}
	for range 10 {
		_, s, _ := f.upload(t, "POST", "/u/s3", []byte("x"))
		statuses[s]++
	}
	if statuses[429] < 5 || statuses[200] < 1 {
		t.Fatalf("statuses %v: want some 200 then 429 once the burst is spent", statuses)
	}
	// Reads keep their own budget.
	if _, s := f.do(t, "GET", "/i/thumb/local/a.jpg", nil); s != 200 {
		t.Fatalf("a read after the uploads' limit: %d", s)
	}
}
