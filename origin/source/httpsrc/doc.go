// Package httpsrc is the source for originals that live behind another web server: one
// source instance per allow-listed base URL, so the image URL's {source} segment picks the
// base and the key is appended to it:
//
//	base_url: https://static.example.com/originals/
//	key:      photos/2024/cat 1.jpg
//	fetches:  https://static.example.com/originals/photos/2024/cat%201.jpg
//
// # Safety
//
//   - Keys pass source.CheckKey (no "..", ".", empty segments, absolute keys, NUL, bad UTF-8)
//     and every segment is escaped with url.PathEscape, so a key can add neither a scheme, a
//     host, a query, a fragment nor a path above the base. The built URL is re-checked against
//     the base before it is requested.
//   - Every connection's address is checked when it is dialled by the guard of package
//     dialguard (net.Dialer.Control sees the resolved IP), so DNS answers that change between
//     checks (rebinding) do not get through. Private, loopback, link-local and the other
//     non-public ranges listed there are refused unless allow_private is set; cloud metadata
//     endpoints are refused even then. Environment proxies are ignored: a proxy would dial for
//     us unchecked.
//   - Redirects are followed at most max_redirects times and only to URLs under base_url or
//     one of redirect_bases (same scheme, host and path prefix); each hop is re-checked and
//     re-dialled through the same guard. The path is checked the ways an upstream may
//     resolve it: percent-encoded dots are dots (%2e%2e, .%2E), and %2F, "\" and ";"
//     parameters may or may not split segments (..%2f, ..%5c, ..;); a target that leaves
//     the base under any reading is refused. Keys whose segments would climb that way
//     (a\..\x) are refused as invalid.
//   - Bodies are cut off with source.ErrTooLarge past max_object_size while streaming.
//
// # Status mapping
//
// 200 is the object. 404 and 410 → source.ErrNotFound; 400 and 414 → source.ErrInvalidKey;
// anything else (401/403, 429, 5xx, a refused redirect or address, timeouts, resets) →
// source.ErrUnavailable. Stat uses HEAD, falling back to GET when the server answers 405/501.
//
// # Identity
//
// Identity hashes the ETag, Last-Modified and Content-Length the server sends. An upstream
// that sends neither ETag nor Last-Modified only changes identity when the size changes:
// configure it to send validators.
//
// # Settings
//
//	base_url                 allow-listed base, http(s), path ending in "/" (required)
//	redirect_bases           further bases redirects may lead to ([])
//	max_redirects            redirects followed per request (3; 0 refuses redirects)
//	allow_private            permit private/loopback/link-local addresses (false)
//	connect_timeout          TCP connect and TLS handshake bound (2s)
//	response_header_timeout  bound on waiting for response headers (10s)
//	timeout                  whole request incl. redirects and body transfer (30s)
//	max_idle_conns           idle keep-alive connections per host (32)
//	max_object_size          bigger bodies fail with source.ErrTooLarge (64 MiB; 0 = none)
//	user_agent               User-Agent sent upstream ("imgorigin")
package httpsrc
