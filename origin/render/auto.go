package render

import (
	"bytes"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// autoFormat is the format an f_auto variant of the original in is encoded in for bucket b:
// the bucket's format; for the fallback JPEG, or PNG when the original has alpha. Animation
// survives only in GIF and WebP here, so an animated original in the avif or fallback bucket
// becomes a GIF (every browser decodes it; the avif bucket does not promise WebP).
func autoFormat(b autoformat.Bucket, in imgprobe.Info) imgurl.Format {
	animated := in.Frames > 1
	switch {
	case b == autoformat.WebP:
		return imgurl.WebP
	case b == autoformat.AVIF && !animated:
		return imgurl.AVIF
	case animated:
		return imgurl.GIF
	case in.HasAlpha:
		return imgurl.PNG
	}
	return imgurl.JPEG
}

// sniff returns the format of encoded image bytes from their signature ("" when unknown): the
// Content-Type of an f_auto answer is what was rendered, read from the cached bytes.
func sniff(b []byte) imgurl.Format {
	switch {
	case len(b) >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF:
		return imgurl.JPEG
	case bytes.HasPrefix(b, []byte("\x89PNG\r\n\x1a\n")):
		return imgurl.PNG
	case len(b) >= 12 && string(b[:4]) == "RIFF" && string(b[8:12]) == "WEBP":
		return imgurl.WebP
	case bytes.HasPrefix(b, []byte("GIF87a")), bytes.HasPrefix(b, []byte("GIF89a")):
		return imgurl.GIF
	case len(b) >= 12 && string(b[4:8]) == "ftyp" && (string(b[8:12]) == "avif" || string(b[8:12]) == "avis"):
		return imgurl.AVIF
	}
	return ""
}
