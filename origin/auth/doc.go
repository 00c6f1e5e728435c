// Package auth decides whether the origin serves a request: it verifies the signed-URL token
// (package signer) against the canonical escaped path, or, for CDNs that strip the token before
// pulling from the origin, the CDN's origin-secret header.
//
// A request is admitted when, in this order:
//
//  1. mode is "off" (only possible when no key of any kind is configured), or
//  2. it carries exactly one token parameter (default "token") that verifies: known, unretired
//     key; MAC over "GET\n"+path+"\n"+exp (HEAD as GET); not expired beyond clock_skew; expiry
//     not beyond max_lifetime + expiry_bucket + clock_skew when max_lifetime is set, or
//  3. aliyun_a is configured and it carries exactly one auth_key that verifies, or
//  4. it carries no token and the origin-secret header equals the current or the previous
//     secret (compared in constant time).
//
// Anything else is denied with an error that matches ErrDenied and whose text is the public
// reason: malformed token, unknown key, retired key, bad mac, expired, expiry beyond the maximum
// lifetime, missing token, bad origin secret. The server answers 403 with
// "Cache-Control: private, no-store". Keys are reloaded with Reload, without a restart.
package auth
