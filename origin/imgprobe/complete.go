package imgprobe

import "bytes"

// truncated reports whether data ends before the structure its header starts is complete: a
// PNG with no IEND, a WebP shorter than its RIFF size (JPEGs: jpegScans, which also finds
// their EOI). Decoders render what they got of such a file (grey or missing
// rows), which an origin must not serve as the image. It looks only at markers, never at pixel
// data; bytes after the end (appended trailers) are allowed. GIFs are judged by probeGIF's
// block walk: a GIF that ends inside a frame is truncated.
func truncated(f Format, data []byte) bool {
	switch f {
	case PNG:
		return !bytes.Contains(data[len(data)-min(len(data), 64<<10):], []byte("IEND"))
	case WebP:
		return len(data) < 12 || int64(le32(data[4:8]))+8 > int64(len(data))
	}
	return false
}

// Truncation says, in the terms of format f, how a file Probe marked Truncated ends too
// soon; messages about truncated originals and uploads use it. Only a JPEG has a "last
// marker" (EOI).
func Truncation(f Format) string {
	switch f {
	case JPEG:
		return "ends before its last marker (EOI)"
	case PNG:
		return "ends before its IEND chunk"
	case WebP:
		return "is shorter than its RIFF header says"
	case GIF:
		return "ends inside a frame, before its trailer"
	}
	return "ends before its structure does"
}

// jpegScans walks a JPEG from its first scan to its EOI and counts the scans (SOS segments): a
// baseline JPEG has one, a progressive one usually 6 to 12. Each scan makes the decoder revisit
// every coefficient block, so the count bounds the decoding cost as much as the pixels do.
// complete is false when data ends before EOI. The walk reads markers only: inside
// entropy-coded data 0xFF is stuffed (FF 00) or a restart marker (FF D0-D7), so any other
// FF xx is a marker.
func jpegScans(data []byte) (scans int, complete bool) {
	i := jpegFirstScan(data)
	if i < 0 {
		return 0, false
	}
	scans = 1
	for {
		j := bytes.IndexByte(data[i:], 0xFF)
		if j < 0 {
			return scans, false
		}
		i += j + 1
		for i < len(data) && data[i] == 0xFF { // fill bytes before a marker
			i++
		}
		if i >= len(data) {
			return scans, false
		}
		m := data[i]
		i++
		switch {
		case m == 0x00 || (m >= 0xD0 && m <= 0xD7) || m == 0x01:
			continue // stuffed byte, restart marker, TEM
		case m == 0xD9:
			return scans, true
		}
		// A segment between scans (SOS, DHT, DQT, DRI, DNL, APPn, COM): skip its header.
		if i+2 > len(data) {
			return scans, false
		}
		n := be16(data[i:])
		if n < 2 || i+n > len(data) {
			return scans, false
		}
		if m == 0xDA {
			scans++
		}
		i += n
	}
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
