// Package clustertest starts a real imgorigin cluster on 127.0.0.1 for end-to-end tests:
// N origin processes (the real origin binary, built once per test process) peered through
// groupcache, the front nginx rendered by `origin render-nginx` from the same pool list, and
// optionally the legacy site (legacy/site), the CDN edge stand-in (cdn/edge), a real MinIO
// (source "s3") and the FastDFS protocol stand-in process (source "fdfs"). It follows
// scripts/run: the same generated YAML shape, the same nginx flags
// (nginx -p <prefix> -c nginx.conf -e stderr -g 'daemon off; pid …; error_log stderr;'),
// `user root;` only when running as root. Every port is picked at run time; nothing listens
// beyond loopback; every process stops at cleanup and the logs of a failed test are printed.
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
//
// The generated configuration differs from scripts/run's only where tests need it: the front's
// rate limit is out of the way (100000 r/s), front.fail_timeout is 1 s (a restarted node gets
// its keys back quickly), admission.max_wait is 20 s (a shared 2-core machine), the cache
// budgets are 64 MiB each, and nginx logs its errors to stderr (logs/<name>.log). Options.Env
// overrides any key for every origin (and for render-nginx), e.g.
// IMGORIGIN_SERVER_CACHE_CONTROL_NOT_FOUND_MAX_AGE=2s.
//
// Start takes a TB (testing.TB satisfies it) so a command (cdn/cmd/offload) can run a
// cluster too; MinIO needs a real testing.TB.
package clustertest
