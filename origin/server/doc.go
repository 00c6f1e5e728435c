// Package server is the origin's HTTP layer (the only chi importer).
//
// The public listener serves one route family:
//
//	GET|HEAD /i/{variant}/{source}/{key...}?token={kid}.{exp}.{mac}
//
// The path is the cache key (see package signer/imgurl for the grammar); the query carries only
// authorization. Every answer has headers a CDN can cache on (Cache-Control with s-maxage,
// stale-while-revalidate and stale-if-error, a strong ETag, Last-Modified, Surrogate-Key and
// Cache-Tag naming the source object, Server-Timing, X-Origin-Node) and conditional and range
// requests are answered by net/http's ServeContent.
//
// The internal listener serves /metrics, /healthz, /readyz and the cluster cache's peer endpoint
// /_groupcache/ (which authenticates its callers itself), and /debug/pprof/ only when
// server.pprof.enabled is set, each profile bounded by server.pprof.max_duration. Nothing
// internal is reachable on the public listener.
//
// Handlers return errors; statusOf maps a failure kind to a status in one place, and the public
// message is separate from the logged one, tied together by the request id.
package server
