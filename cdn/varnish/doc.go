// Package varnish ships imgorigin.vcl, the VCL for users who put Varnish 7 (Debian's 7.1) in
// front of the front nginx as their cache, and renders the main VCL the tests run
// (MainVCL: the backend, then the include). The varnishtest package starts the real varnishd.
//
// # Contract (what imgorigin.vcl does)
//
//   - Cache key: Host + request path as sent (percent-encoded), never the query. Pulls carry
//     the client's query, so the origin verifies the token of the request that missed; cached
//     objects are served without a token check (Varnish has no HMAC or MD5 in its stock vmods:
//     a CDN in front of Varnish, or the origin, verifies tokens).
//   - Freshness: Varnish's own parser (s-maxage, else max-age); no-store, no-cache, private,
//     Set-Cookie and Vary: * are never stored (the built-in VCL). Request cookies are dropped:
//     the origin reads none, and the built-in VCL would pass every request that has one.
//   - stale-while-revalidate: the object's grace, as Varnish parses it. A stale object inside
//     that window is served at once (X-Cache: STALE) while one background fetch refreshes it.
//   - stale-if-error (Varnish 7 has none): the object's grace is stretched to the origin's
//     stale-if-error when that is longer. Past stale-while-revalidate, inside stale-if-error, a
//     request restarts with req.grace = 0 and req.hash_ignore_busy (no queue behind another
//     failing fetch) and fetches synchronously; when that fetch fails (5xx, connection error,
//     timeout, or an uncacheable answer) it restarts once more onto the stale copy (STALE),
//     whose own background fetch is abandoned at once. Past both windows: the front's answer
//     (its 502 when no node is up, now no-store) passes through, never cached.
//   - A failed refresh never replaces a good object: background and synchronous refreshes that
//     get a 5xx or an uncacheable answer (a forged token's 403 is private, no-store) are
//     abandoned in vcl_backend_response, connection errors in vcl_backend_error; without this
//     Varnish inserts a hit-for-miss marker that evicts the stale copy
//     (bin/varnishd/cache/cache_fetch.c, vbf_stp_fetchend: HSH_Kill(bo->stale_oc)).
//   - A cacheable refresh does replace it: a store 404 (the object was deleted) is the new
//     answer. A 404 says stale-while-revalidate=0, stale-if-error=0, so its grace is 0 and it is
//     served for its max-age only, not max-age + default_grace.
//   - Answers with neither window keep the default_grace parameter (10 s) as their stale-if-error.
//   - X-Cache: HIT, MISS, STALE, PASS (hit-for-miss / pass).
//   - f_auto (origin/autoformat): vcl_recv calls imgorigin_format, the subroutine of
//     FormatsFile that `origin render-formats --varnish` renders from the origins' render.auto.
//     On f_auto paths it sets X-Imgorigin-Format to the format bucket (vcl_hash adds it to the
//     key) and replaces Accept with the bucket's autoformat.CanonicalAccept, so the origin's
//     Vary: Accept leaves one object per bucket and the origin answers that bucket; elsewhere
//     it only removes a client's X-Imgorigin-Format.
//   - Hardening (issue 14 item 8, as the nginx edge stand-in): the main VCL (MainVCL, Site)
//     sets Host to the site's before the included vcl_recv, so the key's host and the pulls'
//     Host never follow the client; a client's X-Origin-Secret and X-Request-Id are removed; the
//     purge API answers only on the listen socket named "purge" (POST /purge?tag=…, a ban on
//     Surrogate-Key) with the bearer token of Site.PurgeToken (401 without; 403 with an Origin
//     header or Sec-Fetch-Site: cross-site); varnishncsa with NCSAFormat logs the path from
//     VCL_Log imgorigin_path, never the query.
//
// Cost: each request past stale-while-revalidate while the front fails makes one pull (not
// coalesced), so a failing front sees the request rate of the stale objects past that window;
// within stale-while-revalidate at most one background fetch per object is in flight.
package varnish
