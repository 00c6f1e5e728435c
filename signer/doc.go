// Package signer mints and verifies signed, expiring imgorigin URLs. It is stdlib-only and
// never imports the origin, so apps can depend on it (reference signers for JavaScript and
// Python live in js/ and python/ and are checked against testdata/vectors.json).
//
// # Native token
//
// A signed URL is a canonical image path (package imgurl) plus one query parameter:
//
//	https://cdn.example.com/i/w_300,f_webp/local/photos/cat.jpg?token={kid}.{exp}.{mac}
//
//	kid = the key id, [A-Za-z0-9_-]{1,32}
//	exp = expiry, unix seconds in decimal, no leading zero; rounded UP to the expiry bucket
//	mac = base64url without padding of HMAC-SHA256(secret(kid), "GET\n" + path + "\n" + exp)
//
// path is the canonical escaped path exactly as sent (r.URL.EscapedPath()); HEAD is signed
// and verified as GET. Because exp is bucketed and nothing random enters the URL, every URL
// for one path signed within one bucket is byte-identical. The query carries authorization
// only: CDNs keep it out of their cache key and nginx hashes the path.
//
// Verification looks the kid up in the Ring (no trying of every key), compares the MAC in
// constant time, then checks the expiry with a clock-skew allowance. Failures are distinct
// errors: ErrMalformed, ErrUnknownKey, ErrRetiredKey, ErrBadMAC, ErrExpired, ErrTooLongLife.
//
// # Keys
//
// A Ring holds keys in three states: signing (at most one), verify-only and retired. Key files
// are JSON:
//
//	{"keys": [{"id": "2026-01", "secret": "<base64url, ≥16 bytes>", "state": "signing"}]}
//
// Key, KeyEntry and their slog values never print a secret. ROTATION.md is the runbook.
//
// # CDN-native tokens
//
// AliyunA (auth_key={ts}-{rand}-{uid}-{md5}), TencentA (sign={ts}-{rand}-{uid}-{md5}) and
// TencentD (sign={md5}&t={ts}) render the same model in formats a CDN edge verifies itself.
// The written timestamp is exp minus the console's validity period, so the edge's expiry is the
// bucketed exp and URLs stay deterministic (rand and uid default to "0").
//
// # Upload policies and signed deletes
//
// An upload policy (UploadPolicy: source, key or prefix, max bytes, formats, pixel and frame
// limits, expiry, optional SHA-256) is signed as
//
//	{kid}.{base64url(policy JSON)}.{base64url(HMAC-SHA256(secret, "imgorigin-upload-policy-v1\n" + middle part))}
//
// The MAC covers the transmitted base64url text, so verifiers never re-encode JSON; the domain
// line keeps a policy MAC from ever equalling a URL token's MAC made with the same key. The
// reference signers write the same JSON text (fields in declaration order, empty optional
// fields left out; testdata/upload-vectors.json). A delete is a native token for method DELETE
// over /u/{source}/{escaped key} (DeleteToken, UploadPath).
package signer
