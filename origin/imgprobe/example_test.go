package imgprobe_test

import (
	"fmt"

	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
)

func ExampleProbe() {
	// A 640×480 JPEG stored sideways with EXIF orientation 6.
	data := synth.JPEG(synth.Stored(synth.Quadrants(640, 480), 6), 80, 6)
	in, err := imgprobe.Probe(data)
	if err != nil {
		fmt.Println(err)
		return
	}
	w, h := in.Upright()
	fmt.Printf("%s %dx%d stored, orientation %d, %dx%d upright, %d MP\n", in.Format, in.Width, in.Height, in.Orientation, w, h, in.Pixels()/1e5)
	// Output: jpeg 480x640 stored, orientation 6, 640x480 upright, 3 MP
}
