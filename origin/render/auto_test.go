package render

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/png"
	"testing"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// signatureProcessor answers with the signature bytes of the format it was asked for, as an
// encoder would, so Content-Type can be read from the rendition.
type signatureProcessor struct{ asked []imgurl.Format }

var signatures = map[imgurl.Format]string{
	imgurl.JPEG: "\xff\xd8\xff\xe0", imgurl.PNG: "\x89PNG\r\n\x1a\n", imgurl.WebP: "RIFF\x00\x00\x00\x00WEBPVP8 ",
	imgurl.GIF: "GIF89a", imgurl.AVIF: "\x00\x00\x00\x1cftypavif",
}

func (p *signatureProcessor) Admit(imgprobe.Info, imgurl.Options) (int64, error) { return 1, nil }

func (p *signatureProcessor) Process(_ context.Context, _ []byte, _ imgprobe.Info, o imgurl.Options, _ watermark.Set) (Output, error) {
	p.asked = append(p.asked, o.Format)
	return Output{Data: []byte(signatures[o.Format] + "pixels"), Format: o.Format}, nil
}

func encode(t *testing.T, img image.Image) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func animatedGIF(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	frame := image.NewPaletted(image.Rect(0, 0, 8, 8), palette.Plan9)
	if err := gif.EncodeAll(&b, &gif.GIF{Image: []*image.Paletted{frame, frame}, Delay: []int{10, 10}}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestAutoBuckets: an f_auto variant is encoded in its bucket's format (the fallback keeps
// alpha as PNG and animation as GIF), its Content-Type is the format encoded, its ETag differs
// per bucket, and an explicit format ignores the bucket.
func TestAutoBuckets(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("opaque.png", encode(t, image.NewGray(image.Rect(0, 0, 64, 48))))
	alpha := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	alpha.Set(1, 1, color.NRGBA{R: 255, A: 10})
	mem.Put("alpha.png", encode(t, alpha))
	mem.Put("anim.gif", animatedGIF(t))
	cfg := DefaultConfig()
	cfg.Presets["hero"] = "w_32,f_auto"
	proc := &signatureProcessor{}
	r := newRenderer(t, cfg, mem, proc, admitter{})
	tests := []struct {
		path   string
		bucket autoformat.Bucket
		want   imgurl.Format
	}{
		{"/i/w_32,f_auto/mem/opaque.png", autoformat.AVIF, imgurl.AVIF},
		{"/i/w_32,f_auto/mem/opaque.png", autoformat.WebP, imgurl.WebP},
		{"/i/w_32,f_auto/mem/opaque.png", autoformat.Fallback, imgurl.JPEG},
		{"/i/w_32,f_auto/mem/opaque.png", "", imgurl.JPEG},
		{"/i/w_32,f_auto/mem/alpha.png", autoformat.Fallback, imgurl.PNG},
		{"/i/w_32,f_auto/mem/alpha.png", autoformat.AVIF, imgurl.AVIF},
		{"/i/w_32,f_auto/mem/anim.gif", autoformat.AVIF, imgurl.GIF},
		{"/i/w_32,f_auto/mem/anim.gif", autoformat.WebP, imgurl.WebP},
		{"/i/w_32,f_auto/mem/anim.gif", autoformat.Fallback, imgurl.GIF},
		{"/i/hero/mem/opaque.png", autoformat.WebP, imgurl.WebP},
		{"/i/w_32,f_png/mem/opaque.png", autoformat.AVIF, imgurl.PNG},
	}
	etags := map[string]string{}
	for _, tt := range tests {
		t.Run(tt.path+" "+string(tt.bucket), func(t *testing.T) {
			p := mustParse(t, r, tt.path)
			if got, want := r.IsAuto(p.Variant), tt.path != "/i/w_32,f_png/mem/opaque.png"; got != want {
				t.Errorf("IsAuto = %v", got)
			}
			rd, err := r.Render(context.Background(), p, tt.bucket)
			if err != nil {
				t.Fatal(err)
			}
			if got := proc.asked[len(proc.asked)-1]; got != tt.want {
				t.Errorf("encoded %s, want %s", got, tt.want)
			}
			if rd.ContentType != ContentType(tt.want) {
				t.Errorf("Content-Type %s, want %s", rd.ContentType, ContentType(tt.want))
			}
			b := tt.bucket
			if b == "" {
				b = autoformat.Fallback
			}
			id := tt.path + " " + string(b)
			if prev, ok := etags[rd.ETag]; ok && prev != id {
				t.Errorf("ETag %s shared by %s and %s", rd.ETag, prev, id)
			}
			etags[rd.ETag] = id
		})
	}
	explicit := mustParse(t, r, "/i/w_32,f_png/mem/opaque.png")
	a, _ := r.Render(context.Background(), explicit, autoformat.AVIF)
	b, _ := r.Render(context.Background(), explicit, "")
	if a.ETag != b.ETag {
		t.Errorf("explicit format: ETag depends on the bucket (%s, %s)", a.ETag, b.ETag)
	}
}

func TestSniff(t *testing.T) {
	for f, sig := range signatures {
		if got := sniff([]byte(sig + "x")); got != f {
			t.Errorf("sniff(%s signature) = %q", f, got)
		}
	}
	if got := sniff([]byte("RIFF")); got != "" {
		t.Errorf("sniff(short) = %q", got)
	}
}
