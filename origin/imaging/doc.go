// Package imaging resizes and re-encodes images with libvips (through govips). It is the only
// package of the origin that imports govips or uses cgo, and it exposes only the project's own
// types: imgprobe.Info in, imgurl.Options in, Result out.
//
// The pipeline, one step per file (plan.go, scale.go, crop.go, pad.go, encode.go, animate.go;
// limits and alpha in engine.go):
//
//	limits   refuse by the probed header, before any decoding: pixels, frames, animation pixels,
//	         and output pixels × frames after DPR (max_output_pixels)
//	plan     output geometry from the options: DPR, fit (cover/contain/fill/inside/pad), clamping
//	scale    decode with shrink-on-load, resize to the planned size, EXIF auto-orient, sRGB
//	crop     cover: cut the box at the gravity (centre, 8 compass points; smart = libvips
//	         attention, done by vips_thumbnail while scaling)
//	pad      pad: embed in the box at the gravity on the background
//	alpha    flatten onto the background where the output format has no alpha (JPEG)
//	encode   jpeg/png/webp/avif/gif at the requested or configured quality, metadata stripped
//
// Animated GIF/WebP sources requested as GIF or WebP are processed frame by frame (each frame is
// cut from the decoded strip, scaled, cropped or padded, and the frames are joined again with
// their delays); any other output uses the first frame.
//
// Two scale pipelines exist (Config.Pipeline): "thumbnail" is libvips' vips_thumbnail_buffer,
// which keeps a factor-2 margin when it shrinks a JPEG on load; "shrink" loads a JPEG with the
// largest power-of-two shrink that still leaves at least the target size, then resizes with
// lanczos3 (other formats, and JPEGs that cannot shrink, go through vips_thumbnail, which
// streams). "shrink" is the default: on a 4000×3000 JPEG it made 17–19 % more images per
// CPU-second than "thumbnail" (→ 300 px JPEG: 41.2 vs 35.2; → 800×600 WebP: 18.3 vs 15.7), and
// Engine.Process runs at 98–101 % of a bare govips loop doing the same work
// (BenchmarkPipelines, bin/bench imaging). Its outputs keep an SSIM of 0.988–0.995 against
// a full-resolution lanczos3 reference, thumbnail's 0.996–1.0 (TestPipelinesAgree).
//
// libvips is process-wide: New starts it once per process (later calls must agree on the
// process-wide settings), with its operation cache off and one libvips thread per image; the
// origin runs several images at once under admission control instead. Only the loaders of the
// formats imgprobe recognises are left unblocked. Every ImageRef is closed before Process
// returns.
package imaging
