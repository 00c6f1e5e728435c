package hostile

import (
	"bytes"
	"compress/flate"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
)

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// pngChunk appends a chunk with its length and CRC.
func pngChunk(b *bytes.Buffer, typ string, data []byte) {
	_ = binary.Write(b, binary.BigEndian, uint32(len(data)))
	b.WriteString(typ)
	b.Write(data)
	_ = binary.Write(b, binary.BigEndian, crc32.ChecksumIEEE(append([]byte(typ), data...)))
}

func ihdr(w, h uint32, depth, colourType byte) []byte {
	d := make([]byte, 13)
	binary.BigEndian.PutUint32(d[0:], w)
	binary.BigEndian.PutUint32(d[4:], h)
	d[8], d[9] = depth, colourType
	return d
}

// pngHeaderOnly declares w×h RGBA pixels and carries a tiny IDAT: a pixel flood's header.
func pngHeaderOnly(w, h uint32) []byte {
	var b bytes.Buffer
	b.Write(pngSignature)
	pngChunk(&b, "IHDR", ihdr(w, h, 8, 6))
	pngChunk(&b, "IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// pngZeros is a w×h greyscale PNG of the given bit depth whose pixels are all zero: the IDAT is
// one zlib stream of zero rows, compressed about 1000:1 — a decompression bomb whose header
// is honest.
func pngZeros(w, h uint32, depth byte) []byte {
	var b bytes.Buffer
	b.Write(pngSignature)
	pngChunk(&b, "IHDR", ihdr(w, h, depth, 0))
	row := 1 + (int(w)*int(depth)+7)/8 // filter byte 0, then zero samples
	pngChunk(&b, "IDAT", zlibZeros(row*int(h)))
	pngChunk(&b, "IEND", nil)
	return b.Bytes()
}

// zlibZeros is a zlib stream (RFC 1950) of n zero bytes. Deflating all of them cost a second
// for the two PNG bombs, in every fuzz worker before its first run; instead one MiB of zeros is
// deflated once and its blocks repeated. That is a valid stream because a fresh compressor's
// blocks refer to no byte before them and Flush ends them on a byte boundary, not final; then
// come the rest, the final empty block and the Adler-32 of n zeros (n mod 65521, then 1).
func zlibZeros(n int) []byte {
	const chunk = 1 << 20
	deflate := func(size int, final bool) []byte {
		var z bytes.Buffer
		fw, _ := flate.NewWriter(&z, flate.BestCompression)
		_, _ = fw.Write(make([]byte, size))
		if final {
			_ = fw.Close()
		} else {
			_ = fw.Flush()
		}
		return z.Bytes()
	}
	z := []byte{0x78, 0xda} // deflate, 32 KB window, best compression
	if n >= chunk {
		full := deflate(chunk, false)
		for i := 0; i < n/chunk; i++ {
			z = append(z, full...)
		}
	}
	z = append(z, deflate(n%chunk, true)...)
	return binary.BigEndian.AppendUint32(z, uint32(n%65521)<<16|1)
}

// gradient16 is a 16-bit-per-channel image whose colours only a correct 16→8 bit conversion
// keeps: red rises left to right, green top to bottom, blue is constant at 0x8000.
func gradient16(w, h int) []byte {
	img := image.NewRGBA64(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA64(x, y, color.RGBA64{uint16(x * 0xFFFF / (w - 1)), uint16(y * 0xFFFF / (h - 1)), 0x8000, 0xFFFF})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// grey16 is a 16-bit greyscale image, left half 0x4000 and right half 0xC000.
func grey16(w, h int) []byte {
	img := image.NewGray16(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			v := uint16(0x4000)
			if x >= w/2 {
				v = 0xC000
			}
			img.SetGray16(x, y, color.Gray16{v})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// smallPNG is an ordinary 64×48 RGBA PNG, the base of the chunk-level attacks.
func smallPNG() []byte {
	img := image.NewNRGBA(image.Rect(0, 0, 64, 48))
	for y := 0; y < 48; y++ {
		for x := 0; x < 64; x++ {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x * 4), uint8(y * 5), 90, 255})
		}
	}
	var b bytes.Buffer
	_ = png.Encode(&b, img)
	return b.Bytes()
}

// pngWithChunk inserts a chunk right after IHDR of an encoded PNG.
func pngWithChunk(p []byte, typ string, data []byte, rawLength int64) []byte {
	const afterIHDR = 8 + 8 + 13 + 4
	var b bytes.Buffer
	b.Write(p[:afterIHDR])
	if rawLength >= 0 {
		// A length field that lies: the chunk claims rawLength bytes.
		_ = binary.Write(&b, binary.BigEndian, uint32(rawLength))
		b.WriteString(typ)
		b.Write(data)
		b.Write([]byte{0, 0, 0, 0})
	} else {
		pngChunk(&b, typ, data)
	}
	b.Write(p[afterIHDR:])
	return b.Bytes()
}
