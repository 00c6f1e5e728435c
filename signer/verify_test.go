package signer

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"
)

const benchPath = "/i/w_640,h_480,g_smart,dpr_1.5,q_80,f_avif/s3/photos/2024/beach.jpg"

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testRing(t testing.TB, keys ...Key) *Ring {
	t.Helper()
	r, err := NewRing(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestVerify(t *testing.T) {
	t0 := time.Unix(1_800_000_000, 0)
	ring := testRing(t, Key{ID: "a", Secret: testSecret(1), State: Signing}, Key{ID: "b", Secret: testSecret(2), State: VerifyOnly},
		Key{ID: "old", Secret: testSecret(3), State: Retired})
	other := testRing(t, Key{ID: "a", Secret: testSecret(9), State: Signing})
	b := testRing(t, Key{ID: "b", Secret: testSecret(2), State: Signing})
	old := testRing(t, Key{ID: "old", Secret: testSecret(3), State: Signing})
	exp := t0.Unix() + 3600
	tok := func(r *Ring, method, path string, exp int64) string {
		s, err := r.Token(method, path, exp)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := tok(ring, "GET", benchPath, exp)
	tests := []struct {
		name, method, path, token string
		now                       time.Time
		want                      error
	}{
		{"valid", "GET", benchPath, good, t0, nil},
		{"head verifies as get", "HEAD", benchPath, good, t0, nil},
		{"signed for head", "GET", benchPath, tok(ring, "HEAD", benchPath, exp), t0, nil},
		{"at expiry", "GET", benchPath, good, time.Unix(exp, 0), nil},
		{"within skew", "GET", benchPath, good, time.Unix(exp+30, 0), nil},
		{"expired", "GET", benchPath, good, time.Unix(exp+31, 0), ErrExpired},
		{"verify-only key", "GET", benchPath, tok(b, "GET", benchPath, exp), t0, nil},
		{"retired key", "GET", benchPath, tok(old, "GET", benchPath, exp), t0, ErrRetiredKey},
		{"unknown key", "GET", benchPath, strings.Replace(good, "a.", "zz.", 1), t0, ErrUnknownKey},
		{"wrong secret", "GET", benchPath, tok(other, "GET", benchPath, exp), t0, ErrBadMAC},
		{"other path", "GET", benchPath + "x", good, t0, ErrBadMAC},
		{"other method", "POST", benchPath, good, t0, ErrBadMAC},
		{"exp changed", "GET", benchPath, strings.Replace(good, fmt.Sprint(exp), fmt.Sprint(exp+1), 1), t0, ErrBadMAC},
		{"too far ahead", "GET", benchPath, tok(ring, "GET", benchPath, t0.Unix()+100000), t0, ErrTooLongLife},
		{"empty", "GET", benchPath, "", t0, ErrMalformed},
		{"two parts", "GET", benchPath, "a.123", t0, ErrMalformed},
		{"leading zero exp", "GET", benchPath, strings.Replace(good, ".1", ".01", 1), t0, ErrMalformed},
		{"padded mac", "GET", benchPath, good + "=", t0, ErrMalformed},
		{"bad kid", "GET", benchPath, "a b" + good[1:], t0, ErrMalformed},
		{"non-canonical mac bits", "GET", benchPath, good[:len(good)-1] + string(good[len(good)-1]^1), t0, ErrBadMAC},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{tt.now}
			v, err := NewVerifier(ring, VerifierOptions{Skew: 30 * time.Second, MaxLifetime: 2 * time.Hour, Now: c.now})
			if err != nil {
				t.Fatal(err)
			}
			if err := v.Verify(tt.method, tt.path, tt.token); !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestExpiryBuckets(t *testing.T) {
	ring := testRing(t, Key{ID: "a", Secret: testSecret(1), State: Signing})
	base := time.Unix(1_800_000_000, 0) // a multiple of 300
	tests := []struct {
		name   string
		now    time.Time
		ttl    time.Duration
		bucket time.Duration
		want   int64
	}{
		{"on a boundary", base, time.Hour, 5 * time.Minute, base.Unix() + 3600},
		{"one second in", base.Add(time.Second), time.Hour, 5 * time.Minute, base.Unix() + 3900},
		{"last second", base.Add(299 * time.Second), time.Hour, 5 * time.Minute, base.Unix() + 3900},
		{"fraction rounds up", base.Add(time.Millisecond), time.Hour, 0, base.Unix() + 3601},
		{"no bucket", base.Add(7 * time.Second), time.Hour, 0, base.Unix() + 3607},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Expiry(tt.now, tt.ttl, tt.bucket); got != tt.want {
				t.Fatalf("Expiry = %d, want %d", got, tt.want)
			}
		})
	}
	// Every URL minted within one bucket is byte-identical.
	p := mustPath(t, "/i/w_300,f_webp/local/a.jpg")
	var first string
	for s := 1; s <= 300; s += 37 {
		c := &clock{base.Add(time.Duration(s) * time.Second)}
		u, err := URLSigner{Base: "https://cdn.example.com", Tokens: Native{Ring: ring}, Bucket: 5 * time.Minute, Now: c.now}.URL(p, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		if first == "" {
			first = u
		} else if u != first {
			t.Fatalf("URLs in one bucket differ:\n%s\n%s", first, u)
		}
	}
}

func TestRingErrors(t *testing.T) {
	tests := []struct {
		name string
		keys []Key
	}{
		{"two signing", []Key{{ID: "a", Secret: testSecret(1), State: Signing}, {ID: "b", Secret: testSecret(2), State: Signing}}},
		{"duplicate id", []Key{{ID: "a", Secret: testSecret(1), State: Signing}, {ID: "a", Secret: testSecret(2), State: VerifyOnly}}},
		{"short secret", []Key{{ID: "a", Secret: []byte("short"), State: Signing}}},
		{"bad id", []Key{{ID: "a.b", Secret: testSecret(1), State: Signing}}},
		{"bad state", []Key{{ID: "a", Secret: testSecret(1), State: "active"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewRing(tt.keys...); err == nil {
				t.Fatal("NewRing accepted the keys")
			}
		})
	}
	verifyOnly := testRing(t, Key{ID: "a", Secret: testSecret(1), State: VerifyOnly})
	if _, err := verifyOnly.Token("GET", "/i/x/y/z", 1); !errors.Is(err, ErrNoSigningKey) {
		t.Fatalf("Token without a signing key: %v", err)
	}
}

func TestSecretsNeverPrinted(t *testing.T) {
	k := Key{ID: "a", Secret: []byte("super-secret-value-1234"), State: Signing}
	e := k.Entry()
	var logged bytes.Buffer
	slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "key", k)
	_, ringErr := NewRing(k, Key{ID: "a", Secret: k.Secret, State: Signing})
	_, fileErr := ParseKeyFile([]byte(`{"keys":[{"id":"a","secret":` + "super-secret-value-1234" + `}]}`))
	outputs := []string{fmt.Sprint(k), fmt.Sprintf("%+v %#v %s %v", k, k, k, []Key{k}), fmt.Sprint(e), fmt.Sprintf("%+v %#v", e, e),
		logged.String(), ringErr.Error(), fileErr.Error()}
	for _, out := range outputs {
		if strings.Contains(out, "super-secret") || strings.Contains(out, EncodeSecret(k.Secret)) {
			t.Errorf("secret printed: %s", out)
		}
	}
}

func TestKeyFile(t *testing.T) {
	a, err := NewKey("2026-01", Signing)
	if err != nil {
		t.Fatal(err)
	}
	b := Key{ID: "2025-12", Secret: testSecret(5), State: VerifyOnly}
	data, err := MarshalKeyFile([]Key{a, b})
	if err != nil {
		t.Fatal(err)
	}
	keys, err := ParseKeyFile(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || !bytes.Equal(keys[0].Secret, a.Secret) || keys[1].State != VerifyOnly {
		t.Fatalf("round trip lost keys: %v", keys)
	}
	for name, bad := range map[string]string{
		"unknown field": `{"keys":[],"extra":1}`,
		"bad secret":    `{"keys":[{"id":"a","secret":"***","state":"signing"}]}`,
		"padded secret": `{"keys":[{"id":"a","secret":"AAECAwQFBgcICQoLDA0ODw==","state":"signing"}]}`,
		"trailing":      `{"keys":[]} {}`,
	} {
		if _, err := ParseKeyFile([]byte(bad)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestURLSigner(t *testing.T) {
	ring := testRing(t, Key{ID: "a", Secret: testSecret(1), State: Signing})
	c := &clock{time.Unix(1_800_000_000, 0)}
	p := mustPath(t, "/i/thumb/local/a%20b.jpg")
	u, err := URLSigner{Base: "https://cdn.example.com/", Tokens: Native{Ring: ring}, Now: c.now}.URL(p, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(u, "https://cdn.example.com/i/thumb/local/a%20b.jpg?token=a.1800003600.") {
		t.Fatalf("URL = %s", u)
	}
	for _, base := range []string{"cdn.example.com", "ftp://x", "https://x/prefix", "https://x?q=1", "https://u@x"} {
		if _, err := (URLSigner{Base: base, Tokens: Native{Ring: ring}, Now: c.now}).URL(p, time.Hour); err == nil {
			t.Errorf("base %q accepted", base)
		}
	}
	if _, err := (URLSigner{Base: "https://x", Tokens: Native{Ring: ring}}).URL(mustPathStruct(), time.Hour); err == nil {
		t.Error("invalid path accepted")
	}
}

func TestCDNVerify(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	exp := now.Unix() + 600
	path := "/i/thumb/local/a.jpg"
	a := AliyunA{Key: "primaryKey123", BackupKey: "backupKey456", ValidFor: 30 * time.Minute}
	val, err := a.Value(path, exp)
	if err != nil {
		t.Fatal(err)
	}
	backupSigned, _ := AliyunA{Key: "backupKey456", ValidFor: 30 * time.Minute}.Value(path, exp)
	tencentD, _, _ := TencentD{Key: "primaryKey123", ValidFor: 30 * time.Minute}.Values(path, exp)
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"aliyun ok", a.Verify(path, val, now, 0), nil},
		{"aliyun backup key", a.Verify(path, backupSigned, now, 0), nil},
		{"aliyun expired", a.Verify(path, val, time.Unix(exp+1, 0), 0), ErrExpired},
		{"aliyun skew", a.Verify(path, val, time.Unix(exp+5, 0), 5*time.Second), nil},
		{"aliyun other path", a.Verify(path+"x", val, now, 0), ErrBadMAC},
		{"aliyun malformed", a.Verify(path, "123-0-0", now, 0), ErrMalformed},
		{"aliyun ts changed", a.Verify(path, "1"+val, now, 0), ErrBadMAC},
		{"tencent-d ok", TencentD{Key: "primaryKey123", ValidFor: 30 * time.Minute}.Verify(path, tencentD, hexTS(exp-1800), now, 0), nil},
		{"tencent-d upper hex", TencentD{Key: "primaryKey123", ValidFor: 30 * time.Minute}.Verify(path, tencentD, strings.ToUpper(hexTS(exp-1800)), now, 0), ErrMalformed},
		{"tencent-d expired", TencentD{Key: "primaryKey123", ValidFor: 30 * time.Minute}.Verify(path, tencentD, hexTS(exp-1800), time.Unix(exp+1, 0), 0), ErrExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !errors.Is(tt.err, tt.want) || (tt.want == nil) != (tt.err == nil) {
				t.Fatalf("got %v, want %v", tt.err, tt.want)
			}
		})
	}
	if err := (AliyunA{Key: "short", ValidFor: time.Minute}).Validate(); err == nil {
		t.Error("short key accepted")
	}
}

func hexTS(ts int64) string { return fmt.Sprintf("%x", ts) }

func BenchmarkVerify(b *testing.B) {
	ring := testRing(b, Key{ID: "k2026a", Secret: testSecret(0), State: Signing}, Key{ID: "k2025z", Secret: testSecret(7), State: VerifyOnly})
	now := time.Unix(1_800_000_000, 0)
	tok, err := ring.Token("GET", benchPath, now.Unix()+3600)
	if err != nil {
		b.Fatal(err)
	}
	v, err := NewVerifier(ring, VerifierOptions{Skew: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if err := v.Verify("GET", benchPath, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	ring := testRing(b, Key{ID: "k2026a", Secret: testSecret(0), State: Signing})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ring.Token("GET", benchPath, 1_800_003_600); err != nil {
			b.Fatal(err)
		}
	}
}
