package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/source/local"
	"github.com/imgorigin/imgorigin/origin/stack/demo"
	"github.com/imgorigin/imgorigin/signer"
)

// chromiumFlags are the flags of every headless run: no sandbox (tests may run as root), no
// GPU, no background traffic to Google, a fresh profile (--user-data-dir is added).
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
	"--disable-component-update", "--disable-sync", "--no-first-run"}

// webDriver is a W3C WebDriver session with Debian's chromedriver driving Debian's chromium.
type webDriver struct {
	base, session string
	client        *http.Client
}

func startWebDriver(t *testing.T) *webDriver {
	t.Helper()
	driver, err := exec.LookPath("chromedriver")
	if err != nil {
		t.Fatal("chromedriver is not installed (Debian chromium-driver; run make deps): the upload form cannot be tested")
	}
	browser := "/usr/lib/chromium/chromium" // the binary behind Debian's /usr/bin/chromium wrapper
	if _, err := os.Stat(browser); err != nil {
		if browser, err = exec.LookPath("chromium"); err != nil {
			t.Fatal("chromium is not installed (Debian chromium; run make deps)")
		}
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, driver, fmt.Sprintf("--port=%d", port), "--allowed-ips=127.0.0.1")
	var logs bytes.Buffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("chromedriver log:\n%s", logs.String())
		}
	})
	wd := &webDriver{base: fmt.Sprintf("http://127.0.0.1:%d", port), client: &http.Client{Timeout: 30 * time.Second}}
	waitUntil(t, 10*time.Second, "chromedriver ready", func() bool {
		resp, err := wd.client.Get(wd.base + "/status")
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == 200
	})
	args := append(append([]string{}, chromiumFlags...), "--user-data-dir="+t.TempDir())
	var sess struct {
		SessionID string `json:"sessionId"`
	}
	wd.call(t, "POST", "/session", map[string]any{"capabilities": map[string]any{"alwaysMatch": map[string]any{
		"browserName": "chrome", "goog:chromeOptions": map[string]any{"binary": browser, "args": args}}}}, &sess)
	wd.session = "/session/" + sess.SessionID
	t.Cleanup(func() { wd.call(t, "DELETE", wd.session, nil, nil) })
	return wd
}

// call sends one WebDriver command and decodes its "value" into out.
func (wd *webDriver) call(t *testing.T, method, path string, body, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, wd.base+path, rd)
	req.Header.Set("Content-Type", "application/json")
	resp, err := wd.client.Do(req)
	if err != nil {
		t.Fatalf("webdriver %s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("webdriver %s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		var v struct {
			Value json.RawMessage `json:"value"`
		}
		if err := json.Unmarshal(b, &v); err != nil {
			t.Fatalf("webdriver %s %s: %v", method, path, err)
		}
		if err := json.Unmarshal(v.Value, out); err != nil {
			t.Fatalf("webdriver %s %s: %v: %s", method, path, err, v.Value)
		}
	}
}

// element returns the WebDriver id of the element matching a CSS selector.
func (wd *webDriver) element(t *testing.T, css string) string {
	t.Helper()
	var el map[string]string
	wd.call(t, "POST", wd.session+"/element", map[string]string{"using": "css selector", "value": css}, &el)
	for _, id := range el {
		return id
	}
	t.Fatalf("no element %s", css)
	return ""
}

func (wd *webDriver) eval(t *testing.T, script string, out any) {
	t.Helper()
	wd.call(t, "POST", wd.session+"/execute/sync", map[string]any{"script": script, "args": []any{}}, out)
}

// waitUntil polls cond until it holds or limit passes.
func waitUntil(t *testing.T, limit time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		<-tick.C
	}
}

