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
//	options  = [ "c_" z "_" z "_" n "_" n "," ]    ; crop region x_y_width_height
//	           [ "rot_" ( "90" | "180" | "270" ) "," ] [ "flip_h," ]
//	           [ "w_" n "," ] [ "h_" n "," ] [ "fit_" fit "," ] [ "g_" gravity "," ]
//	           [ "dpr_" dpr "," ] [ "blur_" tenth "," ] [ "sh_" tenth "," ]
//	           [ "wm_" name "," ] [ "tm_" name "," ]
//	           [ "q_" n "," ] [ "bg_" hex "," ] "f_" format
//	n        = [1-9][0-9]*                           ; w ≤ MaxWidth, h ≤ MaxHeight, q ≤ 100
//	z        = "0" | n                               ; x+width, y+height ≤ MaxCropSide
//	fit      = "contain" | "fill" | "inside" | "pad" ; cover is the default; needs w and h
//	gravity  = "n" | "ne" | "e" | "se" | "s" | "sw" | "w" | "nw" | "smart"
//	         | "fp_" unit "_" unit                   ; focal point x_y, not 0.5_0.5; cover only
//	                                                 ; centre is the default; needs w and h
//	unit     = "0" | "1" | "0." [0-9]{0,2}[1-9]      ; 0..1, at most three decimals
//	dpr      = [0-9]+ [ "." [0-9]{0,1}[1-9] ]        ; not 1 (the default), ≤ MaxDPR, 0 < dpr
//	tenth    = [0-9]+ [ "." [1-9] ]                  ; sigma, 0 < blur ≤ MaxBlur, 0 < sh ≤ MaxSharpen
//	hex      = [0-9a-f]{6} | [0-9a-f]{8}             ; with fit_pad: the pad, rrggbb or rrggbbaa;
//	                                                 ; else only with f_jpeg: the colour alpha is
//	                                                 ; flattened onto, rrggbb (default white)
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
//	/i/c_120_40_800_600,rot_90,w_300,h_300,g_fp_0.3_0.6,sh_0.5,wm_logo,f_jpeg/s3/a/b.jpg
//
// # Order of application
//
// Options are written in the order the origin applies them, and the order is fixed whatever
// the spelling:
//
//  1. the source is decoded upright (EXIF orientation applied) and converted to sRGB;
//  2. c_: the region x,y,width,height of that upright image is kept. A region that does not
//     lie wholly inside the image is refused (400), never clamped: the same URL means the same
//     pixels on every image;
//  3. rot_: turned clockwise by 90, 180 or 270 degrees; flip_h: mirrored left to right. A
//     vertical mirror is rot_180,flip_h, both mirrors rot_180: each has one spelling;
//  4. w_, h_, fit_, g_, dpr_: fitted into the box as for a plain resize (fit_pad pads with
//     bg_ here); w and h are the output's after rotation; g_fp_x_y keeps the crop window as
//     centred on the point (x, y) of the rotated image (0,0 top left) as its edges allow;
//  5. blur_: Gaussian blur, sigma in output pixels;
//  6. sh_: sharpening (libvips' sharpen on the L channel), sigma in output pixels;
//  7. wm_: the named image watermark, then tm_: the named text watermark, composited at the
//     positions the origin's config gives them (names are resolved by the origin: an unknown
//     name is 400);
//  8. alpha is flattened onto bg_ (default white) when the format has no alpha (JPEG);
//  9. encoded as f_ at q_.
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
// key, fit without both w and h, rot_45); numbers and lengths beyond Limits are ErrOutOfRange.
// More non-canonical spellings of the newer options:
//
//	/i/w_300,rot_90,f_webp/…           → /i/rot_90,w_300,f_webp/…     (order)
//	/i/flip_v,f_webp/…                 → /i/rot_180,flip_h,f_webp/…   (one spelling per mirror)
//	/i/rot_360,f_webp/…                → /i/f_webp/…                  (a full turn is none)
//	/i/w_3,h_3,g_fp_0.5_0.5,f_webp/…   → /i/w_3,h_3,f_webp/…          (the centre is the default)
//	/i/blur_2.0,f_webp/…               → /i/blur_2,f_webp/…
//
// The query string is not part of the path: it carries authorization only (see package
// signer).
package imgurl
