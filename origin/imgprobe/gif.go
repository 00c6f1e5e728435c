package imgprobe

// probeGIF reads the logical screen and counts image descriptors, skipping LZW data by its
// sub-block lengths. The size is the union of the screen and every frame rectangle.
func probeGIF(d []byte) (Info, error) {
	in := Info{Format: GIF, Orientation: 1}
	if len(d) < 13 {
		return Info{}, corrupt(GIF, "truncated screen descriptor")
	}
	in.Width, in.Height = le16(d[6:]), le16(d[8:])
	i := 13
	if d[10]&0x80 != 0 {
		i += 3 << (int(d[10]&7) + 1)
	}
	frames := 0
	for {
		if i >= len(d) {
			return truncatedGIF(in, frames)
		}
		switch d[i] {
		case 0x3B: // trailer
			if frames == 0 {
				return Info{}, corrupt(GIF, "no frames")
			}
			in.Frames = frames
			return in, nil
		case 0x21: // extension: label, then sub-blocks
			if i+2 > len(d) {
				return truncatedGIF(in, frames)
			}
			label := d[i+1]
			i += 2
			if label == 0xF9 && i+2 <= len(d) && d[i] >= 1 && d[i+1]&1 != 0 {
				in.HasAlpha = true // graphic control extension with a transparent colour
			}
			var ok bool
			if i, ok = skipSubBlocks(d, i); !ok {
				return truncatedGIF(in, frames)
			}
		case 0x2C: // image descriptor
			if i+10 > len(d) {
				return truncatedGIF(in, frames)
			}
			// libnsgif grows the canvas to cover every frame rectangle, so the decoded size
			// is the union of the screen and the frames: report that, so limits apply to it.
			in.Width = max(in.Width, le16(d[i+1:])+le16(d[i+5:]))
			in.Height = max(in.Height, le16(d[i+3:])+le16(d[i+7:]))
			packed := d[i+9]
			i += 10
			if packed&0x80 != 0 {
				i += 3 << (int(packed&7) + 1)
			}
			i++ // LZW minimum code size
			var ok bool
			if i, ok = skipSubBlocks(d, i); !ok {
				return truncatedGIF(in, frames)
			}
			frames++
		default:
			if frames > 0 { // garbage after complete frames: decoders stop here too
				in.Frames = frames
				return in, nil
			}
			return Info{}, corrupt(GIF, "unknown block")
		}
	}
}

// skipSubBlocks skips data sub-blocks starting at i up to and including the terminator.
func skipSubBlocks(d []byte, i int) (int, bool) {
	for i < len(d) {
		n := int(d[i])
		i++
		if n == 0 {
			return i, true
		}
		i += n
	}
	return i, false
}

func truncatedGIF(in Info, frames int) (Info, error) {
	if frames == 0 {
		return Info{}, corrupt(GIF, "truncated before the first frame ended")
	}
	in.Frames = frames
	in.Truncated = true
	return in, nil
}
