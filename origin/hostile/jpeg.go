package hostile

import (
	"bytes"
	"encoding/binary"
)

// The standard Huffman tables of ITU T.81 Annex K (luminance DC and AC).
var (
	dcBits = [16]byte{0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0}
	dcVals = []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
	acBits = [16]byte{0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d}
	acVals = []byte{
		0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
		0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
		0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
		0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
		0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
		0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
		0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
		0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
		0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
		0xf9, 0xfa,
	}
)

// code is a Huffman code: its bits, right-aligned, and their number.
type code struct {
	bits uint32
	n    uint
}

// canonical assigns the canonical codes of T.81 Annex C to a table given as code-length counts.
func canonical(bits [16]byte, vals []byte) map[byte]code {
	m := make(map[byte]code, len(vals))
	c, k := uint32(0), 0
	for l := 1; l <= 16; l++ {
		for i := 0; i < int(bits[l-1]); i++ {
			m[vals[k]] = code{c, uint(l)}
			c++
			k++
		}
		c <<= 1
	}
	return m
}

// bitWriter writes entropy-coded JPEG data MSB first, stuffing a zero after every 0xFF.
type bitWriter struct {
	buf  bytes.Buffer
	acc  uint32
	nacc uint
}

func (w *bitWriter) write(bits uint32, n uint) {
	for n > 0 {
		n--
		w.acc = w.acc<<1 | (bits>>n)&1
		w.nacc++
		if w.nacc == 8 {
			w.emit(byte(w.acc))
			w.acc, w.nacc = 0, 0
		}
	}
}

func (w *bitWriter) emit(b byte) {
	w.buf.WriteByte(b)
	if b == 0xFF {
		w.buf.WriteByte(0)
	}
}

// flush pads the last byte with one bits, as T.81 F.1.2.3 asks.
func (w *bitWriter) flush() []byte {
	if w.nacc > 0 {
		w.write(0xFF, 8-w.nacc)
	}
	return w.buf.Bytes()
}

// segment appends a marker segment with its length.
func segment(b *bytes.Buffer, marker byte, payload []byte) {
	b.Write([]byte{0xFF, marker})
	_ = binary.Write(b, binary.BigEndian, uint16(len(payload)+2))
	b.Write(payload)
}

// jpegSpec describes a flat-blocked JPEG: every 8×8 block has one value per component, so only
// DC coefficients are coded (each block ends at once with EOB). Such files decode exactly with
// any conforming decoder and are built in microseconds at any size.
type jpegSpec struct {
	w, h       int
	comps      int                       // 1 (grey), 3 (YCbCr) or 4 (Adobe CMYK, stored inverted)
	block      func(bx, by int) [4]uint8 // the value of each component in block (bx, by)
	app        [][]byte                  // extra segments written after SOI: marker byte then payload
	adobe      bool                      // write an Adobe APP14 segment (transform 0 for 1/4 comps, 1 for 3)
	truncateAt float64                   // 0: whole; else keep this fraction of the entropy-coded data and no EOI
}

// encodeJPEG writes spec as a baseline JPEG with quantisation tables of ones.
func encodeJPEG(s jpegSpec) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	for _, a := range s.app {
		segment(&b, a[0], a[1:])
	}
	if s.adobe {
		transform := byte(0)
		if s.comps == 3 {
			transform = 1
		}
		segment(&b, 0xEE, []byte{'A', 'd', 'o', 'b', 'e', 0, 100, 0, 0, 0, 0, transform})
	}
	q := make([]byte, 65)
	for i := 1; i < 65; i++ {
		q[i] = 1
	}
	segment(&b, 0xDB, q)
	sof := []byte{8, byte(s.h >> 8), byte(s.h), byte(s.w >> 8), byte(s.w), byte(s.comps)}
	for c := 0; c < s.comps; c++ {
		sof = append(sof, byte(c+1), 0x11, 0)
	}
	segment(&b, 0xC0, sof)
	dht := append([]byte{0x00}, dcBits[:]...)
	dht = append(dht, dcVals...)
	dht = append(dht, 0x10)
	dht = append(dht, acBits[:]...)
	dht = append(dht, acVals...)
	segment(&b, 0xC4, dht)
	sos := []byte{byte(s.comps)}
	for c := 0; c < s.comps; c++ {
		sos = append(sos, byte(c+1), 0x00)
	}
	sos = append(sos, 0, 63, 0)
	segment(&b, 0xDA, sos)

	dc := canonical(dcBits, dcVals)
	eob := canonical(acBits, acVals)[0x00]
	var w bitWriter
	prev := [4]int{}
	for by := 0; by < (s.h+7)/8; by++ {
		for bx := 0; bx < (s.w+7)/8; bx++ {
			v := s.block(bx, by)
			for c := 0; c < s.comps; c++ {
				val := int(v[c])
				if s.comps == 4 {
					val = 255 - val // Adobe CMYK is stored inverted
				}
				coef := 8 * (val - 128)
				diff := coef - prev[c]
				prev[c] = coef
				cat, mag := magnitude(diff)
				h := dc[byte(cat)]
				w.write(h.bits, h.n)
				w.write(mag, cat)
				w.write(eob.bits, eob.n)
			}
		}
	}
	data := w.flush()
	if s.truncateAt > 0 {
		b.Write(data[:int(float64(len(data))*s.truncateAt)])
		return b.Bytes()
	}
	b.Write(data)
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}

