package signer

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
)

// KeyEntry is a key as written in a key file or config: the secret in base64url without
// padding (see EncodeSecret). Its String redacts the secret.
type KeyEntry struct {
	ID     string `json:"id"`
	Secret string `json:"secret"`
	State  State  `json:"state"`
}

func (e KeyEntry) String() string { return fmt.Sprintf("key %s (%s, secret redacted)", e.ID, e.State) }

// GoString is String.
func (e KeyEntry) GoString() string { return e.String() }

// Key decodes the entry.
func (e KeyEntry) Key() (Key, error) {
	secret, err := DecodeSecret(e.Secret)
	if err != nil {
		return Key{}, fmt.Errorf("key %s: %w", e.ID, err)
	}
	k := Key{ID: e.ID, Secret: secret, State: e.State}
	return k, k.Validate()
}

// Entry encodes the key for a key file.
func (k Key) Entry() KeyEntry {
	return KeyEntry{ID: k.ID, Secret: EncodeSecret(k.Secret), State: k.State}
}

// keyFile is the key file format:
//
//	{"keys": [{"id": "2026-01", "secret": "<base64url>", "state": "signing"}, …]}
type keyFile struct {
	Keys []KeyEntry `json:"keys"`
}

// ParseKeyFile decodes a key file. Unknown fields are errors; errors never contain secrets.
func ParseKeyFile(data []byte) ([]Key, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f keyFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("key file: %w", redactJSONError(err))
	}
	if dec.More() {
		return nil, fmt.Errorf("key file: trailing data after the JSON object")
	}
	keys := make([]Key, 0, len(f.Keys))
	for i, e := range f.Keys {
		k, err := e.Key()
		if err != nil {
			return nil, fmt.Errorf("key file: keys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	return keys, nil
}

// redactJSONError keeps the position and type of a JSON error but not the offending value,
// which could be a secret.
func redactJSONError(err error) error {
	switch e := err.(type) {
	case *json.SyntaxError:
		return fmt.Errorf("syntax error at byte %d", e.Offset)
	case *json.UnmarshalTypeError:
		return fmt.Errorf("field %s: wrong type at byte %d", e.Field, e.Offset)
	}
	return err
}

// LoadKeyFile reads and decodes the key file at path.
func LoadKeyFile(path string) ([]Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("key file: %w", err)
	}
	return ParseKeyFile(data)
}

// MarshalKeyFile encodes keys in the key file format.
func MarshalKeyFile(keys []Key) ([]byte, error) {
	f := keyFile{Keys: make([]KeyEntry, len(keys))}
	for i, k := range keys {
		f.Keys[i] = k.Entry()
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
