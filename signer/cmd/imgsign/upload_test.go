package main

import (
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/signer"
)

func TestPolicyAndDelete(t *testing.T) {
	key := signer.Key{ID: "k1", Secret: secret(1), State: signer.Signing}
	keys := writeKeys(t, key)
	ring, _ := signer.NewRing(key)
	v, _ := signer.NewVerifier(ring, signer.VerifierOptions{Now: func() time.Time { return time.Unix(1800000000, 0) }})

	r := runCLI("", "policy", "-key-file", keys, "-source", "s3", "-prefix", "users/42/", "-max-bytes", "1000", "-formats", "jpeg,png", "-ttl", "1h", "-now", now)
	if r.code != 0 {
		t.Fatalf("policy: %d %s", r.code, r.stderr)
	}
	p, err := v.VerifyUploadPolicy(strings.TrimSpace(r.stdout))
	if err != nil {
		t.Fatal(err)
	}
	if p.Source != "s3" || p.Prefix != "users/42/" || p.MaxBytes != 1000 || len(p.Formats) != 2 || p.Expires != 1800003600 {
		t.Fatalf("policy %+v", p)
	}
	if r := runCLI("", "policy", "-key-file", keys, "-source", "s3", "-formats", "bmp"); r.code == 0 {
		t.Fatal("a policy with an unknown format was signed")
	}

	r = runCLI("", "delete", "-key-file", keys, "-base", "https://img.example.com/", "-source", "s3", "-key", "a b.jpg", "-now", now)
	if r.code != 0 {
		t.Fatalf("delete: %d %s", r.code, r.stderr)
	}
	u := strings.TrimSpace(r.stdout)
	path, tok, ok := strings.Cut(strings.TrimPrefix(u, "https://img.example.com"), "?token=")
	if !ok || path != "/u/s3/a%20b.jpg" {
		t.Fatalf("delete URL %q", u)
	}
	if err := v.Verify("DELETE", path, tok); err != nil {
		t.Fatalf("delete token: %v", err)
	}
}
