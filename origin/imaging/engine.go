package imaging

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Error causes; Admit and Process return a failure kind wrapping one of them (failure.go), or
// the context's error.
var (
	ErrLimits      = errors.New("imaging: image exceeds the processing limits")
	ErrUnsupported = errors.New("imaging: unsupported image or option")
	ErrCorrupt     = errors.New("imaging: corrupt image")
	// ErrBadOption: the options do not fit this image (a crop region outside it) or name a
	// mark the caller did not resolve. The request, not the image, is at fault.
	ErrBadOption = errors.New("imaging: option does not fit the image")
	// ErrBadMark: a watermark's image or text cannot be drawn (not an image, over the limits,
	// a font that cannot render). No variant is made without its mark.
	ErrBadMark = errors.New("imaging: watermark cannot be drawn")
)

// OutputError is the error of a request whose output is above the output limits: a side
// above Config.MaxOutputSide once DPR is applied (Side set), or more pixels than
// Config.MaxOutputPixels (Side zero). It is ErrLimits (errors.Is), and its text names nothing
// but sizes and the setting, so it may be shown to clients.
type OutputError struct {
	Width, Height int   // of one output frame, after DPR (0: left to the source's aspect)
	Frames        int   // output frames
	Max           int64 // max_output_pixels, or max_output_side when Side
	Side          bool
}

func (e *OutputError) Error() string {
	if e.Side {
		return fmt.Sprintf("the requested size times dpr is %d×%d px, more than the %d px per side this origin makes (imaging.max_output_side)", e.Width, e.Height, e.Max)
	}
	px := int64(e.Width) * int64(e.Height) * int64(e.Frames)
	if e.Frames > 1 {
		return fmt.Sprintf("the output would be %d×%d px × %d frames = %d pixels, more than the %d this origin encodes (imaging.max_output_pixels)", e.Width, e.Height, e.Frames, px, e.Max)
	}
	return fmt.Sprintf("the output would be %d×%d = %d pixels, more than the %d this origin encodes (imaging.max_output_pixels)", e.Width, e.Height, px, e.Max)
}

// Is makes an OutputError match ErrLimits.
func (e *OutputError) Is(target error) bool { return target == ErrLimits }

// Result is an encoded output image: the render use case's Output, which the engine produces
// as its render.Processor.
type Result = render.Output

// Engine processes images. It is safe for concurrent use; bound concurrency with package
// admission.
type Engine struct {
	cfg Config
}

// New validates cfg and starts libvips if this is the first engine of the process.
func New(cfg Config) (*Engine, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("imaging: %w", err)
	}
	if err := startVips(cfg); err != nil {
		return nil, fmt.Errorf("imaging: %w", err)
	}
	return &Engine{cfg: cfg}, nil
}

// Config returns the engine's configuration.
func (e *Engine) Config() Config { return e.cfg }

// Admit checks in against the limits for producing opts, without decoding anything, and
// returns the admission cost (see Cost): the input limits, the plan (extreme aspect ratios)
// and the output budget.
func (e *Engine) Admit(in imgprobe.Info, opts imgurl.Options) (int64, error) {
	_, p, err := e.checkLimits(in, opts)
	if err != nil {
		return 0, failureOf(err)
	}
	return cost(in, opts, p), nil
}

func animatedOutput(in imgprobe.Info, opts imgurl.Options) bool {
	return in.Frames > 1 && (in.Format == imgprobe.GIF || in.Format == imgprobe.WebP) &&
		(opts.Format == imgurl.GIF || opts.Format == imgurl.WebP)
}

// checkLimits checks the header and the options against the limits and returns the
// geometry (crop region, turn) and the plan.
func (e *Engine) checkLimits(in imgprobe.Info, opts imgurl.Options) (geometry, plan, error) {
	if err := e.checkInput(in, opts); err != nil {
		return geometry{}, plan{}, err
	}
	if w, h := requestedSize(opts); max(w, h) > e.cfg.MaxOutputSide {
		return geometry{}, plan{}, &OutputError{Width: w, Height: h, Frames: 1, Max: int64(e.cfg.MaxOutputSide), Side: true}
	}
	uw, uh := in.Upright()
	g, err := makeGeometry(uw, uh, opts)
	if err != nil {
		return geometry{}, plan{}, err
	}
	p, err := makePlan(g.w, g.h, opts, e.cfg.MaxOutputSide)
	if err != nil {
		return geometry{}, plan{}, err
	}
	frames := 1
	if animatedOutput(in, opts) {
		frames = in.Frames
	}
	if int64(p.cw)*int64(p.ch)*int64(frames) > e.cfg.MaxOutputPixels {
		return geometry{}, plan{}, &OutputError{Width: p.cw, Height: p.ch, Frames: frames, Max: e.cfg.MaxOutputPixels}
	}
	return g, p, nil
}

