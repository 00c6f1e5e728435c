// Watermarks: resolving the marks a variant names, on the request side (their identity enters
// the variant key) and in the loader (the mark image read through the originals cache).

package render

import (
	"context"
	"fmt"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// markConfigs looks up the marks opts names. An unknown name is the request's fault: 400
// naming it.
func (r *Renderer) markConfigs(opts imgurl.Options) (*watermark.ImageConfig, *watermark.TextConfig, error) {
	var (
		img *watermark.ImageConfig
		txt *watermark.TextConfig
	)
	if opts.Watermark != "" {
		m, ok := r.cfg.Watermarks.Images[opts.Watermark]
		if !ok {
			return nil, nil, failure.New(failure.KindBadRequest, fmt.Sprintf("unknown image watermark %q (wm_)", opts.Watermark), nil)
		}
		img = &m
	}
	if opts.Text != "" {
		t, ok := r.cfg.Watermarks.Texts[opts.Text]
		if !ok {
			return nil, nil, failure.New(failure.KindBadRequest, fmt.Sprintf("unknown text watermark %q (tm_)", opts.Text), nil)
		}
		txt = &t
	}
	return img, txt, nil
}

// markFailure says which mark could not be read. A missing or broken mark is the deployment's
// fault, not the request's: it is a 502 (KindUnavailable, never cached), and no unmarked image
// is served in its place.
func markFailure(name string, err error) error {
	return failure.New(failure.KindUnavailable, fmt.Sprintf("watermark %q cannot be read", name), err)
}

// markIdentity is the marks field of opts' variant key ("" without marks): it stats the mark
// image (through the stat cache) so that a changed mark gets new keys.
func (r *Renderer) markIdentity(ctx context.Context, opts imgurl.Options) (string, error) {
	if !marked(opts) {
		return "", nil
	}
	img, txt, err := r.markConfigs(opts)
	if err != nil {
		return "", err
	}
	var id string
	if img != nil {
		if id, err = r.markSourceIdentity(ctx, opts.Watermark, *img); err != nil {
			return "", err
		}
	}
	return watermark.Identity(img, id, txt), nil
}

func (r *Renderer) markSourceIdentity(ctx context.Context, name string, m watermark.ImageConfig) (string, error) {
	src, err := r.sources.Get(m.Source)
	if err != nil {
		return "", markFailure(name, err)
	}
	st, err := r.stat(ctx, m.Source, src, m.Key)
	if err != nil {
		return "", markFailure(name, sourceFailure(err))
	}
	return st.info.Identity, nil
}

// loadMarks resolves the marks of a variant being rendered: the image mark's bytes come
// through the originals cache (one fetch per cluster, like any original). want is the key's
// marks field: if the marks changed since the key was made, nothing is rendered under it.
func (r *Renderer) loadMarks(ctx context.Context, opts imgurl.Options, want string) (watermark.Set, error) {
	if !marked(opts) {
		return watermark.Set{}, nil
	}
	img, txt, err := r.markConfigs(opts)
	if err != nil {
		return watermark.Set{}, err
	}
	set := watermark.Set{Identity: want}
	var id string
	if img != nil {
		if id, err = r.markSourceIdentity(ctx, opts.Watermark, *img); err != nil {
			return watermark.Set{}, err
		}
	}
	if got := watermark.Identity(img, id, txt); got != want {
		return watermark.Set{}, failure.New(failure.KindUnavailable, "a watermark changed while this image was requested, retry",
			fmt.Errorf("render: marks identity %q became %q", want, got))
	}
	if img != nil {
		okey := originalKey{source: img.Source, key: img.Key, identity: id}.String()
		data, _, err := r.cache.Original(ctx, okey)
		if err != nil {
			return watermark.Set{}, markFailure(opts.Watermark, err)
		}
		info, err := r.probe(okey, data)
		if err != nil {
			return watermark.Set{}, markFailure(opts.Watermark, err)
		}
		set.Image = img.Resolve(data, info)
	}
	if txt != nil {
		set.Text = txt.Resolve()
	}
	return set, nil
}
