package imaging

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// slowProcess is how long one small fuzzed image may take (generous for loaded CI machines).
const slowProcess = 5 * time.Second

// FuzzProcess feeds mutated images through probe and Process: nothing may crash, and every
// failure must be of a known kind.
func FuzzProcess(f *testing.F) {
	photo := synth.Photo(48, 32, 5)
	f.Add(synth.JPEG(photo, 70, 6), uint8(0))
	f.Add(synth.PNG(synth.Translucent(40, 30)), uint8(1))
	f.Add(synth.AnimatedGIF(24, 16, 3), uint8(4))
	e := newTestEngine(f, func(c *Config) { c.MaxPixels = 1 << 20; c.MaxAnimationPixels = 1 << 21; c.MaxFrames = 20 })
	formats := []imgurl.Format{imgurl.JPEG, imgurl.PNG, imgurl.WebP, imgurl.AVIF, imgurl.GIF}
	f.Fuzz(func(t *testing.T, data []byte, format uint8) {
		in, err := imgprobe.Probe(data)
		if err != nil {
			return
		}
		o := imgurl.Options{Width: 24, Height: 24, Fit: imgurl.FitPad, Format: formats[int(format)%len(formats)]}
		t0 := time.Now()
		r, err := e.Process(context.Background(), data, in, o)
		if d := time.Since(t0); d > slowProcess {
			t.Fatalf("Process took %v for %+v (bounded time expected)", d, in)
		}
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrLimits) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("error of no kind: %v", err)
			}
			return
		}
		if r.Width != 24 || r.Height != 24 || len(r.Data) == 0 {
			t.Fatalf("result %dx%d, %d bytes", r.Width, r.Height, len(r.Data))
		}
	})
}
