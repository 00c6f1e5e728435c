package e2e_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/varnish"
	"github.com/imgorigin/imgorigin/cdn/varnish/varnishtest"
	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/autoformat/autoformattest"
	"github.com/imgorigin/imgorigin/origin/clustertest"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// bucketType is the Content-Type a JPEG original without alpha is answered in, per bucket.
var bucketType = map[autoformat.Bucket]string{autoformat.AVIF: "image/avif", autoformat.WebP: "image/webp", autoformat.Fallback: "image/jpeg"}

// TestEdgeAutoFormat: every client of the table, through edge → front → three origins, gets
// its bucket's format; the edge holds one object per (variant, bucket), pulled and rendered
// once each; ETags differ per bucket and revalidate per bucket; the front alone decides alike.
func TestEdgeAutoFormat(t *testing.T) {
	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Edge: true})
	c.WriteLocal(t, "photos/auto.jpg", clustertest.JPEG(400, 300, 7))
	p := clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 200, Format: imgurl.Auto}},
		Source: "local", Key: "photos/auto.jpg"})
	now := time.Now()
	do := func(base, target string, hdr map[string]string) clustertest.Response {
		h := http.Header{}
		for k, v := range hdr {
			h.Set(k, v)
		}
		r, err := c.Do(http.MethodGet, base+target, h)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	table := autoformattest.Browsers()
	pullsBefore, rendersBefore := pulls(t, c), renders(t, c)
	etags := map[autoformat.Bucket]string{}
	for _, tc := range table {
		r := do(c.EdgeURL, c.EdgeSigned(t, p, now.Add(time.Hour)), map[string]string{"Accept": tc.Accept, "X-Image-Bucket": "avif"})
		ct := r.Header.Get("Content-Type")
		if r.Status != 200 || ct != bucketType[tc.Bucket] || r.Header.Get("Vary") != "Accept" {
			t.Fatalf("%s: %d %s Vary %q, want %s (X-Cache %s)", tc.Name, r.Status, ct, r.Header.Get("Vary"), bucketType[tc.Bucket], r.Header.Get("X-Cache"))
		}
		if tc.Bucket != "avif" && ct == "image/avif" {
			t.Fatalf("%s: AVIF to a client that does not list it", tc.Name)
		}
		etag := r.Header.Get("ETag")
		if prev, ok := etags[tc.Bucket]; ok && prev != etag {
			t.Errorf("%s: ETag %s, another client of bucket %s got %s", tc.Name, etag, tc.Bucket, prev)
		}
		etags[tc.Bucket] = etag
	}
	if len(etags) != 3 || etags["avif"] == etags["webp"] || etags["webp"] == etags["fallback"] || etags["avif"] == etags["fallback"] {
		t.Errorf("ETags per bucket: %v", etags)
	}
	expectPulls(t, c, pullsBefore, 3, "one variant, "+strconv.Itoa(len(table))+" clients in 3 buckets")
	if got := renders(t, c) - rendersBefore; got != 3 {
		t.Errorf("%v renders, want one per bucket (3)", got)
	}

	t.Run("304 per bucket", func(t *testing.T) {
		target := c.EdgeSigned(t, p, now.Add(time.Hour))
		webp := "image/webp,*/*"
		if r := do(c.EdgeURL, target, map[string]string{"Accept": webp, "If-None-Match": etags["webp"]}); r.Status != 304 {
			t.Errorf("webp client with the webp ETag: %d, want 304", r.Status)
		}
		r := do(c.EdgeURL, target, map[string]string{"Accept": "*/*", "If-None-Match": etags["webp"]})
		if r.Status != 200 || r.Header.Get("Content-Type") != "image/jpeg" {
			t.Errorf("curl with the webp ETag: %d %s, want 200 image/jpeg", r.Status, r.Header.Get("Content-Type"))
		}
	})

	t.Run("front decides alike", func(t *testing.T) {
		target := c.Signed(t, p, now.Add(time.Hour))
		for _, tc := range table {
			r := do(c.FrontURL, target, map[string]string{"Accept": tc.Accept, "X-Image-Bucket": "avif"})
			if r.Status != 200 || r.Header.Get("Content-Type") != bucketType[tc.Bucket] || r.Header.Get("ETag") != etags[tc.Bucket] {
				t.Errorf("%s via the front: %d %s ETag %s, want %s %s", tc.Name, r.Status, r.Header.Get("Content-Type"),
					r.Header.Get("ETag"), bucketType[tc.Bucket], etags[tc.Bucket])
			}
		}
	})

	t.Run("through Varnish", func(t *testing.T) {
		v := varnishtest.Start(t, varnishtest.Options{Backend: varnish.Backend{Addr: c.FrontAddr,
			ConnectTimeout: 2 * time.Second, FirstByteTimeout: 35 * time.Second}, FormatsVCL: c.RenderFormats(t, "--varnish")})
		vp := clustertest.Path(t, imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 180, Format: imgurl.Auto}},
			Source: "local", Key: "photos/auto.jpg"})
		before, rendersBefore := pulls(t, c), renders(t, c)
		for _, tc := range table {
			r := do("http://"+v.Addr, c.Signed(t, vp, now.Add(time.Hour)), map[string]string{"Accept": tc.Accept})
			if r.Status != 200 || r.Header.Get("Content-Type") != bucketType[tc.Bucket] || r.Header.Get("Vary") != "Accept" {
				t.Errorf("%s via Varnish: %d %s Vary %q, want %s", tc.Name, r.Status, r.Header.Get("Content-Type"), r.Header.Get("Vary"), bucketType[tc.Bucket])
			}
		}
		expectPulls(t, c, before, 3, "Varnish: "+strconv.Itoa(len(table))+" clients in 3 buckets")
		if got := renders(t, c) - rendersBefore; got != 3 {
			t.Errorf("Varnish: %v renders, want 3", got)
		}
	})

	t.Run("explicit formats do not vary", func(t *testing.T) {
		r := do(c.EdgeURL, c.EdgeSigned(t, variant(t, "local", "photos/auto.jpg", 200), now.Add(time.Hour)), map[string]string{"Accept": "image/avif"})
		if r.Status != 200 || r.Header.Get("Vary") != "" || r.Header.Get("Content-Type") != "image/webp" {
			t.Errorf("f_webp: %d %s Vary %q", r.Status, r.Header.Get("Content-Type"), r.Header.Get("Vary"))
		}
	})
}
