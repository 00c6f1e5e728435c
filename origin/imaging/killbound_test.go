//go:build killbound

package imaging

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/imaging/imagingtest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestKillBound measures, per output format, how long a 4096×4096 render holds on after its
// deadline (1 s): the bound RELIABILITY.md states. It also runs each render to its end, which
// is how long a render held its admission cost before the kill switch.
//
//	go test -tags killbound -run TestKillBound -v ./origin/imaging
func TestKillBound(t *testing.T) {
	e := newTestEngine(t, nil)
	src := imagingtest.JPEG(imagingtest.Photo(1024, 768, 7), 90, 0)
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
