package signer

import (
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Why a token is refused. The texts are public: they name the check that failed and nothing
// derived from the token.
var (
	ErrMalformed   = errors.New("malformed token")
	ErrUnknownKey  = errors.New("unknown key")
	ErrRetiredKey  = errors.New("retired key")
	ErrBadMAC      = errors.New("bad mac")
	ErrExpired     = errors.New("expired")
	ErrTooLongLife = errors.New("expiry beyond the maximum lifetime")
)

// VerifierOptions configure a Verifier.
type VerifierOptions struct {
	// Skew is how far the verifier's clock may be behind the signer's: a token is accepted
	// until exp + Skew.
	Skew time.Duration
	// MaxLifetime, when positive, refuses tokens whose expiry is more than MaxLifetime + Skew
	// ahead: a leaked key cannot mint URLs that outlive its retirement. It must cover the
	// longest TTL in use plus the expiry bucket.
	MaxLifetime time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Verifier checks tokens against a ring.
type Verifier struct {
	ring       *Ring
	skew, life int64
	now        func() time.Time
}

// NewVerifier returns a Verifier of ring.
func NewVerifier(ring *Ring, opts VerifierOptions) (*Verifier, error) {
	if ring == nil {
		return nil, errors.New("signer: nil ring")
	}
	if opts.Skew < 0 || opts.MaxLifetime < 0 {
		return nil, fmt.Errorf("signer: negative skew or max lifetime")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Verifier{ring: ring, skew: int64(opts.Skew / time.Second), life: int64(opts.MaxLifetime / time.Second), now: opts.Now}, nil
}

// Ring returns the verifier's ring.
func (v *Verifier) Ring() *Ring { return v.ring }

// Verify checks token ("{kid}.{exp}.{mac}") for method (HEAD as GET) and the canonical
// escaped path. It returns nil or one of ErrMalformed, ErrUnknownKey, ErrRetiredKey, ErrBadMAC,
// ErrExpired, ErrTooLongLife, in that order of checking: the MAC is checked before the
// expiry, so "expired" is only said of authentic tokens. It does not allocate.
func (v *Verifier) Verify(method, escapedPath, token string) error {
	_, err := v.VerifyExp(method, escapedPath, token)
	return err
}

// VerifyExp is Verify that also returns the expiry the token claims (0 when it is
// malformed), for tools that explain a refusal.
func (v *Verifier) VerifyExp(method, escapedPath, token string) (int64, error) {
	kid, rest, ok1 := strings.Cut(token, ".")
	expText, macText, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !ValidKeyID(kid) || len(macText) != macTextLen {
		return 0, ErrMalformed
	}
	exp, ok := parseExp(expText)
	if !ok {
		return 0, ErrMalformed
	}
	k := v.ring.keys[kid]
	if k == nil {
		return exp, ErrUnknownKey
	}
	if k.State == Retired {
		return exp, ErrRetiredKey
	}
	st := k.pool.Get().(*macState)
	st.compute(method, escapedPath, exp)
	st.enc = base64.RawURLEncoding.AppendEncode(st.enc[:0], st.sum)
	st.in = append(st.in[:0], macText...)
	good := subtle.ConstantTimeCompare(st.enc, st.in) == 1
	k.pool.Put(st)
	if !good {
		return exp, ErrBadMAC
	}
	now := v.now().Unix()
	if now > exp+v.skew {
		return exp, ErrExpired
	}
	if v.life > 0 && exp > now+v.life+v.skew {
		return exp, ErrTooLongLife
	}
	return exp, nil
}

// macTextLen is the length of a base64url (unpadded) SHA-256 MAC.
var macTextLen = base64.RawURLEncoding.EncodedLen(32)

// parseExp reads a canonical expiry: 1 to 12 digits, no leading zero.
func parseExp(s string) (int64, bool) {
	if len(s) == 0 || len(s) > 12 || s[0] == '0' && len(s) > 1 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}
