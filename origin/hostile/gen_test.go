package hostile

import (
	"bytes"
	"compress/zlib"
	"io"
	"testing"
)

// TestAnimatedGIFIsTheEncoders: the frames repeated by animatedGIF are gif.EncodeAll's bytes.
func TestAnimatedGIFIsTheEncoders(t *testing.T) {
	for _, n := range []int{1, 4, 5, 6, 7, 150} {
		if got, want := animatedGIF(16, 8, 3, 2, n), encodeFrames(16, 8, 3, 2, n); !bytes.Equal(got, want) {
			t.Errorf("%d frames: %d bytes, gif.EncodeAll wrote %d", n, len(got), len(want))
		}
	}
}

// TestZlibZeros: the stream inflates (checksum included) to exactly n zero bytes.
func TestZlibZeros(t *testing.T) {
	for _, n := range []int{0, 1, 1<<20 - 1, 1 << 20, 3<<20 + 12345} {
		zr, err := zlib.NewReader(bytes.NewReader(zlibZeros(n)))
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		got, err := io.ReadAll(zr)
		if err != nil || len(got) != n || bytes.Count(got, []byte{0}) != n {
			t.Errorf("n=%d: inflated %d bytes, %v", n, len(got), err)
		}
	}
}
