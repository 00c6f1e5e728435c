// Package e2e holds the end-to-end tests of the cache policy through the CDN edge stand-in:
// edge (cdn/edge) → front nginx → origin processes → store (local directory or MinIO), all
// real processes started by origin/clustertest on 127.0.0.1. Back-to-origin pulls are counted
// with the origins' imgorigin_requests_total, resizes with imgorigin_renders_total and store
// reads with imgorigin_source_fetches_total. The package has no code outside its tests.
package e2e
