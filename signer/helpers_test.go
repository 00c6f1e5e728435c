package signer

import (
	"net/url"
	"testing"
	"time"
)

const vectorCDNKey = "imgoriginTestKey42"

// verifyQuery verifies a rendered query of the given format for path at now.
func verifyQuery(t testing.TB, ring *Ring, validFor time.Duration, format, path, rawQuery string, now time.Time) error {
	t.Helper()
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return ErrMalformed
	}
	one := func(name string) (string, error) {
		if len(q[name]) != 1 {
			return "", ErrMalformed
		}
		return q[name][0], nil
	}
	switch format {
	case "native":
		v, err := NewVerifier(ring, VerifierOptions{Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		tok, err := one("token")
		if err != nil {
			return err
		}
		return v.Verify("GET", path, tok)
	case "aliyun-a", "tencent-a":
		name := "auth_key"
		if format == "tencent-a" {
			name = "sign"
		}
		val, err := one(name)
		if err != nil {
			return err
		}
		if format == "aliyun-a" {
			return AliyunA{Key: vectorCDNKey, ValidFor: validFor}.Verify(path, val, now, 0)
		}
		return TencentA{Key: vectorCDNKey, ValidFor: validFor}.Verify(path, val, now, 0)
	case "tencent-d-hex", "tencent-d-dec":
		sign, err := one("sign")
		if err != nil {
			return err
		}
		ts, err := one("t")
		if err != nil {
			return err
		}
		return TencentD{Key: vectorCDNKey, ValidFor: validFor, Decimal: format == "tencent-d-dec"}.Verify(path, sign, ts, now, 0)
	}
	t.Fatalf("unknown format %q", format)
	return nil
}
