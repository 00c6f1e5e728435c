package imaging

import (
	"context"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/buckket/go-blurhash"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
)

func TestDescribe(t *testing.T) {
	e := newTestEngine(t, nil)
	black := synth.PNG(grayImage(64, 48, 0))
	chart := synth.JPEG(synth.Quadrants(400, 200), 95, 0)
	d, err := e.Describe(context.Background(), chart, probe(t, chart))
	if err != nil {
		t.Fatal(err)
	}
	// The mean of the four quadrant colours.
	want := [3]int{(220 + 30 + 30 + 240) / 4, (30 + 200 + 60 + 220) / 4, (30 + 40 + 220 + 30) / 4}
	for c := range want {
		if diff := int(d.Average[c]) - want[c]; diff < -8 || diff > 8 {
			t.Errorf("average %v, want about %v", d.Average, want)
			break
		}
	}
	if d.ColourSpace != "srgb" {
		t.Errorf("colour space %q", d.ColourSpace)
	}
	if x, y, err := blurhash.Components(d.BlurHash); err != nil || x != 4 || y != 3 {
		t.Errorf("blurhash %q: %dx%d components, %v", d.BlurHash, x, y, err)
	}
	// Decoded, the hash shows the chart's layout: red top left, yellow bottom right.
	if m, err := blurhash.Decode(d.BlurHash, 40, 20, 1); err == nil {
		tl, br := m.At(2, 2), m.At(37, 17)
		r1, g1, _, _ := tl.RGBA()
		r2, g2, _, _ := br.RGBA()
		if !(r1 > g1 && g2 > g1) || r2 < r1/2 {
			t.Errorf("blurhash decodes to %v top left, %v bottom right", tl, br)
		}
	}
	uri, ok := strings.CutPrefix(d.Placeholder, "data:image/webp;base64,")
	if !ok || len(d.Placeholder) > maxPlaceholder {
		t.Fatalf("placeholder %d bytes: %.40s", len(d.Placeholder), d.Placeholder)
	}
	webp, err := base64.StdEncoding.DecodeString(uri)
	if err != nil {
		t.Fatal(err)
	}
	if got := decode(t, webp); got.w != 16 || got.h != 8 {
		t.Errorf("placeholder %dx%d, want 16x8", got.w, got.h)
	}
	g, err := e.Describe(context.Background(), black, probe(t, black))
	if err != nil || g.ColourSpace != "b-w" || g.Average != [3]uint8{0, 0, 0} {
		t.Errorf("grey image: %+v, %v", g, err)
	}
}

func BenchmarkDescribe(b *testing.B) {
	e := newTestEngine(b, nil)
	src := synth.JPEG(synth.Photo(1600, 1200, 31), 88, 0)
	in := probe(b, src)
	c0 := cpuTime()
	for b.Loop() {
		if _, err := e.Describe(context.Background(), src, in); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(b.N), "cpu-ms/op")
}
