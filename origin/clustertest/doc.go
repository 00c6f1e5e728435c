// Package clustertest is the tests' handle on origin/stack: Start starts a stack in the test's
// temporary directory and stops it at t.Cleanup (printing the logs of a failed test), and the
// helpers fail the test instead of returning errors. Everything else — what runs, on which
// ports, with which configuration — is package stack's (see its doc).
//
// Usage:
//
//	func TestMain(m *testing.M) { clustertest.Main(m) } // removes the built binaries at exit
//
//	c := clustertest.Start(t, clustertest.Options{Nodes: 3, Edge: true})
//	c.WriteLocal(t, "photos/cat.jpg", clustertest.JPEG(320, 240, 1))
//	p := clustertest.Path(t, imgurl.Path{Variant: …, Source: "local", Key: "photos/cat.jpg"})
//	r := c.Get(t, c.FrontURL+c.Signed(t, p, time.Now().Add(time.Hour)))   // origin token
//	r = c.Get(t, c.EdgeURL+c.EdgeSigned(t, p, time.Now().Add(time.Hour))) // Aliyun type A
//	owner := c.Owner(p)                                                    // ring owner (PickN: Owners)
//	m, err := c.Node(0).Metrics()                                          // one node's scrape
//	fetches := c.Sum(t, "imgorigin_source_fetches_total", map[string]string{"result": "ok"}) // all nodes
//	c.Node(1).Kill(); c.Node(1).Restart(); c.Node(0).Signal(syscall.SIGHUP)
//
// With Options.Disk every origin keeps a disk tier (cluster.cache.disk) in Node.DiskDir, which
// survives Kill and Restart as a node's volume does.
//
// The source "local" reads Cluster.LocalDir, which tests fill at any time (before the first
// request for a key: the origin remembers a missing original for cluster.cache.negative_ttl).
// Options.Env overrides any key for every origin, e.g.
// IMGORIGIN_SERVER_CACHE_CONTROL_NOT_FOUND_MAX_AGE=2s; Options.OriginConfig changes the
// configuration before it is written.
package clustertest
