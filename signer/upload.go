package signer

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// UploadPrefix is the path prefix of the write path: POST /u/{source} (multipart form or raw
// body), PUT /u/{source}/{key}, DELETE /u/{source}/{key}.
const UploadPrefix = "/u/"

// UploadFormats are the formats a policy may allow (the formats the origin reads).
var UploadFormats = []string{"jpeg", "png", "gif", "webp", "avif", "heif"}

// MaxPolicyLen bounds an upload policy token, so a verifier never decodes more.
const MaxPolicyLen = 4096

// uploadDomain separates policy MACs from URL-token MACs made with the same keys: a URL MAC
// covers "METHOD\n/path\nexp" (two newlines, a path starting with '/'); a policy MAC covers
// this line and the policy's base64url text, which holds neither '/' nor '\n'.
const uploadDomain = "imgorigin-upload-policy-v1\n"

// UploadPolicy is what an app's backend allows a client to upload, like OSS's PostObject
// policy: it is signed by the backend and carried by the client (a browser form field, a
// header or a query parameter) to the origin, which checks every rule before anything is
// stored. The JSON field names are the wire format (the reference signers in js/ and python/
// write the same document).
type UploadPolicy struct {
	// Source names the configured store the upload goes to.
	Source string `json:"source"`
	// Key is the exact object key to create. Exclusive with Prefix.
	Key string `json:"key,omitempty"`
	// Prefix: the client names the key, which must start with Prefix (end it with '/' to mean
	// a directory); when the client names none, the origin assigns one under Prefix. With
	// neither Key nor Prefix the store assigns the key (FastDFS) or the origin does.
	Prefix string `json:"prefix,omitempty"`
	// MaxBytes bounds the upload body (the image bytes), > 0.
	MaxBytes int64 `json:"max_bytes"`
	// Formats lists the allowed formats (of UploadFormats), sniffed from the bytes; empty
	// allows every format the origin reads.
	Formats []string `json:"formats,omitempty"`
	// MaxPixels and MaxFrames bound width×height and animation frames; 0 leaves the origin's
	// own limits (which always apply as well).
	MaxPixels int64 `json:"max_pixels,omitempty"`
	MaxFrames int   `json:"max_frames,omitempty"`
	// SHA256, when set, is the hex SHA-256 the uploaded bytes must have.
	SHA256 string `json:"sha256,omitempty"`
	// Expires is the unix time after which the policy is refused.
	Expires int64 `json:"exp"`
}

// Validate checks the policy's own consistency.
func (p UploadPolicy) Validate() error {
	lim := imgurl.DefaultLimits()
	switch {
	case !imgurl.ValidName(p.Source):
		return errors.New("upload policy: source: names are [a-z0-9][a-z0-9-]{0,31}")
	case p.Key != "" && p.Prefix != "":
		return errors.New("upload policy: key and prefix are exclusive")
	case p.MaxBytes <= 0:
		return errors.New("upload policy: max_bytes: must be > 0")
	case p.MaxPixels < 0 || p.MaxFrames < 0:
		return errors.New("upload policy: max_pixels, max_frames: must not be negative")
	case p.Expires <= 0 || p.Expires > maxExp:
		return errors.New("upload policy: exp: must be a unix time")
	case p.SHA256 != "" && !validSHA256(p.SHA256):
		return errors.New("upload policy: sha256: must be 64 lower-case hex digits")
	}
	if p.Key != "" {
		if err := imgurl.ValidateKey(p.Key, lim); err != nil {
			return fmt.Errorf("upload policy: %w", err)
		}
	}
	if p.Prefix != "" {
		// A prefix is a key's beginning: what a key may start with.
		if err := imgurl.ValidateKey(strings.TrimSuffix(p.Prefix, "/"), lim); err != nil {
			return fmt.Errorf("upload policy: prefix: %w", err)
		}
	}
	for _, f := range p.Formats {
		if !p.allowsKnown(f) {
			return fmt.Errorf("upload policy: formats: %q is not one of %s", f, strings.Join(UploadFormats, ", "))
		}
	}
	return nil
}

func (UploadPolicy) allowsKnown(f string) bool {
	for _, k := range UploadFormats {
		if f == k {
			return true
		}
	}
	return false
}

// AllowsFormat reports whether the policy allows format f.
func (p UploadPolicy) AllowsFormat(f string) bool {
	if len(p.Formats) == 0 {
		return p.allowsKnown(f)
	}
	for _, a := range p.Formats {
		if a == f {
			return true
		}
	}
	return false
}

// AllowsKey reports whether a key the client names is allowed: the policy's Key exactly, or
// a valid key under its Prefix. A policy without Key and Prefix allows no client-named key.
func (p UploadPolicy) AllowsKey(key string) bool {
	switch {
	case p.Key != "":
		return key == p.Key
	case p.Prefix != "":
		return strings.HasPrefix(key, p.Prefix) && imgurl.ValidateKey(key, imgurl.DefaultLimits()) == nil
	}
	return false
}

func validSHA256(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil && strings.ToLower(s) == s
}

// encodePolicy is the policy's JSON document as every reference signer writes it: fields in
// declaration order, empty optional fields left out, no HTML escaping, no trailing newline.
func encodePolicy(p UploadPolicy) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(p); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// PolicyMAC returns HMAC-SHA256(secret, "imgorigin-upload-policy-v1\n" + policyText), the MAC
// of an upload policy token whose middle part is policyText, for other implementations and
// tests.
func PolicyMAC(secret []byte, policyText string) []byte {
	h := hmac.New(sha256.New, secret)
	h.Write([]byte(uploadDomain))
	h.Write([]byte(policyText))
	return h.Sum(nil)
}

