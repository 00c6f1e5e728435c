package signer_test

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func Example() {
	// A ring with one signing key (load real ones with signer.LoadKeyFile).
	secret := []byte("0123456789abcdef0123456789abcdef")
	ring, err := signer.NewRing(signer.Key{ID: "2026-01", Secret: secret, State: signer.Signing})
	if err != nil {
		panic(err)
	}
	now := func() time.Time { return time.Date(2026, 1, 1, 10, 7, 0, 0, time.UTC) }

	// The app builds the URL from a struct, never by hand.
	s := signer.URLSigner{Base: "https://cdn.example.com", Tokens: signer.Native{Ring: ring}, Bucket: 15 * time.Minute, Now: now}
	p := imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 300, Format: imgurl.WebP}}, Source: "local", Key: "photos/cat.jpg"}
	raw, err := s.URL(p, time.Hour)
	if err != nil {
		panic(err)
	}
	fmt.Println(raw)

	// The origin verifies the token against the escaped path.
	u, _ := url.Parse(raw)
	v, _ := signer.NewVerifier(ring, signer.VerifierOptions{Skew: 30 * time.Second, Now: now})
	fmt.Println(v.Verify("GET", u.EscapedPath(), u.Query().Get("token")))
	fmt.Println(v.Verify("GET", "/i/w_301,f_webp/local/photos/cat.jpg", u.Query().Get("token")))
	// Output:
	// https://cdn.example.com/i/w_300,f_webp/local/photos/cat.jpg?token=2026-01.1767266100.zPiyUv4SL2abduCygckQH0_zYx23mFVuqhzYLI_XeEg
	// <nil>
	// bad mac
}

// A <picture> for a CDN that cannot key f_auto on the format bucket: the browser picks the
// format, every URL is one cached object.
func ExampleURLSigner_Picture() {
	ring, _ := signer.NewRing(signer.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef"), State: signer.Signing})
	s := signer.URLSigner{Base: "https://img.example.com", Tokens: signer.Native{Ring: ring}, Bucket: 15 * time.Minute,
		Now: func() time.Time { return time.Unix(1767225600, 0) }}
	html, err := s.Picture(signer.Responsive{
		Path:    imgurl.Path{Variant: imgurl.Variant{Options: imgurl.Options{Width: 400, Format: imgurl.JPEG}}, Source: "local", Key: "cat.jpg"},
		Widths:  []int{400, 800},
		Formats: []imgurl.Format{imgurl.AVIF, imgurl.JPEG},
		Alt:     "a cat",
	}, time.Hour)
	if err != nil {
		panic(err)
	}
	fmt.Println(strings.ReplaceAll(html, "><", ">\n<"))
	// Output:
	// <picture>
	// <source type="image/avif" srcset="https://img.example.com/i/w_400,f_avif/local/cat.jpg?token=k1.1767229200.uIa3aHafCfjAAkcr2WeIutsVCkSTNud4w9vE1X6Hgkw 400w, https://img.example.com/i/w_800,f_avif/local/cat.jpg?token=k1.1767229200.v4yr1H7tUoywu-gMOFIl1nJIxVH64slnWt8Ntm3Zy44 800w">
	// <img src="https://img.example.com/i/w_800,f_jpeg/local/cat.jpg?token=k1.1767229200.CFDQbnUOFHAVOou7ZDjUbfwjSnxYtwcuXX_uIl5tueU" srcset="https://img.example.com/i/w_400,f_jpeg/local/cat.jpg?token=k1.1767229200.121mF4Bp--8iIG3uv45IWp6TA6fzNLrG9rLErE5Q3Q8 400w, https://img.example.com/i/w_800,f_jpeg/local/cat.jpg?token=k1.1767229200.CFDQbnUOFHAVOou7ZDjUbfwjSnxYtwcuXX_uIl5tueU 800w" alt="a cat">
	// </picture>
}
