package imaging

import (
	"math"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// cost estimates the work and memory of processing in into opts along plan p (the plan
// Process follows: after DPR and max_output_side), in megapixel units weighted by codec:
// decoded source megapixels (all frames when the output is animated) × the decoder's factor,
// plus output megapixels (all frames when the output is animated) × the encoder's factor; at
// least 1. It reads only the header. Engine.Admit returns it.
//
// Decoder factors: JPEG 1, GIF 1, PNG 2, WebP 2, AVIF/HEIF 4. Encoder factors: JPEG 1, PNG 2,
// GIF 2, WebP 3, AVIF 8. A 12 MP JPEG → 300 px JPEG costs 13; a 4096×4096 AVIF output 135;
// 200 frames of 800×600 WebP 288 (both above the default admission capacity: they run alone).
//
// The factors weigh what a render holds while it runs (one libvips thread, its buffers), not
// its CPU time, which differs far more by codec: a 4096×4096 output from a 1024×768 JPEG took
// JPEG 0.84 s, PNG 4.6 s, WebP 8.2 s, GIF 56 s, AVIF 105 s on the 2-core test machine
// (TestKillBound). How long a render may run is bounded by render.timeout and the kill switch.
// Operations beyond a resize add their own terms (operationsCost).
func cost(in imgprobe.Info, opts imgurl.Options, p plan) int64 {
	frames := 1.0
	if animatedOutput(in, opts) {
		frames = float64(in.Frames)
	}
	src := float64(in.Pixels()) / 1e6 * frames
	out := float64(p.cw) * float64(p.ch) / 1e6 * frames
	c := math.Ceil(src*decodeFactor(in.Format) + out*encodeFactor(opts.Format) + operationsCost(src, out, opts))
	if c < 1 || math.IsNaN(c) {
		return 1
	}
	if c > math.MaxInt32 {
		return math.MaxInt32
	}
	return int64(c)
}

func decodeFactor(f imgprobe.Format) float64 {
	switch f {
	case imgprobe.JPEG, imgprobe.GIF:
		return 1
	case imgprobe.PNG, imgprobe.WebP:
		return 2
	}
	return 4 // AVIF, HEIF and anything else
}

func encodeFactor(f imgurl.Format) float64 {
	switch f {
	case imgurl.JPEG:
		return 1
	case imgurl.PNG, imgurl.GIF:
		return 2
	case imgurl.WebP:
		return 3
	}
	return 8 // AVIF and anything else
}

// operationsCost prices the operations beyond a plain resize, from src and out megapixels
// (frames included), as measured by BenchmarkOperations in CPU time (BENCHMARKS.md §12: a
// 1600×1200 JPEG to an 800 px JPEG costs 3 units and 13.7 ms, so a unit is about 4.6 ms):
//
//	c_ region, rot_     the source is decoded whole for random access (no streaming through
//	                    vips_thumbnail): +2 × source MP for a region (+15.7 ms), +4 × for a
//	                    turn (+34 ms)
//	flip_h, g_fp        within the noise of a plain resize: 0
//	blur_               +0.6 × output MP × sigma (sigma 10: +14.5 ms; the mask grows with sigma)
//	sh_                 +(13 + sigma) × output MP (+29 ms: sRGB → LAB → sRGB around the mask)
//	wm_                 +12 × output MP: a tiled mark (+27 ms); a single one costs +8 ms, but
//	                    Admit does not see the mark's settings, so every wm_ is priced as tiled
//	tm_                 +1 + 3.5 × output MP (+12.5 ms: Pango layout, rasterising, composite)
func operationsCost(src, out float64, opts imgurl.Options) float64 {
	var c float64
	switch {
	case opts.Rotate != 0:
		c += 4 * src
	case !opts.Crop.IsZero():
		c += 2 * src
	}
	if opts.Blur > 0 {
		c += 0.6 * out * opts.Blur
	}
	if opts.Sharpen > 0 {
		c += (13 + opts.Sharpen) * out
	}
	if opts.Watermark != "" {
		c += 12 * out
	}
	if opts.Text != "" {
		c += 1 + 3.5*out
	}
	return c
}
