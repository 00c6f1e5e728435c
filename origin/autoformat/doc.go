// Package autoformat is the content negotiation of f_auto: which format bucket a request's
// Accept header falls into, written once as data and rendered for every cache that must agree
// on it — the origin evaluates the rules in Go, the front nginx and the edge stand-in get them
// as nginx maps, a CloudFront viewer-request function gets them as JavaScript.
//
// # Buckets
//
// A bucket is a format choice, not an Accept header: avif, webp, or fallback (JPEG, or PNG
// when the original has alpha; GIF for an animated original, which only GIF and WebP carry
// here). Caches key f_auto paths on path + bucket, so an image has at most three cached
// objects per variant however many distinct Accept headers browsers send (hundreds), and a
// browser never receives an object cached for a bucket it does not take.
//
// # Rules
//
// For each format of the configured order (default avif, then webp), two case-insensitive
// regular expressions over the Accept header, evaluated like an nginx map (first match wins;
// Varnish gets them as a VCL subroutine, VarnishVCL):
//
//	refusal:    the media type with q=0 (q=0, 0., 0.0, 0.00, 0.000)  → not taken
//	acceptance: the media type as a list element, any other q         → taken
//
// The first format taken is the bucket; none taken is fallback. Wildcards (image/*, */*) never
// count as support: browsers that send them (old WebViews, curl, crawlers) cannot all decode
// AVIF or WebP. The expressions use only the syntax on which RE2 (Go), PCRE (nginx) and
// ECMAScript (CloudFront Functions) agree, so the renderings decide alike; the table of real
// browsers' Accept headers (package autoformattest) runs against the Go rules, the rendered maps
// in a real nginx, the rendered function in node and the rendered VCL in varnishd (cdn/varnish).
//
// # Which paths
//
// Only f_auto answers vary: paths whose options end in f_auto, and presets whose options do
// (the maps list those preset names, rendered from the same config). Explicit formats never
// carry Vary and never enter a bucket, so they are one cached object as before.
//
// # A CDN that normalises Accept itself
//
// A CDN that runs the rules at its edge (the CloudFront function of cdn/README.md) sends the
// bucket in Config.Header. The origin believes that header only on a pull authenticated with
// the CDN origin secret (see origin/auth); from anyone else it is ignored and Accept decides.
// Where a CDN can key on neither a header nor Accept, Config.FallbackOnly makes every f_auto
// answer the fallback, without Vary: correct everywhere, smaller only where the page uses
// <picture> markup from the signer's helpers.
package autoformat
