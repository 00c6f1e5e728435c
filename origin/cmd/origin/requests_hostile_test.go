package main

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/signer"
)

// statusOfRaw sends one raw HTTP/1.1 request line and headers and returns the status code of
// the answer (0 if the connection closed without one) and the whole answer.
func statusOfRaw(t *testing.T, base, target string, headers string) (int, string) {
	t.Helper()
	resp := rawRequest(t, base, "GET "+target+" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"+headers+"\r\n")
	f := strings.Fields(resp)
	if len(f) < 2 {
		return 0, resp
	}
	code, _ := strconv.Atoi(f[1])
	return code, resp
}

// metricSum adds up every sample of a metric family in the node's /metrics text.
func metricSum(t *testing.T, internal, name string) float64 {
	t.Helper()
	resp, err := http.Get(internal + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var sum float64
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, name) || (len(line) > len(name) && line[len(name)] != '{' && line[len(name)] != ' ') {
			continue
		}
		f := strings.Fields(line)
		v, _ := strconv.ParseFloat(f[len(f)-1], 64)
		sum += v
	}
	return sum
}

// TestHostilePaths sends what scanners and attackers send: traversal in every spelling,
// encoded separators, overlong and invalid input. Every one is a 4xx with no-store, and none
// reaches outside the source's root.
func TestHostilePaths(t *testing.T) {
	n := startNode(t, func(c *config.Config) {
		c.Server.MaxHeaderBytes = 4096
	})
	long := "/i/w_100,f_jpeg/local/" + strings.Repeat("a/", 1100) + "x.jpg"
	tests := []struct {
		name, target string
		status       int
	}{
		{"raw ..", "/i/w_100,f_jpeg/local/../../../../etc/passwd", 400},
		{"dot segment", "/i/w_100,f_jpeg/local/./photo.jpg", 400},
		{"%2e%2e", "/i/w_100,f_jpeg/local/%2e%2e/%2e%2e/etc/passwd", 400},
		{"%2E%2E upper", "/i/w_100,f_jpeg/local/%2E%2E/%2E%2E/etc/passwd", 400},
		{".%2e mixed", "/i/w_100,f_jpeg/local/.%2e/etc/passwd", 400},
		{"%2f encoded slash", "/i/w_100,f_jpeg/local/..%2f..%2fetc%2fpasswd", 400},
		{"%2F encoded slash in a name", "/i/w_100,f_jpeg/local/dir%2Fphoto.jpg", 400},
		{"double-encoded %252e is a literal name", "/i/w_100,f_jpeg/local/%252e%252e/%252e%252e/etc/passwd", 404},
		{"raw backslashes are a second spelling", `/i/w_100,f_jpeg/local/..\..\etc\passwd`, 400}, // a raw '\' is refused: the target must be the canonical path
		{"%5c backslashes are not canonical", "/i/w_100,f_jpeg/local/..%5c..%5cetc%5cpasswd", 400},
		{"overlong UTF-8 dot %c0%ae", "/i/w_100,f_jpeg/local/%c0%ae%c0%ae/etc/passwd", 400},
		{"overlong UTF-8 slash %c0%af", "/i/w_100,f_jpeg/local/..%c0%af..%c0%afetc/passwd", 400},
		{"invalid UTF-8 raw byte", "/i/w_100,f_jpeg/local/\xff\xfe.jpg", 400},
		{"invalid UTF-8 escaped", "/i/w_100,f_jpeg/local/%ff%fe.jpg", 400},
		{"NUL", "/i/w_100,f_jpeg/local/photo.jpg%00.png", 400},
		{"absolute key (empty segment)", "/i/w_100,f_jpeg/local//etc/passwd", 400},
		{"trailing slash", "/i/w_100,f_jpeg/local/photo.jpg/", 400},
		{"source traversal", "/i/w_100,f_jpeg/..%2flocal/photo.jpg", 400},
		{"overlong path", long, 400},
		{"width 0", "/i/w_0,f_jpeg/local/photo.jpg", 400},
		{"width over max", "/i/w_99999,f_jpeg/local/photo.jpg", 400},
		{"width leading zero", "/i/w_0100,f_jpeg/local/photo.jpg", 400},
		{"width negative", "/i/w_-1,f_jpeg/local/photo.jpg", 400},
		{"width overflow", "/i/w_99999999999999999999,f_jpeg/local/photo.jpg", 400},
		{"quality 101", "/i/w_100,q_101,f_jpeg/local/photo.jpg", 400},
		{"dpr 9", "/i/w_100,dpr_9,f_jpeg/local/photo.jpg", 400},
		{"width × dpr over max_output_side", "/i/w_4000,dpr_4,f_jpeg/local/photo.jpg", 422},
		{"height × dpr over max_output_side", "/i/h_2100,dpr_2,f_webp/local/photo.jpg", 422},
		{"dpr NaN", "/i/w_100,dpr_NaN,f_jpeg/local/photo.jpg", 400},
		{"bad colour", "/i/w_100,fit_pad,bg_zzzzzz,f_jpeg/local/photo.jpg", 400},
		{"format bmp", "/i/w_100,f_bmp/local/photo.jpg", 400},
		{"format svg", "/i/w_100,f_svg/local/photo.jpg", 400},
		{"repeated option", "/i/w_100,w_100,f_jpeg/local/photo.jpg", 400},
		{"no format", "/i/w_100/local/photo.jpg", 400},
		{"internal /metrics", "/metrics", 404},
		{"internal /debug/pprof/", "/debug/pprof/", 404},
		{"internal /debug/pprof/cmdline", "/debug/pprof/cmdline", 404},
		{"internal /healthz", "/healthz", 404},
		{"internal /readyz", "/readyz", 404},
		{"internal /_groupcache/", "/_groupcache/originals/local%2Fphoto.jpg", 404},
		{"absolute-form target", "http://127.0.0.1:1/metrics", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, resp := statusOfRaw(t, n.base, tt.target, "")
			if code != tt.status {
				t.Fatalf("status %d, want %d:\n%.400s", code, tt.status, resp)
			}
			if !strings.Contains(resp, "Cache-Control: no-store") && !strings.Contains(resp, "Cache-Control: public, max-age=60, stale-while-revalidate=0, stale-if-error=0\r\n") {
				t.Errorf("answer is not no-store (or a short 404):\n%.400s", resp)
			}
			if strings.Contains(resp, "root:") {
				t.Fatalf("a file outside the root was served")
			}
		})
	}
	t.Run("header over max_header_bytes is 431", func(t *testing.T) {
		code, resp := statusOfRaw(t, n.base, "/i/w_100,f_jpeg/local/photo.jpg", "X-Big: "+strings.Repeat("a", 64<<10)+"\r\n")
		if code != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("status %d, want 431:\n%.300s", code, resp)
		}
	})
	t.Run("many small headers over max_header_bytes is 431", func(t *testing.T) {
		var h strings.Builder
		for i := 0; i < 2000; i++ {
			fmt.Fprintf(&h, "X-H%d: v\r\n", i)
		}
		if code, resp := statusOfRaw(t, n.base, "/i/w_100,f_jpeg/local/photo.jpg", h.String()); code != 431 {
			t.Fatalf("status %d, want 431:\n%.300s", code, resp)
		}
	})
	if r, b := n.do(t, "GET", "/i/w_100,f_jpeg/local/photo.jpg", nil); r.StatusCode != 200 {
		t.Fatalf("the node stopped serving: %d %s", r.StatusCode, b)
	}
}

