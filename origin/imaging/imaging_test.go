package imaging

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"image"
	"image/color"
	"image/gif"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

var allFormats = []imgurl.Format{imgurl.JPEG, imgurl.PNG, imgurl.WebP, imgurl.AVIF, imgurl.GIF}

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	c := DefaultConfig()
	c.MaxPixels, c.Pipeline, c.Quality.WebP, c.Concurrency, c.LogLevel = 0, "fast", 101, 0, "loud"
	err := c.Validate()
	for _, key := range []string{"max_pixels:", "pipeline:", "quality.webp:", "concurrency:", "log_level:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
}

func TestNewProcessWide(t *testing.T) {
	newTestEngine(t, nil)
	newTestEngine(t, func(c *Config) { c.Pipeline = PipelineThumbnail; c.MaxPixels = 10 })
	cfg := DefaultConfig()
	cfg.Concurrency = 3
	if _, err := New(cfg); err == nil || !strings.Contains(err.Error(), "concurrency") {
		t.Fatalf("New with another concurrency = %v, want an error naming concurrency", err)
	}
}

func TestPlan(t *testing.T) {
	tests := []struct {
		name           string
		sw, sh         int
		o              imgurl.Options
		rw, rh, cw, ch int
	}{
		{"width only", 4000, 3000, imgurl.Options{Width: 300}, 300, 225, 300, 225},
		{"height only", 4000, 3000, imgurl.Options{Height: 300}, 400, 300, 400, 300},
		{"no size", 640, 480, imgurl.Options{}, 640, 480, 640, 480},
		{"no size over max", 8000, 2000, imgurl.Options{}, 4096, 1024, 4096, 1024},
		{"cover", 4000, 3000, imgurl.Options{Width: 300, Height: 300}, 400, 300, 300, 300},
		{"contain", 4000, 3000, imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitContain}, 300, 225, 300, 225},
		{"contain upscales", 40, 30, imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitContain}, 300, 225, 300, 225},
		{"inside never upscales", 40, 30, imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitInside}, 40, 30, 40, 30},
		{"fill", 4000, 3000, imgurl.Options{Width: 300, Height: 100, Fit: imgurl.FitFill}, 300, 100, 300, 100},
		{"pad", 4000, 3000, imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitPad}, 300, 225, 300, 300},
		{"dpr", 4000, 3000, imgurl.Options{Width: 300, DPR: 2}, 600, 450, 600, 450},
		{"dpr clamped", 4000, 3000, imgurl.Options{Width: 3000, Height: 1000, DPR: 4, Fit: imgurl.FitFill}, 4096, 1365, 4096, 1365},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := makePlan(tc.sw, tc.sh, tc.o, 4096)
			if err != nil {
				t.Fatal(err)
			}
			if p.rw != tc.rw || p.rh != tc.rh || p.cw != tc.cw || p.ch != tc.ch {
				t.Errorf("plan = %+v, want r %dx%d c %dx%d", p, tc.rw, tc.rh, tc.cw, tc.ch)
			}
		})
	}
	t.Run("extreme aspect is refused", func(t *testing.T) {
		_, err := makePlan(1, 20000, imgurl.Options{Width: 4000, Height: 10}, 4096)
		if !errors.Is(err, ErrLimits) {
			t.Fatalf("err = %v, want ErrLimits", err)
		}
	})
}

