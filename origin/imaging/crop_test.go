package imaging

import (
	"testing"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func TestCropOrigin(t *testing.T) {
	// A 100×50 box in a 300×200 image.
	for _, tc := range []struct {
		g    imgurl.Gravity
		x, y int
	}{
		{imgurl.GravityDefault, 100, 75},
		{imgurl.GravityNorth, 100, 0},
		{imgurl.GravityNorthEast, 200, 0},
		{imgurl.GravityEast, 200, 75},
		{imgurl.GravitySouthEast, 200, 150},
		{imgurl.GravitySouth, 100, 150},
		{imgurl.GravitySouthWest, 0, 150},
		{imgurl.GravityWest, 0, 75},
		{imgurl.GravityNorthWest, 0, 0},
		{imgurl.GravitySmart, 100, 75}, // for frames and padding: centre
	} {
		t.Run(string(tc.g), func(t *testing.T) {
			if x, y := cropOrigin(300, 200, 100, 50, tc.g); x != tc.x || y != tc.y {
				t.Errorf("cropOrigin = %d,%d, want %d,%d", x, y, tc.x, tc.y)
			}
		})
	}
}
