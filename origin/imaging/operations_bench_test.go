package imaging

import (
	"context"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// BenchmarkOperations prices each operation of the URL grammar against a plain resize of the
// same source to the same output: a 1600×1200 JPEG to an 800 px wide JPEG. The figures (and the
// extra CPU over the plain resize) are in BENCHMARKS.md; Cost's per-operation terms follow them.
func BenchmarkOperations(b *testing.B) {
	e := newTestEngine(b, nil)
	src := synth.JPEG(synth.Photo(1600, 1200, 31), 88, 0)
	in := probe(b, src)
	logo := synth.PNG(synth.Translucent(240, 160))
	img := watermark.ImageConfig{Source: "local", Key: "logo.png", X: 10, Y: 10, Opacity: 80}.Resolve(logo, probe(b, logo))
	tiled := watermark.ImageConfig{Source: "local", Key: "logo.png", Size: 0.1, Tile: true, X: 40, Y: 40, Opacity: 40}.Resolve(logo, probe(b, logo))
	text := watermark.TextConfig{Text: "水印 sample 견본", Shadow: true}.Resolve()
	base := imgurl.Options{Width: 800, Format: imgurl.JPEG}
	with := func(f func(*imgurl.Options)) imgurl.Options { o := base; f(&o); return o }
	for _, bc := range []struct {
		name  string
		o     imgurl.Options
		marks watermark.Set
	}{
		{"resize", base, watermark.Set{}},
		{"crop-region", with(func(o *imgurl.Options) { o.Crop = imgurl.Region{X: 200, Y: 150, W: 1200, H: 900} }), watermark.Set{}},
		{"rot90", with(func(o *imgurl.Options) { o.Rotate = 90 }), watermark.Set{}},
		{"flip", with(func(o *imgurl.Options) { o.Flip = imgurl.FlipHorizontal }), watermark.Set{}},
		{"focus-cover", with(func(o *imgurl.Options) {
			o.Height, o.Gravity, o.FocusX, o.FocusY = 300, imgurl.GravityFocus, 0.3, 0.7
		}), watermark.Set{}},
		{"blur2", with(func(o *imgurl.Options) { o.Blur = 2 }), watermark.Set{}},
		{"blur10", with(func(o *imgurl.Options) { o.Blur = 10 }), watermark.Set{}},
		{"sharpen1", with(func(o *imgurl.Options) { o.Sharpen = 1 }), watermark.Set{}},
		{"watermark", with(func(o *imgurl.Options) { o.Watermark = "logo" }), watermark.Set{Image: img}},
		{"watermark-tiled", with(func(o *imgurl.Options) { o.Watermark = "tiles" }), watermark.Set{Image: tiled}},
		{"text-cjk", with(func(o *imgurl.Options) { o.Text = "cjk" }), watermark.Set{Text: text}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			ctx := context.Background()
			c0 := cpuTime()
			for b.Loop() {
				if _, err := e.ProcessMarked(ctx, src, in, bc.o, bc.marks); err != nil {
					b.Fatal(err)
				}
			}
			// CPU time, not wall time, is what admission prices, and it is what a shared
			// machine measures reliably.
			b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
		})
	}
}