// TestDimensions runs every fit mode with some gravities into every format.
func TestDimensions(t *testing.T) {
	e := newTestEngine(t, nil)
	photo := synth.JPEG(synth.Photo(480, 320, 7), 85, 0)
	alpha := synth.PNG(synth.Translucent(320, 480))
	cases := []struct {
		o    imgurl.Options
		w, h int // for the 480×320 photo
	}{
		{imgurl.Options{Width: 120}, 120, 80},
		{imgurl.Options{Height: 64}, 96, 64},
		{imgurl.Options{Width: 100, Height: 100}, 100, 100},
		{imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitCover, Gravity: imgurl.GravityNorthEast}, 100, 100},
		{imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitCover, Gravity: imgurl.GravitySouthWest}, 100, 100},
		{imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitCover, Gravity: imgurl.GravitySmart}, 100, 100},
		{imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitContain}, 100, 67},
		{imgurl.Options{Width: 600, Height: 600, Fit: imgurl.FitInside}, 480, 320},
		{imgurl.Options{Width: 90, Height: 150, Fit: imgurl.FitFill}, 90, 150},
		{imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitPad, Gravity: imgurl.GravityNorth, Background: "102030"}, 100, 100},
		{imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitPad, Gravity: imgurl.GravityEast}, 100, 100},
		{imgurl.Options{Width: 50, Height: 40, DPR: 2}, 100, 80},
	}
	for _, f := range allFormats {
		for _, c := range cases {
			o := c.o
			o.Format = f
			t.Run(fmt.Sprintf("%s/w%d-h%d-fit_%s-g_%s-dpr%g", f, o.Width, o.Height, o.Fit, o.Gravity, o.DPR), func(t *testing.T) {
				r := process(t, e, photo, o)
				d := decode(t, r.Data)
				if r.Width != c.w || r.Height != c.h || d.w != c.w || d.h != c.h {
					t.Errorf("Result %dx%d, decoded %dx%d; want %dx%d", r.Width, r.Height, d.w, d.h, c.w, c.h)
				}
				if r.Format != f {
					t.Errorf("Format = %s", r.Format)
				}
			})
		}
		t.Run(string(f)+"/alpha-pad", func(t *testing.T) {
			r := process(t, e, alpha, imgurl.Options{Width: 100, Height: 100, Fit: imgurl.FitPad, Format: f})
			d := decode(t, r.Data)
			if d.w != 100 || d.h != 100 {
				t.Errorf("decoded %dx%d, want 100x100", d.w, d.h)
			}
			wantAlpha := f != imgurl.JPEG
			if (d.bands == 4 || d.bands == 2) != wantAlpha {
				t.Errorf("%s output has %d bands, want alpha=%v", f, d.bands, wantAlpha)
			}
		})
	}
}

// TestOrientation stores a quadrant chart with each EXIF orientation: every output is upright.
func TestOrientation(t *testing.T) {
	upright := synth.Quadrants(64, 48)
	for _, pipeline := range []string{PipelineShrink, PipelineThumbnail} {
		e := newTestEngine(t, func(c *Config) { c.Pipeline = pipeline })
		for o := 1; o <= 8; o++ {
			for _, width := range []int{32, 64} { // shrink-on-load and none
				t.Run(fmt.Sprintf("%s/%d/w%d", pipeline, o, width), func(t *testing.T) {
					src := synth.JPEG(synth.Stored(upright, o), 95, o)
					if got := probe(t, src).Orientation; got != o {
						t.Fatalf("probe orientation %d", got)
					}
					r := process(t, e, src, imgurl.Options{Width: width, Format: imgurl.PNG})
					h := width * 3 / 4
					if r.Width != width || r.Height != h {
						t.Fatalf("output %dx%d, want %dx%d", r.Width, r.Height, width, h)
					}
					for _, q := range []struct {
						x, y int
						c    [4]uint8
						name string
					}{
						{width / 4, h / 4, rgba(synth.QuadTL), "top-left"},
						{width * 3 / 4, h / 4, rgba(synth.QuadTR), "top-right"},
						{width / 4, h * 3 / 4, rgba(synth.QuadBL), "bottom-left"},
						{width * 3 / 4, h * 3 / 4, rgba(synth.QuadBR), "bottom-right"},
					} {
						if p := pixel(t, r.Data, q.x, q.y); !near(p, q.c[0], q.c[1], q.c[2], 40) {
							t.Errorf("%s is %v, want %v", q.name, p, q.c[:3])
						}
					}
				})
			}
		}
	}
}

func rgba(c interface{ RGBA() (r, g, b, a uint32) }) [4]uint8 {
	r, g, b, a := c.RGBA()
	return [4]uint8{uint8(r >> 8), uint8(g >> 8), uint8(b >> 8), uint8(a >> 8)}
}

