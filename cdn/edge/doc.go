// Package edge renders the configuration of the CDN edge stand-in: stock nginx with
// proxy_cache and the lua module (Debian's nginx + libnginx-mod-http-lua, or OpenResty), put in
// front of the front nginx for local runs and tests so the origin's headers and tokens meet a
// real caching proxy. See cdn/README.md for why nginx and for the real CDNs' settings.
//
// # Behaviour
//
//   - Cache key: Config.Host (the accelerated domain, never the client's Host header) + the
//     request path as sent (percent-encoded), never the query.
//   - Freshness from the origin: Cache-Control s-maxage (preferred) or max-age, for any status;
//     no-store / no-cache / private and Set-Cookie are not stored. stale-while-revalidate serves
//     the stale object while one background request refreshes it; stale-if-error serves it
//     while the origin fails (connection errors, 5xx) — both only within the windows the origin
//     gave (Config.UseStale can add unbounded conditions). Expired objects are revalidated with
//     If-None-Match / If-Modified-Since. Concurrent misses for one key wait for a single pull
//     (proxy_cache_lock).
//   - X-Cache on every proxied answer: nginx's $upstream_cache_status (MISS, HIT, EXPIRED,
//     STALE, UPDATING, REVALIDATED, BYPASS).
//   - Edge URL authentication (Config.Auth, Aliyun CDN type A) under a path prefix:
//     auth_key={timestamp}-{rand}-{uid}-{md5hex}, md5 over "{path}-{timestamp}-{rand}-{uid}-{key}"
//     with the raw request path, valid until timestamp+TTL, primary or backup key; a timestamp
//     whose expiry lies more than Auth.MaxLifetime (default 7 days) ahead is refused. A bad,
//     missing or expired token is answered 403 (Cache-Control: private, no-store, X-Edge-Auth:
//     reason) before the cache is consulted, so nothing is pulled. Accepted requests are pulled
//     without the query and with the origin-secret header (Config.OriginSecret), which goes
//     on pulls under the auth prefix only (never on legacy paths); the client's X-Request-Id
//     is not passed on, and the access log names the path without its query (no tokens).
//   - Purge by source object: the tags of Surrogate-Key (space-separated) and Cache-Tag
//     (comma-separated) response headers are recorded per cache key in a lua shared dict as
//     the response arrives from the origin (tag -> list of keys; an atomic add of a (tag, key)
//     marker keeps the list free of duplicates). POST /purge?tag=T on Config.PurgeListen, with
//     "Authorization: Bearer {Config.PurgeToken}" and no Origin header or cross-site
//     Sec-Fetch-Site (a browser's form POST), pops the
//     list and deletes each key's cache file ({cache_dir}/{md5[-1]}/{md5[-3:-1]}/{md5}, levels
//     1:2); nginx finds the file gone and treats the next request as a MISS. The shared memory
//     index of the cache still counts the deleted bytes until the key is stored again or
//     evicted — acceptable for a stand-in; nginx-plus's proxy_cache_purge or the third-party
//     ngx_cache_purge module would also fix the index.
//   - Config.DemoRoot (local runs only): a directory served as static files under /demo/,
//     no auth, Cache-Control: no-store, never pulled from the origin (scripts/run writes the
//     demo page there).
//
// Only loopback addresses are expected; the purge server allows 127.0.0.1 only.
package edge
