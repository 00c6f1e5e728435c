//go:build killbound

package imaging

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestKillBound measures, per output format, how long a 4096×4096 render holds on after its
// deadline (1 s): the bound RELIABILITY.md states. It also runs each render to its end, which
// is how long a render held its admission cost before the kill switch.
//
//	go test -tags killbound -run TestKillBound -v ./origin/imaging
func TestKillBound(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.JPEG(synth.Photo(1024, 768, 7), 90, 0)
	in := probe(t, src)
	const deadline = time.Second
	for _, f := range []imgurl.Format{imgurl.JPEG, imgurl.PNG, imgurl.WebP, imgurl.AVIF, imgurl.GIF} {
		o := imgurl.Options{Width: 4096, Height: 4096, Fit: imgurl.FitFill, Format: f}
		start := time.Now()
		if _, err := e.Process(context.Background(), src, in, o); err != nil {
			t.Fatal(err)
		}
		whole := time.Since(start)
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		start = time.Now()
		_, err := e.Process(ctx, src, in, o)
		took := time.Since(start)
		cancel()
		if whole > deadline && !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s: %v", f, err)
		}
		t.Logf("%-5s 4096×4096: whole render %6.2f s; with a 1 s deadline returned after %5.2f s (%.2f s past it)",
			f, whole.Seconds(), took.Seconds(), (took - deadline).Seconds())
	}
}

// TestKillBoundAnimated measures the animated amplification of issue 14 with the output budget
// lifted (max_output_pixels at its maximum): how long the 4.8 KB GIF of 200 frames of 1×5 px
// holds a render at the medium preset (w_800 WebP) when run to its end, and how long past a
// 1 s deadline it holds on once killed.
//
//	go test -tags killbound -run TestKillBoundAnimated -v ./origin/imaging
func TestKillBoundAnimated(t *testing.T) {
	e := newTestEngine(t, func(c *Config) { c.MaxOutputPixels = 1 << 32 })
	src := tallFramesGIF(t)
	in := probe(t, src)
	o := imgurl.Options{Width: 800, Format: imgurl.WebP}
	const deadline = time.Second
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	start := time.Now()
	_, err := e.Process(ctx, src, in, o)
	took := time.Since(start)
	cancel()
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("with a deadline: %v", err)
	}
	start = time.Now()
	res, err := e.Process(context.Background(), src, in, o)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d-byte GIF → w_800 WebP (%d bytes): whole render %.1f s; with a 1 s deadline returned after %.2f s",
		len(src), len(res.Data), time.Since(start).Seconds(), took.Seconds())
}
