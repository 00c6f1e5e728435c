package imgurl_test

import (
	"errors"
	"fmt"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func Example() {
	lim := imgurl.DefaultLimits()
	p := imgurl.Path{
		Variant: imgurl.Variant{Options: imgurl.Options{Width: 300, Height: 200, Fit: imgurl.FitPad, Background: "ffffff", Format: imgurl.JPEG}},
		Source:  "s3",
		Key:     "photos/summer 2024/beach.png",
	}
	s, err := imgurl.Build(p, lim)
	fmt.Println(s, err)

	back, err := imgurl.Parse(s, lim)
	fmt.Println(back == p, err)

	_, err = imgurl.Parse("/i/f_jpeg,w_300/s3/a.png", lim)
	var e *imgurl.Error
	if errors.As(err, &e) && errors.Is(err, imgurl.ErrNotCanonical) {
		fmt.Println("use", e.Canonical)
	}
	// Output:
	// /i/w_300,h_200,fit_pad,bg_ffffff,f_jpeg/s3/photos/summer%202024/beach.png <nil>
	// true <nil>
	// use /i/w_300,f_jpeg/s3/a.png
}
