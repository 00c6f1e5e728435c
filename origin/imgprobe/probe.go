package imgprobe

import (
	"bytes"
	"errors"
	"fmt"
)

// Format is an input format. The spellings of the formats the origin can also write are the
// same as imgurl.Format's.
type Format string

// The formats Probe recognises.
const (
	JPEG Format = "jpeg"
	PNG  Format = "png"
	GIF  Format = "gif"
	WebP Format = "webp"
	AVIF Format = "avif"
	HEIF Format = "heif"
)

// Error kinds; Probe wraps one of them with %w.
var (
	ErrUnknownFormat = errors.New("imgprobe: unknown image format")
	ErrCorrupt       = errors.New("imgprobe: corrupt image header")
)

// Info is what the header of an image says about it.
type Info struct {
	Format      Format
	Width       int  // as stored, before any EXIF orientation is applied
	Height      int  // as stored
	Frames      int  // 1 for still images
	Orientation int  // EXIF orientation 1..8 (1 when absent or invalid)
	HasAlpha    bool // the image declares an alpha channel or transparency
	// Truncated is true when the file ends before its structure does (see truncated in complete.go).
	Truncated bool
	// Scans is the number of scans of a JPEG (1 for baseline, usually 6..12 for progressive),
	// counted from its markers; 0 for other formats. Decoding cost grows with it.
	Scans int
}

// Pixels is Width×Height of one frame.
func (i Info) Pixels() int64 { return int64(i.Width) * int64(i.Height) }

// Upright returns the dimensions after the orientation is applied: swapped for 5..8.
func (i Info) Upright() (w, h int) {
	if i.Orientation >= 5 && i.Orientation <= 8 {
		return i.Height, i.Width
	}
	return i.Width, i.Height
}

// maxDim bounds every declared dimension: larger values are treated as corrupt (no decoder we
// use accepts them, and it keeps products of dimensions far from overflow).
const maxDim = 1 << 24

// Probe reads the header of data. It never decodes pixel data.
func Probe(data []byte) (Info, error) {
	var (
		in  Info
		err error
	)
	switch {
	case bytes.HasPrefix(data, []byte{0xFF, 0xD8, 0xFF}):
		in, err = probeJPEG(data)
	case bytes.HasPrefix(data, pngSignature):
		in, err = probePNG(data)
	case bytes.HasPrefix(data, []byte("GIF87a")), bytes.HasPrefix(data, []byte("GIF89a")):
		in, err = probeGIF(data)
	case len(data) >= 12 && string(data[0:4]) == "RIFF" && string(data[8:12]) == "WEBP":
		in, err = probeWebP(data)
	case len(data) >= 12 && string(data[4:8]) == "ftyp":
		in, err = probeISOBMFF(data)
	default:
		return Info{}, ErrUnknownFormat
	}
	if err != nil {
		return Info{}, err
	}
	if in.Width <= 0 || in.Height <= 0 || in.Width > maxDim || in.Height > maxDim {
		return Info{}, fmt.Errorf("%w: %s declares %dx%d", ErrCorrupt, in.Format, in.Width, in.Height)
	}
	if in.Frames < 1 {
		in.Frames = 1
	}
	if in.Orientation < 1 || in.Orientation > 8 {
		in.Orientation = 1
	}
	if in.Format == JPEG {
		scans, complete := jpegScans(data)
		in.Scans = scans
		in.Truncated = !complete
	} else {
		in.Truncated = in.Truncated || truncated(in.Format, data)
	}
	return in, nil
}

func corrupt(f Format, what string) error {
	return fmt.Errorf("%w: %s: %s", ErrCorrupt, f, what)
}

func be16(b []byte) int { return int(b[0])<<8 | int(b[1]) }
func be32(b []byte) uint32 {
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}
func le16(b []byte) int { return int(b[0]) | int(b[1])<<8 }
func le24(b []byte) int { return int(b[0]) | int(b[1])<<8 | int(b[2])<<16 }
func le32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}
