package imaging

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// exifMake returns a JPEG APP1 segment (marker included) whose EXIF IFD0 holds one Make tag.
func exifMake(make string) []byte {
	var t bytes.Buffer
	t.WriteString("II")
	_ = binary.Write(&t, binary.LittleEndian, uint16(42))
	_ = binary.Write(&t, binary.LittleEndian, uint32(8))            // IFD0 offset
	_ = binary.Write(&t, binary.LittleEndian, uint16(1))            // one entry
	_ = binary.Write(&t, binary.LittleEndian, [2]uint16{0x010F, 2}) // Make, ASCII
	_ = binary.Write(&t, binary.LittleEndian, [2]uint32{uint32(len(make) + 1), 26})
	_ = binary.Write(&t, binary.LittleEndian, uint32(0)) // no next IFD
	t.WriteString(make + "\x00")
	body := append([]byte("Exif\x00\x00"), t.Bytes()...)
	return append([]byte{0xFF, 0xE1, byte((len(body) + 2) >> 8), byte(len(body) + 2)}, body...)
}

// TestStripMetadataEveryFormat: with strip_metadata (the default) no output carries the
// source's EXIF. WebP did: libvips 8.14's webpsave ignores strip (libvips/libvips#3340).
func TestStripMetadataEveryFormat(t *testing.T) {
	e := newTestEngine(t, nil)
	plain := synth.JPEG(synth.Photo(120, 90, 1), 85, 0)
	src := append(append(append([]byte{}, plain[:2]...), exifMake("LEAKTEST-CAMERA")...), plain[2:]...)
	if !bytes.Contains(src, []byte("LEAKTEST-CAMERA")) {
		t.Fatal("the source lacks its EXIF")
	}
	for _, f := range []imgurl.Format{imgurl.JPEG, imgurl.PNG, imgurl.WebP, imgurl.AVIF, imgurl.GIF} {
		res, err := e.Process(context.Background(), src, probe(t, src), imgurl.Options{Width: 60, Format: f})
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		if bytes.Contains(res.Data, []byte("LEAKTEST-CAMERA")) {
			t.Errorf("%s output carries the source's EXIF Make", f)
		}
	}
	d, err := e.Describe(context.Background(), src, probe(t, src))
	if err != nil {
		t.Fatal(err)
	}
	webp, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(d.Placeholder, "data:image/webp;base64,"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(webp, []byte("LEAKTEST-CAMERA")) {
		t.Error("the placeholder carries the source's EXIF Make")
	}
}
