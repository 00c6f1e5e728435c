// Package imgprobe reads the header of an encoded image — format, dimensions, frame count,
// EXIF orientation and whether it has alpha — without decoding any pixel data, so that the
// origin can refuse decompression bombs before handing the bytes to a decoder.
//
// Probe never allocates in proportion to the dimensions an image declares, and its work is
// bounded by the length of the input (each step consumes input) and by fixed caps on nesting.
// It reads:
//
//   - JPEG: markers up to the first SOFn (width, height); APP1 "Exif" IFD0 tag 0x0112 for the
//     orientation. Entropy-coded data is never touched.
//   - PNG: IHDR (width, height, colour type); tRNS (alpha for palette/grey/RGB); acTL (APNG frame
//     count). Chunks are walked by length until IDAT; CRCs are not checked.
//   - GIF: the logical screen and the block structure: extensions and image descriptors are
//     walked by their sub-block lengths, LZW data is skipped, frames are counted. The size is
//     the union of the screen and all frame rectangles (decoders grow the canvas to it, so a
//     frame declared far outside a small screen is a pixel flood like any other).
//     A stream truncated after at least one complete frame probes as the frames it holds.
//   - WebP: the RIFF container with a VP8 (lossy), VP8L (lossless) or VP8X (extended) first chunk;
//     alpha from VP8X flags, the VP8L header bit or an ALPH chunk; ANMF chunks counted as frames.
//   - AVIF/HEIF: the ftyp brands, then meta/iprp/ipco: the largest ispe is the image size, an irot
//     of 90 or 270 degrees swaps it (libheif applies the transform on decode), an alpha auxC sets
//     HasAlpha. Best effort: sequences count as one frame.
//
// Width and Height are the dimensions as stored; for JPEG an Orientation of 5..8 means the
// upright image is Height×Width (see Info.Upright).
//
// Errors are ErrUnknownFormat (no known signature) and ErrCorrupt (a known signature whose
// header is truncated, inconsistent or declares a zero size), tested with errors.Is.
package imgprobe
