package render

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// variantKey is a variants cache key (see the package documentation). bucket is set for f_auto
// variants only.
type variantKey struct {
	path, version string
	bucket        autoformat.Bucket
	identity      string
}

func (k variantKey) String() string {
	s := k.path + "#" + k.version + "#"
	if k.bucket != "" {
		s += string(k.bucket) + "#"
	}
	return s + k.identity
}

// parseVariantKey splits a variant key and resolves its path's options. Whether a bucket
// field follows the version is decided by the options (f_auto or not), so an identity may
// itself contain '#'.
func (r *Renderer) parseVariantKey(vkey string) (variantKey, imgurl.Path, imgurl.Options, error) {
	bad := func() (variantKey, imgurl.Path, imgurl.Options, error) {
		return variantKey{}, imgurl.Path{}, imgurl.Options{}, failure.New(failure.KindBadRequest, "bad variant key", fmt.Errorf("render: variant key %q", vkey))
	}
	var k variantKey
	var rest string
	var ok bool
	if k.path, rest, ok = strings.Cut(vkey, "#"); !ok {
		return bad()
	}
	if k.version, rest, ok = strings.Cut(rest, "#"); !ok || k.version != r.cfg.PipelineVersion {
		return bad()
	}
	p, err := r.Parse(k.path)
	if err != nil {
		return variantKey{}, imgurl.Path{}, imgurl.Options{}, err
	}
	opts, err := r.Options(p.Variant)
	if err != nil {
		return variantKey{}, imgurl.Path{}, imgurl.Options{}, err
	}
	if opts.Format == imgurl.Auto {
		var b string
		if b, rest, ok = strings.Cut(rest, "#"); !ok {
			return bad()
		}
		switch k.bucket = autoformat.Bucket(b); k.bucket {
		case autoformat.AVIF, autoformat.WebP, autoformat.Fallback:
		default:
			return bad()
		}
	}
	k.identity = rest
	return k, p, opts, nil
}

// autoFormat is the format an f_auto variant of the original in is encoded in for bucket b:
// the bucket's format; for the fallback JPEG, or PNG when the original has alpha. Animation
// survives only in GIF and WebP here, so an animated original in the avif or fallback bucket
// becomes a GIF (every browser decodes it; the avif bucket does not promise WebP).
func autoFormat(b autoformat.Bucket, in imgprobe.Info) imgurl.Format {
	animated := in.Frames > 1
	switch {
	case b == autoformat.WebP:
		return imgurl.WebP
	case b == autoformat.AVIF && !animated:
		return imgurl.AVIF
	case animated:
		return imgurl.GIF
	case in.HasAlpha:
		return imgurl.PNG
	}
	return imgurl.JPEG
}

// Sniff returns the format of encoded image bytes from their signature ("" when unknown): the
// Content-Type of an f_auto answer is what was rendered, read from the cached bytes.
func Sniff(b []byte) imgurl.Format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return imgurl.JPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return imgurl.PNG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return imgurl.WebP
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return imgurl.GIF
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && (string(b[8:12]) == "avif" || string(b[8:12]) == "avis"):
		return imgurl.AVIF
	}
	return ""
}