// TestUploadFormInChromium: the demo page's upload form (origin/stack/demo, upload.html), served
// from another origin than the node (so CORS is exercised), uploads a file chosen in real
// headless Chromium; the answer's preset URLs all load in the page.
func TestUploadFormInChromium(t *testing.T) {
	key, _ := signer.NewKey("k1", signer.Signing)
	ring, _ := signer.NewRing(key)
	pageHTML := make(chan string, 1)
	page := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		html := <-pageHTML
		pageHTML <- html
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(page.Close)
	pageURL := page.URL
	uploadRoot := t.TempDir()
	pl, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	il, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	n := startNodeOn(t, pl, il, func(c *config.Config) {
		c.Auth = auth.DefaultConfig()
		c.Auth.Keys = []auth.KeyConfig{{ID: "k1", Secret: signer.EncodeSecret(key.Secret), State: "signing"}}
		lc := local.DefaultConfig()
		lc.Root = uploadRoot
		c.Sources["up"] = config.SourceConfig{Type: "local", Local: lc}
		c.Upload.CORSOrigins = []string{pageURL}
		c.Upload.Presets = []string{"small", "thumb"}
		c.Upload.URLBase = "http://" + pl.Addr().String()
	})
	tok, err := ring.UploadPolicy(signer.UploadPolicy{Source: "up", Prefix: "browser/", MaxBytes: 1 << 20,
		Formats: []string{"jpeg", "png"}, Expires: time.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	var form strings.Builder
	if err := demo.WriteUpload(&form, demo.Upload{Policy: tok, URL: n.base + "/u/up"}); err != nil {
		t.Fatal(err)
	}
	pageHTML <- "<!doctype html><html><head><meta charset=utf-8><title>upload</title></head><body>" + form.String() + "</body></html>"

	m := image.NewRGBA(image.Rect(0, 0, 640, 480))
	for y := 0; y < 480; y++ {
		for x := 0; x < 640; x++ {
			m.Set(x, y, color.RGBA{uint8(x / 3), uint8(y / 2), 120, 255})
		}
	}
	photo := filepath.Join(t.TempDir(), "holiday.jpg")
	var jb bytes.Buffer
	if err := jpeg.Encode(&jb, m, &jpeg.Options{Quality: 85}); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(photo, jb.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}

	wd := startWebDriver(t)
	wd.call(t, "POST", wd.session+"/url", map[string]string{"url": pageURL}, nil)
	wd.call(t, "POST", wd.session+"/element/"+wd.element(t, "#upload-file")+"/value", map[string]string{"text": photo}, nil)
	wd.call(t, "POST", wd.session+"/element/"+wd.element(t, "#upload-go")+"/click", map[string]any{}, nil)

	type state struct {
		Status string `json:"status"`
		Class  string `json:"class"`
		Key    string `json:"key"`
		Images []struct {
			Preset string `json:"preset"`
			Width  int    `json:"width"`
			Done   bool   `json:"done"`
		} `json:"images"`
	}
	var st state
	waitUntil(t, 20*time.Second, "upload answered and variants loaded", func() bool {
		wd.eval(t, `const s = document.getElementById("upload-status");
			return {status: s.textContent, class: s.className, key: s.dataset.key || "",
			  images: [...document.querySelectorAll("#upload-variants img")].map(i => ({preset: i.dataset.preset, width: i.naturalWidth, done: i.complete}))};`, &st)
		if st.Class == "bad" {
			t.Fatalf("the page says: %s", st.Status)
		}
		if st.Class != "ok" || len(st.Images) == 0 {
			return false
		}
		for _, im := range st.Images {
			if !im.Done {
				return false
			}
		}
		return true
	})
	want := map[string]int{"small": 400, "thumb": 200}
	if len(st.Images) != len(want) {
		t.Fatalf("variants %+v, want %v", st.Images, want)
	}
	for _, im := range st.Images {
		if im.Width != want[im.Preset] {
			t.Errorf("preset %s loaded %d px wide, want %d", im.Preset, im.Width, want[im.Preset])
		}
	}
	if !strings.HasPrefix(st.Key, "browser/") {
		t.Fatalf("stored key %q is not under the policy's prefix", st.Key)
	}
	if b, err := os.ReadFile(filepath.Join(uploadRoot, filepath.FromSlash(st.Key))); err != nil || !bytes.Equal(b, jb.Bytes()) {
		t.Fatalf("the stored original is not the chosen file (%d bytes, %v)", len(b), err)
	}
}
