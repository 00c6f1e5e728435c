package imaging

import (
	"image"
	"image/color"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func flat(c color.Color, w, h int) *image.RGBA64 {
	m := image.NewRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			m.Set(x, y, c)
		}
	}
	return m
}

// cmykJPEG converts a flat orange picture to a CMYK JPEG with libvips.
func cmykJPEG(t *testing.T) []byte {
	t.Helper()
	img, err := vips.LoadImageFromBuffer(synth.PNG(flat(color.RGBA{230, 120, 30, 255}, 64, 64)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if err := img.ToColorSpace(vips.InterpretationCMYK); err != nil {
		t.Fatal(err)
	}
	b, _, err := img.ExportJpeg(&vips.JpegExportParams{Quality: 95})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestColourSpaces: CMYK, 16-bit and grey sources all come out as 8-bit sRGB.
func TestColourSpaces(t *testing.T) {
	e := newTestEngine(t, nil)
	grey := image.NewGray(image.Rect(0, 0, 64, 64))
	for i := range grey.Pix {
		grey.Pix[i] = 128
	}
	for _, tc := range []struct {
		name    string
		src     []byte
		r, g, b uint8
		tol     float64
	}{
		{"cmyk jpeg", cmykJPEG(t), 230, 120, 30, 30},
		{"16-bit png", synth.PNG(flat(color.RGBA64{0xFFFF, 0x8000, 0x1000, 0xFFFF}, 64, 64)), 255, 128, 16, 4},
		{"grey jpeg", synth.JPEG(grey, 95, 0), 128, 128, 128, 4},
	} {
		for _, f := range []imgurl.Format{imgurl.JPEG, imgurl.WebP, imgurl.PNG} {
			t.Run(tc.name+"/"+string(f), func(t *testing.T) {
				r := process(t, e, tc.src, imgurl.Options{Width: 32, Format: f})
				if d := decode(t, r.Data); d.w != 32 || d.bands < 3 {
					t.Errorf("decoded %+v, want 32 wide sRGB", d)
				}
				if p := pixel(t, r.Data, 16, 16); !near(p, tc.r, tc.g, tc.b, tc.tol) {
					t.Errorf("pixel %v, want about %d,%d,%d", p, tc.r, tc.g, tc.b)
				}
			})
		}
	}
}

// TestLoadersBlocked checks New left only the accepted formats' loaders: a TIFF (which libvips
// can read) is refused even when handed to libvips directly.
func TestLoadersBlocked(t *testing.T) {
	newTestEngine(t, nil)
	img, err := vips.LoadImageFromBuffer(synth.PNG(flat(color.RGBA{1, 2, 3, 255}, 8, 8)), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	tiff, _, err := img.ExportTiff(vips.NewTiffExportParams())
	if err != nil {
		t.Fatal(err)
	}
	if again, err := vips.LoadImageFromBuffer(tiff, nil); err == nil {
		again.Close()
		t.Fatal("libvips loaded a TIFF: untrusted loaders are not blocked")
	}
}

// TestInputFormats decodes every input format the probe accepts (the AVIF, WebP and HEIC inputs
// are made with libvips first).
func TestInputFormats(t *testing.T) {
	e := newTestEngine(t, nil)
	photo := synth.Photo(96, 64, 31)
	pngb := synth.PNG(photo)
	inputs := map[string][]byte{
		"jpeg": synth.JPEG(photo, 85, 0),
		"png":  pngb,
		"gif":  synth.AnimatedGIF(96, 64, 2),
		"webp": process(t, e, pngb, imgurl.Options{Format: imgurl.WebP}).Data,
		"avif": process(t, e, pngb, imgurl.Options{Format: imgurl.AVIF}).Data,
	}
	img, err := vips.LoadImageFromBuffer(pngb, nil)
	if err != nil {
		t.Fatal(err)
	}
	heic, _, err := img.ExportHeif(vips.NewHeifExportParams())
	img.Close()
	if err != nil {
		t.Fatalf("making a HEIC input: %v", err)
	}
	inputs["heif"] = heic
	for name, src := range inputs {
		t.Run(name, func(t *testing.T) {
			if got := string(probe(t, src).Format); got != name {
				t.Fatalf("probed as %s", got)
			}
			r := process(t, e, src, imgurl.Options{Width: 48, Format: imgurl.JPEG})
			if r.Width != 48 || r.Height != 32 {
				t.Errorf("output %dx%d, want 48x32", r.Width, r.Height)
			}
		})
	}
}
