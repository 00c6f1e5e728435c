package signer

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
)

// State is a key's place in its rotation.
type State string

// The key states.
const (
	Signing    State = "signing"     // signs new URLs and verifies; at most one per ring
	VerifyOnly State = "verify-only" // verifies URLs only: added before it signs, kept after
	Retired    State = "retired"     // refused: every URL it signed has expired
)

// MinSecretLen is the shortest secret a Key may have, in bytes. Keygen makes 32.
const MinSecretLen = 16

// Key is one HMAC key of a ring. Its String, GoString and LogValue never show the secret.
type Key struct {
	ID     string // [A-Za-z0-9_-]{1,32}; appears in every token
	Secret []byte
	State  State
}

// String describes the key without its secret.
func (k Key) String() string { return fmt.Sprintf("key %s (%s, secret redacted)", k.ID, k.State) }

// GoString is String, so %#v does not print the secret either.
func (k Key) GoString() string { return k.String() }

// LogValue makes slog print the id and state only.
func (k Key) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("state", string(k.State)), slog.String("secret", "[redacted]"))
}

// ValidKeyID reports whether id is a valid key id: 1 to 32 of [A-Za-z0-9_-].
func ValidKeyID(id string) bool {
	if len(id) == 0 || len(id) > 32 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// Validate checks the id, the secret length and the state.
func (k Key) Validate() error {
	switch {
	case !ValidKeyID(k.ID):
		return fmt.Errorf("id: %q is not 1..32 of [A-Za-z0-9_-]", k.ID)
	case len(k.Secret) < MinSecretLen:
		return fmt.Errorf("key %s: secret: at least %d bytes", k.ID, MinSecretLen)
	case k.State != Signing && k.State != VerifyOnly && k.State != Retired:
		return fmt.Errorf("key %s: state: must be signing, verify-only or retired, not %q", k.ID, k.State)
	}
	return nil
}

// NewKey makes a key with a fresh random 32-byte secret.
func NewKey(id string, state State) (Key, error) {
	k := Key{ID: id, Secret: make([]byte, 32), State: state}
	if _, err := rand.Read(k.Secret); err != nil {
		return Key{}, fmt.Errorf("new key: %w", err)
	}
	return k, k.Validate()
}

// EncodeSecret is the text form of a secret in key files and configs: base64url, no padding.
func EncodeSecret(secret []byte) string { return base64.RawURLEncoding.EncodeToString(secret) }

// DecodeSecret reads the text form of a secret.
func DecodeSecret(s string) ([]byte, error) {
	b, err := base64.RawURLEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("secret: not base64url without padding")
	}
	return b, nil
}
