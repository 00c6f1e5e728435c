package imgprobe

// maxChunks bounds the chunks walked in a RIFF or ISO-BMFF container.
const maxChunks = 1 << 16

// probeWebP reads the first chunk of a RIFF WEBP container, then walks the chunks of an
// extended (VP8X) file for ALPH and ANMF.
func probeWebP(d []byte) (Info, error) {
	in := Info{Format: WebP, Orientation: 1, Frames: 1}
	// Trust the RIFF size only as far as the data goes.
	end := len(d)
	if rs := uint64(le32(d[4:])) + 8; rs < uint64(end) {
		end = int(rs)
	}
	d = d[:end]
	if len(d) < 20 {
		return Info{}, corrupt(WebP, "truncated first chunk")
	}
	fourcc, n := string(d[12:16]), uint64(le32(d[16:]))
	body := d[20:]
	if uint64(len(body)) > n {
		body = body[:n]
	}
	switch fourcc {
	case "VP8 ":
		// frame tag (3), start code 9d 01 2a, 14-bit width and height (+2-bit scale each)
		if len(body) < 10 || body[3] != 0x9d || body[4] != 0x01 || body[5] != 0x2a {
			return Info{}, corrupt(WebP, "bad VP8 frame header")
		}
		in.Width, in.Height = le16(body[6:])&0x3FFF, le16(body[8:])&0x3FFF
		return in, nil
	case "VP8L":
		if len(body) < 5 || body[0] != 0x2f {
			return Info{}, corrupt(WebP, "bad VP8L header")
		}
		bits := le32(body[1:])
		in.Width = int(bits&0x3FFF) + 1
		in.Height = int(bits>>14&0x3FFF) + 1
		in.HasAlpha = bits>>28&1 != 0
		return in, nil
	case "VP8X":
		if len(body) < 10 {
			return Info{}, corrupt(WebP, "short VP8X chunk")
		}
		flags := body[0]
		in.HasAlpha = flags&0x10 != 0
		in.Width, in.Height = le24(body[4:])+1, le24(body[7:])+1
		if flags&0x02 == 0 {
			return in, nil
		}
		frames := 0
		i := uint64(12)
		for k := 0; k < maxChunks && i+8 <= uint64(len(d)); k++ {
			cc, cn := string(d[i:i+4]), uint64(le32(d[i+4:]))
			if cc == "ANMF" {
				frames++
			}
			i += 8 + cn + cn&1 // chunks are padded to even sizes
		}
		if frames == 0 {
			return Info{}, corrupt(WebP, "animation without frames")
		}
		in.Frames = frames
		return in, nil
	}
	return Info{}, corrupt(WebP, "unknown first chunk "+fourcc)
}