// magnitude returns the category (bit length) of v and its T.81 F.1.2.1 bits.
func magnitude(v int) (uint, uint32) {
	a := v
	if a < 0 {
		a = -a
	}
	var n uint
	for a > 0 {
		n++
		a >>= 1
	}
	if v < 0 {
		v--
	}
	return n, uint32(v) & (1<<n - 1)
}

// jpegHeaderOnly is a JPEG whose frame header declares w×h but whose scan has a few bytes:
// a pixel flood that costs nothing to send.
func jpegHeaderOnly(w, h int, sofMarker byte) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	q := make([]byte, 65)
	for i := 1; i < 65; i++ {
		q[i] = 1
	}
	segment(&b, 0xDB, q)
	segment(&b, sofMarker, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0})
	dht := append([]byte{0x00}, dcBits[:]...)
	dht = append(dht, dcVals...)
	dht = append(dht, 0x10)
	dht = append(dht, acBits[:]...)
	dht = append(dht, acVals...)
	segment(&b, 0xC4, dht)
	segment(&b, 0xDA, []byte{1, 1, 0x00, 0, 63, 0})
	b.Write([]byte{0x00, 0x00, 0x00, 0x00, 0xFF, 0xD9})
	return b.Bytes()
}

// progressiveScans is a greyscale progressive JPEG of w×h (multiples of 8) with one DC scan
// and then n AC scans over the whole image, each coded as a handful of end-of-band runs. Every
// scan makes a decoder visit every block again, so decoding costs n × blocks while the file
// costs about 40 bytes per scan: the "absurd scans" CPU attack on progressive decoders.
func progressiveScans(w, h, n int) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xFF, 0xD8})
	q := make([]byte, 65)
	for i := 1; i < 65; i++ {
		q[i] = 1
	}
	segment(&b, 0xDB, q)
	segment(&b, 0xC2, []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 1, 1, 0x11, 0})
	// DC table 0: one symbol (category 0) with a 1-bit code. AC table 0: EOB14 (0xE0), 1 bit.
	var dcb, acb [16]byte
	dcb[0], acb[0] = 1, 1
	dht := append([]byte{0x00}, dcb[:]...)
	dht = append(dht, 0)
	dht = append(dht, 0x10)
	dht = append(dht, acb[:]...)
	dht = append(dht, 0xE0)
	segment(&b, 0xC4, dht)
	blocks := (w / 8) * (h / 8)

	segment(&b, 0xDA, []byte{1, 1, 0x00, 0, 0, 0})
	var dcw bitWriter
	for i := 0; i < blocks; i++ {
		dcw.write(0, 1)
	}
	b.Write(dcw.flush())
	for s := 0; s < n; s++ {
		segment(&b, 0xDA, []byte{1, 1, 0x00, 1, 63, 0})
		var aw bitWriter
		for left := blocks; left > 0; {
			run := left
			if run > 1<<15-1 {
				run = 1<<15 - 1
			}
			if run < 1<<14 {
				run = 1 << 14 // the last run may overshoot: decoders stop at the end of the scan
			}
			aw.write(0, 1)                  // EOB14
			aw.write(uint32(run-1<<14), 14) // the run's low bits
			left -= run
		}
		b.Write(aw.flush())
	}
	b.Write([]byte{0xFF, 0xD9})
	return b.Bytes()
}