func TestAlphaFlatten(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.PNG(synth.Translucent(200, 200))
	t.Run("jpeg on white", func(t *testing.T) {
		r := process(t, e, src, imgurl.Options{Width: 100, Format: imgurl.JPEG})
		if p := pixel(t, r.Data, 2, 2); !near(p, 255, 255, 255, 8) {
			t.Errorf("corner %v, want white", p)
		}
		if p := pixel(t, r.Data, 50, 50); !near(p, 220, 20, 20, 30) {
			t.Errorf("centre %v, want red", p)
		}
	})
	t.Run("jpeg pad on background", func(t *testing.T) {
		r := process(t, e, src, imgurl.Options{Width: 100, Height: 50, Fit: imgurl.FitPad, Background: "00ff00", Format: imgurl.JPEG})
		if p := pixel(t, r.Data, 2, 25); !near(p, 0, 255, 0, 20) {
			t.Errorf("padding %v, want green", p)
		}
		if p := pixel(t, r.Data, 50, 2); !near(p, 0, 255, 0, 20) {
			t.Errorf("transparent source area %v, want the background", p)
		}
	})
	t.Run("png keeps alpha", func(t *testing.T) {
		r := process(t, e, src, imgurl.Options{Width: 100, Format: imgurl.PNG})
		if d := decode(t, r.Data); d.bands != 4 {
			t.Errorf("bands = %d, want 4", d.bands)
		}
	})
}

func TestAnimated(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.AnimatedGIF(80, 60, 8)
	for _, tc := range []struct {
		o                  imgurl.Options
		w, h, pages, bands int
	}{
		{imgurl.Options{Width: 40, Format: imgurl.GIF}, 40, 30, 8, 0},
		{imgurl.Options{Width: 40, Format: imgurl.WebP}, 40, 30, 8, 0},
		{imgurl.Options{Width: 30, Height: 30, Format: imgurl.WebP}, 30, 30, 8, 0},
		{imgurl.Options{Width: 30, Height: 30, Fit: imgurl.FitPad, Format: imgurl.GIF}, 30, 30, 8, 0},
		{imgurl.Options{Width: 40, Format: imgurl.JPEG}, 40, 30, 1, 3},
		{imgurl.Options{Width: 40, Format: imgurl.PNG}, 40, 30, 1, 0},
	} {
		t.Run(fmt.Sprintf("%s-%dx%d-%s", tc.o.Format, tc.o.Width, tc.o.Height, tc.o.Fit), func(t *testing.T) {
			r := process(t, e, src, tc.o)
			d := decode(t, r.Data)
			if d.w != tc.w || d.h != tc.h || d.pages != tc.pages {
				t.Errorf("decoded %+v, want %dx%d × %d pages", d, tc.w, tc.h, tc.pages)
			}
			if tc.bands != 0 && d.bands != tc.bands {
				t.Errorf("bands %d, want %d", d.bands, tc.bands)
			}
		})
	}
	t.Run("animated webp source", func(t *testing.T) {
		webp := process(t, e, src, imgurl.Options{Width: 40, Format: imgurl.WebP}).Data
		r := process(t, e, webp, imgurl.Options{Width: 20, Format: imgurl.GIF})
		if d := decode(t, r.Data); d.w != 20 || d.h != 15 || d.pages != 8 {
			t.Errorf("decoded %+v", d)
		}
	})
	t.Run("frames over the budget", func(t *testing.T) {
		small := newTestEngine(t, func(c *Config) { c.MaxFrames = 5 })
		_, err := small.Process(context.Background(), src, probe(t, src), imgurl.Options{Width: 40, Format: imgurl.GIF})
		if !errors.Is(err, ErrLimits) {
			t.Fatalf("err = %v, want ErrLimits", err)
		}
		// The first frame alone is within the limits.
		process(t, small, src, imgurl.Options{Width: 40, Format: imgurl.JPEG})
	})
	t.Run("animation pixels over the budget", func(t *testing.T) {
		small := newTestEngine(t, func(c *Config) { c.MaxAnimationPixels = 80 * 60 * 4 })
		_, err := small.Process(context.Background(), src, probe(t, src), imgurl.Options{Width: 40, Format: imgurl.WebP})
		if !errors.Is(err, ErrLimits) {
			t.Fatalf("err = %v, want ErrLimits", err)
		}
	})
}

