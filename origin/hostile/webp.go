package hostile

import (
	"bytes"
	"encoding/binary"
)

// lsbWriter writes a VP8L bitstream: least significant bit first.
type lsbWriter struct {
	buf  []byte
	acc  uint64
	nacc uint
}

func (w *lsbWriter) write(v uint64, n uint) {
	w.acc |= (v & (1<<n - 1)) << w.nacc
	w.nacc += n
	for w.nacc >= 8 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc >>= 8
		w.nacc -= 8
	}
}

func (w *lsbWriter) bytes() []byte {
	if w.nacc > 0 {
		w.buf = append(w.buf, byte(w.acc))
		w.acc, w.nacc = 0, 0
	}
	return w.buf
}

// vp8lSolid is a lossless VP8L bitstream of a w×h image (each side 1..16384) of one ARGB
// colour. All five prefix codes are "simple" codes of one symbol, which take zero bits per
// pixel: the whole image, of any size, is about 20 bytes.
func vp8lSolid(w, h int, argb [4]uint8) []byte {
	var bw lsbWriter
	bw.write(0x2F, 8)
	bw.write(uint64(w-1), 14)
	bw.write(uint64(h-1), 14)
	bw.write(1, 1) // alpha used
	bw.write(0, 3) // version
	bw.write(0, 1) // no transform
	bw.write(0, 1) // no colour cache
	bw.write(0, 1) // no meta prefix codes
	symbol := func(v uint8) {
		bw.write(1, 1) // simple code
		bw.write(0, 1) // one symbol
		bw.write(1, 1) // 8-bit symbol
		bw.write(uint64(v), 8)
	}
	a, r, g, b := argb[0], argb[1], argb[2], argb[3]
	symbol(g) // green (and length/cache codes)
	symbol(r)
	symbol(b)
	symbol(a)
	symbol(0) // distance
	return bw.bytes()
}

// riff wraps chunks into a RIFF WEBP container.
func riff(chunks ...[]byte) []byte {
	var body bytes.Buffer
	body.WriteString("WEBP")
	for _, c := range chunks {
		body.Write(c)
	}
	var b bytes.Buffer
	b.WriteString("RIFF")
	_ = binary.Write(&b, binary.LittleEndian, uint32(body.Len()))
	b.Write(body.Bytes())
	return b.Bytes()
}

func webpChunk(fourcc string, data []byte) []byte {
	var b bytes.Buffer
	b.WriteString(fourcc)
	_ = binary.Write(&b, binary.LittleEndian, uint32(len(data)))
	b.Write(data)
	if len(data)%2 == 1 {
		b.WriteByte(0)
	}
	return b.Bytes()
}

// webpSolid is a lossless WebP of w×h in one colour.
func webpSolid(w, h int, argb [4]uint8) []byte {
	return riff(webpChunk("VP8L", vp8lSolid(w, h, argb)))
}

// webpCanvas is an extended WebP whose VP8X canvas declares w×h (up to 2^24 each) around a
// 1×1 lossless image: a pixel flood in the container header.
func webpCanvas(w, h int) []byte {
	x := make([]byte, 10)
	x[0] = 0x10 // alpha
	put24 := func(b []byte, v int) { b[0], b[1], b[2] = byte(v), byte(v>>8), byte(v>>16) }
	put24(x[4:], w-1)
	put24(x[7:], h-1)
	return riff(webpChunk("VP8X", x), webpChunk("VP8L", vp8lSolid(1, 1, [4]uint8{255, 0, 0, 0})))
}