// TestSlowClientCutOff: a client that sends its headers one byte at a time is disconnected
// by server.read_header_timeout, and the node keeps serving others meanwhile.
func TestSlowClientCutOff(t *testing.T) {
	const rht = 400 * time.Millisecond
	n := startNode(t, func(c *config.Config) { c.Server.ReadHeaderTimeout = rht })
	c, err := net.Dial("tcp", strings.TrimPrefix(n.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	closed := make(chan time.Duration, 1)
	start := time.Now()
	go func() {
		_, _ = io.Copy(io.Discard, c) // returns when the server closes the connection
		closed <- time.Since(start)
	}()
	req := "GET /i/w_100,f_jpeg/local/photo.jpg HTTP/1.1\r\nHost: x\r\nX-Slow: " + strings.Repeat("s", 200) + "\r\n\r\n"
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var took time.Duration
	sent := 0
loop:
	for ; sent < len(req); sent++ {
		select {
		case took = <-closed:
			break loop
		case <-tick.C:
			if _, err := c.Write([]byte{req[sent]}); err != nil {
				took = time.Since(start)
				break loop
			}
		}
	}
	if took == 0 {
		select {
		case took = <-closed:
		case <-time.After(5 * time.Second):
			t.Fatalf("the whole request (%d bytes at 20 B/s) was accepted: no header timeout", len(req))
		}
	}
	if took > rht+time.Second || sent >= len(req) {
		t.Fatalf("cut off after %v and %d bytes, want within %v of read_header_timeout %v", took, sent, time.Second, rht)
	}
	t.Logf("slow client cut off after %v (%d of %d header bytes)", took, sent, len(req))
	if r, b := n.do(t, "GET", "/i/w_100,f_jpeg/local/photo.jpg", nil); r.StatusCode != 200 {
		t.Fatalf("the node stopped serving: %d %s", r.StatusCode, b)
	}
}

// TestUnsignedVariantsCostNothing: with signing on, an attacker minting distinct variants
// (the "million variants" attack on a resize origin) gets 403 before any fetch or render, and
// a token is bound to its path, its key and its expiry.
func TestUnsignedVariantsCostNothing(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	other := []byte("fedcba9876543210fedcba9876543210")
	now := time.Now()
	n := startNode(t, func(c *config.Config) {
		c.Auth = auth.DefaultConfig()
		c.Auth.Keys = []auth.KeyConfig{{ID: "k1", Secret: signer.EncodeSecret(secret), State: "signing"}}
		c.Auth.MaxLifetime = 24 * time.Hour
	})
	token := func(sec []byte, kid, path string, exp int64) string {
		return kid + "." + strconv.FormatInt(exp, 10) + "." + base64.RawURLEncoding.EncodeToString(signer.MAC(sec, "GET", path, exp))
	}
	hour := now.Add(time.Hour).Unix()

	const variants = 3000
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	work := make(chan int)
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				path := fmt.Sprintf("/i/w_%d,h_%d,f_webp/local/photo.jpg", 1+i%4000, 1+i/4000)
				target := path
				if i%2 == 1 { // half carry a token signed for another path: replay
					target += "?token=" + token(secret, "k1", "/i/w_300,f_webp/local/photo.jpg", hour)
				}
				resp, err := http.Get(n.base + target)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				mu.Lock()
				codes[resp.StatusCode]++
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < variants; i++ {
		work <- i
	}
	close(work)
	wg.Wait()
	if codes[403] != variants {
		t.Fatalf("answers %v, want %d × 403", codes, variants)
	}
	if f, r := metricSum(t, n.internal, "imgorigin_source_fetches_total"), metricSum(t, n.internal, "imgorigin_renders_total"); f != 0 || r != 0 {
		t.Fatalf("%d refused variants cost %v fetches and %v renders, want 0", variants, f, r)
	}

	good := "/i/w_300,f_webp/local/photo.jpg"
	tests := []struct {
		name, target string
		status       int
	}{
		{"signed", good + "?token=" + token(secret, "k1", good, hour), 200},
		{"HEAD-signed is GET-signed", good + "?token=" + token(secret, "k1", good, hour), 200},
		{"replay on another path", "/i/w_300,f_webp/local/dir/with%20space.png?token=" + token(secret, "k1", good, hour), 403},
		{"replay on another variant", "/i/w_301,f_webp/local/photo.jpg?token=" + token(secret, "k1", good, hour), 403},
		{"wrong kid", good + "?token=" + token(secret, "k2", good, hour), 403},
		{"right kid, wrong secret", good + "?token=" + token(other, "k1", good, hour), 403},
		{"expired an hour ago", good + "?token=" + token(secret, "k1", good, now.Add(-time.Hour).Unix()), 403},
		{"expired within clock_skew", good + "?token=" + token(secret, "k1", good, now.Add(-10*time.Second).Unix()), 200},
		{"expired just past clock_skew", good + "?token=" + token(secret, "k1", good, now.Add(-45*time.Second).Unix()), 403},
		{"expiry beyond max_lifetime", good + "?token=" + token(secret, "k1", good, now.Add(30*24*time.Hour).Unix()), 403},
		{"expiry overflow", good + "?token=k1.99999999999999999999." + strings.Repeat("A", 43), 403},
		{"two tokens", good + "?token=" + token(secret, "k1", good, hour) + "&token=" + token(other, "k1", good, hour), 403},
		{"token in the path instead", good + ";token=" + token(secret, "k1", good, hour), 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, b := n.do(t, "GET", tt.target, nil)
			if r.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", r.StatusCode, tt.status, b)
			}
		})
	}
}
