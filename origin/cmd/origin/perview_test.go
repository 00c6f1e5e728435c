package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/signer"
)

// TestWhatATokenProtects: a node says at startup what its checks protect, and auth.per_view
// is an explicit choice that changes what is served: with it, a valid token at the origin is
// refused (it would authorize one CDN miss and every later view) and only the CDN's pulls,
// carrying the origin secret, are served.
func TestWhatATokenProtects(t *testing.T) {
	key, err := signer.NewKey("k1", signer.Signing)
	if err != nil {
		t.Fatal(err)
	}
	ring, err := signer.NewRing(key)
	if err != nil {
		t.Fatal(err)
	}
	const p = "/i/w_100,f_webp/local/photo.jpg"
	tok, err := ring.Token("GET", p, time.Now().Add(time.Hour).Unix())
	if err != nil {
		t.Fatal(err)
	}
	const secret = "origin-secret-0123456789abcdef"
	for _, perView := range []bool{false, true} {
		n := startNode(t, func(c *config.Config) {
			c.Auth = auth.DefaultConfig()
			c.Auth.Keys = []auth.KeyConfig{{ID: "k1", Secret: signer.EncodeSecret(key.Secret), State: "signing"}}
			c.Auth.OriginSecret.Current = secret
			c.Auth.PerView = perView
		})
		want := auth.ProtectsMisses
		if perView {
			want = auth.ProtectsEachView
		}
		if !strings.Contains(n.logs.String(), `"protects":"`+want+`"`) {
			t.Errorf("per_view=%t: the startup log does not say what is protected (%q):\n%s", perView, want, n.logs.String())
		}
		resp, body := n.do(t, "GET", p+"?"+signer.DefaultParam+"="+tok, nil)
		if wantStatus := map[bool]int{false: 200, true: 403}[perView]; resp.StatusCode != wantStatus {
			t.Errorf("per_view=%t: valid token at the origin: %d %s, want %d", perView, resp.StatusCode, body, wantStatus)
		}
		if perView && (resp.Header.Get("Cache-Control") != "private, no-store" || !strings.Contains(string(body), "per-view")) {
			t.Errorf("per_view: refusal %q %q", resp.Header.Get("Cache-Control"), body)
		}
		if resp, body := n.do(t, "GET", p, map[string]string{"X-Origin-Secret": secret}); resp.StatusCode != http.StatusOK {
			t.Errorf("per_view=%t: CDN pull with the origin secret: %d %s", perView, resp.StatusCode, body)
		}
	}
}
