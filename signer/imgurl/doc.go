// Package imgurl is the URL grammar of imgorigin image paths: one implementation, stdlib only,
// used by apps (through the signer package) to build paths and by the origin to parse them.
//
// # Grammar
//
//	path     = "/i/" variant "/" source "/" key
//	variant  = preset | options
//	preset   = name                                  ; defined in the origin's config
//	source   = name                                  ; a configured store
//	name     = [a-z0-9][a-z0-9-]{0,31}
//	options  = [ "w_" n "," ] [ "h_" n "," ] [ "fit_" fit "," ] [ "g_" gravity "," ]
//	           [ "dpr_" dpr "," ] [ "q_" n "," ] [ "bg_" hex "," ] "f_" format
//	n        = [1-9][0-9]*                           ; w ≤ MaxWidth, h ≤ MaxHeight, q ≤ 100
//	fit      = "contain" | "fill" | "inside" | "pad" ; cover is the default; needs w and h
//	gravity  = "n" | "ne" | "e" | "se" | "s" | "sw" | "w" | "nw" | "smart"
//	                                                 ; centre is the default; needs w and h
//	dpr      = [0-9]+ [ "." [0-9]{0,1}[1-9] ]        ; not 1 (the default), ≤ MaxDPR, 0 < dpr
//	hex      = [0-9a-f]{6} | [0-9a-f]{8}             ; rrggbb or rrggbbaa; only with fit_pad
//	format   = "jpeg" | "png" | "webp" | "avif" | "gif" | "auto"
//	key      = segment *( "/" segment )              ; the store's object key
//	segment  = url.PathEscape of a non-empty UTF-8 string, not "." or "..", without NUL
//
// Examples of canonical paths:
//
//	/i/thumb/fdfs/group1/M00/00/00/xxx.jpg
//	/i/w_300,f_webp/local/photos/cat.jpg
//	/i/w_300,h_200,fit_pad,bg_ffffff,f_jpeg/s3/a/b.png
//	/i/w_640,h_480,g_smart,dpr_1.5,q_80,f_avif/local/holiday%20photos/beach.jpg
//	/i/w_300,f_auto/local/photos/cat.jpg
//
// # f_auto
//
// "auto" is the one format that is not an encoding: the origin answers the best format the
// requesting browser takes, from its Accept header, in one of a few fixed format buckets
// (avif, webp, fallback: JPEG, or PNG when the original has alpha). The path stays the one
// identity of the image: the shard key and the purge tag do not change, and every cache in
// front keys on the path plus the bucket, never on raw Accept (see origin/autoformat). A
// preset may name f_auto too. q_ applies to whichever format is chosen.
//
// # Canonical or nothing
//
// Every image has exactly one path. Parse rejects every other spelling with an *Error of
// kind ErrNotCanonical that carries the canonical path, so a CDN never stores two copies of
// one image:
//
//	/i/f_webp,w_300/local/a.jpg        → /i/w_300,f_webp/local/a.jpg   (order)
//	/i/w_0300,f_webp/local/a.jpg       → /i/w_300,f_webp/local/a.jpg   (leading zero)
//	/i/w_300,dpr_2.0,f_webp/local/a.jpg → /i/w_300,dpr_2,f_webp/local/a.jpg
//	/i/w_300,dpr_1,f_jpg/local/a.jpg   → /i/w_300,f_jpeg/local/a.jpg   (default, alias)
//	/i/Thumb/local/a%2fb.jpg           → /i/thumb/local/a/b.jpg        (case, escaping)
//	/i/thumb/local/a//b.jpg/           → /i/thumb/local/a/b.jpg        (empty segments)
//
// Paths outside the grammar are ErrInvalid (unknown option, option given twice, ".." in the
// key, fit without both w and h); numbers and lengths beyond Limits are ErrOutOfRange.
//
// The query string is not part of the path: it carries authorization only (see package
// signer).
package imgurl
