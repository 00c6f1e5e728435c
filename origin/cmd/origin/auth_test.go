package main

import (
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
)

var (
	imgsignOnce sync.Once
	imgsignPath string
	imgsignErr  error
)

// imgsign builds the signer CLI once per test binary: the end-to-end tests sign with the same
// program an operator uses.
func imgsign(t *testing.T) string {
	t.Helper()
	imgsignOnce.Do(func() {
		dir, err := os.MkdirTemp("", "imgsign-")
		if err != nil {
			imgsignErr = err
			return
		}
		imgsignPath = filepath.Join(dir, "imgsign")
		out, err := exec.Command("go", "build", "-o", imgsignPath, "github.com/imgorigin/imgorigin/signer/cmd/imgsign").CombinedOutput()
		if err != nil {
			imgsignErr = err
			t.Logf("%s", out)
		}
	})
	if imgsignErr != nil {
		t.Fatalf("building imgsign: %v", imgsignErr)
	}
	return imgsignPath
}

func TestSignedURLs(t *testing.T) {
	bin := imgsign(t)
	keyLine, err := exec.Command(bin, "keygen", "-id", "k1", "-state", "signing").Output()
	if err != nil {
		t.Fatal(err)
	}
	otherLine, err := exec.Command(bin, "keygen", "-id", "k9", "-state", "signing").Output()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "keys.json")
	otherFile := filepath.Join(dir, "other.json")
	if err := os.WriteFile(keyFile, []byte(`{"keys":[`+strings.TrimSpace(string(keyLine))+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(otherFile, []byte(`{"keys":[`+strings.TrimSpace(string(otherLine))+`]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	const secret = "0123456789abcdef-origin-secret"
	n := startNode(t, func(c *config.Config) {
		c.Auth = auth.DefaultConfig()
		c.Auth.KeyFile = keyFile
		c.Auth.OriginSecret.Current = secret
		c.Auth.OriginSecret.Previous = "previous-origin-secret-0123"
	})
	sign := func(keys string, extra ...string) string {
		t.Helper()
		args := append([]string{"sign", "-key-file", keys, "-base", n.base, "-w", "300", "-f", "webp", "-source", "local", "-key", "photo.jpg"}, extra...)
		out, err := exec.Command(bin, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("imgsign %v: %v: %s", args, err, out)
		}
		u, err := url.Parse(strings.TrimSpace(string(out)))
		if err != nil {
			t.Fatal(err)
		}
		return u.RequestURI()
	}
	good := sign(keyFile)
	if !strings.HasPrefix(good, "/i/w_300,f_webp/local/photo.jpg?token=k1.") {
		t.Fatalf("signed URL %q", good)
	}
	r, b := n.do(t, "GET", good, nil)
	if r.StatusCode != 200 {
		t.Fatalf("a CLI-signed URL is refused: %d %s", r.StatusCode, b)
	}
	cc := r.Header.Get("Cache-Control")

	tok := good[strings.Index(good, "token=")+len("token="):]
	parts := strings.Split(tok, ".")
	flip := func(s string) string {
		c := s[len(s)/2]
		repl := byte('A')
		if c == 'A' {
			repl = 'B'
		}
		return s[:len(s)/2] + string(repl) + s[len(s)/2+1:]
	}
	past := strconv.FormatInt(time.Now().Add(-3*time.Hour).Unix(), 10)
	denials := []struct {
		name, uri string
		hdr       map[string]string
		reason    string
	}{
		{"one character of the path changed", strings.Replace(good, "photo.jpg", "photo.jpf", 1), nil, "mac"},
		{"another variant with the same token", strings.Replace(good, "w_300", "w_301", 1), nil, "mac"},
		{"expired", sign(keyFile, "-now", past), nil, "expired"},
		{"unknown key id", sign(otherFile), nil, "unknown key"},
		{"no token", "/i/w_300,f_webp/local/photo.jpg", nil, "missing token"},
		{"mac altered", "/i/w_300,f_webp/local/photo.jpg?token=" + parts[0] + "." + parts[1] + "." + flip(parts[2]), nil, "mac"},
		{"expiry altered", "/i/w_300,f_webp/local/photo.jpg?token=" + parts[0] + "." + flip(parts[1]) + "." + parts[2], nil, ""},
		{"malformed", "/i/w_300,f_webp/local/photo.jpg?token=garbage", nil, "malformed"},
		{"wrong origin secret", "/i/w_300,f_webp/local/photo.jpg", map[string]string{"X-Origin-Secret": "not-the-secret-at-all"}, "origin secret"},
	}
	for _, d := range denials {
		t.Run(d.name, func(t *testing.T) {
			r, b := n.do(t, "GET", d.uri, d.hdr)
			if r.StatusCode != 403 {
				t.Fatalf("status %d, want 403: %s", r.StatusCode, b)
			}
			if got := r.Header.Get("Cache-Control"); got != "private, no-store" {
				t.Errorf("Cache-Control %q", got)
			}
			if !strings.Contains(strings.ToLower(string(b)), d.reason) {
				t.Errorf("body %q does not say %q", b, d.reason)
			}
			if strings.Contains(string(b), parts[2]) || r.Header.Get("ETag") != "" || r.Header.Get("Last-Modified") != "" {
				t.Errorf("a refusal carries token-derived or cacheable data: %q", b)
			}
		})
	}
	for _, s := range []string{secret, "previous-origin-secret-0123"} {
		r, b := n.do(t, "GET", "/i/w_300,f_webp/local/photo.jpg", map[string]string{"X-Origin-Secret": s})
		if r.StatusCode != 200 {
			t.Errorf("origin secret %q…: %d %s", s[:4], r.StatusCode, b)
		}
	}
	if !strings.Contains(cc, "s-maxage") {
		t.Errorf("a signed 200 is not cacheable by the CDN: %q", cc)
	}
}
