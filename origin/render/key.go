package render

import (
	"fmt"
	"strings"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// The cache keys (formats in the package documentation). Each is built by its String method
// and read back by its parse function, here and nowhere else; FuzzKeys checks the round trip.

// variantKey is a variants cache key. bucket is set for f_auto variants only, marks for
// variants with a watermark (wm_ or tm_) only.
type variantKey struct {
	path     string // canonical escaped path (imgurl.Path.String)
	version  string // render.pipeline_version
	bucket   autoformat.Bucket
	marks    string // watermark.Identity of the variant's marks: base64url, no '#'
	identity string // the source's identity of the original
}

func (k variantKey) String() string {
	s := k.path + "#" + k.version + "#"
	if k.bucket != "" {
		s += string(k.bucket) + "#"
	}
	if k.marks != "" {
		s += k.marks + "#"
	}
	return s + k.identity
}

// marked reports whether options draw a watermark, which puts a marks field in the key.
func marked(o imgurl.Options) bool { return o.Watermark != "" || o.Text != "" }

// parseVariantKey reads a variant key made with pipeline version version. Whether a bucket
// field follows the version, and a marks field after it, is decided by the path's options
// (f_auto or not, a watermark or not), which options resolves (presets), so an identity may
// itself contain '#'. It returns the parsed path and
// its resolved options too. Failures are failure.KindBadRequest (or options' own).
func parseVariantKey(s, version string, lim imgurl.Limits, options func(imgurl.Variant) (imgurl.Options, error)) (variantKey, imgurl.Path, imgurl.Options, error) {
	bad := func() (variantKey, imgurl.Path, imgurl.Options, error) {
		return variantKey{}, imgurl.Path{}, imgurl.Options{}, failure.New(failure.KindBadRequest, "bad variant key", fmt.Errorf("render: variant key %q", s))
	}
	var k variantKey
	var rest string
	var ok bool
	if k.path, rest, ok = strings.Cut(s, "#"); !ok {
		return bad()
	}
	if k.version, rest, ok = strings.Cut(rest, "#"); !ok || k.version != version {
		return bad()
	}
	p, err := parsePath(k.path, lim)
	if err != nil {
		return variantKey{}, imgurl.Path{}, imgurl.Options{}, err
	}
	opts, err := options(p.Variant)
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
	if marked(opts) {
		if k.marks, rest, ok = strings.Cut(rest, "#"); !ok || k.marks == "" {
			return bad()
		}
	}
	k.identity = rest
	return k, p, opts, nil
}

// originalKey is an originals cache key.
type originalKey struct {
	source   string // source name
	key      string // object key (unescaped)
	identity string // the source's identity of the object
}

// originalKeyOf is the key of the original of p with the given identity.
func originalKeyOf(p imgurl.Path, identity string) originalKey {
	return originalKey{source: p.Source, key: p.Key, identity: identity}
}

func (k originalKey) String() string {
	return k.source + "/" + imgurl.EscapeKey(k.key) + "#" + k.identity
}

// parseOriginalKey reads an original key. The escaped object key contains no '#', so the
// identity is everything after the first one. Failures are failure.KindBadRequest.
func parseOriginalKey(s string, lim imgurl.Limits) (originalKey, error) {
	left, identity, ok := strings.Cut(s, "#")
	name, escKey, ok2 := strings.Cut(left, "/")
	if !ok || !ok2 || !imgurl.ValidName(name) {
		return originalKey{}, failure.New(failure.KindBadRequest, "bad original key", fmt.Errorf("render: original key %q", s))
	}
	key, err := imgurl.UnescapeKey(escKey, lim)
	if err != nil {
		return originalKey{}, failure.New(failure.KindBadRequest, err.Error(), err)
	}
	return originalKey{source: name, key: key, identity: identity}, nil
}

// parsePath parses an escaped image path with limits lim, as a failure.KindBadRequest error
// whose public message names the canonical spelling when there is one.
func parsePath(escapedPath string, lim imgurl.Limits) (imgurl.Path, error) {
	p, err := imgurl.Parse(escapedPath, lim)
	if err != nil {
		return imgurl.Path{}, failure.New(failure.KindBadRequest, err.Error(), err)
	}
	return p, nil
}

// Shard returns the shard function of a shard mode (pool.ShardObject or pool.ShardPath) that
// the composition root gives the cluster cache: for a cache key, the string nginx hashes for
// the requests the key serves (see origin/cache's documentation). A variant key hashes as its
// path, an original key as its object; an escaped request path is accepted too (it is how a
// variant key begins), so tests can name the node nginx picks for a request. Mode "object"
// gives the decoded "{source}/{object key}", mode "path" the decoded path (for an original
// key, its object either way: an original has no path).
func Shard(mode string) func(key string) string {
	object := mode == pool.ShardObject
	return func(key string) string { return shardKey(object, key) }
}

func shardKey(object bool, key string) string {
	if i := strings.IndexByte(key, '#'); i >= 0 {
		key = key[:i]
	}
	// A variant key or a path begins with the prefix; an original key with a source name.
	if rest, ok := strings.CutPrefix(key, imgurl.Prefix); ok && object {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			key = rest[i+1:]
		}
	}
	// An info key or path: /info/{source}/{key}, whose object follows the prefix.
	if rest, ok := strings.CutPrefix(key, imgurl.InfoPrefix); ok && object {
		key = rest
	}
	return imgurl.Unescape(key)
}
