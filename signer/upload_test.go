package signer

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// uploadVectorFile is testdata/upload-vectors.json, read by the Go, JavaScript and Python
// tests: policy → JSON document → token, and signed deletes.
type uploadVectorFile struct {
	Comment  string              `json:"comment"`
	Keys     []KeyEntry          `json:"keys"`
	Policies []uploadVector      `json:"policies"`
	Deletes  []deleteVectorEntry `json:"deletes"`
}

type uploadVector struct {
	Name     string       `json:"name"`
	Policy   UploadPolicy `json:"policy"`
	Document string       `json:"document"` // the JSON text that is signed
	Token    string       `json:"token"`
}

type deleteVectorEntry struct {
	Source string `json:"source"`
	Key    string `json:"key"`
	Exp    int64  `json:"exp"`
	Path   string `json:"path"`
	Query  string `json:"query"`
}

var uploadVectorPolicies = []struct {
	name string
	p    UploadPolicy
}{
	{"exact key", UploadPolicy{Source: "s3", Key: "users/42/avatar.jpg", MaxBytes: 5 << 20, Formats: []string{"jpeg", "png"}, Expires: 1767229200}},
	{"prefix with limits", UploadPolicy{Source: "local", Prefix: "uploads/2026/", MaxBytes: 20 << 20, MaxPixels: 24_000_000, MaxFrames: 50, Expires: 1767229200}},
	{"store assigns, content hash", UploadPolicy{Source: "fdfs", MaxBytes: 1 << 20, Formats: []string{"webp"},
		SHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Expires: 1767229200}},
	{"unicode key", UploadPolicy{Source: "s3", Key: "相册/猫 & <dog>.png", MaxBytes: 1000, Expires: 1767229200}},
}

func buildUploadVectors(t *testing.T) uploadVectorFile {
	t.Helper()
	ring := vectorRing(t)
	f := uploadVectorFile{
		Comment: "imgorigin upload policy and signed delete vectors. Regenerate with go test ./signer -run TestUploadVectors -update.",
		Keys:    vectorKeyEntries(t),
	}
	for _, v := range uploadVectorPolicies {
		doc, err := encodePolicy(v.p)
		if err != nil {
			t.Fatal(err)
		}
		tok, err := ring.UploadPolicy(v.p)
		if err != nil {
			t.Fatal(err)
		}
		f.Policies = append(f.Policies, uploadVector{Name: v.name, Policy: v.p, Document: string(doc), Token: tok})
	}
	for _, d := range []struct{ src, key string }{{"s3", "users/42/avatar.jpg"}, {"fdfs", "group1/M00/00/00/wKgBAFxyz123.jpg"}, {"local", "a b/ü.png"}} {
		tok, err := ring.DeleteToken(d.src, d.key, 1767229200)
		if err != nil {
			t.Fatal(err)
		}
		f.Deletes = append(f.Deletes, deleteVectorEntry{Source: d.src, Key: d.key, Exp: 1767229200, Path: UploadPath(d.src, d.key), Query: "token=" + tok})
	}
	return f
}

