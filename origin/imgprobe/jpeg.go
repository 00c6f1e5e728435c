package imgprobe

// probeJPEG walks the marker segments up to the first start-of-frame.
func probeJPEG(d []byte) (Info, error) {
	in := Info{Format: JPEG, Orientation: 1, Frames: 1}
	i := 2
	for {
		// Markers are 0xFF followed by a code; any number of 0xFF fill bytes may precede it.
		if i >= len(d) {
			return Info{}, corrupt(JPEG, "no frame header")
		}
		if d[i] != 0xFF {
			return Info{}, corrupt(JPEG, "expected a marker")
		}
		for i < len(d) && d[i] == 0xFF {
			i++
		}
		if i >= len(d) {
			return Info{}, corrupt(JPEG, "truncated marker")
		}
		m := d[i]
		i++
		switch {
		case m == 0x01 || (m >= 0xD0 && m <= 0xD7): // TEM, RSTn: no length
			continue
		case m == 0xD8 || m == 0xD9 || m == 0xDA: // SOI again, EOI or SOS before any SOF
			return Info{}, corrupt(JPEG, "no frame header before image data")
		}
		if i+2 > len(d) {
			return Info{}, corrupt(JPEG, "truncated segment length")
		}
		n := be16(d[i:])
		if n < 2 || i+n > len(d) {
			return Info{}, corrupt(JPEG, "segment runs past the end")
		}
		seg := d[i+2 : i+n]
		i += n
		switch {
		case isSOF(m):
			// P(1) Y(2) X(2) Nf(1)
			if len(seg) < 6 {
				return Info{}, corrupt(JPEG, "short frame header")
			}
			in.Height, in.Width = be16(seg[1:]), be16(seg[3:])
			return in, nil
		case m == 0xE1 && len(seg) >= 6 && string(seg[:6]) == "Exif\x00\x00":
			if o := exifOrientation(seg[6:]); o != 0 && in.Orientation == 1 {
				in.Orientation = o
			}
		}
	}
}

func isSOF(m byte) bool {
	// C0..CF except DHT (C4), JPG (C8) and DAC (CC).
	return m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC
}

// exifOrientation reads tag 0x0112 from IFD0 of a TIFF structure; 0 if absent or invalid.
func exifOrientation(t []byte) int {
	if len(t) < 8 {
		return 0
	}
	var u16 func([]byte) int
	var u32 func([]byte) uint32
	switch string(t[:2]) {
	case "II":
		u16, u32 = le16, le32
	case "MM":
		u16, u32 = be16, be32
	default:
		return 0
	}
	if u16(t[2:]) != 42 {
		return 0
	}
	off := u32(t[4:])
	if off < 8 || uint64(off)+2 > uint64(len(t)) {
		return 0
	}
	p := int(off)
	n := u16(t[p:])
	p += 2
	for k := 0; k < n && p+12 <= len(t); k, p = k+1, p+12 {
		if u16(t[p:]) != 0x0112 {
			continue
		}
		typ, count := u16(t[p+2:]), u32(t[p+4:])
		if typ != 3 || count != 1 { // SHORT, one value, stored inline
			return 0
		}
		if o := u16(t[p+8:]); o >= 1 && o <= 8 {
			return o
		}
		return 0
	}
	return 0
}
