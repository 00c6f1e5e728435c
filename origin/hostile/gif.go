package hostile

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/gif"
)

var twoColours = color.Palette{color.RGBA{0, 0, 0, 255}, color.RGBA{255, 40, 40, 255}}

// animatedGIF is an animation of n frames of fw×fh on a screen of sw×sh; frame i is solid
// colour i%2. The bytes are gif.EncodeAll's, but the encoder is run on at most four frames:
// it starts a new LZW table (64 KB) for every frame, which made the 10,000-frame input cost
// 1.7 s to build, and every fuzz worker builds the inputs before its first run. A frame's
// bytes do not depend on its place after the first, so frames 3 and 4 repeat as the pair.
func animatedGIF(sw, sh, fw, fh, n int) []byte {
	if n <= 4 {
		return encodeFrames(sw, sh, fw, fh, n)
	}
	e2, e3, e4 := encodeFrames(sw, sh, fw, fh, 2), encodeFrames(sw, sh, fw, fh, 3), encodeFrames(sw, sh, fw, fh, 4)
	end := len(e2) - 1 // the trailer
	even, pair := e3[end:len(e3)-1], e4[end:len(e4)-1]
	b := append([]byte{}, e2[:end]...)
	for i := 2; i+2 <= n; i += 2 {
		b = append(b, pair...)
	}
	if n%2 == 1 {
		b = append(b, even...)
	}
	return append(b, e2[end:]...)
}

// encodeFrames is animatedGIF written by gif.EncodeAll.
func encodeFrames(sw, sh, fw, fh, n int) []byte {
	g := &gif.GIF{Config: image.Config{ColorModel: twoColours, Width: sw, Height: sh}}
	frames := [2]*image.Paletted{}
	for c := range frames {
		p := image.NewPaletted(image.Rect(0, 0, fw, fh), twoColours)
		for i := range p.Pix {
			p.Pix[i] = uint8(c)
		}
		frames[c] = p
	}
	for i := 0; i < n; i++ {
		g.Image = append(g.Image, frames[i%2])
		g.Delay = append(g.Delay, 2)
		g.Disposal = append(g.Disposal, gif.DisposalNone)
	}
	var b bytes.Buffer
	_ = gif.EncodeAll(&b, g)
	return b.Bytes()
}

// gifRaw is a GIF89a with a logical screen of sw×sh, a 2-colour global table and one image
// descriptor of iw×ih whose LZW data is a clear code and an end code: the screen or the frame
// declares a size its data never fills.
func gifRaw(sw, sh, iw, ih int) []byte {
	var b bytes.Buffer
	b.WriteString("GIF89a")
	_ = binary.Write(&b, binary.LittleEndian, [2]uint16{uint16(sw), uint16(sh)})
	b.Write([]byte{0x80, 0, 0})             // global colour table of 2 entries
	b.Write([]byte{0, 0, 0, 255, 255, 255}) // black, white
	b.WriteByte(0x2C)
	_ = binary.Write(&b, binary.LittleEndian, [4]uint16{0, 0, uint16(iw), uint16(ih)})
	b.WriteByte(0)
	b.Write([]byte{2, 2, 0x44, 0x01, 0}) // min code size 2; clear (4), end (5)
	b.WriteByte(0x3B)
	return b.Bytes()
}

// gifComment inserts a comment extension holding text before the trailer of an encoded GIF
// and appends tail after the trailer.
func gifComment(g []byte, text, tail string) []byte {
	var b bytes.Buffer
	b.Write(g[:len(g)-1])
	b.Write([]byte{0x21, 0xFE})
	for t := []byte(text); len(t) > 0; {
		n := min(len(t), 255)
		b.WriteByte(byte(n))
		b.Write(t[:n])
		t = t[n:]
	}
	b.WriteByte(0)
	b.WriteByte(0x3B)
	b.WriteString(tail)
	return b.Bytes()
}

// smallGIF is a 64×48 two-colour still GIF (left half black, right half red).
func smallGIF() []byte {
	p := image.NewPaletted(image.Rect(0, 0, 64, 48), twoColours)
	for y := 0; y < 48; y++ {
		for x := 32; x < 64; x++ {
			p.SetColorIndex(x, y, 1)
		}
	}
	var b bytes.Buffer
	_ = gif.Encode(&b, p, nil)
	return b.Bytes()
}
