// Package discovery re-resolves the origin pool from DNS, so that a pool can grow and shrink
// without editing the static list (cluster.pool): on Kubernetes, the headless Service of the
// origins' StatefulSet publishes one record per pod.
//
// # Records
//
// Two kinds of lookup, config key type:
//
//   - "srv" (default): the SRV records of name, e.g. _http._tcp.imgorigin-peers.ns.svc.cluster.local
//     (Kubernetes publishes _{port name}._tcp.{service}.{namespace}.svc.{zone} for a headless
//     Service). Each record gives a member: Name = {target}:{record port}, Internal =
//     {target}:{internal_port}. The targets of a StatefulSet are the pods' stable names
//     (origin-0.imgorigin-peers.ns.svc.cluster.local), so a pod that restarts with a new
//     address keeps its name, and so its place on the ring.
//   - "a": the A/AAAA records of name; each address gives Name = {address}:{port}, Internal =
//     {address}:{internal_port}. Addresses change when pods restart, and the keys they own move
//     with them: use it only where names are not available.
//
// The trailing dot of a target is removed and names are lower-cased, so the member names are
// the strings nginx's upstream block is rendered with (origin render-nginx --watch renders it
// from the same lookup) and the strings the peer ring hashes: nginx and the ring agree.
//
// # Contract
//
// Resolve returns the members sorted by name, without duplicates, or an error; it never returns
// an empty pool without an error (an empty answer is ErrEmpty: a DNS hiccup must not shrink the
// pool to nothing). Watch calls its function with the first pool and then with every pool that
// differs from the last one it was given; lookups that fail keep the last pool.
package discovery
