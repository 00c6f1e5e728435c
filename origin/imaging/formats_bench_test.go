package imaging

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// BenchmarkFormats prices the f_auto buckets: each sample of origin/cmd/mksamples resized to
// common widths and encoded as JPEG (or PNG, the fallback of an image with alpha), WebP and
// AVIF at the default qualities. It reports the output's bytes ("B/img"), its size against
// the fallback's ("%fallback") and the render throughput (img/s/core, img/cpu-s).
// bin/bench formats (origin/cmd/bench) runs it and prints the table BENCHMARKS.md shows. The samples are
// procedural; $IMGDEV_BENCH_PHOTOS names a directory of real photographs (JPEG, PNG, WebP)
// to measure as well.
func BenchmarkFormats(b *testing.B) {
	type sample struct {
		name string
		data []byte
	}
	samples := []sample{
		{"photo-1200x900", synth.JPEG(synth.Photo(1200, 900, 1), 88, 0)},
		{"large-4000x3000", synth.JPEG(synth.Photo(4000, 3000, 2), 85, 0)},
		{"alpha-600x400", synth.PNG(synth.Translucent(600, 400))},
	}
	if dir := os.Getenv("IMGDEV_BENCH_PHOTOS"); dir != "" {
		files, err := os.ReadDir(dir)
		if err != nil {
			b.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(filepath.Join(dir, f.Name()))
			if err != nil {
				b.Fatal(err)
			}
			if _, err := probeErr(data); err == nil {
				samples = append(samples, sample{strings.TrimSuffix(f.Name(), filepath.Ext(f.Name())), data})
			}
		}
	}
	e := newTestEngine(b, nil)
	for _, s := range samples {
		in := probe(b, s.data)
		fallback := imgurl.JPEG // what f_auto's fallback bucket answers
		if in.HasAlpha {
			fallback = imgurl.PNG
		}
		for _, w := range []int{400, 800} {
			if w > in.Width {
				continue
			}
			base := process(b, e, s.data, imgurl.Options{Width: w, Format: fallback})
			for _, f := range []imgurl.Format{fallback, imgurl.WebP, imgurl.AVIF} {
				o := imgurl.Options{Width: w, Format: f}
				size := len(process(b, e, s.data, o).Data)
				b.Run(fmt.Sprintf("%s/w%d/%s", s.name, w, f), func(b *testing.B) {
					runParallel(b, func() error {
						_, err := e.Process(context.Background(), s.data, in, o)
						return err
					})
					b.ReportMetric(float64(size), "B/img")
					b.ReportMetric(100*float64(size)/float64(len(base.Data)), "%fallback")
				})
			}
		}
	}
}
