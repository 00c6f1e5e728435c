package main

import (
	"bytes"
	"fmt"
	"image"
	"image/png"
	"io"
	"net/http"
	"time"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// pngNames is how many names the RGBA PNG is stored under (rgba0.png …).
const pngNames = 8

// originals writes the run's originals into every stack's local source: large.jpg (4000×3000,
// the sample of origin/cmd/mksamples), the 2000×2000 RGBA PNG under pngNames names, and
// big.webp (large.jpg as WebP, rendered by the first node: Go has no WebP encoder). It returns
// a line describing them.
func originals(stacks []*stack.Stack) (string, error) {
	jpeg := synth.JPEG(synth.Photo(4000, 3000, 2), 85, 0)
	rgba, err := rgbaPNG(2000, 2000)
	if err != nil {
		return "", err
	}
	for _, s := range stacks {
		if err := s.WriteLocal("large.jpg", jpeg); err != nil {
			return "", err
		}
		for i := range pngNames {
			if err := s.WriteLocal(fmt.Sprintf("rgba%d.png", i), rgba); err != nil {
				return "", err
			}
		}
	}
	webp, err := fetch(stacks[0], imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Format: imgurl.WebP}},
		Source: "local", Key: "large.jpg"})
	if err != nil {
		return "", fmt.Errorf("big.webp: %w", err)
	}
	for _, s := range stacks {
		if err := s.WriteLocal("big.webp", webp); err != nil {
			return "", err
		}
	}
	return fmt.Sprintf("Originals: rgba0.png … rgba%d.png 2000×2000 RGBA %.1f MB (%d names), large.jpg 4000×3000 %.1f MB, big.webp 4000×3000 %.1f MB.",
		pngNames-1, float64(len(rgba))/1e6, pngNames, float64(len(jpeg))/1e6, float64(len(webp))/1e6), nil
}

// rgbaPNG is a w×h photo-like picture with every pixel at alpha 200, as PNG: a format libvips
// cannot shrink while decoding, so every render decodes all w×h×4 bytes.
func rgbaPNG(w, h int) ([]byte, error) {
	photo := synth.Photo(w, h, 3)
	m := image.NewNRGBA(photo.Rect)
	copy(m.Pix, photo.Pix)
	for i := 3; i < len(m.Pix); i += 4 {
		m.Pix[i] = 200
	}
	var b bytes.Buffer
	if err := png.Encode(&b, m); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// fetch renders p on the stack's first node.
func fetch(s *stack.Stack, p imgurl.Path) ([]byte, error) {
	escaped, err := stack.Path(p)
	if err != nil {
		return nil, err
	}
	tok, err := s.Token(escaped, time.Now().Add(time.Hour))
	if err != nil {
		return nil, err
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	resp, err := client.Get(s.Nodes[0].URL + escaped + "?" + tok)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%s: status %d: %s", escaped, resp.StatusCode, b)
	}
	return b, nil
}
