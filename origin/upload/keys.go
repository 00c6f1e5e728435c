package upload

import (
	"crypto/sha256"
	"encoding/hex"

	"github.com/imgorigin/imgorigin/signer"
)

// derivedKey names an upload whose policy and client named no key: under the policy's
// prefix, 32 hex digits of a hash and the format's extension. The hash is of the
// Idempotency-Key (scoped by source and prefix) when the client sent one, else of the stored
// bytes; either way a retry of the same upload lands on the same key, where the store's
// create-only rule turns it into a replay of the first result.
func derivedKey(p signer.UploadPolicy, idemKey string, content [32]byte, ext string) string {
	h := content
	if idemKey != "" {
		h = sha256.Sum256([]byte("imgorigin-upload-idempotency\n" + p.Source + "\n" + p.Prefix + "\n" + idemKey))
	}
	return p.Prefix + hex.EncodeToString(h[:16]) + "." + ext
}

// journalKey is where the journal records the result of an idempotent upload into a store
// that assigns keys.
func journalKey(prefix, sourceName, idemKey string) string {
	h := sha256.Sum256([]byte(idemKey))
	return prefix + sourceName + "/" + hex.EncodeToString(h[:16]) + ".json"
}
