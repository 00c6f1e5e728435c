package imgprobe

import "bytes"

// truncated reports whether data ends before the structure its header starts is complete: a
// JPEG with no EOI after its first scan, a PNG with no IEND, a WebP
// shorter than its RIFF size. Decoders render what they got of such a file (grey or missing
// rows), which an origin must not serve as the image. It looks only at markers, never at pixel
// data; bytes after the end (appended trailers) are allowed. GIFs are judged by probeGIF's
// block walk: a GIF that ends inside a frame is truncated.
func truncated(f Format, data []byte) bool {
	switch f {
	case JPEG:
		sos := jpegFirstScan(data)
		// Inside entropy-coded data 0xFF is stuffed (FF 00) or a restart marker (FF D0-D7),
		// so FF D9 after the first scan can only be the end of image.
		return sos < 0 || !bytes.Contains(data[sos:], []byte{0xFF, 0xD9})
	case PNG:
		return !bytes.Contains(data[len(data)-min(len(data), 64<<10):], []byte("IEND"))
	case WebP:
		return len(data) < 12 || int64(le32(data[4:8]))+8 > int64(len(data))
	}
	return false
}

// jpegFirstScan returns the offset just after the first SOS segment header, or -1 when the
// marker segments before it do not fit in data.
func jpegFirstScan(data []byte) int {
	i := 2 // after SOI
	for i+4 <= len(data) {
		if data[i] != 0xFF {
			return -1
		}
		m := data[i+1]
		if m == 0xFF { // fill byte
			i++
			continue
		}
		if m == 0xD8 || (m >= 0xD0 && m <= 0xD7) || m == 0x01 {
			i += 2
			continue
		}
		n := be16(data[i+2:])
		if n < 2 {
			return -1
		}
		end := i + 2 + n
		if end > len(data) {
			return -1
		}
		if m == 0xDA {
			return end
		}
		i = end
	}
	return -1
}
