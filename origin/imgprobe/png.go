package imgprobe

var pngSignature = []byte("\x89PNG\r\n\x1a\n")

// probePNG reads IHDR and walks chunks until the first IDAT for tRNS and acTL.
func probePNG(d []byte) (Info, error) {
	in := Info{Format: PNG, Orientation: 1, Frames: 1}
	i := len(pngSignature)
	// IHDR must come first: length 13.
	if i+8+13 > len(d) || be32(d[i:]) != 13 || string(d[i+4:i+8]) != "IHDR" {
		return Info{}, corrupt(PNG, "missing IHDR")
	}
	h := d[i+8 : i+8+13]
	w, ht := be32(h[0:]), be32(h[4:])
	if w == 0 || ht == 0 || w > maxDim || ht > maxDim {
		return Info{}, corrupt(PNG, "bad IHDR dimensions")
	}
	in.Width, in.Height = int(w), int(ht)
	colourType := h[9]
	switch colourType {
	case 0, 2, 3: // grey, RGB, palette: alpha only via tRNS
	case 4, 6: // grey+alpha, RGBA
		in.HasAlpha = true
	default:
		return Info{}, corrupt(PNG, "bad colour type")
	}
	i += 8 + 13 + 4
	for i+8 <= len(d) {
		n := be32(d[i:])
		typ := string(d[i+4 : i+8])
		if n > 1<<31-1 {
			return Info{}, corrupt(PNG, "chunk length out of range")
		}
		end := uint64(i) + 8 + uint64(n) + 4
		body := d[i+8:]
		if uint64(len(body)) > uint64(n) {
			body = body[:n]
		}
		switch typ {
		case "IDAT":
			return in, nil
		case "tRNS":
			in.HasAlpha = true
		case "acTL":
			if len(body) >= 4 {
				if f := be32(body); f >= 1 && f <= 1<<31-1 {
					in.Frames = int(f)
				}
			}
		case "IEND":
			return Info{}, corrupt(PNG, "no image data")
		}
		if end > uint64(len(d)) {
			return Info{}, corrupt(PNG, "truncated before image data")
		}
		i = int(end)
	}
	return Info{}, corrupt(PNG, "truncated before image data")
}
