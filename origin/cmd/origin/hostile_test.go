package main

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/hostile"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source/local"
)

// Bounds of the hostile-input test. The render timeout is short so that a slow decode shows
// up as a failure of the time bound rather than as a slow test.
const (
	hostileRenderTimeout = 5 * time.Second
	hostileTimeBound     = hostileRenderTimeout + 2*time.Second
	// hostileRSSBudget bounds the growth of the process's peak RSS over its RSS before one
	// hostile request (see peakRSS). Override with IMGDEV_HOSTILE_RSS_BUDGET_MIB.
	hostileRSSBudgetMiB = 320
)

// rssMiB reads VmRSS and VmHWM of this process from /proc/self/status. They are process-wide:
// the test binary, the node it serves and libvips' allocations all count.
func rssMiB(t *testing.T) (rss, hwm float64) {
	t.Helper()
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		t.Fatalf("reading /proc/self/status (the RSS checks need Linux): %v", err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) >= 2 && (f[0] == "VmRSS:" || f[0] == "VmHWM:") {
			kb, _ := strconv.ParseFloat(f[1], 64)
			if f[0] == "VmRSS:" {
				rss = kb / 1024
			} else {
				hwm = kb / 1024
			}
		}
	}
	return rss, hwm
}

// resetPeakRSS makes VmHWM equal to the current RSS (Linux: write 5 to /proc/self/clear_refs),
// so that the next VmHWM read is the peak of what ran in between.
func resetPeakRSS(t *testing.T) {
	t.Helper()
	if err := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0); err != nil {
		t.Fatalf("resetting the peak RSS through /proc/self/clear_refs: %v", err)
	}
}

func rssBudget() float64 {
	if v, err := strconv.ParseFloat(os.Getenv("IMGDEV_HOSTILE_RSS_BUDGET_MIB"), 64); err == nil && v > 0 {
		return v
	}
	return hostileRSSBudgetMiB
}

// watchListener counts the connections made to a 127.0.0.1 port: the SVG inputs reference it,
// and nothing may ever connect.
func watchListener(t *testing.T) (addr string, conns *atomic.Int64) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	conns = &atomic.Int64{}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns.Add(1)
			c.Close()
		}
	}()
	t.Cleanup(func() { ln.Close() })
	return ln.Addr().String(), conns
}

