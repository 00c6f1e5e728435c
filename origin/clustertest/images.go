package clustertest

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
)

// JPEG returns a w×h JPEG whose colours depend on seed, so every seed is a distinct original.
func JPEG(w, h, seed int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, picture(w, h, seed), &jpeg.Options{Quality: 85}); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return b.Bytes()
}

// PNG returns a w×h PNG whose colours depend on seed.
func PNG(w, h, seed int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, picture(w, h, seed)); err != nil {
		panic(err)
	}
	return b.Bytes()
}

func picture(w, h, seed int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	r, g := uint8(seed*37), uint8(seed*91)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: r + uint8(x), G: g + uint8(y), B: uint8((x * y) >> 4), A: 255})
		}
	}
	return img
}
