// Package ring reproduces nginx's `hash $key consistent` upstream balancing
// (ngx_http_upstream_hash_module, ketama-compatible with Cache::Memcached::Fast) in pure Go, so
// the origin's cache can name the node nginx routes a key to.
//
// The ring, exactly as nginx builds it from an upstream block:
//
//   - Each server contributes weight × 160 points.
//   - The server string is the `server` directive's argument as written (pool.Member.Name). It is
//     split into host and port at the last ':' when everything after it is decimal digits;
//     otherwise (no port, or an IPv6 literal without port) host is the whole string and port is
//     empty. A "unix:" prefix is dropped and port is empty.
//   - Point j of a server is CRC32-IEEE(host "\x00" port prev), where prev is the previous
//     point's hash as 4 little-endian bytes (0 for the first point).
//   - Points are sorted by hash; among points with equal hash only one is kept. nginx keeps
//     whichever its (unstable) qsort leaves first; this package keeps the server listed first.
//     Collisions between servers are rare (about 3·10⁻⁵ for three servers) and are the only
//     case where the two may disagree.
//
// A server name that resolves to several addresses becomes several nginx peers sharing one
// server string, hence one set of points; nginx then balances between those addresses by
// weighted round-robin. The ring names the server string; pool entries should name one node
// each (an address, or a name resolving to one address).
//
// A key maps to CRC32-IEEE(key); its point is the first point whose hash is ≥ the key's hash,
// wrapping to the first point. When that server is down or fails, nginx walks to the next
// point, skipping servers already tried, so the failover order of a key is the sequence of
// distinct servers met walking the ring from its point: PickN.
package ring
