package imaging

import (
	"fmt"

	"github.com/davidbyttow/govips/v2/vips"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// animate decodes every frame (in.Frames, already within the frame budget) as one tall strip,
// runs the still pipeline's steps on each frame, and joins the frames again with the source's
// delays and loop count.
func (e *Engine) animate(data []byte, in imgprobe.Info, opts imgurl.Options, g geometry, p plan, ov overlays, ks *killSwitch) (*vips.ImageRef, error) {
	params := vips.NewImportParams()
	params.FailOnError.Set(e.cfg.FailOnWarning)
	params.NumPages.Set(in.Frames)
	strip, err := vips.LoadImageFromBuffer(data, params)
	if err != nil {
		return nil, loadFailure(err)
	}
	defer strip.Close()
	ks.watch(strip) // the decoder's image: every frame is pulled through it
	if err := toSRGB(strip); err != nil {
		return nil, loadFailure(err)
	}
	ph := strip.PageHeight()
	n := strip.Height() / ph
	if n < 1 || n > e.cfg.MaxFrames {
		return nil, fmt.Errorf("%w: decoder found %d frames", ErrLimits, n)
	}
	delays, _ := strip.PageDelay()
	frames := make([]*vips.ImageRef, 0, n)
	defer func() {
		for _, f := range frames {
			f.Close()
		}
	}()
	for i := 0; i < n; i++ {
		f, err := strip.Copy()
		if err != nil {
			return nil, loadFailure(err)
		}
		frames = append(frames, f)
		// govips crops every page of a multi-page image: make the copy one tall page first.
		if err := f.SetPageHeight(strip.Height()); err != nil {
			return nil, loadFailure(err)
		}
		if err := f.Crop(0, i*ph, strip.Width(), ph); err != nil {
			return nil, loadFailure(err)
		}
		if err := f.SetPages(1); err != nil {
			return nil, loadFailure(err)
		}
		if err := f.SetPageHeight(ph); err != nil {
			return nil, loadFailure(err)
		}
		if !g.region.IsZero() {
			if err := f.ExtractArea(g.region.X, g.region.Y, g.region.W, g.region.H); err != nil {
				return nil, loadFailure(err)
			}
		}
		tw, th := g.beforeTurn(p.rw, p.rh)
		if err := resizeTo(f, tw, th); err != nil {
			return nil, loadFailure(err)
		}
		if err := g.turn(f); err != nil {
			return nil, vipsFailure("rotate", err)
		}
		if err := e.finish(f, opts, p, ov); err != nil {
			return nil, err
		}
	}
	out, err := frames[0].Copy()
	if err != nil {
		return nil, loadFailure(err)
	}
	fh := frames[0].Height()
	if err := out.ArrayJoin(frames[1:], 1); err != nil {
		out.Close()
		return nil, loadFailure(err)
	}
	if err := out.SetPages(n); err != nil {
		out.Close()
		return nil, loadFailure(err)
	}
	if err := out.SetPageHeight(fh); err != nil {
		out.Close()
		return nil, loadFailure(err)
	}
	if len(delays) == n {
		if err := out.SetPageDelay(delays); err != nil {
			out.Close()
			return nil, loadFailure(err)
		}
	}
	return out, nil
}
