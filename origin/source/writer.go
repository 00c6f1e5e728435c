package source

import (
	"context"
	"crypto/sha256"
	"errors"
)

// Error kinds of writers, beside the readers' kinds above.
var (
	// ErrExists: Create was asked to create a key that already names an object. Keys written
	// through a Writer are create-only, so a URL never starts to mean other bytes.
	ErrExists = errors.New("source: object already exists")
	// ErrNotVerified: the store acknowledged the write but what it holds is not what was
	// sent (checksum or size differ). The writer has removed what it could; retrying is safe.
	ErrNotVerified = errors.New("source: stored bytes not verified")
)

// Object is what Create stores: the bytes, their SHA-256 and how to name them.
type Object struct {
	// Key is where to store the object. Empty asks the store to assign one (FastDFS); stores
	// that cannot assign keys refuse an empty key with ErrInvalidKey, and stores that always
	// assign them refuse a non-empty one.
	Key string
	// Ext is the extension without the dot ("jpg"), for stores that assign keys.
	Ext string
	// ContentType is stored as the object's media type where the store keeps one.
	ContentType string
	// Data is the object's content.
	Data []byte
	// SHA256 is sha256(Data); NewObject fills it in.
	SHA256 [32]byte
}

// NewObject returns an Object of data with its SHA-256.
func NewObject(key, ext, contentType string, data []byte) Object {
	return Object{Key: key, Ext: ext, ContentType: contentType, Data: data, SHA256: sha256.Sum256(data)}
}

// Writer stores and deletes originals. Implementations are safe for concurrent use.
//
// The contract is the write path's durability promise: when Create returns nil the store has
// confirmed the write and the stored bytes were verified against the object (a checksum the
// store computed, or the file ID's CRC-32, or fsync before the rename that publishes it).
// When Create fails, nothing is visible under the key it would have returned: a partial write
// is removed or was never published. Errors are of the kinds above (ErrUnavailable is
// transient and safe to retry).
type Writer interface {
	// Create stores o and returns its key (o.Key, or the key the store assigned) and its Info.
	// An existing object at o.Key fails with ErrExists and is left alone.
	Create(ctx context.Context, o Object) (string, Info, error)
	// Delete removes the object at key; a missing object is ErrNotFound.
	Delete(ctx context.Context, key string) error
}

// ReadWriter is a store that both reads and writes: every writable source.
type ReadWriter interface {
	Source
	Writer
}
