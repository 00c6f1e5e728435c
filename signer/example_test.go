package signer_test

import (
	"fmt"
	"net/url"
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
