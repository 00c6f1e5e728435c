// Package synth generates test and sample images procedurally (stdlib only): photo-like
// pictures whose orientation is obvious, four-colour quadrant charts, JPEGs carrying an EXIF
// orientation, animations, and the seeded gradients the cluster tests and the reliability run
// use as distinct originals. Output is deterministic for a given seed. It imports no testing
// code, so the commands that make images (mksamples, offload, reliability) and the tests share
// it.
package synth

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/color/palette"
	"image/draw"
	"image/gif"
	"image/jpeg"
	"image/png"
	"math"
	"math/rand/v2"
)

// Quadrant colours of Quadrants: top-left, top-right, bottom-left, bottom-right.
var (
	QuadTL = color.RGBA{220, 30, 30, 255}  // red
	QuadTR = color.RGBA{30, 200, 40, 255}  // green
	QuadBL = color.RGBA{30, 60, 220, 255}  // blue
	QuadBR = color.RGBA{240, 220, 30, 255} // yellow
)

// Quadrants returns a w×h image split into four flat colours (QuadTL, QuadTR, QuadBL, QuadBR).
func Quadrants(w, h int) *image.RGBA {
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := QuadTL
			switch {
			case x >= w/2 && y < h/2:
				c = QuadTR
			case x < w/2 && y >= h/2:
				c = QuadBL
			case x >= w/2 && y >= h/2:
				c = QuadBR
			}
			m.SetRGBA(x, y, c)
		}
	}
	return m
}

// Photo returns a w×h photo-like picture: smooth gradients, soft shapes, fine noise and a
// white arrow with the word "UP" pointing to the top, so a wrong orientation is obvious.
func Photo(w, h int, seed uint64) *image.RGBA {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	// Sky-to-ground gradient.
	for y := 0; y < h; y++ {
		t := float64(y) / float64(max(h-1, 1))
		for x := 0; x < w; x++ {
			u := float64(x) / float64(max(w-1, 1))
			m.Pix[m.PixOffset(x, y)+0] = uint8(40 + 150*t + 40*u)
			m.Pix[m.PixOffset(x, y)+1] = uint8(90 + 100*(1-t))
			m.Pix[m.PixOffset(x, y)+2] = uint8(200*(1-t) + 30*u)
			m.Pix[m.PixOffset(x, y)+3] = 255
		}
	}
	// Soft discs.
	s := float64(min(w, h))
	for k := 0; k < 12; k++ {
		cx, cy := r.Float64()*float64(w), r.Float64()*float64(h)
		rad := s * (0.04 + 0.12*r.Float64())
		c := [3]float64{r.Float64() * 255, r.Float64() * 255, r.Float64() * 255}
		x0, x1 := max(int(cx-rad), 0), min(int(cx+rad)+1, w)
		y0, y1 := max(int(cy-rad), 0), min(int(cy+rad)+1, h)
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				d := math.Hypot(float64(x)-cx, float64(y)-cy) / rad
				if d >= 1 {
					continue
				}
				a := 0.7 * (1 - d*d)
				o := m.PixOffset(x, y)
				for i := 0; i < 3; i++ {
					m.Pix[o+i] = uint8(float64(m.Pix[o+i])*(1-a) + c[i]*a)
				}
			}
		}
	}
	// Fine noise.
	for i := 0; i < len(m.Pix); i += 4 {
		n := int(r.IntN(25)) - 12
		for j := 0; j < 3; j++ {
			m.Pix[i+j] = clamp8(int(m.Pix[i+j]) + n)
		}
	}
	drawArrowUp(m)
	return m
}

func clamp8(v int) uint8 {
	if v < 0 {
		return 0
	}
	if v > 255 {
		return 255
	}
	return uint8(v)
}

// drawArrowUp draws a white upward arrow in the middle third and "UP" under it.
func drawArrowUp(m *image.RGBA) {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	white := image.NewUniform(color.RGBA{255, 255, 255, 255})
	cx := w / 2
	top, mid := h/8, h*3/8
	half := w / 8
	for y := top; y < mid; y++ { // head: a triangle
		d := (y - top) * half / max(mid-top, 1)
		draw.Draw(m, image.Rect(cx-d, y, cx+d+1, y+1), white, image.Point{}, draw.Src)
	}
	sw := max(w/24, 1)
	draw.Draw(m, image.Rect(cx-sw, mid, cx+sw, h*5/8), white, image.Point{}, draw.Src) // shaft
	// "UP" in a 5×7 block font under the shaft.
	glyphs := [2][7]string{
		{"#...#", "#...#", "#...#", "#...#", "#...#", "#...#", ".###."},
		{"####.", "#...#", "#...#", "####.", "#....", "#....", "#...."},
	}
	cell := max(min(w/40, h/40), 1)
	x0, y0 := cx-6*cell, h*11/16
	for g, rows := range glyphs {
		for ry, row := range rows {
			for rx, ch := range row {
				if ch == '#' {
					x := x0 + (g*6+rx)*cell
					y := y0 + ry*cell
					draw.Draw(m, image.Rect(x, y, x+cell, y+cell), white, image.Point{}, draw.Src)
				}
			}
		}
	}
}

