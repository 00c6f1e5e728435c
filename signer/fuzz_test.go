package signer

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// FuzzVerify: the verifier never panics, and it never accepts a token, path or query other than
// the one it signed: any mutation is refused.
func FuzzVerify(f *testing.F) {
	ring, err := NewRing(Key{ID: "k1", Secret: testSecret(1), State: Signing}, Key{ID: "k0", Secret: testSecret(2), State: VerifyOnly})
	if err != nil {
		f.Fatal(err)
	}
	now := time.Unix(1_800_000_000, 0)
	v, err := NewVerifier(ring, VerifierOptions{Skew: time.Minute, MaxLifetime: 48 * time.Hour, Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	const path = "/i/w_300,f_webp/local/a%20b/c.jpg"
	exp := now.Unix() + 3600
	tok, err := ring.Token("GET", path, exp)
	if err != nil {
		f.Fatal(err)
	}
	query := "token=" + tok
	f.Add(path, query)
	f.Add(path+"x", query)
	f.Add(path, query+"x")
	f.Add(strings.ToUpper(path), query)
	f.Add(path, "token=k0"+tok[2:])
	f.Add(path, "token="+tok+"&token="+tok)
	f.Add(path, "token=k1.1800003600.")
	f.Fuzz(func(t *testing.T, p, rawQuery string) {
		q, qerr := url.ParseQuery(rawQuery)
		toks := q["token"]
		var err error
		if qerr != nil || len(toks) != 1 {
			err = ErrMalformed
		} else {
			err = v.Verify("GET", p, toks[0])
		}
		if err == nil && (p != path || toks[0] != tok) {
			t.Fatalf("accepted a mutation: path %q query %q", p, rawQuery)
		}
		_ = v.Verify("HEAD", p, rawQuery) // raw garbage as a token: must not panic
	})
}
