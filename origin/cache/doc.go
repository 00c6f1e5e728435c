// Package cache is the cluster cache of the origin pool and the only importer of groupcache.
//
// Two groups hold values on the Go heap: originals (bytes fetched from a store) and variants
// (encoded renditions). On a miss the owner of a key loads it once for the whole cluster
// (groupcache's singleflight); other nodes ask the owner over HTTP on the internal listener
// (PeerHandler, mounted at /_groupcache/, never routed by the front nginx).
//
// # Keys
//
// The keys are made by package render (its key.go: formats in render's package
// documentation) and never need invalidation. This package does not read them: New receives
// the shard function (render.Shard, from the composition root) that maps a key to the string
// nginx hashes.
//
// # Shard key (who owns a key)
//
// The owner is the node nginx's `hash $key consistent` picks (package ring) over the same pool
// list (package pool), for the same string nginx hashes. Two choices, config key shard_key
// (pool.ShardObject, pool.ShardPath):
//
//   - "object" (default): the decoded "{source}/{object key}". For a variant that is the path
//     after "/i/{variant}/", for an original the part before '#'. nginx computes it with a map
//     on $uri. All variants of an original live on the original's owner, so a request that
//     arrives through nginx is served, loaded and resized on one node with no peer hop, and
//     each original is fetched once per cluster.
//   - "path": the whole decoded path (nginx's $uri). Variants of a hot image spread over the
//     pool, but the variant's owner usually is not the original's owner: a peer hop per
//     variant load. Measured on the workload (3 nodes, 200 variants of 20 originals,
//     TestShardKeyWorkload and nginx's TestClusterThroughNginx): "path" makes 133 of 200
//     variant loads fetch their original from a peer and spreads resizes 66/68/66; "object"
//     makes none and spreads them 90/70/40 (by original, so it evens out with more
//     originals). Both load each original and each variant exactly once per cluster. "object"
//     is the default; "path" is for pools where a few images are so hot that
//     one node cannot resize all their variants.
//
// nginx hashes $uri, which is percent-decoded; the shard function unescapes keys the same way,
// so both agree on paths with escaped characters. The query (the token) never enters the key.
//
// # Peer requests are authenticated
//
// Being on the internal network is not a credential: an original is readable byte for byte
// through /_groupcache/originals/ and a variant is rendered on request, and both keys are
// computable from public data (a FastDFS file ID, an upstream's ETag). Every peer request
// therefore carries
//
//	X-Peer-Auth: {unix seconds}.{base64url(HMAC-SHA256(secret, "imgorigin-peer\n" group "\n" key "\n" seconds))}
//
// and PeerHandler refuses anything else with 403 before it looks anything up (missing, two
// headers, a timestamp more than PeerAuthWindow (60 s) from its clock, a MAC for another group
// or key, another secret): no load, no store read, imgorigin_cache_peer_denied_total counts
// it. The secret is cluster.cache.peer_secret: peers sign with current and accept current or
// previous, compared in constant time. Rotation without downtime: (1) every node gets the new
// secret as previous (rolling restart); (2) every node swaps them, current = new, previous =
// old; (3) previous is dropped. A pool of more than one node refuses to start without it.
//
// Why an HMAC and not mutual TLS: the threat is any workload that can open the port asking for
// data; an HMAC bound to group, key and time answers that with the rotation model the origin
// secret already uses, no certificate authority, issuance or expiry to run, groupcache's plain
// HTTP transport and connection reuse unchanged, and one SHA-256 per peer fetch. It does not
// encrypt: peer traffic stays on the internal network, which the deployment files restrict
// (Kubernetes NetworkPolicy: origin pods and the monitoring namespace only; compose: the
// origins' own network); a mesh's mTLS can be added under it. A captured request replays for
// at most 60 s and only for its own key.
//
// The owner also checks the identity in an original's key against a Stat before it reads the
// object (package render), so a key with a forged identity costs a Stat, never a whole read.
//
// # Outcomes
//
// Original and Variant report where the value came from: "hit" (this node's memory, main or
// hot cache; also when the caller waited on another caller's load), "peer" (fetched from the
// owner), "miss" (loaded here). The loaders and the peer getter record it in a value carried
// by ctx.
//
// # Failures between peers
//
// groupcache does not carry errors between peers and, when a peer fails, loads locally. A
// permanent failure of a load (the source says not found, a bad key, an image this origin
// refuses) is therefore remembered for negative_ttl in a small per-node negative cache: on the
// owner, so the store is not asked again, and on the asking node, which receives the failure's
// kind from the owner (HTTP 404/422 + X-Cache-Failure) and answers from its negative cache
// instead of loading itself. A not-found always comes back as an error that matches
// source.ErrNotFound with failure kind KindNotFound. Transient failures (timeouts, overload,
// an unreachable or hanging peer: bounded by peer_timeout) fall back to a local load. An owner
// whose fetch failed at the transport level (refused, reset, no answer within peer_timeout) is
// skipped: its keys load locally at once (imgorigin_cache_peer_skips_total); every
// peer_backoff a background probe of its peer endpoint asks whether it is back. So a hung node
// costs the requests in flight to it one peer_timeout per asking node, not one per request,
// and no request waits on an owner already known to be down (issue 20).
//
// # Memory
//
// originals_bytes and variants_bytes bound each group (keys + values, main and hot cache
// together). Values live on the Go heap, so set GOMEMLIMIT to about
// 1.3 × (originals_bytes + variants_bytes) + the imaging working set (admission budget ×
// decoded bytes per megapixel), and keep the two budgets under ~60 % of the container's
// memory; a hit hands out the cached bytes without copying them (viewBytes; callers must not
// modify them).
//
// # Disk tier
//
// With disk.path set (cluster.cache.disk), each node keeps both groups on its own disk too
// (package diskcache: append-only segments, checksummed records, segment eviction, an index
// rebuilt at start in the background). The getter, which runs on a key's owner after a memory
// miss, asks the disk before it fetches or renders (outcome "disk"), and writes what it loaded
// behind. So a restarted node answers its keys from disk instead of fetching and rendering
// them again, and a node remembers far more than its memory budget. The disk's trouble is
// never a caller's: an unreadable record is a miss, an unwritable disk drops writes
// (imgorigin_cache_disk_degraded). loads_total counts real loads only; disk hits are
// imgorigin_cache_disk_hits_total.
//
// # Process-wide state
//
// groupcache keeps a process-global registry: group names must be unique and the peer picker
// is registered once. This package registers one per-group dispatcher (RegisterPerGroupPeerPicker)
// under a sync.Once and gives every Cache unique group names ("imgorigin-originals-<n>"), so
// several Cache instances can live in one process (tests). The dispatcher's name → picker
// table, written by New before it creates a group, and the counter that makes the names
// unique are that once's only companions (one struct, cache.go); groupcache
// cannot unregister groups, so a closed Cache's groups stay registered (empty).
package cache
