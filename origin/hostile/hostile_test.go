package hostile_test

import (
	"bytes"
	"context"
	"image"
	"image/gif"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/hostile"
	"github.com/imgorigin/imgorigin/origin/imaging"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func byName(t *testing.T) map[string]hostile.Input {
	t.Helper()
	m := map[string]hostile.Input{}
	for _, in := range hostile.All("") {
		if _, dup := m[in.Name]; dup {
			t.Fatalf("two inputs named %s", in.Name)
		}
		m[in.Name] = in
	}
	return m
}

// TestInputsAreWhatTheyClaim checks the generator: the headers declare what the names say, and
// the files meant to be valid decode with the standard library's decoders (an independent
// implementation of each format).
func TestInputsAreWhatTheyClaim(t *testing.T) {
	in := byName(t)
	again := byName(t)
	for name, x := range in {
		if !bytes.Equal(x.Data, again[name].Data) {
			t.Errorf("%s: not deterministic", name)
		}
		if len(x.Cases) == 0 || x.Why == "" {
			t.Errorf("%s: no cases or no description", name)
		}
		if len(x.Data) > 1<<20 {
			t.Errorf("%s: %d bytes; hostile inputs stay small", name, len(x.Data))
		}
	}
	declared := []struct {
		name   string
		format imgprobe.Format
		w, h   int
		frames int
	}{
		{"flood.jpg", imgprobe.JPEG, 65000, 65000, 1},
		{"flood-65535.jpg", imgprobe.JPEG, 65535, 65535, 1},
		{"flood.png", imgprobe.PNG, 65000, 65000, 1},
		{"flood.gif", imgprobe.GIF, 65000, 65000, 1},
		{"flood.webp", imgprobe.WebP, 65000, 65000, 1},
		{"flood-vp8l.webp", imgprobe.WebP, 16384, 16384, 1},
		{"flood.avif", imgprobe.AVIF, 65000, 65000, 1},
		{"idat-bomb-over.png", imgprobe.PNG, 20000, 20000, 1},
		{"idat-bomb-under.png", imgprobe.PNG, 6000, 6000, 1},
		{"webp-bomb-under.webp", imgprobe.WebP, 6000, 6000, 1},
		{"frames-10000.gif", imgprobe.GIF, 8, 8, 10000},
		{"progressive-scans.jpg", imgprobe.JPEG, 4096, 4096, 1},
		{"cmyk.jpg", imgprobe.JPEG, 64, 48, 1},
	}
	for _, d := range declared {
		info, err := imgprobe.Probe(in[d.name].Data)
		if err != nil || info.Format != d.format || info.Width != d.w || info.Height != d.h || info.Frames != d.frames {
			t.Errorf("%s probes as %+v, %v; want %s %dx%d, %d frames", d.name, info, err, d.format, d.w, d.h, d.frames)
		}
	}
	decoders := []struct {
		name   string
		decode func([]byte) (image.Image, error)
	}{
		{"control.jpg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
		{"cmyk.jpg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
		{"polyglot.jpg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
		{"exif-loop.jpg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
		{"progressive-scans.jpg", func(b []byte) (image.Image, error) { return jpeg.Decode(bytes.NewReader(b)) }},
		{"idat-bomb-under.png", func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }},
		{"rgb16.png", func(b []byte) (image.Image, error) { return png.Decode(bytes.NewReader(b)) }},
		{"polyglot.gif", func(b []byte) (image.Image, error) { return gif.Decode(bytes.NewReader(b)) }},
	}
	for _, d := range decoders {
		img, err := d.decode(in[d.name].Data)
		if err != nil {
			t.Errorf("%s does not decode with the standard library: %v", d.name, err)
			continue
		}
		if d.name == "cmyk.jpg" {
			if _, ok := img.(*image.CMYK); !ok {
				t.Errorf("cmyk.jpg decodes as %T, want *image.CMYK", img)
			} else if c := img.(*image.CMYK).CMYKAt(4, 4); c.C < 240 || c.M > 15 {
				t.Errorf("cmyk.jpg left block is %v, want pure cyan ink", c)
			}
		}
	}
	for _, name := range []string{"polyglot.gif", "polyglot.jpg", "polyglot.png", "not-an-image.jpg"} {
		if !bytes.Contains(in[name].Data, []byte(hostile.PolyglotMarker)) {
			t.Errorf("%s does not carry the script payload", name)
		}
	}
	if svg := hostile.All("http://127.0.0.1:1/watched"); !strings.Contains(string(byNameOf(svg, "svg-external.svg").Data), "127.0.0.1:1/watched") {
		t.Errorf("the SVG does not reference the given address")
	}
}

func byNameOf(all []hostile.Input, name string) hostile.Input {
	for _, in := range all {
		if in.Name == name {
			return in
		}
	}
	return hostile.Input{}
}

// FuzzPipeline runs mutations of the hostile inputs through the whole processing path a
// request takes — header probe, limits, libvips decode and encode — with the origin's default
// limits. It must never crash the process (a libvips crash kills the fuzz worker and is kept as
// a crasher in testdata/fuzz), never take more than a few seconds, and every success must be a
// valid image. The slow and memory-heavy inputs are left out of the seeds.
func FuzzPipeline(f *testing.F) {
	slow := map[string]bool{"progressive-scans.jpg": true, "progressive-scans-10k.jpg": true, "webp-bomb-under.webp": true,
		"idat-bomb-under.png": true, "idat-bomb-over.png": true, "frames-10000.gif": true}
	for _, in := range hostile.All("") {
		if !slow[in.Name] {
			f.Add(in.Data)
		}
	}
	cfg := imaging.DefaultConfig()
	cfg.MaxPixels = 4_000_000 // keep each fuzz iteration small
	cfg.LogLevel = "off"
	engine, err := imaging.New(cfg)
	if err != nil {
		f.Fatal(err)
	}
	opts := imgurl.Options{Width: 64, Format: imgurl.JPEG}
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := imgprobe.Probe(data)
		if err != nil {
			return
		}
		if _, err := engine.Admit(info, opts); err != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := time.Now()
		res, err := engine.Process(ctx, data, info, opts)
		if took := time.Since(start); took > 10*time.Second {
			t.Fatalf("processing took %v", took)
		}
		if err != nil {
			return
		}
		out, err := imgprobe.Probe(res.Data)
		if err != nil || out.Format != imgprobe.JPEG || out.Width < 1 || out.Width > 64 {
			t.Fatalf("output %+v, %v: want a JPEG at most 64 px wide", out, err)
		}
	})
}
