package imgprobe

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
)

// pngChunk builds a PNG chunk with a correct CRC.
func pngChunk(typ string, body []byte) []byte {
	var b bytes.Buffer
	_ = binary.Write(&b, binary.BigEndian, uint32(len(body)))
	b.WriteString(typ)
	b.Write(body)
	_ = binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), body...)))
	return b.Bytes()
}

// withChunkAfterIHDR inserts a chunk right after IHDR (signature 8 + IHDR 25 bytes).
func withChunkAfterIHDR(p []byte, chunk []byte) []byte {
	out := append([]byte{}, p[:33]...)
	out = append(out, chunk...)
	return append(out, p[33:]...)
}

func palettedWithTransparency() []byte {
	m := image.NewPaletted(image.Rect(0, 0, 7, 5), color.Palette{color.NRGBA{0, 0, 0, 0}, color.NRGBA{255, 0, 0, 255}})
	return synth.PNG(m)
}

func gifFrames(n int, transparent bool) []byte {
	g := &gif.GIF{}
	for i := 0; i < n; i++ {
		pal := color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 255, 255, 255}}
		if transparent {
			pal[0] = color.RGBA{}
		}
		m := image.NewPaletted(image.Rect(0, 0, 31, 9), pal)
		m.SetColorIndex(i%31, 4, 1)
		g.Image = append(g.Image, m)
		g.Delay = append(g.Delay, 5)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestProbe(t *testing.T) {
	photo := synth.Photo(64, 48, 1)
	apng := withChunkAfterIHDR(synth.PNG(photo), pngChunk("acTL", []byte{0, 0, 0, 12, 0, 0, 0, 0}))
	tests := []struct {
		name string
		data []byte
		want Info
	}{
		{"jpeg", synth.JPEG(photo, 80, 0), Info{JPEG, 64, 48, 1, 1, false, false, 1}},
		{"jpeg exif 6", synth.JPEG(photo, 80, 6), Info{JPEG, 64, 48, 1, 6, false, false, 1}},
		{"jpeg exif 8", synth.JPEG(photo, 80, 8), Info{JPEG, 64, 48, 1, 8, false, false, 1}},
		{"png rgba", synth.PNG(synth.Translucent(40, 30)), Info{PNG, 40, 30, 1, 1, true, false, 0}},
		{"png opaque", synth.PNG(photo), Info{PNG, 64, 48, 1, 1, false, false, 0}}, // opaque RGBA encodes as RGB
		{"png gray", synth.PNG(image.NewGray(image.Rect(0, 0, 9, 3))), Info{PNG, 9, 3, 1, 1, false, false, 0}},
		{"png palette trns", palettedWithTransparency(), Info{PNG, 7, 5, 1, 1, true, false, 0}},
		{"apng", apng, Info{PNG, 64, 48, 12, 1, false, false, 0}},
		{"gif one", gifFrames(1, false), Info{GIF, 31, 9, 1, 1, false, false, 0}},
		{"gif animated transparent", gifFrames(9, true), Info{GIF, 31, 9, 9, 1, true, false, 0}},
		{"webp lossy", readTestdata(t, "lossy.webp"), Info{WebP, 33, 17, 1, 1, false, false, 0}},
		{"webp alpha", readTestdata(t, "alpha.webp"), Info{WebP, 33, 17, 1, 1, true, false, 0}},
		{"webp lossless alpha", readTestdata(t, "lossless-alpha.webp"), Info{WebP, 33, 17, 1, 1, true, false, 0}},
		{"webp animated", readTestdata(t, "anim.webp"), Info{WebP, 20, 10, 3, 1, false, false, 0}},
		{"avif", readTestdata(t, "tiny.avif"), Info{AVIF, 33, 17, 1, 1, false, false, 0}},
		{"heic", readTestdata(t, "tiny.heic"), Info{HEIF, 33, 17, 1, 1, false, false, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Probe(tc.data)
			if err != nil {
				t.Fatalf("Probe: %v", err)
			}
			if got != tc.want {
				t.Errorf("Probe = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestProbeErrors(t *testing.T) {
	photo := synth.Photo(64, 48, 2)
	jpg := synth.JPEG(photo, 80, 6)
	pngb := synth.PNG(photo)
	gifb := gifFrames(3, false)
	webp := readTestdata(t, "lossy.webp")
	avif := readTestdata(t, "tiny.avif")
	// A PNG declaring 65000×65000: the header is valid, the size is the caller's business.
	flood := append([]byte{}, pngb...)
	binary.BigEndian.PutUint32(flood[16:], 65000)
	binary.BigEndian.PutUint32(flood[20:], 65000)
	zeroGIF := append([]byte{}, gifb...)
	zeroGIF[6], zeroGIF[7] = 0, 0
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrUnknownFormat},
		{"text", []byte("<html><body>not an image</body></html>"), ErrUnknownFormat},
		{"svg", []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>`), ErrUnknownFormat},
		{"mp4", append([]byte("\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"), make([]byte, 16)...), ErrUnknownFormat},
		{"jpeg soi only", jpg[:3], ErrCorrupt},
		{"jpeg truncated in exif", jpg[:20], ErrCorrupt},
		{"jpeg sos before sof", []byte{0xFF, 0xD8, 0xFF, 0xDA, 0, 2}, ErrCorrupt},
		{"png signature only", pngb[:8], ErrCorrupt},
		{"png truncated ihdr", pngb[:20], ErrCorrupt},
		{"png truncated before idat", pngb[:33+4], ErrCorrupt},
		{"gif header only", gifb[:6], ErrCorrupt},
		{"gif truncated in first frame", gifb[:40], ErrCorrupt},
		{"gif zero size", rawGIFZero(), ErrCorrupt},
		{"webp truncated", webp[:18], ErrCorrupt},
		{"webp bad vp8", []byte("RIFF\x16\x00\x00\x00WEBPVP8 \x0a\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"), ErrCorrupt},
		{"webp vp8x truncated", []byte("RIFF\x16\x00\x00\x00WEBPVP8X\x0a\x00\x00\x00\x00\x00"), ErrCorrupt},
		{"avif no ispe", avif[:40], ErrCorrupt},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Probe(tc.data)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Probe = %+v, %v; want %v", got, err, tc.want)
			}
		})
	}
	t.Run("pixel flood header probes", func(t *testing.T) {
		got, err := Probe(flood)
		if err != nil || got.Width != 65000 || got.Height != 65000 {
			t.Fatalf("Probe = %+v, %v; want 65000x65000", got, err)
		}
	})
	t.Run("gif frame outside the screen grows the size", func(t *testing.T) {
		g := rawGIF(1)
		i := bytes.IndexByte(g[19:], 0x2C) + 19 // image descriptor
		binary.LittleEndian.PutUint16(g[i+1:], 35020)
		binary.LittleEndian.PutUint16(g[i+3:], 52292)
		got, err := Probe(g)
		if err != nil || got.Width != 35024 || got.Height != 52296 {
			t.Fatalf("Probe = %+v, %v; want 35024x52296", got, err)
		}
	})
	t.Run("gif zero screen takes the frame size", func(t *testing.T) {
		got, err := Probe(zeroGIF)
		if err != nil || got.Width != 31 || got.Height != 9 {
			t.Fatalf("Probe = %+v, %v; want 31x9", got, err)
		}
	})
	t.Run("gif truncated after frames", func(t *testing.T) {
		g := gifFrames(5, false)
		got, err := Probe(g[:len(g)-1]) // drop the trailer
		if err != nil || got.Frames != 5 {
			t.Fatalf("Probe = %+v, %v; want 5 frames", got, err)
		}
	})
}

// rawGIF builds a GIF of n 4×4 frames by hand (LZW payload bytes are not valid; the probe
// never reads them).
func rawGIF(n int) []byte {
	b := []byte("GIF89a\x04\x00\x04\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff")
	for i := 0; i < n; i++ {
		b = append(b, 0x21, 0xF9, 4, 0, 5, 0, 0, 0) // graphic control extension
		b = append(b, 0x2C, 0, 0, 0, 0, 4, 0, 4, 0, 0, 2, 2, 0x4c, 0x01, 0)
	}
	return append(b, 0x3B)
}

// rawGIFZero is a GIF whose screen and only frame are 0×0.
func rawGIFZero() []byte {
	g := rawGIF(1)
	g[6], g[7], g[8], g[9] = 0, 0, 0, 0
	i := bytes.IndexByte(g[19:], 0x2C) + 19
	g[i+5], g[i+6], g[i+7], g[i+8] = 0, 0, 0, 0
	return g
}

// TestProbeManyFrames checks the GIF walk on a 10,000-frame stream.
func TestProbeManyFrames(t *testing.T) {
	got, err := Probe(rawGIF(10000))
	if err != nil || got.Frames != 10000 || got.Width != 4 {
		t.Fatalf("Probe = %+v, %v; want 10000 frames", got, err)
	}
}

func TestUpright(t *testing.T) {
	for o := 1; o <= 8; o++ {
		w, h := Info{Width: 4, Height: 3, Orientation: o}.Upright()
		swap := o >= 5
		if (w == 3 && h == 4) != swap {
			t.Errorf("orientation %d: Upright = %dx%d", o, w, h)
		}
	}
}

func FuzzProbe(f *testing.F) {
	photo := synth.Photo(16, 12, 3)
	f.Add(synth.JPEG(photo, 50, 6))
	f.Add(synth.PNG(photo))
	f.Add(gifFrames(2, true))
	for _, n := range []string{"lossy.webp", "alpha.webp", "lossless-alpha.webp", "anim.webp", "tiny.avif", "tiny.heic"} {
		f.Add(readTestdata(f, n))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		in, err := Probe(data)
		if err != nil {
			if !errors.Is(err, ErrUnknownFormat) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		if in.Width <= 0 || in.Height <= 0 || in.Width > maxDim || in.Height > maxDim || in.Frames < 1 ||
			in.Orientation < 1 || in.Orientation > 8 || in.Format == "" {
			t.Fatalf("invalid Info %+v", in)
		}
	})
}

func BenchmarkProbe(b *testing.B) {
	photo := synth.Photo(640, 480, 4)
	inputs := map[string][]byte{
		"jpeg": synth.JPEG(photo, 80, 6),
		"png":  synth.PNG(photo),
		"gif":  rawGIF(200),
		"webp": readTestdata(b, "anim.webp"),
		"avif": readTestdata(b, "tiny.avif"),
	}
	for _, name := range []string{"jpeg", "png", "gif", "webp", "avif"} {
		data := inputs[name]
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Probe(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestTruncated(t *testing.T) {
	photo := synth.Photo(64, 48, 1)
	jpg := synth.JPEG(photo, 80, 0)
	png := synth.PNG(photo)
	gif := gifFrames(3, false)
	webp := readTestdata(t, "lossy.webp")
	tests := []struct {
		name string
		data []byte
		want bool
	}{
		{"jpeg whole", jpg, false},
		{"jpeg with a trailer after EOI", append(append([]byte{}, jpg...), []byte("<html>appended</html>")...), false},
		{"jpeg cut in the scan", jpg[:len(jpg)*2/3], true},
		{"jpeg cut before the scan", jpg[:len(jpg)/20], true},
		{"png whole", png, false},
		{"png cut in IDAT", png[:len(png)/2], true},
		{"gif whole", gif, false},
		{"gif cut in the last frame", gif[:len(gif)-8], true},
		{"gif with bytes after the trailer", append(append([]byte{}, gif...), "<script>x</script>"...), false},
		{"webp whole", webp, false},
		{"webp cut", webp[:len(webp)-10], true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in, err := Probe(tc.data)
			if err != nil {
				if tc.want {
					return // refused outright is also not served
				}
				t.Fatalf("Probe: %v", err)
			}
			if in.Truncated != tc.want {
				t.Errorf("Truncated = %v, want %v", in.Truncated, tc.want)
			}
			// Only a JPEG has a last marker; each format's message names its own end.
			why := Truncation(in.Format)
			if strings.Contains(why, "marker") != (in.Format == JPEG) {
				t.Errorf("Truncation(%s) = %q", in.Format, why)
			}
		})
	}
}

// TestJPEGScans builds progressive-looking JPEGs marker by marker (the walk never reads pixel
// data): extra scans, each after a table segment, with stuffed bytes and restart markers inside
// the entropy-coded data, which are not scans.
func TestJPEGScans(t *testing.T) {
	base := synth.JPEG(synth.Photo(64, 48, 1), 80, 0)
	first := jpegFirstScan(base)
	if first < 0 {
		t.Fatal("no scan in the test JPEG")
	}
	entropy := []byte{0x12, 0xFF, 0x00, 0x34, 0xFF, 0xD0, 0x56, 0xFF, 0xD7, 0x78}
	sos := []byte{0xFF, 0xDA, 0x00, 0x08, 0x01, 0x01, 0x00, 0x01, 0x3F, 0x00}
	dht := []byte{0xFF, 0xC4, 0x00, 0x05, 0x10, 0x00, 0xFF} // a table segment whose body holds FF
	build := func(extra int) []byte {
		b := append([]byte{}, base[:first]...)
		b = append(b, entropy...)
		for range extra {
			b = append(b, dht...)
			b = append(b, sos...)
			b = append(b, entropy...)
		}
		return append(b, 0xFF, 0xFF, 0xD9) // a fill byte, then EOI
	}
	for _, extra := range []int{0, 1, 9, 499} {
		in, err := Probe(build(extra))
		if err != nil {
			t.Fatalf("%d extra scans: %v", extra, err)
		}
		if in.Scans != extra+1 || in.Truncated {
			t.Errorf("%d extra scans: Scans %d, Truncated %v; want %d, false", extra, in.Scans, in.Truncated, extra+1)
		}
	}
	whole := build(3)
	for _, cut := range []int{2, 5, len(sos) + len(entropy) + 3} {
		in, err := Probe(whole[:len(whole)-cut])
		if err == nil && !in.Truncated {
			t.Errorf("cut %d bytes before the end: not truncated (%+v)", cut, in)
		}
	}
	if in, _ := Probe(base); in.Scans != 1 {
		t.Errorf("baseline JPEG: Scans %d, want 1", in.Scans)
	}
}
