package imaging

import (
	"context"
	"os"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// bigJPEG is the 4000×3000 photo-like benchmark input, made once per test binary, or the file
// named by IMGDEV_BENCH_INPUT (bin/bench origin passes the file the origin serves, so the
// limit and the origin are measured on the same bytes).
var bigJPEG = sync.OnceValue(func() []byte {
	if p := os.Getenv("IMGDEV_BENCH_INPUT"); p != "" {
		b, err := os.ReadFile(p)
		if err != nil {
			panic(err)
		}
		return b
	}
	return synth.JPEG(synth.Photo(4000, 3000, 42), 85, 0)
})

// referenceResize is the quality reference: a full-resolution decode (no shrink-on-load)
// resized with lanczos3, as lossless PNG.
func referenceResize(t testing.TB, data []byte, w, h int) []byte {
	t.Helper()
	img, err := vips.LoadImageFromBuffer(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	if err := img.ResizeWithVScale(float64(w)/float64(img.Width()), float64(h)/float64(img.Height()), vips.KernelLanczos3); err != nil {
		t.Fatal(err)
	}
	out, _, err := img.ExportPng(vips.NewPngExportParams())
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestPipelinesAgree checks that the faster shrink-on-load pipeline keeps the visual quality of
// vips_thumbnail: both are compared (SSIM on grey, full output size) with a full-resolution
// lanczos3 reference.
func TestPipelinesAgree(t *testing.T) {
	src := bigJPEG()
	shrink := newTestEngine(t, nil)
	thumb := newTestEngine(t, func(c *Config) { c.Pipeline = PipelineThumbnail })
	for _, tc := range []struct {
		name string
		o    imgurl.Options
		w, h int
	}{
		{"300 wide", imgurl.Options{Width: 300, Format: imgurl.PNG}, 300, 225},
		{"800x600", imgurl.Options{Width: 800, Height: 600, Format: imgurl.PNG}, 800, 600},
		{"1200 wide", imgurl.Options{Width: 1200, Format: imgurl.PNG}, 1200, 900},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ref := grayPixels(t, referenceResize(t, src, tc.w, tc.h), tc.w, tc.h)
			s := ssim(ref, grayPixels(t, process(t, shrink, src, tc.o).Data, tc.w, tc.h), tc.w, tc.h)
			th := ssim(ref, grayPixels(t, process(t, thumb, src, tc.o).Data, tc.w, tc.h), tc.w, tc.h)
			t.Logf("SSIM against the full-resolution reference: shrink %.4f, thumbnail %.4f", s, th)
			if s < 0.95 || th < 0.95 {
				t.Errorf("SSIM too low: shrink %.4f, thumbnail %.4f (want >= 0.95)", s, th)
			}
			if s < th-0.02 {
				t.Errorf("shrink pipeline is visibly worse: %.4f vs %.4f", s, th)
			}
		})
	}
}

// The benchmarks: 4000×3000 JPEG → 300 px wide JPEG and → 800×600 WebP, through
// Engine.Process with each pipeline, side by side with bare govips loops doing the same work
// (the physical limit). Each runs 2×GOMAXPROCS images at once, one libvips thread each.
// img/s/core = images per second / GOMAXPROCS.

type benchCase struct {
	name  string
	opts  imgurl.Options
	bare  func(data []byte) error // the fastest raw govips calls for the same output
	thumb func(data []byte) error // the same with vips_thumbnail
}

func benchCases() []benchCase {
	return []benchCase{
		{
			name: "jpeg300",
			opts: imgurl.Options{Width: 300, Format: imgurl.JPEG},
			bare: func(data []byte) error {
				return bareShrink(data, 8, 300, 225, func(img *vips.ImageRef) ([]byte, error) {
					b, _, err := img.ExportJpeg(&vips.JpegExportParams{StripMetadata: true, Quality: 80, OptimizeCoding: true})
					return b, err
				})
			},
			thumb: func(data []byte) error {
				return bareThumb(data, 300, 225, func(img *vips.ImageRef) ([]byte, error) {
					b, _, err := img.ExportJpeg(&vips.JpegExportParams{StripMetadata: true, Quality: 80, OptimizeCoding: true})
					return b, err
				})
			},
		},
		{
			name: "webp800x600",
			opts: imgurl.Options{Width: 800, Height: 600, Format: imgurl.WebP},
			bare: func(data []byte) error {
				return bareShrink(data, 4, 800, 600, func(img *vips.ImageRef) ([]byte, error) {
					b, _, err := img.ExportWebp(&vips.WebpExportParams{StripMetadata: true, Quality: 80, ReductionEffort: 4})
					return b, err
				})
			},
			thumb: func(data []byte) error {
				return bareThumb(data, 800, 600, func(img *vips.ImageRef) ([]byte, error) {
					b, _, err := img.ExportWebp(&vips.WebpExportParams{StripMetadata: true, Quality: 80, ReductionEffort: 4})
					return b, err
				})
			},
		},
	}
}

func bareShrink(data []byte, shrink, w, h int, export func(*vips.ImageRef) ([]byte, error)) error {
	p := vips.NewImportParams()
	p.FailOnError.Set(false)
	p.JpegShrinkFactor.Set(shrink)
	img, err := vips.LoadImageFromBuffer(data, p)
	if err != nil {
		return err
	}
	defer img.Close()
	if err := img.Resize(float64(w)/float64(img.Width()), vips.KernelLanczos3); err != nil {
		return err
	}
	_, err = export(img)
	return err
}

func bareThumb(data []byte, w, h int, export func(*vips.ImageRef) ([]byte, error)) error {
	img, err := vips.NewThumbnailWithSizeFromBuffer(data, w, h, vips.InterestingNone, vips.SizeForce)
	if err != nil {
		return err
	}
	defer img.Close()
	_, err = export(img)
	return err
}

// runParallel runs f with 2×GOMAXPROCS goroutines and reports, besides ns/op:
//   - img/s/core: images per wall-clock second per core (meaningful on an otherwise idle
//     machine);
//   - img/cpu-s: images per CPU-second the process used (user+system, all threads), which is
//     the same figure measured robustly when other processes share the cores.
func runParallel(b *testing.B, f func() error) {
	b.ReportAllocs()
	b.SetParallelism(2) // 2×GOMAXPROCS images at once
	cpu0 := cpuTime()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := f(); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	cpu := cpuTime() - cpu0
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds()/float64(runtime.GOMAXPROCS(0)), "img/s/core")
	if cpu > 0 {
		b.ReportMetric(float64(b.N)/cpu.Seconds(), "img/cpu-s")
	}
}

