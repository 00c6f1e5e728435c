package hostile

import "strings"

// Case is one request for an input: a variant (the URL's variant segment) and the status a
// correct origin answers with.
type Case struct {
	Variant string `json:"variant"` // e.g. "w_100,f_jpeg"
	Status  int    `json:"status"`
}

// Input is one hostile file.
type Input struct {
	Name  string // file name, with the extension a client would expect
	Data  []byte
	Cases []Case
	Why   string // what it attacks
}

// Defaults of the generated sizes; a flood is far above any sane pixel limit, a bomb "under"
// the limit stays below the origin's default 40 MP.
const (
	floodSide      = 65000
	bombOverSide   = 20000 // 400 MP of zeros in a ~50 KB PNG
	bombUnderSide  = 6000  // 36 MP
	manyFrames     = 10000
	progressiveSc  = 255 // AC scans after the DC scan: 256 scans, the most imaging.max_jpeg_scans accepts
	progressiveDim = 4096
)

func jpegOut(status int) []Case { return []Case{{"w_100,f_jpeg", status}} }

// All returns every input. SVG references point at remoteHref (give an address the caller
// watches to prove no fetch happens; "" means http://127.0.0.1:9/hostile.png).
func All(remoteHref string) []Input {
	if remoteHref == "" {
		remoteHref = "http://127.0.0.1:9/hostile.png"
	}
	photo := encodeJPEG(jpegSpec{w: 640, h: 480, comps: 3, block: smoothPhoto})
	spng := smallPNG()
	sgif := smallGIF()
	anim := animatedGIF(64, 48, 64, 48, 6)
	swebp := webpSolid(64, 48, [4]uint8{255, 200, 30, 30})
	orient := func(v uint32) ifdEntry { return ifdEntry{tagOrientation, tiffShort, 1, v} }
	exifJPEG := func(e exifSpec) []byte {
		return encodeJPEG(jpegSpec{w: 64, h: 48, comps: 3, block: quadrants, app: [][]byte{e.app1()}})
	}
	junkICC := append([]byte("ICC_PROFILE\x00\x01\x01"), []byte(strings.Repeat("\xde\xad\xbe\xef", 64))...)
	return []Input{
		// Truncations.
		{"truncated.jpg", encodeJPEG(jpegSpec{w: 640, h: 480, comps: 3, block: smoothPhoto, truncateAt: 0.3}), jpegOut(422), "JPEG cut in its scan data (no EOI): refused, not rendered with grey rows that a CDN would then cache"},
		{"truncated-header.jpg", photo[:200], jpegOut(422), "JPEG cut inside its tables, before any frame header"},
		{"truncated.png", spng[:len(spng)/2], jpegOut(422), "PNG cut in its IDAT (no IEND): refused"},
		{"truncated.webp", swebp[:len(swebp)-6], jpegOut(422), "WebP cut inside the VP8L bitstream (RIFF size larger than the file)"},
		{"truncated.gif", anim[:len(anim)*2/3], []Case{{"w_100,f_jpeg", 422}, {"w_100,f_gif", 422}}, "animated GIF cut mid-frame (no trailer): refused, as a still and as an animation"},
		{"truncated-header.gif", sgif[:11], jpegOut(422), "GIF cut inside its logical screen descriptor"},

		// Pixel floods: headers declaring huge sizes, almost no data.
		{"flood.jpg", jpegHeaderOnly(floodSide, floodSide, 0xC0), jpegOut(422), "baseline JPEG SOF declaring 65000×65000"},
		{"flood-65535.jpg", jpegHeaderOnly(65535, 65535, 0xC2), jpegOut(422), "progressive JPEG SOF declaring 65535×65535 (the format's maximum) with 4 bytes of scan"},
		{"flood.png", pngHeaderOnly(floodSide, floodSide), jpegOut(422), "PNG IHDR declaring 65000×65000 RGBA"},
		{"flood-2g.png", pngHeaderOnly(1<<31-1, 1<<31-1), jpegOut(422), "PNG IHDR declaring 2^31-1 × 2^31-1 (the format's maximum)"},
		{"flood.gif", gifRaw(floodSide, floodSide, 1, 1), jpegOut(422), "GIF logical screen declaring 65000×65000"},
		{"flood-frame.gif", gifRaw(16, 16, floodSide, floodSide), jpegOut(422), "GIF 16×16 screen whose frame declares 65000×65000"},
		{"flood.webp", webpCanvas(floodSide, floodSide), jpegOut(422), "WebP VP8X canvas declaring 65000×65000"},
		{"flood-vp8l.webp", webpSolid(16384, 16384, [4]uint8{255, 1, 2, 3}), jpegOut(422), "lossless WebP of 16384×16384 (268 MP, the format's maximum) in 34 bytes: it really decodes to that"},
		{"flood.avif", avifFlood(floodSide, floodSide), jpegOut(422), "AVIF whose ispe property declares 65000×65000, no image data"},
		{"under-limit-nodata.jpg", jpegHeaderOnly(bombUnderSide, bombUnderSide, 0xC0), jpegOut(200), "JPEG declaring 6000×6000 (under the limit) with 4 bytes of scan data: a grey image, decoded with shrink-on-load"},

		// Decompression bombs with honest headers.
		{"idat-bomb-over.png", pngZeros(bombOverSide, bombOverSide, 1), jpegOut(422), "PNG of 20000×20000 zero pixels, IDAT deflated ~1000:1 (over the pixel limit)"},
		{"idat-bomb-under.png", pngZeros(bombUnderSide, bombUnderSide, 8), jpegOut(200), "PNG of 6000×6000 zero pixels, 36 MB of raw rows deflated to ~35 KB (under the limit: decoded, streaming)"},
		{"webp-bomb-under.webp", webpSolid(bombUnderSide, bombUnderSide, [4]uint8{255, 10, 200, 10}), jpegOut(200), "lossless WebP of 6000×6000 in 34 bytes (under the limit)"},
		{"frames-10000.gif", animatedGIF(8, 8, 1, 1, manyFrames), []Case{{"w_100,f_gif", 422}, {"w_100,f_webp", 422}, {"w_100,f_jpeg", 200}}, "animated GIF of 10,000 1×1 frames: refused as an animation, first frame as a still"},
		{"frames-big.gif", animatedGIF(4000, 4000, 1, 1, 150), []Case{{"w_100,f_gif", 422}, {"w_100,f_jpeg", 200}}, "150 frames on a 4000×4000 screen: 2.4 G animation pixels"},
		{"frames-tall.gif", animatedGIF(1, 5, 1, 5, 200), []Case{{"medium", 422}, {"w_800,f_gif", 422}, {"w_800,f_jpeg", 200}, {"w_10,f_webp", 200}}, "200 frames of 1×5 px (~4.8 KB): the medium preset (w_800, WebP) asks for 800×4000 × 200 = 640 MP of output; refused by imaging.max_output_pixels before decoding, as a still or small it renders"},
		{"progressive-scans.jpg", progressiveScans(progressiveDim, progressiveDim, progressiveSc), jpegOut(200), "progressive JPEG of 4096×4096 with a DC scan and 255 AC scans of ~40 bytes each (256: the most imaging.max_jpeg_scans accepts): decoders revisit every block per scan"},
		{"progressive-scans-10k.jpg", progressiveScans(progressiveDim, progressiveDim, 10000), jpegOut(422), "the same with 10,000 scans (400 KB): decoding would cost ~10 s of CPU; refused by the scan count (imaging.max_jpeg_scans) before decoding"},

		// Not images, or not formats this origin reads.
		{"empty.jpg", nil, jpegOut(415), "zero bytes"},
		{"not-an-image.jpg", []byte(htmlPayload), jpegOut(415), "HTML with an image extension"},
		{"svg-external.svg", svgExternal(remoteHref), jpegOut(415), "SVG with an external entity (file:///etc/passwd) and a remote image href"},
		{"svg-as-png.png", svgExternal(remoteHref), jpegOut(415), "the same SVG named .png"},
		{"pdf.jpg", []byte("%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"), jpegOut(415), "PDF with an image extension (libvips could load it: its loader must be off)"},
		{"tiff.jpg", []byte("II*\x00\x08\x00\x00\x00\x00\x00\x00\x00\x00\x00"), jpegOut(415), "TIFF header with an image extension"},
		{"jpeg-magic-only.jpg", []byte{0xFF, 0xD8, 0xFF}, jpegOut(422), "the JPEG signature and nothing else"},

		// Polyglots: valid images carrying HTML/script.
		{"polyglot.gif", gifComment(sgif, htmlPayload, htmlPayload), []Case{{"w_100,f_gif", 200}, {"w_100,f_png", 200}}, "GIF with the HTML in a comment extension and after the trailer"},
		{"polyglot.jpg", jpegPolyglot(), []Case{{"w_100,f_jpeg", 200}, {"w_100,f_webp", 200}}, "JPEG with the HTML in COM and APP9 segments and after EOI"},
		{"polyglot.png", append(pngWithChunk(spng, "tEXt", append([]byte("Comment\x00"), htmlPayload...), -1), htmlPayload...), []Case{{"w_100,f_png", 200}}, "PNG with the HTML in a tEXt chunk and after IEND"},

		// Colour spaces and depths that must be converted to 8-bit sRGB.
		{"cmyk.jpg", encodeJPEG(jpegSpec{w: 64, h: 48, comps: 4, block: cmykBands, adobe: true}), []Case{{"w_64,f_png", 200}, {"w_32,f_jpeg", 200}}, "Adobe CMYK JPEG without an ICC profile: left cyan, right red"},
		{"rgb16.png", gradient16(64, 48), []Case{{"w_64,f_png", 200}}, "16-bit RGB PNG gradient"},
		{"grey16.png", grey16(64, 48), []Case{{"w_64,f_png", 200}}, "16-bit greyscale PNG"},
		{"icc-junk.jpg", encodeJPEG(jpegSpec{w: 64, h: 48, comps: 3, block: quadrants, app: [][]byte{append([]byte{0xE2}, junkICC...)}}), jpegOut(200), "JPEG with an APP2 ICC profile of garbage"},
		{"iccp-junk.png", pngWithChunk(spng, "iCCP", append([]byte("junk\x00\x00"), 0x78, 0x9c, 0xde, 0xad, 0xbe, 0xef), -1), []Case{{"w_64,f_png", 200}}, "PNG with an iCCP chunk of garbage"},
		{"chunk-length-lie.png", pngWithChunk(spng, "tEXt", []byte("a\x00b"), 0x7FFFFFF0), jpegOut(422), "PNG chunk whose length field claims 2 GB"},

		// EXIF with absurd values.
		{"exif-orientation-99.jpg", exifJPEG(exifSpec{entries: []ifdEntry{orient(99)}, declaredCount: -1}), jpegOut(200), "EXIF orientation 99"},
		{"exif-huge-count.jpg", exifJPEG(exifSpec{entries: []ifdEntry{orient(6)}, declaredCount: 65535}), jpegOut(200), "IFD0 declaring 65,535 entries in a 30-byte segment"},
		{"exif-offsets.jpg", exifJPEG(exifSpec{entries: []ifdEntry{
			{tagMake, tiffASCII, 0x7FFFFFFF, 0xFFFFFF00}, {tagExifIFD, tiffLong, 1, 0xFFFFFFF0}, {tagGPSIFD, tiffLong, 1, 0x7FFFFFFF}, orient(3),
		}, declaredCount: -1, next: 0xFFFFFFFF}), jpegOut(200), "EXIF tags with counts and offsets far past the segment"},
		{"exif-loop.jpg", exifJPEG(exifSpec{entries: []ifdEntry{orient(8), {tagExifIFD, tiffLong, 1, 8}}, declaredCount: -1, next: 8}), jpegOut(200), "IFD0 whose next-IFD and Exif-IFD pointers point back at itself"},

		// Plain inputs next to the hostile ones: the control group.
		{"control.jpg", photo, jpegOut(200), "a plain JPEG"},
		{"control.webp", swebp, []Case{{"w_32,f_webp", 200}}, "a plain lossless WebP"},
	}
}
