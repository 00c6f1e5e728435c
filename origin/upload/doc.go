// Package upload is the write path: signed uploads of originals into a writable source
// (local directory, S3/OSS/MinIO, FastDFS) and signed deletes, apart from the read path.
//
// # Protocol
//
//	POST   /u/{source}          multipart/form-data: fields policy, [key], [idempotency_key], file (last)
//	POST   /u/{source}          raw body; policy in X-Upload-Policy (or ?policy=), key in ?key=
//	PUT    /u/{source}/{key}    raw body; policy in X-Upload-Policy (or ?policy=)
//	DELETE /u/{source}/{key}?token={kid}.{exp}.{mac}   (signer.Ring.DeleteToken)
//	OPTIONS /u/…                CORS preflight for the configured page origins
//
// The policy (signer.UploadPolicy, minted by the app's backend) names the source, the key or a
// key prefix (or neither: the store or the origin assigns the key), the maximum bytes, the
// allowed formats, pixel and frame limits, an expiry and optionally the content's SHA-256.
// Idempotency-Key (header or form field) makes a retry return the first result.
//
// # What happens before anything is stored
//
// The policy is verified before the body is read; the body is read up to the smallest of the
// policy's max_bytes, upload.max_bytes and render.max_source_bytes (more: 413). Then, in order:
// the content hash (422), the format sniffed from the bytes — never the name or Content-Type —
// against the policy (415), the header probe (422 for corrupt or truncated images), the read
// path's own limits and the policy's pixel and frame limits (422). With upload.normalize the
// image is re-encoded through origin/imaging: orientation applied, metadata (GPS!) stripped,
// and larger than upload.max_side shrunk to it.
//
// # Durability
//
// 201 is answered only after the store confirmed the write and the stored bytes were verified
// (source.Writer's contract: FastDFS by the CRC-32 in the file ID, S3 by the SHA-256 checksum
// it verifies and echoes, local by fsync before the link that publishes the file). Keys are
// create-only. A key the origin assigns is derived from the Idempotency-Key (or, without one,
// from the content), so a retry lands on the same key: the store refuses the second create, the
// stored bytes are compared, and the first result is answered again (Idempotent-Replayed: true);
// other bytes under that key are 409. Stores that assign keys themselves (FastDFS) record
// idempotent uploads in a journal (upload.journal: a keyed writable source), written
// create-only after the upload: the loser of a race deletes its own file and answers the
// winner's result. Journal records ({journal_prefix}{source}/{hash of the key}.json, a few
// hundred bytes) are never deleted by the origin: expire them with a bucket lifecycle rule or a
// cron job after longer than any client retries. Any failure answers a retryable 502/503/504 and leaves nothing visible
// under a key anyone was told about.
//
// # The answer
//
//	{"source":"s3","key":"u/42/3f…a1.jpg","width":1200,"height":900,"format":"jpeg","bytes":123456,
//	 "sha256":"…","urls":{"thumb":"https://img.example.com/i/thumb/s3/u/42/3f…a1.jpg?token=…"}}
//
// A signed delete removes the object and purges its variants at the edge by surrogate key
// ({source}/{escaped key}, the read path's Surrogate-Key) through the configured purge URLs.
// The origin nodes' own caches are not purged: for stores with mutable keys (local, S3) a node
// notices the deletion when its stat cache entry expires (render.stat_ttl) and answers 404;
// FastDFS file IDs are immutable, so variants of a deleted FastDFS file stay in the nodes'
// caches until they are evicted (the edge, which faces clients, is purged at once).
package upload