func (e *Engine) checkInput(in imgprobe.Info, opts imgurl.Options) error {
	switch in.Format {
	case imgprobe.JPEG, imgprobe.PNG, imgprobe.GIF, imgprobe.WebP, imgprobe.AVIF, imgprobe.HEIF:
	default:
		return fmt.Errorf("%w: input format %q", ErrUnsupported, in.Format)
	}
	switch opts.Format {
	case imgurl.JPEG, imgurl.PNG, imgurl.WebP, imgurl.AVIF, imgurl.GIF:
	default:
		return fmt.Errorf("%w: output format %q", ErrUnsupported, opts.Format)
	}
	if in.Width < 1 || in.Height < 1 {
		return fmt.Errorf("%w: size %dx%d", ErrCorrupt, in.Width, in.Height)
	}
	if p := in.Pixels(); p > e.cfg.MaxPixels {
		return fmt.Errorf("%w: %dx%d is %d pixels, more than %d", ErrLimits, in.Width, in.Height, p, e.cfg.MaxPixels)
	}
	if in.Format == imgprobe.JPEG && in.Scans > e.cfg.MaxJPEGScans {
		return fmt.Errorf("%w: JPEG of %d scans, more than %d", ErrLimits, in.Scans, e.cfg.MaxJPEGScans)
	}
	if animatedOutput(in, opts) {
		if in.Frames > e.cfg.MaxFrames {
			return fmt.Errorf("%w: %d frames, more than %d", ErrLimits, in.Frames, e.cfg.MaxFrames)
		}
		if p := in.Pixels() * int64(in.Frames); p > e.cfg.MaxAnimationPixels {
			return fmt.Errorf("%w: animation of %d pixels, more than %d", ErrLimits, p, e.cfg.MaxAnimationPixels)
		}
	}
	return nil
}

// Process decodes data (whose header was probed as in), transforms it as opts says and
// encodes it, with no watermark (ProcessMarked draws them).
func (e *Engine) Process(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options) (Result, error) {
	return e.ProcessMarked(ctx, data, in, opts, watermark.Set{})
}

// processMarked is ProcessMarked before its errors are mapped to failure kinds.
func (e *Engine) processMarked(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options, marks watermark.Set) (Result, error) {
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	g, p, err := e.checkLimits(in, opts)
	if err != nil {
		return Result{}, err
	}
	if err := e.checkMarks(opts, marks); err != nil {
		return Result{}, err
	}
	if !matchesFormat(data, in.Format) {
		return Result{}, fmt.Errorf("%w: bytes are not %s", ErrCorrupt, in.Format)
	}
	t0 := time.Now()
	ks := newKillSwitch(ctx)
	defer ks.stop()
	ov, err := prepareMarks(marks, p.cw, p.ch, e.cfg.FailOnWarning)
	if err != nil {
		return Result{}, err
	}
	defer ov.close()
	var img *vips.ImageRef
	if animatedOutput(in, opts) {
		img, err = e.animate(data, in, opts, g, p, ov, ks)
	} else {
		img, err = e.still(data, in, opts, g, p, ov)
	}
	if err != nil {
		return Result{}, err
	}
	defer img.Close()
	ks.watch(img)
	// No pixel is asked for before encoding: doing so (vips_getpoint) would split the timing
	// into decoding and encoding, but it runs the decode as a second long cgo call, and each
	// long cgo call costs the Go scheduler a P hand-off and its sysmon thread a burst of
	// wake-ups. Measured against the bare libvips loop (BENCHMARKS.md §1) it cost ~3 % of a
	// 4000×3000 JPEG render.
	decode := time.Since(t0)
	if err := ctx.Err(); err != nil {
		return Result{}, err
	}
	t1 := time.Now()
	out, err := e.encode(img, opts)
	if ks.stop() {
		// Killed (the encoder fails with "killed for image"), or the deadline came just as
		// the encode finished: either way the caller has stopped waiting.
		return Result{}, fmt.Errorf("imaging: render stopped after %s: %w", time.Since(t0).Round(time.Millisecond), context.Cause(ctx))
	}
	if err != nil {
		return Result{}, err
	}
	return Result{
		Data:   out,
		Format: opts.Format,
		Width:  img.Width(),
		Height: img.PageHeight(),
		Decode: decode,
		Encode: time.Since(t1),
	}, nil
}