// Stored returns the pixels a camera would store so that a viewer applying EXIF orientation o
// (1..8) displays upright. For 5..8 the stored image is transposed (Height×Width).
func Stored(upright image.Image, o int) *image.RGBA {
	b := upright.Bounds()
	W, H := b.Dx(), b.Dy()
	sw, sh := W, H
	if o >= 5 {
		sw, sh = H, W
	}
	s := image.NewRGBA(image.Rect(0, 0, sw, sh))
	for sy := 0; sy < sh; sy++ {
		for sx := 0; sx < sw; sx++ {
			var x, y int
			switch o {
			case 2:
				x, y = W-1-sx, sy
			case 3:
				x, y = W-1-sx, H-1-sy
			case 4:
				x, y = sx, H-1-sy
			case 5:
				x, y = sy, sx
			case 6:
				x, y = W-1-sy, sx
			case 7:
				x, y = W-1-sy, H-1-sx
			case 8:
				x, y = sy, H-1-sx
			default:
				x, y = sx, sy
			}
			s.Set(sx, sy, upright.At(b.Min.X+x, b.Min.Y+y))
		}
	}
	return s
}

// ExifAPP1 returns a JPEG APP1 segment (marker included) holding a little-endian EXIF IFD0 with
// only the orientation tag.
func ExifAPP1(orientation int) []byte {
	var t bytes.Buffer
	t.WriteString("II")
	_ = binary.Write(&t, binary.LittleEndian, uint16(42))
	_ = binary.Write(&t, binary.LittleEndian, uint32(8)) // IFD0 offset
	_ = binary.Write(&t, binary.LittleEndian, uint16(1)) // one entry
	_ = binary.Write(&t, binary.LittleEndian, [4]uint16{0x0112, 3, 1, 0})
	_ = binary.Write(&t, binary.LittleEndian, [2]uint16{uint16(orientation), 0})
	_ = binary.Write(&t, binary.LittleEndian, uint32(0)) // no next IFD
	body := append([]byte("Exif\x00\x00"), t.Bytes()...)
	seg := []byte{0xFF, 0xE1, byte((len(body) + 2) >> 8), byte(len(body) + 2)}
	return append(seg, body...)
}

// JPEG encodes m at quality q; orientation > 0 inserts an EXIF APP1 segment right after SOI.
func JPEG(m image.Image, q, orientation int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, m, &jpeg.Options{Quality: q}); err != nil {
		panic(err) // only fails on writer errors; bytes.Buffer has none
	}
	out := b.Bytes()
	if orientation <= 0 {
		return out
	}
	return append(append(append([]byte{}, out[:2]...), ExifAPP1(orientation)...), out[2:]...)
}

// PNG encodes m losslessly.
func PNG(m image.Image) []byte {
	var b bytes.Buffer
	if err := (&png.Encoder{CompressionLevel: png.BestSpeed}).Encode(&b, m); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Translucent returns a w×h RGBA picture with a transparent background, an opaque red disc and a
// half-transparent blue band: for checking alpha handling and flattening.
func Translucent(w, h int) *image.NRGBA {
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	cx, cy, rad := float64(w)/2, float64(h)/2, float64(min(w, h))/3
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			switch {
			case math.Hypot(float64(x)-cx, float64(y)-cy) < rad:
				m.SetNRGBA(x, y, color.NRGBA{220, 20, 20, 255})
			case y > h*3/4:
				m.SetNRGBA(x, y, color.NRGBA{20, 40, 230, 128})
			}
		}
	}
	return m
}

// AnimatedGIF returns an animated GIF of n frames, w×h, with a disc moving left to right over a
// gradient; every frame is full size.
func AnimatedGIF(w, h, n int) []byte {
	g := &gif.GIF{LoopCount: 0}
	for i := 0; i < n; i++ {
		p := image.NewPaletted(image.Rect(0, 0, w, h), palette.Plan9)
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				p.Set(x, y, color.RGBA{uint8(x * 255 / max(w-1, 1)), uint8(y * 255 / max(h-1, 1)), 128, 255})
			}
		}
		cx := float64(w) * (float64(i) + 0.5) / float64(n)
		cy, rad := float64(h)/2, float64(min(w, h))/4
		for y := 0; y < h; y++ {
			for x := 0; x < w; x++ {
				if math.Hypot(float64(x)-cx, float64(y)-cy) < rad {
					p.Set(x, y, color.RGBA{255, 255, 255, 255})
				}
			}
		}
		g.Image = append(g.Image, p)
		g.Delay = append(g.Delay, 8)
	}
	var b bytes.Buffer
	if err := gif.EncodeAll(&b, g); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// Gradient returns a w×h opaque picture whose colours depend on seed, so that every seed is a
// distinct original: red and green offsets from the seed, plus a gradient across and down.
func Gradient(w, h, seed int) *image.RGBA {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r, g := uint8(seed*37), uint8(seed*91)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.SetRGBA(x, y, color.RGBA{R: r + uint8(x), G: g + uint8(y), B: uint8((x * y) >> 4), A: 255})
		}
	}
	return img
}
