package signer

import (
	"testing"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

func mustPath(t testing.TB, s string) imgurl.Path {
	t.Helper()
	p, err := imgurl.Parse(s, imgurl.DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func mustPathStruct() imgurl.Path {
	return imgurl.Path{Variant: imgurl.Variant{Preset: "thumb"}, Source: "local", Key: "../etc/passwd"}
}
