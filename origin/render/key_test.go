package render

import (
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TestVariantKey: the bucket field is there exactly for f_auto paths, and an identity may
// contain '#'.
func TestVariantKey(t *testing.T) {
	cfg := DefaultConfig()
	r := newRenderer(t, cfg, sourcetest.NewMemory(), &signatureProcessor{}, admitter{})
	for _, k := range []variantKey{
		{path: "/i/w_32,f_auto/mem/a.png", version: cfg.PipelineVersion, bucket: autoformat.WebP, identity: `"etag#1"`},
		{path: "/i/w_32,f_webp/mem/a.png", version: cfg.PipelineVersion, identity: `"etag#1"`},
		{path: "/i/thumb/mem/a%20b.png", version: cfg.PipelineVersion, identity: "1"},
		{path: "/i/w_32,wm_logo,f_jpeg/mem/a.png", version: cfg.PipelineVersion, marks: "AbC-_9", identity: `"etag#1"`},
		{path: "/i/w_32,tm_shop,f_auto/mem/a.png", version: cfg.PipelineVersion, bucket: autoformat.AVIF, marks: "x", identity: "#"},
	} {
		got, _, _, err := parseVariantKey(k.String(), cfg.PipelineVersion, r.lim, r.Options)
		if err != nil || got != k {
			t.Errorf("parse(%q) = %+v, %v", k.String(), got, err)
		}
	}
	for _, bad := range []string{
		"/i/w_32,f_auto/mem/a.png#" + cfg.PipelineVersion + "#jpeg#id",
		"/i/w_32,f_auto/mem/a.png#" + cfg.PipelineVersion + "#id",
		"/i/w_32,f_auto/mem/a.png#0#avif#id",
		"/i/f_webp,w_32/mem/a.png#" + cfg.PipelineVersion + "#id",
		"/i/nosuchpreset/mem/a.png#" + cfg.PipelineVersion + "#id",
		"/i/w_32,f_webp/mem/a.png",
		"/i/w_32,wm_logo,f_jpeg/mem/a.png#" + cfg.PipelineVersion + "#id",
		"/i/w_32,wm_logo,f_jpeg/mem/a.png#" + cfg.PipelineVersion + "##id",
	} {
		if _, _, _, err := parseVariantKey(bad, cfg.PipelineVersion, r.lim, r.Options); err == nil {
			t.Errorf("parse(%q) accepted", bad)
		}
	}
}

// TestOriginalKey: an original key names its object in canonical escaping and carries the
// identity whole; anything else is a bad request.
func TestOriginalKey(t *testing.T) {
	lim := imgurl.DefaultLimits()
	for _, k := range []originalKey{
		{source: "s3", key: "a/photo x#1.jpg", identity: `"etag#1"`},
		{source: "fdfs", key: "group1/M00/00/00/x.jpg", identity: "crc"},
		{source: "local", key: "ü/€.png", identity: ""},
	} {
		got, err := parseOriginalKey(k.String(), lim)
		if err != nil || got != k {
			t.Errorf("parse(%q) = %+v, %v", k.String(), got, err)
		}
	}
	for _, bad := range []string{
		"s3/a.jpg",         // no identity
		"s3#id",            // no key
		"S3/a.jpg#id",      // not a source name
		"s3/a%2fb.jpg#id",  // lower-case hex
		"s3/a//b.jpg#id",   // empty segment
		"s3/a/../b.jpg#id", // dot-dot
		"s3/a%zz.jpg#id",   // bad escape
		"s3/" + strings.Repeat("k", 5000) + "#id", // over the key limit
	} {
		_, err := parseOriginalKey(bad, lim)
		if failure.KindOf(err) != failure.KindBadRequest {
			t.Errorf("parse(%q) = %v, want a bad request", bad, err)
		}
	}
}

// FuzzKeys: every key String makes parses back to itself, and a parse never accepts a string
// its key's String would not make.
func FuzzKeys(f *testing.F) {
	f.Add("w_32,f_auto", "mem", "a/b c.png", "avif", `"etag#1"`)
	f.Add("thumb", "s3", "group1/M00/00/00/x.jpg", "", "v1")
	f.Add("w_10,h_20,fit_pad,bg_ffffff,f_webp", "fdfs", "ü/%41", "webp", "")
	cfg := DefaultConfig()
	r, err := New(cfg, nil, nil, nil, Direct)
	if err != nil {
		f.Fatal(err)
	}
	buckets := []autoformat.Bucket{autoformat.AVIF, autoformat.WebP, autoformat.Fallback}
	f.Fuzz(func(t *testing.T, variant, src, key, bucket, identity string) {
		// Original keys.
		ok := originalKey{source: src, key: key, identity: identity}
		valid := imgurl.ValidName(src) && imgurl.ValidateKey(key, r.lim) == nil
		if got, err := parseOriginalKey(ok.String(), r.lim); err == nil {
			// Parts that are not valid can spell a valid key of other parts ("0/0" + "0" is
			// "0" + "0/0"); that key must still read back as the same string.
			if (valid && got != ok) || got.String() != ok.String() {
				t.Fatalf("original %q: parsed %#v from %#v", ok.String(), got, ok)
			}
		} else if valid {
			t.Fatalf("original %+v: valid parts refused: %v", ok, err)
		}
		if got, err := parseOriginalKey(src+"#"+identity, r.lim); err == nil && got.String() != src+"#"+identity {
			t.Fatalf("original %q accepted as %q", src+"#"+identity, got.String())
		}
		// Variant keys.
		p, err := imgurl.Parse(imgurl.Prefix+variant+"/"+src+"/"+imgurl.EscapeKey(key), r.lim)
		if err != nil {
			return
		}
		opts, err := r.Options(p.Variant)
		if err != nil {
			return
		}
		vk := variantKey{path: p.String(), version: cfg.PipelineVersion, identity: identity}
		if opts.Format == imgurl.Auto {
			vk.bucket = buckets[len(bucket)%len(buckets)]
		}
		got, gp, _, err := parseVariantKey(vk.String(), cfg.PipelineVersion, r.lim, r.Options)
		if err != nil || got != vk || gp != p {
			t.Fatalf("variant %q: parsed %+v %+v, %v; want %+v", vk.String(), got, gp, err, vk)
		}
		if s := vk.path + "#" + cfg.PipelineVersion + "#" + bucket + "#" + identity; bucket != "" {
			if got, _, _, err := parseVariantKey(s, cfg.PipelineVersion, r.lim, r.Options); err == nil && got.String() != s {
				t.Fatalf("variant %q accepted as %q", s, got.String())
			}
		}
	})
}

func TestShardKey(t *testing.T) {
	cases := []struct{ mode, key, want string }{
		{pool.ShardObject, "/i/w_300,f_webp/s3/a/photo%20x.jpg#v1#etag", "s3/a/photo x.jpg"},
		{pool.ShardObject, "s3/a/photo%20x.jpg#etag", "s3/a/photo x.jpg"},
		{pool.ShardPath, "/i/w_300,f_webp/s3/a/photo%20x.jpg#v1#etag", "/i/w_300,f_webp/s3/a/photo x.jpg"},
		{pool.ShardObject, "/i/thumb/fdfs/group1/M00/00/00/x.jpg#v1#id", "fdfs/group1/M00/00/00/x.jpg"},
		{pool.ShardObject, "local/bad%zz#x", "local/bad%zz"},
		{pool.ShardObject, "/info/s3/a/photo%20x.jpg#v1#etag", "s3/a/photo x.jpg"},
		{pool.ShardPath, "/info/s3/a/photo%20x.jpg#v1#etag", "/info/s3/a/photo x.jpg"},
	}
	for _, tc := range cases {
		t.Run(tc.mode+" "+tc.key, func(t *testing.T) {
			if got := Shard(tc.mode)(tc.key); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzShardKey: a variant's shard key (object mode) is its original's, whatever the key.
func FuzzShardKey(f *testing.F) {
	f.Add("w_300,f_webp", "s3/a/photo%20x.jpg", "etag")
	f.Add("thumb", "fdfs/group1/M00/00/00/x.jpg", "id")
	f.Fuzz(func(t *testing.T, variant, obj, ident string) {
		if variant == "" || strings.ContainsAny(variant, "/#") || strings.Contains(obj, "#") {
			return
		}
		v := Shard(pool.ShardObject)("/i/" + variant + "/" + obj + "#v1#" + ident)
		o := Shard(pool.ShardObject)(obj + "#" + ident)
		if v != o {
			t.Fatalf("variant shard %q, original shard %q", v, o)
		}
	})
}
