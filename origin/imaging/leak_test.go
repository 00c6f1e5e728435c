package imaging

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestConcurrentNoLeaks runs many renditions at once, several times, then checks that libvips
// holds no more memory than after the first time: every image was closed and nothing is cached.
// One leaked 640×480 image per run would be far above the 1 MiB allowance.
func TestConcurrentNoLeaks(t *testing.T) {
	e := newTestEngine(t, nil)
	inputs := [][]byte{
		synth.JPEG(synth.Photo(640, 480, 21), 85, 6),
		synth.PNG(synth.Translucent(300, 200)),
		synth.AnimatedGIF(100, 80, 6),
	}
	run := func() {
		var wg sync.WaitGroup
		errs := make(chan error, 64)
		for g := 0; g < 8; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; i < 6; i++ {
					src := inputs[(g+i)%len(inputs)]
					f := allFormats[(g*7+i)%len(allFormats)]
					o := imgurl.Options{Width: 50 + 10*i, Height: 60, Fit: imgurl.FitPad, Format: f}
					in, err := probeErr(src)
					if err == nil {
						_, err = e.Process(context.Background(), src, in, o)
					}
					if err != nil {
						errs <- fmt.Errorf("%+v: %w", o, err)
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	}
	// libvips keeps a small cache of pixel buffers per worker thread until the thread exits, so
	// the first run may leave some memory behind; a leak grows with every run.
	run()
	var before vips.MemoryStats
	vips.ReadVipsMemStats(&before)
	for range 3 {
		run()
	}
	var after vips.MemoryStats
	vips.ReadVipsMemStats(&after)
	if after.Mem > before.Mem+1<<20 || after.Files > before.Files {
		t.Errorf("libvips holds %d bytes, %d files after the run (before: %d bytes, %d files)", after.Mem, after.Files, before.Mem, before.Files)
	}
}