func TestErrors(t *testing.T) {
	e := newTestEngine(t, nil)
	jpg := synth.JPEG(synth.Photo(200, 150, 3), 85, 0)
	pngb := synth.PNG(synth.Photo(200, 150, 3))
	jpegInfo := probe(t, jpg)
	pngInfo := probe(t, pngb)
	// A valid header followed by garbage entropy-coded data.
	garbage := append([]byte{}, jpg...)
	for i := len(garbage) / 2; i < len(garbage)-2; i++ {
		garbage[i] = 0xFF
	}
	// A PNG whose IDAT is cut in the middle, and one with a broken zlib stream.
	truncPNG := pngb[:len(pngb)/2]
	brokenPNG := append([]byte{}, pngb...)
	for i := 60; i < 200 && i < len(brokenPNG); i++ {
		brokenPNG[i] ^= 0x5A
	}
	// A pixel flood: the header of a 65000×65000 PNG.
	flood := append([]byte{}, pngb...)
	binary.BigEndian.PutUint32(flood[16:], 65000)
	binary.BigEndian.PutUint32(flood[20:], 65000)
	opts := imgurl.Options{Width: 100, Format: imgurl.JPEG}
	tests := []struct {
		name string
		data []byte
		in   imgprobe.Info
		opts imgurl.Options
		want []error // any of
	}{
		{"pixel flood", flood, probe(t, flood), opts, []error{ErrLimits}},
		{"non-image bytes claimed as jpeg", []byte("<html><script>alert(1)</script></html>"), jpegInfo, opts, []error{ErrCorrupt}},
		{"png bytes claimed as jpeg", pngb, jpegInfo, opts, []error{ErrCorrupt}},
		{"garbage jpeg body", garbage, jpegInfo, opts, []error{ErrCorrupt, nil}},
		// Lenient by default (FailOnWarning false): a damaged body renders what can be decoded.
		{"truncated png", truncPNG, pngInfo, opts, []error{ErrCorrupt, nil}},
		{"broken png", brokenPNG, pngInfo, opts, []error{ErrCorrupt, nil}},
		{"unknown output format", jpg, jpegInfo, imgurl.Options{Width: 100, Format: "bmp"}, []error{ErrUnsupported}},
		{"zero info", jpg, imgprobe.Info{}, opts, []error{ErrUnsupported}},
		{"bad background", jpg, jpegInfo, imgurl.Options{Width: 100, Height: 10, Fit: imgurl.FitPad, Background: "zz", Format: imgurl.PNG}, []error{ErrUnsupported}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.Process(context.Background(), tc.data, tc.in, tc.opts)
			for _, w := range tc.want {
				if (w == nil && err == nil) || (w != nil && errors.Is(err, w)) {
					return
				}
			}
			t.Fatalf("err = %v, want one of %v", err, tc.want)
		})
	}
	t.Run("hostile but decodable", func(t *testing.T) {
		badExif := append([]byte{}, synth.JPEG(synth.Photo(200, 150, 3), 85, 9)...)
		// Point IFD0 far outside the segment: readers must ignore it.
		absurd := append([]byte{}, synth.JPEG(synth.Photo(200, 150, 3), 85, 1)...)
		binary.LittleEndian.PutUint32(absurd[2+4+6+4:], 0xFFFFFFF0)
		polyglot := append(append([]byte{}, jpg...), []byte("<html><script>alert(document.cookie)</script></html>")...)
		for name, data := range map[string][]byte{"orientation 9": badExif, "ifd offset out of range": absurd, "polyglot": polyglot} {
			r, err := e.Process(context.Background(), data, probe(t, data), opts)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			if r.Width != 100 || r.Height != 75 || strings.Contains(string(r.Data), "<script") {
				t.Errorf("%s: %dx%d, script kept: %v", name, r.Width, r.Height, strings.Contains(string(r.Data), "<script"))
			}
		}
	})
	t.Run("strict decoding", func(t *testing.T) {
		strict := newTestEngine(t, func(c *Config) { c.FailOnWarning = true })
		for name, data := range map[string][]byte{"truncated png": truncPNG, "broken png": brokenPNG} {
			if _, err := strict.Process(context.Background(), data, pngInfo, opts); !errors.Is(err, ErrCorrupt) {
				t.Errorf("%s: err = %v, want ErrCorrupt", name, err)
			}
		}
		garbageInfo := jpegInfo
		_, err := strict.Process(context.Background(), garbage, garbageInfo, imgurl.Options{Width: 20, Format: imgurl.JPEG})
		if !errors.Is(err, ErrCorrupt) {
			t.Errorf("garbage jpeg: err = %v, want ErrCorrupt", err)
		}
	})
	t.Run("over max pixels", func(t *testing.T) {
		small := newTestEngine(t, func(c *Config) { c.MaxPixels = 100 * 100 })
		if _, err := small.Process(context.Background(), jpg, jpegInfo, opts); !errors.Is(err, ErrLimits) {
			t.Fatalf("err = %v, want ErrLimits", err)
		}
		if _, err := small.Admit(jpegInfo, opts); !errors.Is(err, ErrLimits) {
			t.Fatalf("Admit err = %v, want ErrLimits", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := e.Process(ctx, jpg, jpegInfo, opts); !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
	})
}

func TestCost(t *testing.T) {
	e := newTestEngine(t, nil)
	admit := func(in imgprobe.Info, o imgurl.Options) int64 {
		t.Helper()
		c, err := e.Admit(in, o)
		if err != nil {
			t.Fatalf("Admit(%+v, %+v): %v", in, o, err)
		}
		return c
	}
	jpeg12 := imgprobe.Info{Format: imgprobe.JPEG, Width: 4000, Height: 3000, Frames: 1, Orientation: 1}
	if c := admit(jpeg12, imgurl.Options{Width: 300, Format: imgurl.JPEG}); c != 13 {
		t.Errorf("12 MP JPEG → 300 px JPEG costs %d, want 13", c)
	}
	png24 := imgprobe.Info{Format: imgprobe.PNG, Width: 6000, Height: 4000, Frames: 1, Orientation: 1}
	if c := admit(png24, imgurl.Options{Width: 300, Format: imgurl.JPEG}); c < 48 {
		t.Errorf("24 MP PNG costs %d, want >= 48", c)
	}
	gif := imgprobe.Info{Format: imgprobe.GIF, Width: 500, Height: 500, Frames: 100, Orientation: 1}
	if a, s := admit(gif, imgurl.Options{Width: 100, Format: imgurl.GIF}), admit(gif, imgurl.Options{Width: 100, Format: imgurl.JPEG}); a <= s {
		t.Errorf("animated output costs %d, first frame %d", a, s)
	}
	if c := admit(imgprobe.Info{Format: imgprobe.PNG, Width: 1, Height: 1, Frames: 1}, imgurl.Options{Format: imgurl.PNG}); c != 1 {
		t.Errorf("tiny image costs %d, want 1", c)
	}
	// Output work: the same source costs by output area and codec.
	thumb := admit(jpeg12, imgurl.Options{Width: 300, Format: imgurl.JPEG})
	avif := admit(jpeg12, imgurl.Options{Width: 4096, Height: 4096, Fit: imgurl.FitFill, Format: imgurl.AVIF})
	if avif < 10*thumb {
		t.Errorf("4096² AVIF costs %d, a 300 px JPEG %d: want ≥ 10×", avif, thumb)
	}
	// The output is estimated as Process makes it: after DPR.
	dpr := admit(jpeg12, imgurl.Options{Width: 1000, Height: 750, DPR: 4, Fit: imgurl.FitFill, Format: imgurl.WebP})
	plain := admit(jpeg12, imgurl.Options{Width: 4000, Height: 3000, Fit: imgurl.FitFill, Format: imgurl.WebP})
	if dpr != plain {
		t.Errorf("w_1000,h_750,dpr_4 costs %d, w_4000,h_3000 %d: want equal", dpr, plain)
	}
}

// tallFramesGIF is the attack of issue 14: 200 frames of 1×5 px in a 4.8 KB GIF, whose
// frames, scaled to a width of 800, are 800×4000 each.
func tallFramesGIF(t testing.TB) []byte {
	t.Helper()
	pal := color.Palette{color.Black, color.White}
	g := &gif.GIF{Config: image.Config{ColorModel: pal, Width: 1, Height: 5}}
	for i := range 200 {
		p := image.NewPaletted(image.Rect(0, 0, 1, 5), pal)
		p.Pix[i%5] = 1
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 2)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestOutputBudget: output pixels × frames are bounded before anything is decoded.
func TestOutputBudget(t *testing.T) {
	e := newTestEngine(t, nil)
	src := tallFramesGIF(t)
	in := probe(t, src)
	if len(src) > 6000 || in.Frames != 200 || in.Width != 1 || in.Height != 5 {
		t.Fatalf("the GIF is %d bytes, %d frames of %dx%d", len(src), in.Frames, in.Width, in.Height)
	}
	medium := imgurl.Options{Width: 800, Format: imgurl.WebP} // the built-in "medium" preset
	for _, f := range []imgurl.Format{imgurl.WebP, imgurl.GIF} {
		o := medium
		o.Format = f
		_, err := e.Admit(in, o)
		var oe *OutputError
		if !errors.As(err, &oe) || !errors.Is(err, ErrLimits) {
			t.Fatalf("Admit(%s) = %v; want an OutputError (ErrLimits)", f, err)
		}
		if oe.Width != 800 || oe.Height != 4000 || oe.Frames != 200 {
			t.Errorf("OutputError %+v; want 800×4000 × 200 frames", *oe)
		}
		if !strings.Contains(err.Error(), "640000000 pixels") {
			t.Errorf("message %q does not say how large the output would be", err)
		}
		// Process refuses before decoding: bytes that are not even a GIF get the same answer.
		if _, err := e.Process(context.Background(), []byte("not decoded"), in, o); !errors.As(err, &oe) {
			t.Errorf("Process(%s) = %v; want an OutputError before decoding", f, err)
		}
	}
	// Within the budget: a smaller animation (100×500 × 200 = 10 MP) and the first frame as a still.
	if _, err := e.Admit(in, imgurl.Options{Width: 100, Format: imgurl.WebP}); err != nil {
		t.Errorf("w_100 animation: %v", err)
	}
	still := medium
	still.Format = imgurl.JPEG
	process(t, e, src, still)
	// DPR counts: w_400,dpr_2 is the same 800 px wide output.
	if _, err := e.Admit(in, imgurl.Options{Width: 400, DPR: 2, Format: imgurl.WebP}); !errors.Is(err, ErrLimits) {
		t.Errorf("w_400,dpr_2: %v; want ErrLimits", err)
	}
	// A side above max_output_side (4096) once DPR is applied: 422 naming it, before decoding.
	jpeg := probe(t, synth.JPEG(synth.Photo(64, 48, 1), 80, 0))
	for _, o := range []imgurl.Options{{Width: 4000, DPR: 4, Format: imgurl.JPEG}, {Height: 3000, DPR: 1.5, Format: imgurl.WebP}, {Width: 4097, Format: imgurl.PNG}} {
		_, err := e.Admit(jpeg, o)
		var oe *OutputError
		if !errors.As(err, &oe) || !oe.Side || !strings.Contains(err.Error(), "max_output_side") {
			t.Errorf("Admit(%+v) = %v; want an OutputError naming max_output_side", o, err)
		}
	}
	if _, err := e.Admit(jpeg, imgurl.Options{Width: 2048, DPR: 2, Format: imgurl.JPEG}); err != nil {
		t.Errorf("w_2048,dpr_2 (4096 px): %v", err)
	}
	// A still over the budget (a configured max_output_pixels below 4096²).
	small := newTestEngine(t, func(c *Config) { c.MaxOutputPixels = 1_000_000 })
	jpg := probe(t, synth.JPEG(synth.Photo(64, 48, 1), 80, 0))
	if _, err := small.Admit(jpg, imgurl.Options{Width: 2000, Format: imgurl.JPEG}); !errors.Is(err, ErrLimits) {
		t.Errorf("2000×1500 still with max_output_pixels 1 MP: %v; want ErrLimits", err)
	}
}
