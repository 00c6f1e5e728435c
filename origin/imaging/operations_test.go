package imaging

import (
	"context"
	"errors"
	"image"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// quadColour says which quadrant colour a pixel has.
func quadColour(t *testing.T, data []byte, x, y int) string {
	t.Helper()
	p := pixel(t, data, x, y)
	for name, c := range map[string][3]uint8{
		"red": {synth.QuadTL.R, synth.QuadTL.G, synth.QuadTL.B}, "green": {synth.QuadTR.R, synth.QuadTR.G, synth.QuadTR.B},
		"blue": {synth.QuadBL.R, synth.QuadBL.G, synth.QuadBL.B}, "yellow": {synth.QuadBR.R, synth.QuadBR.G, synth.QuadBR.B},
	} {
		if near(p, c[0], c[1], c[2], 30) {
			return name
		}
	}
	return "other"
}

// TestTurnsAndRegions checks where each quadrant lands after crop regions, rotations and the
// mirror, on a 400×200 chart (red TL, green TR, blue BL, yellow BR) and on the same chart
// stored with EXIF orientation 6 (regions are in upright pixels).
func TestTurnsAndRegions(t *testing.T) {
	e := newTestEngine(t, nil)
	chart := synth.PNG(synth.Quadrants(400, 200))
	stored := synth.JPEG(synth.Stored(synth.Quadrants(400, 200), 6), 95, 6)
	for _, tc := range []struct {
		name   string
		src    []byte
		o      imgurl.Options
		w, h   int
		corner [4]string // TL TR BL BR of the output
	}{
		{"plain", chart, imgurl.Options{Format: imgurl.PNG}, 400, 200, [4]string{"red", "green", "blue", "yellow"}},
		{"rot90", chart, imgurl.Options{Rotate: 90, Format: imgurl.PNG}, 200, 400, [4]string{"blue", "red", "yellow", "green"}},
		{"rot180", chart, imgurl.Options{Rotate: 180, Format: imgurl.PNG}, 400, 200, [4]string{"yellow", "blue", "green", "red"}},
		{"rot270", chart, imgurl.Options{Rotate: 270, Format: imgurl.PNG}, 200, 400, [4]string{"green", "yellow", "red", "blue"}},
		{"flip", chart, imgurl.Options{Flip: imgurl.FlipHorizontal, Format: imgurl.PNG}, 400, 200, [4]string{"green", "red", "yellow", "blue"}},
		{"rot180 flip is a vertical mirror", chart, imgurl.Options{Rotate: 180, Flip: imgurl.FlipHorizontal, Format: imgurl.PNG}, 400, 200, [4]string{"blue", "yellow", "red", "green"}},
		{"rot90 with w", chart, imgurl.Options{Rotate: 90, Width: 100, Format: imgurl.PNG}, 100, 200, [4]string{"blue", "red", "yellow", "green"}},
		{"region of the right half", chart, imgurl.Options{Crop: imgurl.Region{X: 200, Y: 0, W: 200, H: 200}, Format: imgurl.PNG}, 200, 200, [4]string{"green", "green", "yellow", "yellow"}},
		{"region then rotate and resize", chart, imgurl.Options{Crop: imgurl.Region{X: 0, Y: 100, W: 400, H: 100}, Rotate: 90, Height: 200, Format: imgurl.PNG}, 50, 200, [4]string{"blue", "blue", "yellow", "yellow"}},
		{"exif region", stored, imgurl.Options{Crop: imgurl.Region{X: 0, Y: 0, W: 200, H: 100}, Format: imgurl.JPEG}, 200, 100, [4]string{"red", "red", "red", "red"}},
		{"exif rot90 cover", stored, imgurl.Options{Rotate: 90, Width: 100, Height: 100, Format: imgurl.JPEG}, 100, 100, [4]string{"blue", "red", "yellow", "green"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := process(t, e, tc.src, tc.o)
			if d := decode(t, r.Data); d.w != tc.w || d.h != tc.h {
				t.Fatalf("size %dx%d, want %dx%d", d.w, d.h, tc.w, tc.h)
			}
			pts := [4][2]int{{3, 3}, {tc.w - 4, 3}, {3, tc.h - 4}, {tc.w - 4, tc.h - 4}}
			for i, pt := range pts {
				if got := quadColour(t, r.Data, pt[0], pt[1]); got != tc.corner[i] {
					t.Errorf("corner %d (%d,%d) is %s, want %s", i, pt[0], pt[1], got, tc.corner[i])
				}
			}
		})
	}
}

func TestRegionOutsideTheImage(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.PNG(synth.Quadrants(100, 80))
	for _, c := range []imgurl.Region{{X: 1, Y: 0, W: 100, H: 10}, {X: 0, Y: 71, W: 10, H: 10}, {X: 100, Y: 0, W: 1, H: 1}} {
		_, err := e.Process(context.Background(), src, probe(t, src), imgurl.Options{Crop: c, Format: imgurl.PNG})
		if !errors.Is(err, ErrBadOption) {
			t.Errorf("crop %v of 100x80: %v, want ErrBadOption", c, err)
		}
	}
}

// TestFocalPoint: a cover crop of the left-hand quarter keeps the focal point's side.
func TestFocalPoint(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.PNG(synth.Quadrants(400, 200))
	// 400×200 → cover 50×50: scaled to 100×50, the window moves along x.
	for _, tc := range []struct {
		fx, fy float64
		w, h   int
		pts    [][2]int
		want   []string
	}{
		{0, 0, 50, 50, [][2]int{{2, 2}, {47, 2}, {47, 47}}, []string{"red", "red", "blue"}},
		{1, 0.5, 50, 50, [][2]int{{2, 2}, {47, 2}, {47, 47}}, []string{"green", "green", "yellow"}},
		// → cover 100×10: scaled to 100×50, the window moves along y.
		{0.5, 0.95, 100, 10, [][2]int{{2, 2}, {97, 7}}, []string{"blue", "yellow"}},
		{0.3, 0.1, 100, 10, [][2]int{{2, 2}, {97, 7}}, []string{"red", "green"}},
	} {
		r := process(t, e, src, imgurl.Options{Width: tc.w, Height: tc.h, Gravity: imgurl.GravityFocus, FocusX: tc.fx, FocusY: tc.fy, Format: imgurl.PNG})
		for i, pt := range tc.pts {
			if got := quadColour(t, r.Data, pt[0], pt[1]); got != tc.want[i] {
				t.Errorf("focus %v,%v: pixel %v is %s, want %s", tc.fx, tc.fy, pt, got, tc.want[i])
			}
		}
	}
	if x, y := focusOrigin(400, 200, 100, 100, 0.5, 0.5); x != 150 || y != 50 {
		t.Errorf("centre focus origin %d,%d", x, y)
	}
	if x, y := focusOrigin(400, 200, 100, 100, 0.99, 0.01); x != 300 || y != 0 {
		t.Errorf("corner focus origin %d,%d", x, y)
	}
}

// TestBlurAndSharpen: blur lowers the local contrast of a photo, sharpening raises it.
func TestBlurAndSharpen(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.JPEG(synth.Photo(640, 480, 21), 92, 0)
	edge := func(data []byte) float64 {
		g := grayPixels(t, data, 320, 240)
		var s float64
		for y := 0; y < 240; y++ {
			for x := 1; x < 320; x++ {
				d := g[y*320+x] - g[y*320+x-1]
				s += d * d
			}
		}
		return s
	}
	plain := edge(process(t, e, src, imgurl.Options{Width: 320, Format: imgurl.PNG}).Data)
	blurred := edge(process(t, e, src, imgurl.Options{Width: 320, Blur: 3, Format: imgurl.PNG}).Data)
	sharp := edge(process(t, e, src, imgurl.Options{Width: 320, Sharpen: 1, Format: imgurl.PNG}).Data)
	if !(blurred < plain/2) {
		t.Errorf("blur_3: edge energy %.0f, plain %.0f", blurred, plain)
	}
	if !(sharp > plain*1.1) {
		t.Errorf("sh_1: edge energy %.0f, plain %.0f", sharp, plain)
	}
}

// TestFlattenBackground: bg_ is the colour alpha is flattened onto for JPEG.
func TestFlattenBackground(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.PNG(synth.Translucent(300, 200))
	r := process(t, e, src, imgurl.Options{Width: 150, Background: "102030", Format: imgurl.JPEG})
	if p := pixel(t, r.Data, 2, 2); !near(p, 0x10, 0x20, 0x30, 6) {
		t.Errorf("transparent corner flattened to %v, want #102030", p)
	}
	if p := pixel(t, r.Data, 75, 50); !near(p, 220, 20, 20, 12) {
		t.Errorf("opaque centre %v changed", p)
	}
}

func logoMark(t *testing.T, m watermark.ImageConfig) *watermark.Image {
	data := synth.PNG(synth.Quadrants(80, 40))
	return m.Resolve(data, probe(t, data))
}

// TestImageMark: the mark lands at its gravity, at its size, at its opacity.
func TestImageMark(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.PNG(synth.Quadrants(400, 200)) // output 400×200
	gray := synth.PNG(grayImage(400, 200, 128))
	t.Run("se, a quarter of the width", func(t *testing.T) {
		r, err := e.ProcessMarked(context.Background(), gray, probe(t, gray), imgurl.Options{Watermark: "logo", Format: imgurl.PNG},
			watermark.Set{Image: logoMark(t, watermark.ImageConfig{Source: "local", Key: "logo.png", X: 10, Y: 10})})
		if err != nil {
			t.Fatal(err)
		}
		// The 80×40 chart scaled to 100×50 at 290..390 × 140..190.
		for _, c := range []struct {
			x, y int
			want string
		}{{295, 145, "red"}, {385, 145, "green"}, {295, 185, "blue"}, {385, 185, "yellow"}} {
			if got := quadColour(t, r.Data, c.x, c.y); got != c.want {
				t.Errorf("(%d,%d) is %s, want %s", c.x, c.y, got, c.want)
			}
		}
		if p := pixel(t, r.Data, 280, 140); !near(p, 128, 128, 128, 3) {
			t.Errorf("outside the mark %v", p)
		}
		if d := decode(t, r.Data); d.bands != 3 {
			t.Errorf("%d bands: an opaque output gained alpha", d.bands)
		}
	})
	t.Run("half opacity, north-west", func(t *testing.T) {
		r, err := e.ProcessMarked(context.Background(), gray, probe(t, gray), imgurl.Options{Watermark: "logo", Format: imgurl.PNG},
			watermark.Set{Image: logoMark(t, watermark.ImageConfig{Source: "local", Key: "logo.png", Gravity: "nw", Opacity: 50})})
		if err != nil {
			t.Fatal(err)
		}
		want := [3]uint8{uint8((220 + 128) / 2), uint8((30 + 128) / 2), uint8((30 + 128) / 2)}
		if p := pixel(t, r.Data, 5, 5); !near(p, want[0], want[1], want[2], 4) {
			t.Errorf("half-opaque red over grey is %v, want %v", p, want)
		}
	})
	t.Run("tiled", func(t *testing.T) {
		r, err := e.ProcessMarked(context.Background(), src, probe(t, src), imgurl.Options{Width: 200, Watermark: "logo", Format: imgurl.PNG},
			watermark.Set{Image: logoMark(t, watermark.ImageConfig{Source: "local", Key: "logo.png", Size: 0.2, Tile: true, X: 10, Y: 10})})
		if err != nil {
			t.Fatal(err)
		}
		// 40×20 tiles every 50×30 px: (42,5) is a gap in the red quadrant... of the source;
		// (50+5, 30+5) is a tile's red corner.
		if got := quadColour(t, r.Data, 55, 35); got != "red" {
			t.Errorf("tile corner is %s", got)
		}
		if got := quadColour(t, r.Data, 150+35, 60+15); got != "yellow" {
			t.Errorf("tile's yellow corner is %s", got)
		}
	})
	t.Run("never unmarked", func(t *testing.T) {
		_, err := e.ProcessMarked(context.Background(), src, probe(t, src), imgurl.Options{Watermark: "logo", Format: imgurl.PNG}, watermark.Set{})
		if !errors.Is(err, ErrBadOption) {
			t.Fatalf("unresolved mark: %v, want ErrBadOption", err)
		}
		bad := &watermark.Image{Data: []byte("not an image"), Size: 0.2}
		_, err = e.ProcessMarked(context.Background(), src, probe(t, src), imgurl.Options{Watermark: "logo", Format: imgurl.PNG}, watermark.Set{Image: bad})
		if !errors.Is(err, ErrBadMark) {
			t.Fatalf("mark that is not an image: %v, want ErrBadMark", err)
		}
	})
}

// TestTextMark: CJK text renders with glyphs (two different strings draw different ink, which
// missing-glyph boxes would not) and in the requested colour.
func TestTextMark(t *testing.T) {
	e := newTestEngine(t, nil)
	if !FontInstalled(watermark.DefaultFont) {
		t.Fatalf("font %q is not installed: run scripts/install-deps (fonts-noto-cjk)", watermark.DefaultFont)
	}
	if FontInstalled("No Such Font Family 123") {
		t.Fatal("FontInstalled says yes to a made-up family")
	}
	gray := synth.PNG(grayImage(400, 200, 40))
	mark := func(text string) []byte {
		r, err := e.ProcessMarked(context.Background(), gray, probe(t, gray), imgurl.Options{Text: "t", Format: imgurl.PNG},
			watermark.Set{Text: watermark.TextConfig{Text: text, Size: 0.3, Colour: "ff0000", Gravity: "c"}.Resolve()})
		if err != nil {
			t.Fatal(err)
		}
		return r.Data
	}
	a, b := mark("水印"), mark("商店")
	ga, gb := grayPixels(t, a, 100, 50), grayPixels(t, b, 100, 50)
	var diff, ink int
	for i := range ga {
		if ga[i] != gb[i] {
			diff++
		}
		if ga[i] > 45 {
			ink++
		}
	}
	if ink < 50 || diff < 50 {
		t.Errorf("CJK marks: %d pixels of ink, %d differ between two strings (tofu boxes would not differ)", ink, diff)
	}
	if _, err := textMask("한국어 日本語 <&>", watermark.DefaultFont, 20); err != nil {
		t.Errorf("Korean, Japanese and markup characters: %v", err)
	}
	red := 0
	for y := 80; y < 120; y++ {
		for x := 150; x < 250; x += 2 {
			if near(pixel(t, a, x, y), 255, 0, 0, 40) {
				red++
			}
		}
	}
	if red == 0 {
		t.Error("no red ink in the middle of the image")
	}
}

func grayImage(w, h int, v uint8) *image.Gray {
	m := image.NewGray(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = v
	}
	return m
}

// TestOperationsCost: every priced operation raises the admission cost of the same resize.
func TestOperationsCost(t *testing.T) {
	src := synth.JPEG(synth.Photo(1600, 1200, 31), 80, 0)
	in := probe(t, src)
	e := newTestEngine(t, nil)
	admit := func(o imgurl.Options) int64 {
		c, err := e.Admit(in, o)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	plain := admit(imgurl.Options{Width: 800, Format: imgurl.JPEG})
	for name, o := range map[string]imgurl.Options{
		"region":  {Crop: imgurl.Region{W: 1200, H: 900}, Width: 800, Format: imgurl.JPEG},
		"rot90":   {Rotate: 90, Width: 800, Format: imgurl.JPEG},
		"blur10":  {Blur: 10, Width: 800, Format: imgurl.JPEG},
		"sharpen": {Sharpen: 1, Width: 800, Format: imgurl.JPEG},
		"wm":      {Watermark: "logo", Width: 800, Format: imgurl.JPEG},
		"tm":      {Text: "shop", Width: 800, Format: imgurl.JPEG},
	} {
		if c := admit(o); c <= plain {
			t.Errorf("%s costs %d, a plain resize %d", name, c, plain)
		}
	}
}
