package imaging

import (
	"context"
	"math"
	"math/bits"
	"sync"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// testEngine is one engine per pipeline for the whole test binary (libvips is process-wide).
var testEngines sync.Map

func newTestEngine(t testing.TB, mutate func(*Config)) *Engine {
	t.Helper()
	cfg := DefaultConfig()
	cfg.LogLevel = "off"
	if mutate != nil {
		mutate(&cfg)
	}
	e, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v (is libvips installed? run `make deps`)", err)
	}
	return e
}

func probeErr(data []byte) (imgprobe.Info, error) { return imgprobe.Probe(data) }

func probe(t testing.TB, data []byte) imgprobe.Info {
	t.Helper()
	in, err := imgprobe.Probe(data)
	if err != nil {
		t.Fatalf("Probe: %v", err)
	}
	return in
}

func process(t testing.TB, e *Engine, data []byte, o imgurl.Options) Result {
	t.Helper()
	r, err := e.Process(context.Background(), data, probe(t, data), o)
	if err != nil {
		t.Fatalf("Process(%+v): %v", o, err)
	}
	return r
}

// decoded describes an encoded output as libvips reads it back.
type decoded struct {
	w, h, pages, bands int
}

func decode(t testing.TB, data []byte) decoded {
	t.Helper()
	p := vips.NewImportParams()
	p.NumPages.Set(-1)
	img, err := vips.LoadImageFromBuffer(data, p)
	if err != nil {
		t.Fatalf("decoding output: %v", err)
	}
	defer img.Close()
	ph := img.PageHeight()
	return decoded{w: img.Width(), h: ph, pages: img.Height() / ph, bands: img.Bands()}
}

// grayPixels decodes the first frame of data, flattens it on white and resizes it to w×h
// grey levels (0..255).
func grayPixels(t testing.TB, data []byte, w, h int) []float64 {
	t.Helper()
	img, err := vips.LoadImageFromBuffer(data, nil)
	if err != nil {
		t.Fatalf("decoding output: %v", err)
	}
	defer img.Close()
	if img.HasAlpha() {
		if err := img.Flatten(&vips.Color{R: 255, G: 255, B: 255}); err != nil {
			t.Fatal(err)
		}
	}
	if err := img.ToColorSpace(vips.InterpretationBW); err != nil {
		t.Fatal(err)
	}
	if err := img.ResizeWithVScale(float64(w)/float64(img.Width()), float64(h)/float64(img.Height()), vips.KernelLinear); err != nil {
		t.Fatal(err)
	}
	if err := img.Cast(vips.BandFormatUchar); err != nil {
		t.Fatal(err)
	}
	raw, err := img.ToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if len(raw) < w*h {
		t.Fatalf("raw pixels: %d bytes for %dx%d", len(raw), w, h)
	}
	out := make([]float64, w*h)
	for i := range out {
		out[i] = float64(raw[i])
	}
	return out
}

// dHash is a 64-bit difference hash: on a 9×8 grey image, bit i is set when a pixel is
// brighter than its right neighbour.
func dHash(t testing.TB, data []byte) uint64 {
	t.Helper()
	g := grayPixels(t, data, 9, 8)
	var h uint64
	for y := 0; y < 8; y++ {
		for x := 0; x < 8; x++ {
			h <<= 1
			if g[y*9+x] > g[y*9+x+1] {
				h |= 1
			}
		}
	}
	return h
}

func hamming(a, b uint64) int { return bits.OnesCount64(a ^ b) }

// ssim is the structural similarity of two equally sized grey images, averaged over 8×8
// windows (the usual constants for 8-bit data).
func ssim(a, b []float64, w, h int) float64 {
	const c1, c2 = 6.5025, 58.5225 // (0.01·255)², (0.03·255)²
	var sum float64
	var n int
	for y0 := 0; y0+8 <= h; y0 += 4 {
		for x0 := 0; x0+8 <= w; x0 += 4 {
			var ma, mb float64
			for y := y0; y < y0+8; y++ {
				for x := x0; x < x0+8; x++ {
					ma += a[y*w+x]
					mb += b[y*w+x]
				}
			}
			ma /= 64
			mb /= 64
			var va, vb, cov float64
			for y := y0; y < y0+8; y++ {
				for x := x0; x < x0+8; x++ {
					da, db := a[y*w+x]-ma, b[y*w+x]-mb
					va += da * da
					vb += db * db
					cov += da * db
				}
			}
			va /= 63
			vb /= 63
			cov /= 63
			sum += (2*ma*mb + c1) * (2*cov + c2) / ((ma*ma + mb*mb + c1) * (va + vb + c2))
			n++
		}
	}
	if n == 0 {
		return math.NaN()
	}
	return sum / float64(n)
}

// pixel returns the RGB of the first frame of data at (x, y), flattened on white.
func pixel(t testing.TB, data []byte, x, y int) [3]float64 {
	t.Helper()
	img, err := vips.LoadImageFromBuffer(data, nil)
	if err != nil {
		t.Fatalf("decoding output: %v", err)
	}
	defer img.Close()
	if img.HasAlpha() {
		if err := img.Flatten(&vips.Color{R: 255, G: 255, B: 255}); err != nil {
			t.Fatal(err)
		}
	}
	v, err := img.GetPoint(x, y)
	if err != nil {
		t.Fatal(err)
	}
	var out [3]float64
	for i := 0; i < 3 && i < len(v); i++ {
		out[i] = v[i]
	}
	if len(v) < 3 { // grey
		out[1], out[2] = v[0], v[0]
	}
	return out
}

func near(a [3]float64, r, g, b uint8, tol float64) bool {
	return math.Abs(a[0]-float64(r)) <= tol && math.Abs(a[1]-float64(g)) <= tol && math.Abs(a[2]-float64(b)) <= tol
}
