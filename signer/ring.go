package signer

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"hash"
	"strconv"
	"sync"
)

// Ring is an immutable set of keys looked up by id. It is safe for concurrent use; to rotate,
// build a new Ring and swap it in.
type Ring struct {
	keys    map[string]*ringKey
	signing *ringKey
}

type ringKey struct {
	Key
	pool sync.Pool // of *macState: an HMAC and scratch buffers, so verifying does not allocate
}

type macState struct {
	h   hash.Hash
	msg []byte
	sum []byte
	enc []byte
	in  []byte
}

// NewRing checks the keys (valid, unique ids, at most one signing key) and builds a ring. A
// ring without a signing key verifies only.
func NewRing(keys ...Key) (*Ring, error) {
	r := &Ring{keys: make(map[string]*ringKey, len(keys))}
	for _, k := range keys {
		if err := k.Validate(); err != nil {
			return nil, err
		}
		if _, dup := r.keys[k.ID]; dup {
			return nil, fmt.Errorf("key %s: id given twice", k.ID)
		}
		rk := &ringKey{Key: Key{ID: k.ID, Secret: append([]byte(nil), k.Secret...), State: k.State}}
		secret := rk.Secret
		rk.pool.New = func() any {
			return &macState{h: hmac.New(sha256.New, secret), msg: make([]byte, 0, 256),
				sum: make([]byte, 0, sha256.Size), enc: make([]byte, 0, 48), in: make([]byte, 0, 48)}
		}
		r.keys[k.ID] = rk
		if k.State == Signing {
			if r.signing != nil {
				return nil, fmt.Errorf("keys %s and %s: only one key may be signing", r.signing.ID, k.ID)
			}
			r.signing = rk
		}
	}
	return r, nil
}

// SigningKeyID returns the id of the signing key, or "" when the ring verifies only.
func (r *Ring) SigningKeyID() string {
	if r.signing == nil {
		return ""
	}
	return r.signing.ID
}

// Lookup returns the key with the given id.
func (r *Ring) Lookup(id string) (Key, bool) {
	k, ok := r.keys[id]
	if !ok {
		return Key{}, false
	}
	return k.Key, true
}

// Len returns the number of keys.
func (r *Ring) Len() int { return len(r.keys) }

// ErrNoSigningKey is returned when a ring without a signing key is asked to sign.
var ErrNoSigningKey = errors.New("signer: the key ring has no signing key")

// Token signs escapedPath (a canonical path, see imgurl.Path.String) for method until the unix
// time exp with the signing key: "{kid}.{exp}.{mac}". HEAD signs as GET.
func (r *Ring) Token(method, escapedPath string, exp int64) (string, error) {
	if r.signing == nil {
		return "", ErrNoSigningKey
	}
	if exp < 0 || exp > maxExp {
		return "", fmt.Errorf("signer: expiry %d out of range", exp)
	}
	k := r.signing
	st := k.pool.Get().(*macState)
	st.compute(method, escapedPath, exp)
	st.enc = base64.RawURLEncoding.AppendEncode(st.enc[:0], st.sum)
	tok := k.ID + "." + strconv.FormatInt(exp, 10) + "." + string(st.enc)
	k.pool.Put(st)
	return tok, nil
}

// compute leaves HMAC-SHA256(secret, method "\n" path "\n" exp) in st.sum.
func (st *macState) compute(method, escapedPath string, exp int64) {
	if method == "HEAD" {
		method = "GET"
	}
	m := append(st.msg[:0], method...)
	m = append(m, '\n')
	m = append(m, escapedPath...)
	m = append(m, '\n')
	m = strconv.AppendInt(m, exp, 10)
	st.h.Reset()
	st.h.Write(m)
	st.sum = st.h.Sum(st.sum[:0])
	if cap(m) <= 4096 {
		st.msg = m[:0]
	}
}

// MAC returns HMAC-SHA256(secret, method "\n" escapedPath "\n" exp), HEAD as GET: the MAC
// of a token, for other implementations and tests.
func MAC(secret []byte, method, escapedPath string, exp int64) []byte {
	st := macState{h: hmac.New(sha256.New, secret)}
	st.compute(method, escapedPath, exp)
	return st.sum
}

// maxExp bounds expiries to 12 digits (year 33658) so arithmetic on them cannot overflow.
const maxExp = 999_999_999_999
