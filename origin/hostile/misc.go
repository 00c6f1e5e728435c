package hostile

import (
	"bytes"
	"encoding/binary"
)

// svgExternal is an SVG document with an external entity (a local file) and an image whose href
// is a remote URL: a renderer that followed either would read a file or make a request.
func svgExternal(href string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE svg [ <!ENTITY xxe SYSTEM "file:///etc/passwd"> ]>
<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="200" height="200">
  <text x="10" y="20">&xxe;</text>
  <image href="` + href + `" xlink:href="` + href + `" width="200" height="200"/>
  <script>alert(document.domain)</script>
</svg>
`)
}

// isoBox returns an ISO BMFF box.
func isoBox(typ string, payload ...[]byte) []byte {
	n := 8
	for _, p := range payload {
		n += len(p)
	}
	b := make([]byte, 0, n)
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	b = append(b, typ...)
	for _, p := range payload {
		b = append(b, p...)
	}
	return b
}

// avifFlood is an AVIF whose item properties declare a w×h image (ispe) and which carries no
// image data at all.
func avifFlood(w, h uint32) []byte {
	ftyp := isoBox("ftyp", []byte("avif"), []byte{0, 0, 0, 0}, []byte("avifmif1miaf"))
	ispe := isoBox("ispe", []byte{0, 0, 0, 0}, binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint32(nil, w), h))
	ipco := isoBox("ipco", ispe)
	iprp := isoBox("iprp", ipco)
	hdlr := isoBox("hdlr", []byte{0, 0, 0, 0, 0, 0, 0, 0}, []byte("pict"), make([]byte, 13))
	pitm := isoBox("pitm", []byte{0, 0, 0, 0, 0, 1})
	meta := isoBox("meta", []byte{0, 0, 0, 0}, hdlr, pitm, iprp)
	return append(ftyp, meta...)
}

// htmlPayload is what a polyglot carries: if any byte of it comes back, the origin served the
// attacker's bytes instead of a re-encoded image.
const htmlPayload = `<html><body><script>alert("imgorigin-polyglot")</script></body></html>`

// PolyglotMarker is a substring of every polyglot's payload; it must never appear in an answer.
const PolyglotMarker = `imgorigin-polyglot`

// jpegPolyglot is a valid JPEG with the HTML payload in a comment segment, in an APP segment
// and after the end-of-image marker.
func jpegPolyglot() []byte {
	img := encodeJPEG(jpegSpec{w: 64, h: 48, comps: 3, block: quadrants,
		app: [][]byte{append([]byte{0xFE}, htmlPayload...), append([]byte{0xE9}, htmlPayload...)}})
	return append(img, htmlPayload...)
}

// quadrants colours blocks of a YCbCr JPEG: a bright top half and a dark bottom half, with
// neutral chroma.
func quadrants(bx, by int) [4]uint8 {
	if by < 3 {
		return [4]uint8{220, 128, 128}
	}
	return [4]uint8{40, 128, 128}
}

// cmykBands colours the blocks of a CMYK JPEG: left half pure cyan ink, right half pure
// magenta+yellow ink (red), nothing else.
func cmykBands(bx, by int) [4]uint8 {
	if bx < 4 {
		return [4]uint8{255, 0, 0, 0}
	}
	return [4]uint8{0, 255, 255, 0}
}

// smoothPhoto is a 3-component image with varying blocks, to truncate.
func smoothPhoto(bx, by int) [4]uint8 {
	return [4]uint8{uint8(bx*3 + by*2), uint8(128 + (bx%16 - 8)), uint8(128 + (by%16 - 8))}
}

func concat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
