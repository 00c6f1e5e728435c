// Package auth decides whether the origin serves a request: it verifies the signed-URL token
// (package signer) against the canonical escaped path, or, for CDNs that strip the token before
// pulling from the origin, the CDN's origin-secret header.
//
// A request is admitted when, in this order:
//
//  1. mode is "off" (written explicitly, and only when no key of any kind is configured), or
//  2. it carries exactly one token parameter (default "token") that verifies: known, unretired
//     key; MAC over "GET\n"+path+"\n"+exp (HEAD as GET); not expired beyond clock_skew; expiry
//     not beyond max_lifetime + expiry_bucket + clock_skew, or
//  3. aliyun_a is configured and it carries exactly one auth_key that verifies, with the same
//     bound on its expiry (timestamp + valid_for), or
//  4. it carries no token and the origin-secret header equals the current or the previous
//     secret (compared in constant time).
//
// Fail closed: a configuration with no key of any kind is refused unless mode: off is written,
// so a node never serves unsigned URLs because a key file was forgotten; max_lifetime always
// has a value (default 7 days). Key files that are group- or world-writable are refused
// (package secretfile).
//
// Anything else is denied with an error that matches ErrDenied and whose text is the public
// reason: malformed token, unknown key, retired key, bad mac, expired, expiry beyond the maximum
// lifetime, missing token, bad origin secret. The server answers 403 with
// "Cache-Control: private, no-store". Keys are reloaded with Reload, without a restart.
package auth
