package clustertest

import (
	"context"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/edge"
	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// TB is the part of testing.TB the harness uses; testing.TB satisfies it.
type TB interface {
	Helper()
	Logf(format string, args ...any)
	Fatalf(format string, args ...any)
	Cleanup(func())
	TempDir() string
	Failed() bool
}

// Options says what to start (stack.Options). The zero value is three origins behind the
// front nginx with the local source only.
type Options = stack.Options

// Response is a finished HTTP exchange with its body read.
type Response = stack.Response

// Metrics is one scrape in Prometheus text format (stack.Metrics).
type Metrics = stack.Metrics

// Cluster is a running stack whose helpers fail the test instead of returning errors.
type Cluster struct {
	*stack.Stack
	Nodes []*Node

	t TB
}

// Node is one origin process (stack.Node) whose Restart and Signal fail the test on error.
type Node struct {
	*stack.Node
	c *Cluster
}

// Main runs the tests and then removes the binaries Start built. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	stack.RemoveBinaries()
	os.Exit(code)
}

// ParseMetrics parses the Prometheus text exposition format (comments skipped, timestamps
// ignored).
func ParseMetrics(text string) (Metrics, error) { return stack.ParseMetrics(text) }

// Start starts a stack in t's temporary directory and stops it at t's cleanup (printing the
// logs of a failed test). It fails t when anything does not start.
func Start(t TB, opts Options) *Cluster {
	t.Helper()
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	if opts.Logf == nil {
		opts.Logf = t.Logf
	}
	s, err := stack.Start(context.Background(), opts)
	if s != nil {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("clustertest: logs of the failed test (%s):\n%s", s.Dir, s.Logs(20))
			}
			s.Close()
		})
	}
	if err != nil {
		t.Fatalf("%v", err)
	}
	c := &Cluster{Stack: s, t: t}
	for _, n := range s.Nodes {
		c.Nodes = append(c.Nodes, &Node{Node: n, c: c})
	}
	return c
}

// Restart starts a stopped or killed node again on the same addresses and waits until it is
// ready; a running node is stopped first. It fails the test when the node does not come up.
func (n *Node) Restart() {
	n.c.t.Helper()
	if err := n.Node.Restart(); err != nil {
		n.c.t.Fatalf("%v", err)
	}
}

// Signal sends sig to the running process (SIGHUP reloads the keys).
func (n *Node) Signal(sig os.Signal) {
	n.c.t.Helper()
	if err := n.Node.Signal(sig); err != nil {
		n.c.t.Fatalf("%v", err)
	}
}

func (c *Cluster) wrap(n *stack.Node) *Node {
	if n == nil {
		return nil
	}
	return c.Nodes[n.Index]
}

// Node returns the i-th origin node (0-based).
func (c *Cluster) Node(i int) *Node { return c.Nodes[i] }

// NodeByName returns the node whose X-Origin-Node is name, or nil.
func (c *Cluster) NodeByName(name string) *Node { return c.wrap(c.Stack.NodeByName(name)) }

// NodeByAddr returns the node whose pool entry is addr, or nil.
func (c *Cluster) NodeByAddr(addr string) *Node { return c.wrap(c.Stack.NodeByAddr(addr)) }

// Owners returns the nodes nginx tries for an escaped request path, owner first.
func (c *Cluster) Owners(escapedPath string, n int) []*Node {
	var out []*Node
	for _, o := range c.Stack.Owners(escapedPath, n) {
		out = append(out, c.wrap(o))
	}
	return out
}

// Owner returns the node that owns an escaped request path.
func (c *Cluster) Owner(escapedPath string) *Node { return c.wrap(c.Stack.Owner(escapedPath)) }

// StartEdge starts one more edge in front of the front nginx (stack.Stack.StartEdge) and
// returns its base URL.
func (c *Cluster) StartEdge(t TB, name string, edit func(*edge.Config)) string {
	t.Helper()
	u, err := c.Stack.StartEdge(name, edit)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return u
}

// StopNginx stops one of the cluster's nginx instances by name: "front", "legacy", "edge" or
// a name given to StartEdge.
func (c *Cluster) StopNginx(t TB, name string) {
	t.Helper()
	if err := c.Stack.StopNginx(name); err != nil {
		t.Fatalf("%v", err)
	}
}

// RenderFormats returns `origin render-formats` of the cluster's configuration with flags.
func (c *Cluster) RenderFormats(t TB, flags ...string) string {
	t.Helper()
	out, err := c.Stack.RenderFormats(flags...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return out
}

// PutS3 stores an original in MinIO (Options.MinIO) under key.
func (c *Cluster) PutS3(t TB, key string, data []byte, contentType string) {
	t.Helper()
	if err := c.Stack.PutS3(context.Background(), key, data, contentType); err != nil {
		t.Fatalf("clustertest: %v", err)
	}
}

// WriteLocal stores an original for source "local" under key (slash-separated).
func (c *Cluster) WriteLocal(t TB, key string, data []byte) {
	t.Helper()
	if err := c.Stack.WriteLocal(key, data); err != nil {
		t.Fatalf("clustertest: %v", err)
	}
}

// WriteLegacy stores a file in the legacy site's tree at path (slash-separated, no leading /).
func (c *Cluster) WriteLegacy(t TB, path string, data []byte) {
	t.Helper()
	if err := c.Stack.WriteLegacy(path, data); err != nil {
		t.Fatalf("clustertest: %v", err)
	}
}

// Get is Do("GET") failing t on a transport error.
func (c *Cluster) Get(t TB, url string) Response {
	t.Helper()
	r, err := c.Do(http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return r
}

// Sum adds a metric over every running node; it fails t when a running node's metrics cannot
// be read.
func (c *Cluster) Sum(t TB, name string, labels map[string]string) float64 {
	t.Helper()
	v, err := c.Stack.Sum(name, labels)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return v
}

// SumAtLeast polls Sum until it reaches atLeast or limit passes (stack.Stack.SumAtLeast).
func (c *Cluster) SumAtLeast(t TB, name string, labels map[string]string, atLeast float64, limit time.Duration) float64 {
	t.Helper()
	v, err := c.Stack.SumAtLeast(name, labels, atLeast, limit)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return v
}

// Path returns the canonical escaped path of p, failing t when p is not valid.
func Path(t TB, p imgurl.Path) string {
	t.Helper()
	s, err := stack.Path(p)
	if err != nil {
		t.Fatalf("clustertest: %v", err)
	}
	return s
}

// Token returns the origin's authorization query ("token=k1.{exp}.{mac}") for an escaped
// path, valid until exp.
func (c *Cluster) Token(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	q, err := c.Stack.Token(escapedPath, exp)
	if err != nil {
		t.Fatalf("clustertest: sign: %v", err)
	}
	return q
}

// Signed returns escapedPath + "?" + the origin token valid until exp: append it to FrontURL
// or a node's URL.
func (c *Cluster) Signed(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	return escapedPath + "?" + c.Token(t, escapedPath, exp)
}

// EdgeAuth returns the edge's authorization query (Aliyun type A "auth_key=…") for an
// escaped path, valid until exp.
func (c *Cluster) EdgeAuth(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	q, err := c.Stack.EdgeAuth(escapedPath, exp)
	if err != nil {
		t.Fatalf("clustertest: edge sign: %v", err)
	}
	return q
}

// EdgeSigned returns escapedPath + "?" + the edge authorization valid until exp: append it
// to EdgeURL.
func (c *Cluster) EdgeSigned(t TB, escapedPath string, exp time.Time) string {
	t.Helper()
	return escapedPath + "?" + c.EdgeAuth(t, escapedPath, exp)
}
