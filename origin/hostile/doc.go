// Package hostile generates the hostile inputs an internet-facing image origin meets: truncated
// files, pixel floods (headers declaring 65,000×65,000 pixels), decompression bombs with honest
// headers, animations of thousands of frames, polyglots (an image that is also HTML), colour
// spaces and bit depths that must be converted (CMYK, 16-bit), absurd EXIF, formats the origin
// must refuse (SVG with external entities and remote references, PDF, TIFF) and files that are
// not images at all.
//
// Every input is built by code, deterministically, in milliseconds: nothing large is committed.
// Each Input carries the cases to request it with and the answer a correct origin gives: a
// specific 4xx, or 200 with a re-encoded image. What an answer means:
//
//	415  the bytes are not a format the origin reads (unknown signature, SVG, PDF, TIFF, empty)
//	422  a format the origin reads, refused: over the pixel/frame limits (decided on the header,
//	     before decoding) or undecodable (corrupt, truncated before any pixel)
//	200  a correct image: decoded within the limits and re-encoded (never the original bytes);
//	     a file cut short in its pixel data renders as far as its data goes (grey below),
//	     as browsers do, unless imaging.fail_on_warning is set
//
// Where they are used:
//
//   - origin/cmd/mkhostile writes them to a directory, with a manifest of the expected answers;
//   - origin/cmd/origin's hostile_test.go serves each through a whole in-process node and checks
//     the status, Cache-Control, nosniff and CSP sandbox, the time taken, the peak RSS, that a
//     200 is a re-encoded image (never the input's bytes or script) and that the node still serves;
//   - FuzzPipeline (this package's tests) mutates them through probe, limits and libvips;
//   - the reliability run (origin/reliability, scripts/reliability) serves each through nginx
//     and a real cluster after load and faults, and writes RELIABILITY.md.
package hostile