func TestUploadVectors(t *testing.T) {
	got := buildUploadVectors(t)
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(got); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join("testdata", "upload-vectors.json")
	if *update {
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test ./signer -run TestUploadVectors -update creates it)", err)
	}
	if !bytes.Equal(want, buf.Bytes()) {
		t.Fatalf("%s is out of date with the implementation: regenerate with -update and review the diff", file)
	}
	v, err := NewVerifier(vectorRing(t), VerifierOptions{Now: func() time.Time { return time.Unix(1767225600, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	for _, pv := range got.Policies {
		p, err := v.VerifyUploadPolicy(pv.Token)
		if err != nil {
			t.Errorf("%s: %v", pv.Name, err)
		}
		if d, _ := encodePolicy(p); string(d) != pv.Document {
			t.Errorf("%s: verified policy re-encodes as %s", pv.Name, d)
		}
	}
	for _, d := range got.Deletes {
		if err := v.Verify("DELETE", d.Path, strings.TrimPrefix(d.Query, "token=")); err != nil {
			t.Errorf("delete %s: %v", d.Path, err)
		}
		if err := v.Verify("GET", d.Path, strings.TrimPrefix(d.Query, "token=")); !errors.Is(err, ErrBadMAC) {
			t.Errorf("delete token accepted for GET: %v", err)
		}
	}
}

func TestVerifyUploadPolicyRefusals(t *testing.T) {
	ring := vectorRing(t)
	now := time.Unix(1767225600, 0)
	v, _ := NewVerifier(ring, VerifierOptions{Now: func() time.Time { return now }, MaxLifetime: 24 * time.Hour})
	good := UploadPolicy{Source: "s3", Prefix: "u/", MaxBytes: 100, Expires: now.Unix() + 60}
	tok, err := ring.UploadPolicy(good)
	if err != nil {
		t.Fatal(err)
	}
	kid, rest, _ := strings.Cut(tok, ".")
	text, mac, _ := strings.Cut(rest, ".")
	other := good
	other.MaxBytes = 1 << 30
	otherDoc, _ := encodePolicy(other)
	otherText := base64.RawURLEncoding.EncodeToString(otherDoc)
	sign := func(p UploadPolicy) string {
		doc, _ := encodePolicy(p)
		text := base64.RawURLEncoding.EncodeToString(doc)
		k, _ := ring.Lookup(kid)
		return kid + "." + text + "." + base64.RawURLEncoding.EncodeToString(PolicyMAC(k.Secret, text))
	}
	signRaw := func(doc string) string {
		text := base64.RawURLEncoding.EncodeToString([]byte(doc))
		k, _ := ring.Lookup(kid)
		return kid + "." + text + "." + base64.RawURLEncoding.EncodeToString(PolicyMAC(k.Secret, text))
	}
	expired := good
	expired.Expires = now.Unix() - 1
	tooLong := good
	tooLong.Expires = now.Unix() + 48*3600
	cases := []struct {
		name, tok string
		want      error
	}{
		{"tampered policy", kid + "." + otherText + "." + mac, ErrBadMAC},
		{"tampered mac", kid + "." + text + "." + strings.Repeat("A", len(mac)), ErrBadMAC},
		{"url token", ringToken(t, ring), ErrBadMAC},
		{"unknown key", "nokey." + text + "." + mac, ErrUnknownKey},
		{"expired", sign(expired), ErrExpired},
		{"too long life", sign(tooLong), ErrTooLongLife},
		{"unknown field", signRaw(`{"source":"s3","max_bytes":1,"exp":1767229200,"admin":true}`), ErrMalformed},
		{"invalid policy", signRaw(`{"source":"s3","max_bytes":0,"exp":1767229200}`), ErrMalformed},
		{"two documents", signRaw(`{"source":"s3","max_bytes":1,"exp":1767229200}{}`), ErrMalformed},
		{"oversized", strings.Repeat("a", MaxPolicyLen+1), ErrMalformed},
		{"empty", "", ErrMalformed},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := v.VerifyUploadPolicy(c.tok); !errors.Is(err, c.want) {
				t.Fatalf("got %v, want %v", err, c.want)
			}
		})
	}
	if _, err := v.VerifyUploadPolicy(tok); err != nil {
		t.Fatalf("good policy refused: %v", err)
	}
}

func ringToken(t *testing.T, r *Ring) string {
	t.Helper()
	tok, err := r.Token("POST", "/u/s3", 1767229200)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestUploadPolicyRules(t *testing.T) {
	p := UploadPolicy{Source: "s3", Prefix: "users/42/", MaxBytes: 1, Formats: []string{"jpeg"}, Expires: 1}
	for key, want := range map[string]bool{"users/42/a.jpg": true, "users/42/x/y.png": true, "users/421/a.jpg": false,
		"users/42/../43/a.jpg": false, "users/4": false, "": false} {
		if got := p.AllowsKey(key); got != want {
			t.Errorf("AllowsKey(%q) = %t", key, got)
		}
	}
	if !p.AllowsFormat("jpeg") || p.AllowsFormat("png") {
		t.Error("AllowsFormat does not follow formats")
	}
	if (UploadPolicy{}).AllowsFormat("bmp") {
		t.Error("an empty format list allows an unknown format")
	}
	exact := UploadPolicy{Source: "s3", Key: "a.jpg"}
	if !exact.AllowsKey("a.jpg") || exact.AllowsKey("b.jpg") {
		t.Error("AllowsKey does not follow key")
	}
	for _, bad := range []UploadPolicy{
		{Source: "S3", MaxBytes: 1, Expires: 1},
		{Source: "s3", Key: "a", Prefix: "b/", MaxBytes: 1, Expires: 1},
		{Source: "s3", MaxBytes: 0, Expires: 1},
		{Source: "s3", MaxBytes: 1, Expires: 1, Formats: []string{"bmp"}},
		{Source: "s3", MaxBytes: 1, Expires: 1, SHA256: "ABC"},
		{Source: "s3", Key: "../a", MaxBytes: 1, Expires: 1},
	} {
		if bad.Validate() == nil {
			t.Errorf("Validate(%+v) = nil", bad)
		}
	}
}

func FuzzVerifyUploadPolicy(f *testing.F) {
	ring, err := NewRing(Key{ID: "k1", Secret: testSecret(1), State: Signing})
	if err != nil {
		f.Fatal(err)
	}
	tok, _ := ring.UploadPolicy(UploadPolicy{Source: "s3", Prefix: "u/", MaxBytes: 100, Expires: 2000000000})
	f.Add(tok)
	f.Add("k1.e30.x")
	v, _ := NewVerifier(ring, VerifierOptions{})
	f.Fuzz(func(t *testing.T, s string) {
		p, err := v.VerifyUploadPolicy(s)
		if err == nil && p.Validate() != nil {
			t.Fatalf("accepted an invalid policy %+v", p)
		}
	})
}

// vectorKeyEntries is the ring of the vector files (test secrets only).
func vectorKeyEntries(t *testing.T) []KeyEntry {
	t.Helper()
	return []KeyEntry{{ID: "k2026a", Secret: EncodeSecret(testSecret(0)), State: Signing}}
}

func vectorRing(t *testing.T) *Ring {
	t.Helper()
	var keys []Key
	for _, e := range vectorKeyEntries(t) {
		k, err := e.Key()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k)
	}
	r, err := NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestParseUploadPath(t *testing.T) {
	for _, c := range []struct{ path, source, key string }{
		{"/u/s3", "s3", ""},
		{"/u/s3/a/b.jpg", "s3", "a/b.jpg"},
		{"/u/local/a%20b/%C3%BC.png", "local", "a b/ü.png"},
	} {
		s, k, err := ParseUploadPath(c.path)
		if err != nil || s != c.source || k != c.key {
			t.Errorf("ParseUploadPath(%q) = %q, %q, %v", c.path, s, k, err)
		}
		if c.key != "" && UploadPath(s, k) != c.path {
			t.Errorf("UploadPath does not round-trip %q", c.path)
		}
	}
	for _, bad := range []string{"/i/s3/a", "/u/S3/a", "/u/s3/", "/u/s3/a//b", "/u/s3/a/../b", "/u/s3/a%2Fb", "/u/s3/a%zz", "/u/s3/%61.jpg", "/u/s3/a%00b"} {
		if _, _, err := ParseUploadPath(bad); err == nil {
			t.Errorf("ParseUploadPath(%q) accepted", bad)
		}
	}
}

func FuzzParseUploadPath(f *testing.F) {
	f.Add("/u/s3/a%20b/c.jpg")
	f.Add("/u/fdfs")
	f.Fuzz(func(t *testing.T, p string) {
		s, k, err := ParseUploadPath(p)
		if err != nil {
			return
		}
		if UploadPath(s, k) != p {
			t.Fatalf("accepted non-canonical %q (canonical %q)", p, UploadPath(s, k))
		}
	})
}