// UploadPolicy signs p with the ring's signing key: "{kid}.{base64url(policy JSON)}.{mac}".
func (r *Ring) UploadPolicy(p UploadPolicy) (string, error) {
	if r.signing == nil {
		return "", ErrNoSigningKey
	}
	if err := p.Validate(); err != nil {
		return "", err
	}
	doc, err := encodePolicy(p)
	if err != nil {
		return "", err
	}
	text := base64.RawURLEncoding.EncodeToString(doc)
	tok := r.signing.ID + "." + text + "." + base64.RawURLEncoding.EncodeToString(PolicyMAC(r.signing.Secret, text))
	if len(tok) > MaxPolicyLen {
		return "", fmt.Errorf("upload policy: %d bytes signed, more than %d", len(tok), MaxPolicyLen)
	}
	return tok, nil
}

// VerifyUploadPolicy checks an upload policy token and returns the policy. Errors are those of
// Verify, checked in the same order (the MAC before anything the policy says); a policy
// that is authentic but fails Validate is ErrMalformed.
func (v *Verifier) VerifyUploadPolicy(token string) (UploadPolicy, error) {
	if len(token) > MaxPolicyLen {
		return UploadPolicy{}, ErrMalformed
	}
	kid, rest, ok1 := strings.Cut(token, ".")
	text, macText, ok2 := strings.Cut(rest, ".")
	if !ok1 || !ok2 || !ValidKeyID(kid) || len(macText) != macTextLen || text == "" {
		return UploadPolicy{}, ErrMalformed
	}
	k := v.ring.keys[kid]
	if k == nil {
		return UploadPolicy{}, ErrUnknownKey
	}
	if k.State == Retired {
		return UploadPolicy{}, ErrRetiredKey
	}
	want := base64.RawURLEncoding.EncodeToString(PolicyMAC(k.Secret, text))
	if subtle.ConstantTimeCompare([]byte(want), []byte(macText)) != 1 {
		return UploadPolicy{}, ErrBadMAC
	}
	doc, err := base64.RawURLEncoding.DecodeString(text)
	if err != nil {
		return UploadPolicy{}, ErrMalformed
	}
	var p UploadPolicy
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil || dec.More() {
		return UploadPolicy{}, ErrMalformed
	}
	if err := p.Validate(); err != nil {
		return UploadPolicy{}, ErrMalformed
	}
	now := v.now().Unix()
	if now > p.Expires+v.skew {
		return UploadPolicy{}, ErrExpired
	}
	if v.life > 0 && p.Expires > now+v.life+v.skew {
		return UploadPolicy{}, ErrTooLongLife
	}
	return p, nil
}

// UploadPath returns the escaped path /u/{source}/{key} of PUT and DELETE (key escaped
// segment by segment as in image URLs), or /u/{source} when key is empty.
func UploadPath(source, key string) string {
	if key == "" {
		return UploadPrefix + source
	}
	return UploadPrefix + source + "/" + imgurl.EscapeKey(key)
}

// DeleteToken signs DELETE of the object key in source until exp: the native token over
// "DELETE\n" + UploadPath(source, key) + "\n" + exp, sent as ?token=….
func (r *Ring) DeleteToken(source, key string, exp int64) (string, error) {
	if !imgurl.ValidName(source) {
		return "", errors.New("signer: source: names are [a-z0-9][a-z0-9-]{0,31}")
	}
	if err := imgurl.ValidateKey(key, imgurl.DefaultLimits()); err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	return r.Token("DELETE", UploadPath(source, key), exp)
}

// ParseUploadPath splits an escaped /u/{source}[/{key}] path. The key must be escaped
// canonically (as UploadPath writes it), so a signature over the canonical path is the only
// spelling of a delete; otherwise the error names the canonical path.
func ParseUploadPath(escapedPath string) (source, key string, err error) {
	rest, ok := strings.CutPrefix(escapedPath, UploadPrefix)
	if !ok {
		return "", "", fmt.Errorf("upload path: must start with %s", UploadPrefix)
	}
	source, escKey, _ := strings.Cut(rest, "/")
	if !imgurl.ValidName(source) {
		return "", "", errors.New("upload path: source: names are [a-z0-9][a-z0-9-]{0,31}")
	}
	if escKey == "" {
		if strings.HasSuffix(rest, "/") {
			return "", "", errors.New("upload path: empty key")
		}
		return source, "", nil
	}
	var segs []string
	for seg := range strings.SplitSeq(escKey, "/") {
		u, uerr := url.PathUnescape(seg)
		if uerr != nil {
			return "", "", fmt.Errorf("upload path: key: %v", uerr)
		}
		segs = append(segs, u)
	}
	key = strings.Join(segs, "/")
	if err := imgurl.ValidateKey(key, imgurl.DefaultLimits()); err != nil {
		return "", "", fmt.Errorf("upload path: %w", err)
	}
	if canon := UploadPath(source, key); canon != escapedPath {
		return "", "", fmt.Errorf("upload path: not canonical; the canonical path is %s", canon)
	}
	return source, key, nil
}