// startHostileNode is a node with a second local source "hostile" holding every input.
func startHostileNode(t *testing.T, href string, mutate func(*config.Config)) (*testNode, []hostile.Input) {
	t.Helper()
	dir := t.TempDir()
	inputs := hostile.All(href)
	for _, in := range inputs {
		if err := os.WriteFile(filepath.Join(dir, in.Name), in.Data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	n := startNode(t, func(c *config.Config) {
		lc := local.DefaultConfig()
		lc.Root = dir
		c.Sources["hostile"] = config.SourceConfig{Type: "local", Local: lc}
		c.Render.Timeout = hostileRenderTimeout
		if mutate != nil {
			mutate(c)
		}
	})
	return n, inputs
}

// TestHostileImages serves every hostile input through a whole node, one at a time, and checks
// the status, the headers, the time taken, the peak RSS, and that the answer of a 200 is a
// re-encoded image. The node must still serve afterwards.
func TestHostileImages(t *testing.T) {
	href, fetches := watchListener(t)
	n, inputs := startHostileNode(t, "http://"+href+"/remote.png", nil)
	if r, b := n.do(t, "GET", "/i/w_100,f_jpeg/hostile/control.jpg", nil); r.StatusCode != 200 {
		t.Fatalf("control image: %d %s", r.StatusCode, b) // also warms libvips up before measuring
	}
	budget := rssBudget()
	var report strings.Builder
	fmt.Fprintf(&report, "\n%-26s %-14s %6s %9s %10s\n", "input", "variant", "status", "ms", "peak+MiB")
	for _, in := range inputs {
		for _, c := range in.Cases {
			t.Run(in.Name+"/"+c.Variant, func(t *testing.T) {
				path := "/i/" + c.Variant + "/hostile/" + in.Name
				rss0, _ := rssMiB(t)
				resetPeakRSS(t)
				start := time.Now()
				r, body := n.do(t, "GET", path, nil)
				took := time.Since(start)
				_, hwm := rssMiB(t)
				growth := hwm - rss0
				fmt.Fprintf(&report, "%-26s %-14s %6d %9.1f %10.1f\n", in.Name, c.Variant, r.StatusCode, float64(took.Microseconds())/1000, growth)
				if r.StatusCode != c.Status {
					t.Errorf("status %d, want %d (%s): %s", r.StatusCode, c.Status, in.Why, body)
				}
				if took > hostileTimeBound {
					t.Errorf("took %v, more than %v", took, hostileTimeBound)
				}
				if growth > budget {
					t.Errorf("peak RSS grew by %.0f MiB, budget %.0f MiB", growth, budget)
				}
				h := r.Header
				if h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
					t.Errorf("nosniff %q, CSP %q", h.Get("X-Content-Type-Options"), h.Get("Content-Security-Policy"))
				}
				if bytes.Contains(body, []byte(hostile.PolyglotMarker)) || bytes.Contains(body, []byte("<script")) {
					t.Errorf("the answer carries the input's script bytes")
				}
				if r.StatusCode != 200 {
					if cc := h.Get("Cache-Control"); cc != "no-store" {
						t.Errorf("Cache-Control %q on a %d", cc, r.StatusCode)
					}
					return
				}
				if !strings.HasPrefix(h.Get("Cache-Control"), "public") {
					t.Errorf("Cache-Control %q on a 200", h.Get("Cache-Control"))
				}
				if bytes.Equal(body, in.Data) {
					t.Fatalf("the original bytes were served, not a re-encoded image")
				}
				info, err := imgprobe.Probe(body)
				want := c.Variant[strings.Index(c.Variant, "f_")+2:]
				if err != nil || string(info.Format) != want || h.Get("Content-Type") != "image/"+want {
					t.Fatalf("answer %+v (%v), Content-Type %q; want a %s image", info, err, h.Get("Content-Type"), want)
				}
				if check, ok := hostileChecks[in.Name]; ok {
					check(t, c.Variant, info, body)
				}
			})
		}
	}
	t.Log(report.String())
	if got := fetches.Load(); got != 0 {
		t.Errorf("%d connections to the address the SVG inputs reference: something fetched it", got)
	}
	if r, b := n.do(t, "GET", "/i/w_100,f_jpeg/hostile/control.jpg", nil); r.StatusCode != 200 {
		t.Fatalf("the node stopped serving after the hostile inputs: %d %s", r.StatusCode, b)
	}
}

// hostileChecks are the extra checks of the inputs that must come out as a correct image.
var hostileChecks = map[string]func(t *testing.T, variant string, info imgprobe.Info, body []byte){
	"cmyk.jpg": func(t *testing.T, variant string, info imgprobe.Info, body []byte) {
		if !strings.HasSuffix(variant, "f_png") {
			return
		}
		img := decode8(t, body)
		b := img.Bounds()
		l := rgbAt(img, b.Dx()/8, b.Dy()/2)
		r := rgbAt(img, b.Dx()*7/8, b.Dy()/2)
		// Cyan ink is (0, ~160-255, ~220-255) in sRGB; magenta+yellow ink is a red.
		if !(l[0] < 90 && l[1] > 120 && l[2] > 180) {
			t.Errorf("left half %v: want cyan (CMYK converted to sRGB, not inverted)", l)
		}
		if !(r[0] > 180 && r[1] < 90 && r[2] < 90) {
			t.Errorf("right half %v: want red", r)
		}
	},
	"rgb16.png": func(t *testing.T, variant string, info imgprobe.Info, body []byte) {
		img := decode8(t, body)
		b := img.Bounds()
		tl, br := rgbAt(img, 0, 0), rgbAt(img, b.Dx()-1, b.Dy()-1)
		if tl[0] > 8 || tl[1] > 8 || absDiff(tl[2], 128) > 6 || br[0] < 247 || br[1] < 247 || absDiff(br[2], 128) > 6 {
			t.Errorf("corners %v %v: want (0,0,128) and (255,255,128)", tl, br)
		}
	},
	"grey16.png": func(t *testing.T, variant string, info imgprobe.Info, body []byte) {
		img := decode8(t, body)
		b := img.Bounds()
		l, r := rgbAt(img, 2, b.Dy()/2), rgbAt(img, b.Dx()-3, b.Dy()/2)
		if absDiff(l[0], 64) > 4 || absDiff(r[0], 192) > 4 {
			t.Errorf("left %v right %v: want grey 64 and 192", l, r)
		}
	},
	"exif-orientation-99.jpg": func(t *testing.T, variant string, info imgprobe.Info, body []byte) {
		if info.Width != 100 || info.Height != 75 {
			t.Errorf("%dx%d: an invalid orientation must leave the image as stored (100x75)", info.Width, info.Height)
		}
	},
}

// decode8 decodes a PNG answer and checks it is 8 bits per channel.
func decode8(t *testing.T, body []byte) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("decoding the answer: %v", err)
	}
	switch img.(type) {
	case *image.RGBA64, *image.NRGBA64, *image.Gray16:
		t.Errorf("answer is %T: want 8 bits per channel", img)
	}
	return img
}

func rgbAt(img image.Image, x, y int) [3]int {
	r, g, b, _ := img.At(img.Bounds().Min.X+x, img.Bounds().Min.Y+y).RGBA()
	return [3]int{int(r >> 8), int(g >> 8), int(b >> 8)}
}

func absDiff(a, b int) int {
	if a > b {
		return a - b
	}
	return b - a
}

// rawRequest sends bytes on a new connection and returns what the server answers.
func rawRequest(t *testing.T, base, req string) string {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, req); err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(c)
	return string(b)
}