// cpuTime is the user+system CPU time of the whole process so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func BenchmarkPipelines(b *testing.B) {
	src := bigJPEG()
	engines := map[string]*Engine{
		PipelineShrink:    newTestEngine(b, nil),
		PipelineThumbnail: newTestEngine(b, func(c *Config) { c.Pipeline = PipelineThumbnail }),
	}
	in := probe(b, src)
	for _, c := range benchCases() {
		b.Run(c.name+"/bare-shrink", func(b *testing.B) { runParallel(b, func() error { return c.bare(src) }) })
		b.Run(c.name+"/bare-thumbnail", func(b *testing.B) { runParallel(b, func() error { return c.thumb(src) }) })
		for _, name := range []string{PipelineShrink, PipelineThumbnail} {
			e := engines[name]
			b.Run(c.name+"/engine-"+name, func(b *testing.B) {
				runParallel(b, func() error {
					_, err := e.Process(context.Background(), src, in, c.opts)
					return err
				})
			})
		}
	}
}

func BenchmarkAdmit(b *testing.B) {
	in := probe(b, synth.JPEG(synth.Photo(64, 48, 1), 80, 0))
	in.Width, in.Height = 4000, 3000
	o := imgurl.Options{Width: 300, Format: imgurl.JPEG}
	e := newTestEngine(b, nil)
	b.ReportAllocs()
	for b.Loop() {
		e.Admit(in, o)
	}
}
