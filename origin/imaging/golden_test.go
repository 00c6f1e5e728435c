package imaging

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

var update = flag.Bool("update", false, "rewrite testdata/golden.txt from the current outputs (and write them to testdata/out/ to look at)")

// goldenTolerance is the number of dHash bits (of 64) an output may differ from its golden.
const goldenTolerance = 6

const goldenFile = "testdata/golden.txt"

// TestGoldens compares the perceptual hash of each output with the stored one. Run with
// -update to rewrite the hashes; the outputs are then written to testdata/out/ (ignored by git)
// so a human can check them before committing the hashes.
func TestGoldens(t *testing.T) {
	e := newTestEngine(t, nil)
	photo := synth.JPEG(synth.Photo(640, 480, 11), 90, 0)
	rotated := synth.JPEG(synth.Stored(synth.Photo(480, 640, 12), 6), 90, 6)
	alpha := synth.PNG(synth.Translucent(300, 200))
	anim := synth.AnimatedGIF(120, 90, 8)
	logo := synth.PNG(synth.Translucent(120, 80))
	logoMark := watermark.ImageConfig{Source: "local", Key: "logo.png", X: 8, Y: 8, Opacity: 80}.Resolve(logo, probe(t, logo))
	cjk := watermark.TextConfig{Text: "水印 見本 견본", Size: 0.08, Colour: "ffffff", Gravity: "sw", X: 10, Y: 10, Shadow: true}.Resolve()
	tiled := watermark.ImageConfig{Source: "local", Key: "logo.png", Size: 0.15, Tile: true, X: 20, Y: 20, Opacity: 40}.Resolve(logo, probe(t, logo))
	cases := []struct {
		name  string
		src   []byte
		o     imgurl.Options
		marks watermark.Set
	}{
		{"photo-w300.jpeg", photo, imgurl.Options{Width: 300, Format: imgurl.JPEG}, watermark.Set{}},
		{"photo-cover-ne.webp", photo, imgurl.Options{Width: 200, Height: 200, Gravity: imgurl.GravityNorthEast, Format: imgurl.WebP}, watermark.Set{}},
		{"photo-cover-sw.png", photo, imgurl.Options{Width: 200, Height: 200, Gravity: imgurl.GravitySouthWest, Format: imgurl.PNG}, watermark.Set{}},
		{"photo-cover-smart.avif", photo, imgurl.Options{Width: 200, Height: 300, Gravity: imgurl.GravitySmart, Format: imgurl.AVIF}, watermark.Set{}},
		{"photo-pad.png", photo, imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitPad, Background: "203040", Format: imgurl.PNG}, watermark.Set{}},
		{"photo-fill.gif", photo, imgurl.Options{Width: 200, Height: 100, Fit: imgurl.FitFill, Format: imgurl.GIF}, watermark.Set{}},
		{"photo-contain-dpr2.jpeg", photo, imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitContain, DPR: 2, Format: imgurl.JPEG}, watermark.Set{}},
		{"rotated6-h200.jpeg", rotated, imgurl.Options{Height: 200, Format: imgurl.JPEG}, watermark.Set{}},
		{"alpha-on-white.jpeg", alpha, imgurl.Options{Width: 150, Format: imgurl.JPEG}, watermark.Set{}},
		{"alpha-pad.webp", alpha, imgurl.Options{Width: 150, Height: 150, Fit: imgurl.FitPad, Format: imgurl.WebP}, watermark.Set{}},
		{"anim-w60.gif", anim, imgurl.Options{Width: 60, Format: imgurl.GIF}, watermark.Set{}},
		{"anim-first-frame.jpeg", anim, imgurl.Options{Width: 60, Format: imgurl.JPEG}, watermark.Set{}},
		{"photo-crop-region.jpeg", photo, imgurl.Options{Crop: imgurl.Region{X: 320, Y: 0, W: 320, H: 240}, Width: 200, Format: imgurl.JPEG}, watermark.Set{}},
		{"photo-rot90.webp", photo, imgurl.Options{Rotate: 90, Width: 150, Format: imgurl.WebP}, watermark.Set{}},
		{"photo-rot270-flip.png", photo, imgurl.Options{Rotate: 270, Flip: imgurl.FlipHorizontal, Height: 200, Format: imgurl.PNG}, watermark.Set{}},
		{"rotated6-rot180.jpeg", rotated, imgurl.Options{Rotate: 180, Height: 200, Format: imgurl.JPEG}, watermark.Set{}},
		{"photo-focus.jpeg", photo, imgurl.Options{Width: 150, Height: 300, Gravity: imgurl.GravityFocus, FocusX: 0.8, FocusY: 0.3, Format: imgurl.JPEG}, watermark.Set{}},
		{"photo-blur.jpeg", photo, imgurl.Options{Width: 300, Blur: 4, Format: imgurl.JPEG}, watermark.Set{}},
		{"photo-sharpen.webp", photo, imgurl.Options{Width: 300, Sharpen: 1.5, Format: imgurl.WebP}, watermark.Set{}},
		{"alpha-on-bg.jpeg", alpha, imgurl.Options{Width: 150, Background: "203040", Format: imgurl.JPEG}, watermark.Set{}},
		{"photo-wm.jpeg", photo, imgurl.Options{Width: 400, Watermark: "logo", Format: imgurl.JPEG}, watermark.Set{Image: logoMark}},
		{"photo-wm-tiled.png", photo, imgurl.Options{Width: 300, Watermark: "tiles", Format: imgurl.PNG}, watermark.Set{Image: tiled}},
		{"photo-text-cjk.jpeg", photo, imgurl.Options{Width: 400, Text: "cjk", Format: imgurl.JPEG}, watermark.Set{Text: cjk}},
		{"photo-everything.jpeg", photo, imgurl.Options{Crop: imgurl.Region{X: 40, Y: 40, W: 560, H: 400}, Rotate: 90, Width: 240, Height: 240,
			Gravity: imgurl.GravityFocus, FocusX: 0.5, FocusY: 0.2, Sharpen: 0.8, Watermark: "logo", Text: "cjk", Quality: 85, Format: imgurl.JPEG},
			watermark.Set{Image: logoMark, Text: cjk}},
		{"anim-rot90-text.gif", anim, imgurl.Options{Rotate: 90, Width: 60, Text: "cjk", Format: imgurl.GIF}, watermark.Set{Text: cjk}},
	}
	want := readGoldens(t)
	got := map[string]uint64{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.ProcessMarked(context.Background(), c.src, probe(t, c.src), c.o, c.marks)
			if err != nil {
				t.Fatal(err)
			}
			h := dHash(t, r.Data)
			got[c.name] = h
			if *update {
				writeOut(t, c.name, r.Data)
				return
			}
			g, ok := want[c.name]
			if !ok {
				t.Fatalf("no golden hash for %s: run go test -run TestGoldens -update ./origin/imaging/", c.name)
			}
			if d := hamming(g, h); d > goldenTolerance {
				t.Errorf("dHash %016x differs from golden %016x in %d bits (tolerance %d)", h, g, d, goldenTolerance)
			}
		})
	}
	if *update {
		writeGoldens(t, got)
	}
}

