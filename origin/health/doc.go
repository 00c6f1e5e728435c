// Package health runs active health checks of the origin pool for the front nginx: every
// interval it asks each node's internal listener for /readyz, and reports the set of nodes
// that are down, so `origin render-nginx --watch` can render them `down` in the upstream block
// and reload nginx.
//
// # Why active checks
//
// nginx's own (passive) checks count a failure only when a request fails. A node that hangs —
// SIGSTOP, a stuck disk, a kernel that still accepts connections — makes every request for
// its keys wait the front's read timeout (30 s by default), which must stay above the render
// timeout, so the stall is that long; and until max_fails such requests have timed out,
// nothing fails over. /readyz is answered by a goroutine of the internal listener in
// microseconds whatever the renders are doing, so a probe timeout of 1 s tells a hung node
// from a busy one.
//
// # Contract
//
// A node is down after Fails consecutive failed probes (no 200 within Timeout) and up again
// after Passes consecutive good ones. All probes of a round run at once; a round starts every
// Interval. The callback gets the names of the down nodes, sorted, each time that set changes
// (never for the initial all-up state). A node drained for shutdown answers /readyz 503 and so
// leaves the front like a hung one. With the defaults (1 s, 1 s, 2, 2) a hung node is detected
// within 2–3 s; the reload then takes nginx's own time (new workers: well under a second).
//
// nginx keeps a down server's points on its consistent-hash ring and skips them, so only the
// down node's keys move (to the next node on the ring, as on failover), and they come back
// when it does.
package health
