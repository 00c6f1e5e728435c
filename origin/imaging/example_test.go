package imaging_test

import (
	"context"
	"fmt"

	"github.com/imgorigin/imgorigin/origin/imaging"
	"github.com/imgorigin/imgorigin/origin/imaging/synth"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func ExampleEngine_Process() {
	cfg := imaging.DefaultConfig()
	cfg.LogLevel = "off"
	eng, err := imaging.New(cfg) // starts libvips once per process
	if err != nil {
		fmt.Println(err)
		return
	}
	data := synth.JPEG(synth.Stored(synth.Photo(800, 600, 1), 6), 85, 6)
	in, err := imgprobe.Probe(data) // header only: refuse bombs before decoding
	if err != nil {
		fmt.Println(err)
		return
	}
	opts := imgurl.Options{Width: 300, Height: 300, Fit: imgurl.FitCover, Gravity: imgurl.GravityNorth, Format: imgurl.WebP}
	cost, err := eng.Admit(in, opts) // limits + admission cost, still without decoding
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := eng.Process(context.Background(), data, in, opts)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(cost, res.Format, res.Width, res.Height)
	// Output: 1 webp 300 300
}