// TestGoldensSeeTheContent guards the goldens themselves: a mirrored or flipped output must
// hash far from the upright one, otherwise the golden test could not catch orientation bugs.
func TestGoldensSeeTheContent(t *testing.T) {
	upright := synth.PNG(synth.Photo(200, 150, 13))
	flipped := synth.PNG(synth.Stored(synth.Photo(200, 150, 13), 3))
	if d := hamming(dHash(t, upright), dHash(t, flipped)); d <= 3*goldenTolerance {
		t.Fatalf("upright and rotated pictures differ in only %d bits", d)
	}
}

func readGoldens(t *testing.T) map[string]uint64 {
	t.Helper()
	m := map[string]uint64{}
	f, err := os.Open(goldenFile)
	if os.IsNotExist(err) && *update {
		return m
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, hex, ok := strings.Cut(line, " ")
		v, err := strconv.ParseUint(strings.TrimSpace(hex), 16, 64)
		if !ok || err != nil {
			t.Fatalf("%s: bad line %q", goldenFile, line)
		}
		m[name] = v
	}
	return m
}

func writeGoldens(t *testing.T, m map[string]uint64) {
	t.Helper()
	names := make([]string, 0, len(m))
	for n := range m {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteString("# dHash (64-bit, 9x8 grey) of each golden output; rewrite with: go test -run TestGoldens -update ./origin/imaging/\n")
	for _, n := range names {
		fmt.Fprintf(&b, "%s %016x\n", n, m[n])
	}
	if err := os.WriteFile(goldenFile, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeOut(t *testing.T, name string, data []byte) {
	t.Helper()
	dir := filepath.Join("testdata", "out")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// Also a PNG of the first frame, for viewers without AVIF/WebP.
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
		t.Fatal(err)
	}
	img, err := vips.LoadImageFromBuffer(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	png, _, err := img.ExportPng(vips.NewPngExportParams())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}
