package imaging

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestVipsImageOf: the kill switch reaches the VipsImage inside govips' ImageRef.
func TestVipsImageOf(t *testing.T) {
	newTestEngine(t, nil)
	img, err := vips.NewImageFromBuffer(synth.PNG(synth.Photo(8, 8, 1)))
	if err != nil {
		t.Fatal(err)
	}
	defer img.Close()
	p := vipsImageOf(img)
	if p == nil || int(p.Xsize) != 8 || int(p.Ysize) != 8 {
		t.Fatalf("vipsImageOf = %p; want the 8×8 image", p)
	}
}

// TestKillAtDeadline: a render whose context ends while libvips encodes stops there and
// returns the context's error, instead of running the encode to its end and returning an
// image nobody waits for.
func TestKillAtDeadline(t *testing.T) {
	e := newTestEngine(t, nil)
	src := synth.JPEG(synth.Photo(1024, 768, 7), 90, 0)
	in := probe(t, src)
	// A still to PNG, 2048×1536 (about 3 s of CPU here): libpng is fed row by row through
	// libvips' sink, so every strip is a point where the kill flag is seen. The deadline
	// passes long before the encode could end.
	o := imgurl.Options{Width: 2048, Height: 1536, Fit: imgurl.FitFill, Format: imgurl.PNG}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	res, err := e.Process(ctx, src, in, o)
	t.Logf("with a deadline of 100ms Process returned after %v", time.Since(start))
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Process past its deadline = %d bytes, %v; want context.DeadlineExceeded", len(res.Data), err)
	}
	// The engine is still usable afterwards: nothing stays killed.
	process(t, e, src, imgurl.Options{Width: 64, Format: imgurl.PNG})
}