// still produces the single output frame, ready to encode.
func (e *Engine) still(data []byte, in imgprobe.Info, opts imgurl.Options, g geometry, p plan, ov overlays) (*vips.ImageRef, error) {
	var (
		img *vips.ImageRef
		err error
	)
	tw, th := g.beforeTurn(p.rw, p.rh)
	smart := p.crop && p.gravity == imgurl.GravitySmart
	switch {
	case !g.region.IsZero() || g.rotate != 0:
		// A region needs random access to the decoded image, and so does a turn (libvips
		// rotates by reading the whole input): vips_thumbnail streams, so these load whole
		// (with JPEG shrink-on-load).
		img, err = scaleRegion(data, in, g, tw, th, e.cfg.FailOnWarning)
	case smart:
		// Attention needs random access to the scaled image: vips_thumbnail does scale and
		// crop in one, with shrink-on-load.
		sp := p
		sp.cw, sp.ch = g.beforeTurn(p.cw, p.ch)
		img, err = scaleSmart(data, sp, e.cfg.FailOnWarning)
		p.rw, p.rh, p.crop, smart = p.cw, p.ch, false, false
	default:
		sp := p
		sp.rw, sp.rh = tw, th
		img, err = e.scale(data, in, sp)
	}
	if err != nil {
		return nil, err
	}
	if err := g.turn(img); err != nil {
		img.Close()
		return nil, vipsFailure("rotate", err)
	}
	if smart { // after a region: attention on the scaled, turned region
		if err := fitExact(img, p.rw, p.rh); err == nil {
			err = img.SmartCrop(p.cw, p.ch, vips.InterestingAttention)
		}
		if err != nil {
			img.Close()
			return nil, vipsFailure("crop", err)
		}
		p.rw, p.rh, p.crop = p.cw, p.ch, false
	}
	if err := e.finish(img, opts, p, ov); err != nil {
		img.Close()
		return nil, err
	}
	return img, nil
}

// finish runs the steps after scaling on one frame: crop, pad, blur and sharpen, marks, alpha.
func (e *Engine) finish(img *vips.ImageRef, opts imgurl.Options, p plan, ov overlays) error {
	if err := fitExact(img, p.rw, p.rh); err != nil {
		return vipsFailure("resize", err)
	}
	if p.crop {
		if err := crop(img, p); err != nil {
			return vipsFailure("crop", err)
		}
	}
	bg, err := background(opts, img.HasAlpha())
	if err != nil {
		return err
	}
	keepAlpha := opts.Format != imgurl.JPEG
	if p.pad {
		if err := pad(img, p, bg, keepAlpha); err != nil {
			return vipsFailure("pad", err)
		}
	}
	if err := effects(img, opts); err != nil {
		return err
	}
	if err := composite(img, ov); err != nil {
		return err
	}
	if img.HasAlpha() && !keepAlpha {
		if err := img.Flatten(&vips.Color{R: bg.R, G: bg.G, B: bg.B}); err != nil {
			return vipsFailure("flatten", err)
		}
	}
	return nil
}

// vipsFailure classifies a libvips error from a step after decoding.
func vipsFailure(step string, err error) error {
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, step, vipsMessage(err))
}

// matchesFormat checks that data starts like the probed format, so that the loader libvips
// picks is the one the probe vouched for.
func matchesFormat(data []byte, f imgprobe.Format) bool {
	t := vips.DetermineImageType(data)
	switch f {
	case imgprobe.JPEG:
		return t == vips.ImageTypeJPEG
	case imgprobe.PNG:
		return t == vips.ImageTypePNG
	case imgprobe.GIF:
		return t == vips.ImageTypeGIF
	case imgprobe.WebP:
		return t == vips.ImageTypeWEBP
	case imgprobe.AVIF, imgprobe.HEIF:
		return t == vips.ImageTypeAVIF || t == vips.ImageTypeHEIF
	}
	return false
}
