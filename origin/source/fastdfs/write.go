package fastdfs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"hash/crc32"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Create implements source.Writer. FastDFS assigns file IDs, so o.Key must be empty: the
// tracker picks a storage and store path (QUERY_STORE_WITHOUT_GROUP_ONE), the storage
// stores the file (UPLOAD_FILE) and names it. The name carries the size and CRC-32 the
// storage computed over the bytes it received (storage_gen_filename in
// storage/storage_service.c), so a normal file is verified against them without a read
// back; any other kind of name is read back and compared by SHA-256. A file that fails the
// check is deleted again and the error wraps source.ErrNotVerified.
func (cl *Client) Create(ctx context.Context, o source.Object) (string, source.Info, error) {
	if o.Key != "" {
		return "", source.Info{}, fmt.Errorf("%w: FastDFS assigns file IDs; the key must be empty", source.ErrInvalidKey)
	}
	if int64(len(o.Data)) > cl.cfg.MaxObjectSize {
		return "", source.Info{}, fmt.Errorf("%w: %d bytes (max_object_size %d)", source.ErrTooLarge, len(o.Data), cl.cfg.MaxObjectSize)
	}
	key, err := cl.Upload(ctx, "", o.Ext, o.Data)
	if err != nil {
		return "", source.Info{}, err
	}
	id, err := ParseFileID(key)
	if err != nil {
		return "", source.Info{}, unavailable("upload reply", err)
	}
	if err := cl.verify(ctx, id, o); err != nil {
		derr := cl.Delete(context.WithoutCancel(ctx), key)
		return "", source.Info{}, fmt.Errorf("%w: %s: %w (deleted again: %v)", source.ErrNotVerified, key, err, derr)
	}
	return key, infoOf(id), nil
}

// verify checks the stored file against o: by the size and CRC-32 in its name, or by
// reading it back.
func (cl *Client) verify(ctx context.Context, id FileID, o source.Object) error {
	if id.Verifiable() {
		if id.Size != int64(len(o.Data)) || id.CRC32 != crc32.ChecksumIEEE(o.Data) {
			return fmt.Errorf("%w: name says %d bytes crc32 %08x, sent %d bytes crc32 %08x",
				ErrChecksum, id.Size, id.CRC32, len(o.Data), crc32.ChecksumIEEE(o.Data))
		}
		return nil
	}
	got, _, err := source.ReadAll(ctx, cl, id.String(), int64(len(o.Data)))
	if err != nil {
		return err
	}
	if sum := sha256.Sum256(got); !bytes.Equal(sum[:], o.SHA256[:]) {
		return fmt.Errorf("%w: read back %d bytes of another sha256", ErrChecksum, len(got))
	}
	return nil
}

var _ source.ReadWriter = (*Client)(nil)

// AssignsKeys reports that FastDFS names every file it stores: Create takes no key.
func (cl *Client) AssignsKeys() bool { return true }
