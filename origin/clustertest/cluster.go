package clustertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/cdn/edge"
	"github.com/imgorigin/imgorigin/legacy/site"
	"github.com/imgorigin/imgorigin/nginx/nginxtest"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/ring"
	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/source/s3/miniotest"
	"github.com/imgorigin/imgorigin/signer"
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

// Options says what to start. The zero value is three origins behind the front nginx with the
// local source only.
type Options struct {
	Nodes  int  // origin processes; 0 means 3
	Legacy bool // the legacy site (nginx serving LegacyDir), routed by the front's ACL
	Edge   bool // the CDN edge stand-in (nginx proxy_cache + lua) in front of the front nginx
	// HealthCheck runs the front's health-check watcher (`origin render-nginx --watch` with
	// front.health_check): it renders hung or draining nodes down and reloads the front.
	HealthCheck bool
	MinIO       bool // a real MinIO as source "s3" (needs a testing.TB)
	FastDFS     bool // the fdfsfake process as source "fdfs", seeded with FastDFSFiles
	// FastDFSTrackers, when set, is a FastDFS cluster that is already running (e.g. an
	// in-process fdfstest.Server whose faults the test drives) used as source "fdfs" with
	// every tracker listed; no fdfsfake is started.
	FastDFSTrackers []string

	// FastDFSFiles are uploaded to the FastDFS stand-in at its start; Cluster.FDFS maps each
	// name to its file ID.
	FastDFSFiles map[string][]byte
	// ShardKey is cluster.cache.shard_key ("object" or "path"); empty keeps the default.
	ShardKey string
	// Disk gives every origin a disk tier (cluster.cache.disk.path) in its own directory,
	// Node.DiskDir, kept across Restart as a volume per node is.
	Disk bool
	// Env adds IMGORIGIN_*=value overrides for every origin process, e.g.
	// "IMGORIGIN_SERVER_CACHE_CONTROL_NOT_FOUND_MAX_AGE=2s".
	Env []string
	// FrontWorkers is the front nginx's worker_processes; empty means "2".
	FrontWorkers string
	// EdgeConfig, when set, changes the edge configuration before it is rendered.
	EdgeConfig func(*edge.Config)
	// BinDir holds prebuilt origin and fdfsfake binaries (e.g. the repository's bin/); empty
	// builds them once per process with go build.
	BinDir string
	// Dir is where configuration, data and logs go; empty means t.TempDir().
	Dir string
}

// EdgeTTL is the validity of edge (Aliyun type A) URLs after their timestamp.
const EdgeTTL = 30 * time.Minute

// Cluster is a running cluster.
type Cluster struct {
	Dir       string // configuration, data, logs/
	LocalDir  string // root of source "local": tests put originals here
	LegacyDir string // the legacy site's tree (with Options.Legacy)

	FrontAddr, FrontURL string
	EdgeAddr, EdgeURL   string // with Options.Edge
	PurgeURL            string // the edge's purge API, http://host:port
	LegacyAddr          string // with Options.Legacy

	Nodes    []*Node
	Pool     []pool.Member // the pool list, as written in nginx's upstream block
	ShardKey string        // cluster.cache.shard_key in effect

	Keys         *signer.Ring // the origin's signing keys (kid "k1")
	EdgeKey      string       // the edge's Aliyun type A key
	OriginSecret string       // X-Origin-Secret value the edge adds to pulls
	ConfigPath   string       // the origins' YAML

	S3   *miniotest.Server // with Options.MinIO
	FDFS map[string]string // with Options.FastDFS: FastDFSFiles name → file ID

	Client *http.Client

	t      TB
	bin    string
	env    []string
	disk   bool
	mu     sync.Mutex
	procs  []*proc // nginx instances and fdfsfake, stopped in reverse order
	closed bool
}

// Start starts a cluster and stops it at t's cleanup. It fails t when anything does not start.
func Start(t TB, opts Options) *Cluster {
	t.Helper()
	c, err := launch(t, opts)
	for attempt := 1; attempt < 3 && errors.Is(err, errPortInUse); attempt++ {
		if c != nil {
			c.Close()
		}
		t.Logf("%v\nclustertest: starting again on other ports", err)
		c, err = launch(t, opts)
	}
	if c != nil {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("clustertest: logs of the failed test (%s):\n%s", c.Dir, c.Logs(20))
			}
			c.Close()
		})
	}
	if err != nil {
		t.Fatalf("%v", err)
	}
	return c
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func launch(t TB, opts Options) (*Cluster, error) {
	if opts.Nodes <= 0 {
		opts.Nodes = 3
	}
	if opts.FrontWorkers == "" {
		opts.FrontWorkers = "2"
	}
	bin, err := buildBinaries(opts.BinDir)
	if err != nil {
		return nil, err
	}
	dir := opts.Dir
	if dir == "" {
		dir = t.TempDir()
	}
	c := &Cluster{
		Dir: dir, LocalDir: filepath.Join(dir, "local"), LegacyDir: filepath.Join(dir, "legacy-site"),
		t: t, bin: bin, env: opts.Env, disk: opts.Disk, ShardKey: cache.DefaultConfig().ShardKey,
		EdgeKey: randomHex(12), OriginSecret: randomHex(16),
		Client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}
	if opts.ShardKey != "" {
		c.ShardKey = opts.ShardKey
	}
	// Nodes allocate with jemalloc, as every start path has them (`origin allocator-env`);
	// Options.Env comes after, so a test can still override it.
	alloc, err := exec.Command(filepath.Join(bin, "origin"), "allocator-env").Output()
	if err != nil {
		return nil, fmt.Errorf("clustertest: origin allocator-env (libjemalloc2 missing? scripts/install-deps): %w", err)
	}
	c.env = append(strings.Fields(string(alloc)), opts.Env...)
	for _, d := range []string{c.LocalDir, c.LegacyDir, filepath.Join(dir, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	// Signing keys, as `imgsign keygen` writes them.
	key, err := signer.NewKey("k1", signer.Signing)
	if err != nil {
		return nil, err
	}
	if c.Keys, err = signer.NewRing(key); err != nil {
		return nil, err
	}
	kf, err := signer.MarshalKeyFile([]signer.Key{key})
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "keys.json"), kf, 0o600); err != nil {
		return nil, err
	}

	var sources strings.Builder
	fmt.Fprintf(&sources, "  local: {type: local, local: {root: %q}}\n", c.LocalDir)
	if opts.MinIO {
		tb, ok := t.(testing.TB)
		if !ok {
			return nil, fmt.Errorf("clustertest: Options.MinIO needs a testing.TB")
		}
		c.S3 = miniotest.Start(tb)
		sc := c.S3.Config()
		fmt.Fprintf(&sources, "  s3:\n    type: s3\n    s3: {endpoint: %q, bucket: %q, path_style: true, access_key: %q, secret_key: %q, connect_timeout: 1s, max_backoff: 100ms}\n",
			sc.Endpoint, sc.Bucket, sc.AccessKey, sc.SecretKey)
	}
	if len(opts.FastDFSTrackers) > 0 {
		q := make([]string, len(opts.FastDFSTrackers))
		for i, tr := range opts.FastDFSTrackers {
			q[i] = strconv.Quote(tr)
		}
		fmt.Fprintf(&sources, "  fdfs:\n    type: fastdfs\n    fastdfs: {trackers: [%s]}\n", strings.Join(q, ", "))
	} else if opts.FastDFS {
		trackers, err := c.startFastDFS(opts.FastDFSFiles)
		if err != nil {
			return c, err
		}
		fmt.Fprintf(&sources, "  fdfs:\n    type: fastdfs\n    fastdfs: {trackers: [%q]}\n", trackers[0])
	}

	// Ports.
	addr := func() string {
		a, e := freeAddr()
		if e != nil && err == nil {
			err = e
		}
		return a
	}
	var poolYAML strings.Builder
	for i := 0; i < opts.Nodes; i++ {
		n := &Node{c: c, Index: i, Name: fmt.Sprintf("origin-%d", i+1), Addr: addr(), InternalAddr: addr()}
		n.URL, n.InternalURL = "http://"+n.Addr, "http://"+n.InternalAddr
		c.Nodes = append(c.Nodes, n)
		c.Pool = append(c.Pool, pool.Member{Name: n.Addr, Weight: 1})
		fmt.Fprintf(&poolYAML, "    - {name: %q, internal: %q}\n", n.Addr, n.InternalAddr)
	}
	c.FrontAddr = addr()
	c.FrontURL = "http://" + c.FrontAddr
	if opts.Legacy {
		c.LegacyAddr = addr()
	}
	if opts.Edge {
		c.EdgeAddr = addr()
		c.EdgeURL = "http://" + c.EdgeAddr
		c.PurgeURL = "http://" + addr()
	}
	if err != nil {
		return c, err
	}
	legacy := "[]"
	if opts.Legacy {
		legacy = fmt.Sprintf("[%q]", c.LegacyAddr)
	}
	// The shape of scripts/run's origin.yaml, with test-friendly front limits.
	yaml := fmt.Sprintf(`# Generated by origin/clustertest.
log: {level: info, format: json}
auth:
  key_file: %q
  origin_secret: {header: X-Origin-Secret, current: %q}
admission: {max_wait: 20s}
sources:
%scluster:
  cache: {shard_key: %s, originals_bytes: 67108864, variants_bytes: 67108864}
  pool:
%sfront:
  listen: %q
  legacy: %s
  access_log: logs/access.log
  error_log: stderr
  worker_processes: %q
  rate_limit: 100000
  rate_burst: 100000
  fail_timeout: 1s
`, filepath.Join(dir, "keys.json"), c.OriginSecret, sources.String(), c.ShardKey, poolYAML.String(), c.FrontAddr, legacy, opts.FrontWorkers)
	c.ConfigPath = filepath.Join(dir, "origin.yaml")
	if err := os.WriteFile(c.ConfigPath, []byte(yaml), 0o600); err != nil {
		return c, err
	}
	if out, err := c.origin("check-config"); err != nil {
		return c, fmt.Errorf("clustertest: origin check-config: %w\n%s\n%s", err, out, yaml)
	}

	// Origins: start all, then wait for all.
	for _, n := range c.Nodes {
		if err := n.start(); err != nil {
			return c, err
		}
	}
	for _, n := range c.Nodes {
		if err := n.waitReady(); err != nil {
			return c, err
		}
	}

	if opts.Legacy {
		sc := site.DefaultConfig()
		sc.Listen, sc.Root, sc.AccessLog = c.LegacyAddr, c.LegacyDir, "logs/legacy-access.log"
		sc.User = rootUser()
		conf, err := site.Render(sc)
		if err != nil {
			return c, fmt.Errorf("clustertest: legacy site: %w", err)
		}
		if err := c.startNginx("legacy", conf, c.LegacyAddr, ""); err != nil {
			return c, err
		}
	}

	front, err := c.origin("render-nginx")
	if err != nil {
		return c, fmt.Errorf("clustertest: origin render-nginx: %w\n%s", err, front)
	}
	// The user directive goes on the command line, as scripts/run passes it: the health-check
	// watcher rewrites the file, and -g survives nginx's reloads.
	if err := c.startNginx("front", front, c.FrontAddr, rootUserDirective()); err != nil {
		return c, err
	}
	if opts.HealthCheck {
		prefix := filepath.Join(c.Dir, "front")
		p, err := startProc("front-health", filepath.Join(c.Dir, "logs", "front-health.log"), c.env, filepath.Join(c.bin, "origin"),
			"render-nginx", "-c", c.ConfigPath, "--self", c.Nodes[0].Addr,
			"--watch", filepath.Join(prefix, "nginx.conf"), "--nginx-pid", filepath.Join(prefix, "nginx.pid"))
		if err != nil {
			return c, err
		}
		c.track(p)
	}

	if opts.Edge {
		if err := c.startEdge("edge", c.EdgeAddr, strings.TrimPrefix(c.PurgeURL, "http://"), opts.EdgeConfig); err != nil {
			return c, err
		}
	}
	return c, nil
}

// edgeConfig is the edge configuration of scripts/run: Aliyun type A auth with EdgeKey, the
// origin secret on pulls, upstream the front nginx.
func (c *Cluster) edgeConfig(listen, purge string) edge.Config {
	ec := edge.DefaultConfig()
	ec.Listen, ec.PurgeListen, ec.Upstream = listen, purge, c.FrontAddr
	ec.Auth.Type, ec.Auth.Keys, ec.Auth.TTL = edge.AuthAliyunA, []string{c.EdgeKey}, EdgeTTL
	ec.OriginSecret.Header, ec.OriginSecret.Value = "X-Origin-Secret", c.OriginSecret
	ec.User = rootUser()
	ec.AccessLog = "logs/edge-access.log"
	return ec
}

func (c *Cluster) startEdge(name, listen, purge string, edit func(*edge.Config)) error {
	ec := c.edgeConfig(listen, purge)
	// The f_auto maps come from the origins' configuration, as scripts/run renders them.
	maps, err := c.origin("render-formats")
	if err != nil {
		return fmt.Errorf("clustertest: origin render-formats: %w\n%s", err, maps)
	}
	ec.FormatMaps = maps
	if edit != nil {
		edit(&ec)
	}
	conf, err := edge.Render(ec)
	if err != nil {
		return fmt.Errorf("clustertest: %s: %w", name, err)
	}
	return c.startNginx(name, conf, listen, "")
}

// StartEdge starts one more edge in front of the front nginx, configured like Options.Edge's
// and then changed by edit (e.g. auth off and the query passed, so the origin verifies its own
// token), and returns its base URL. It stops with the cluster.
func (c *Cluster) StartEdge(t TB, name string, edit func(*edge.Config)) string {
	t.Helper()
	for attempt := 1; ; attempt++ {
		listen, err := freeAddr()
		if err != nil {
			t.Fatalf("%v", err)
		}
		purge, err := freeAddr()
		if err != nil {
			t.Fatalf("%v", err)
		}
		err = c.startEdge(name, listen, purge, edit)
		if err == nil {
			return "http://" + listen
		}
		if !errors.Is(err, errPortInUse) || attempt == 3 {
			t.Fatalf("%v", err)
		}
		t.Logf("%v\nclustertest: starting %s again on other ports", err, name)
	}
}

// StopNginx stops one of the cluster's nginx instances by name: "front", "legacy", "edge" or
// a name given to StartEdge (graceful quit, then a kill after 5 s). Its port is closed after.
func (c *Cluster) StopNginx(t TB, name string) {
	t.Helper()
	c.mu.Lock()
	var p *proc
	for _, q := range c.procs {
		if q.name == name {
			p = q
		}
	}
	c.mu.Unlock()
	if p == nil {
		t.Fatalf("clustertest: no nginx named %q", name)
	}
	p.stop(syscall.SIGQUIT, 5*time.Second)
}

// rootUser is "root" when this process runs as root: nginx's workers would otherwise run as
// nobody and could not use the prefix's temp and cache directories.
func rootUser() string {
	if os.Geteuid() == 0 {
		return "root"
	}
	return ""
}

// rootUserDirective is " user root;" for nginx's -g when running as root (workers would run as
// nobody and could not write the prefix), else "".
func rootUserDirective() string {
	if u := rootUser(); u != "" {
		return " user " + u + ";"
	}
	return ""
}

// RenderFormats returns `origin render-formats` of the cluster's configuration with flags
// (none: the nginx maps; "--varnish": the VCL subroutine; "--cloudfront": the function).
func (c *Cluster) RenderFormats(t TB, flags ...string) string {
	t.Helper()
	out, err := c.origin("render-formats", flags...)
	if err != nil {
		t.Fatalf("clustertest: origin render-formats %v: %v\n%s", flags, err, out)
	}
	return out
}

// origin runs a one-shot subcommand of the origin binary on the cluster's configuration.
func (c *Cluster) origin(cmd string, flags ...string) (string, error) {
	args := append([]string{cmd, "-c", c.ConfigPath, "--self", c.Nodes[0].Addr}, flags...)
	x := exec.Command(filepath.Join(c.bin, "origin"), args...)
	x.Env = append(os.Environ(), c.env...)
	var stderr strings.Builder
	x.Stderr = &stderr
	out, err := x.Output()
	if err != nil {
		return stderr.String(), err
	}
	return string(out), nil
}

// startNginx writes conf into a prefix under Dir and runs nginx there, like scripts/run, with
// globals added to the -g directives.
func (c *Cluster) startNginx(name, conf, addr, globals string) error {
	bin, err := nginxtest.Binary()
	if err != nil {
		return err
	}
	prefix := filepath.Join(c.Dir, name)
	for _, d := range []string{"logs", "temp"} {
		if err := os.MkdirAll(filepath.Join(prefix, d), 0o755); err != nil {
			return err
		}
	}
	confPath := filepath.Join(prefix, "nginx.conf")
	if err := os.WriteFile(confPath, []byte(conf), 0o600); err != nil { // the edge's holds its keys
		return err
	}
	_ = os.Remove(filepath.Join(prefix, "nginx.pid")) // a killed predecessor's would read as ready
	p, err := startProc(name, filepath.Join(c.Dir, "logs", name+".log"), nil, bin,
		"-p", prefix+"/", "-e", "stderr", "-c", confPath,
		"-g", "daemon off; pid "+filepath.Join(prefix, "nginx.pid")+"; error_log stderr;"+globals)
	if err != nil {
		return err
	}
	p.stopSig = syscall.SIGQUIT
	c.track(p)
	// nginx writes its pid file only after it has bound every listener: until then a
	// connection to addr may reach whatever else holds the port.
	pidFile, listening := filepath.Join(prefix, "nginx.pid"), tcpReady(addr)
	return p.waitFor("listen "+addr, func() bool {
		_, err := os.Stat(pidFile)
		return err == nil && listening()
	})
}

func (c *Cluster) track(p *proc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.procs = append(c.procs, p)
}

// startFastDFS runs fdfsfake seeded with files and returns its tracker addresses.
func (c *Cluster) startFastDFS(files map[string][]byte) ([]string, error) {
	seed := filepath.Join(c.Dir, "fdfs-seed")
	for name, data := range files {
		p := filepath.Join(seed, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return nil, err
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			return nil, err
		}
	}
	if err := os.MkdirAll(seed, 0o755); err != nil {
		return nil, err
	}
	manifest := filepath.Join(c.Dir, "fdfs-ids.json")
	p, err := startProc("fdfsfake", filepath.Join(c.Dir, "logs", "fdfsfake.log"), nil, filepath.Join(c.bin, "fdfsfake"),
		"-trackers", "127.0.0.1:0", "-storage", "127.0.0.1:0", "-seed", seed, "-out", manifest)
	if err != nil {
		return nil, err
	}
	c.track(p)
	var m struct {
		Trackers []string          `json:"trackers"`
		Files    map[string]string `json:"files"`
	}
	err = p.waitFor("seed manifest", func() bool {
		b, err := os.ReadFile(manifest)
		return err == nil && json.Unmarshal(b, &m) == nil && len(m.Trackers) > 0
	})
	if err != nil {
		return nil, err
	}
	c.FDFS = m.Files
	return m.Trackers, nil
}

// PutS3 stores an original in MinIO (Options.MinIO) under key.
func (c *Cluster) PutS3(t TB, key string, data []byte, contentType string) {
	t.Helper()
	if c.S3 == nil {
		t.Fatalf("clustertest: PutS3 without Options.MinIO")
	}
	b, err := s3.New(context.Background(), c.S3.Config())
	if err != nil {
		t.Fatalf("clustertest: s3: %v", err)
	}
	if err := b.Put(context.Background(), key, data, contentType); err != nil {
		t.Fatalf("clustertest: s3 put %s: %v", key, err)
	}
}

// WriteLocal stores an original for source "local" under key (slash-separated).
func (c *Cluster) WriteLocal(t TB, key string, data []byte) {
	t.Helper()
	writeFile(t, filepath.Join(c.LocalDir, filepath.FromSlash(key)), data)
}

// WriteLegacy stores a file in the legacy site's tree at path (slash-separated, no leading /).
func (c *Cluster) WriteLegacy(t TB, path string, data []byte) {
	t.Helper()
	writeFile(t, filepath.Join(c.LegacyDir, filepath.FromSlash(path)), data)
}

func writeFile(t TB, p string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatalf("clustertest: %v", err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatalf("clustertest: %v", err)
	}
}

// Node returns the i-th origin node (0-based).
func (c *Cluster) Node(i int) *Node { return c.Nodes[i] }

// NodeByName returns the node whose X-Origin-Node is name, or nil.
func (c *Cluster) NodeByName(name string) *Node {
	for _, n := range c.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// NodeByAddr returns the node whose pool entry is addr, or nil.
func (c *Cluster) NodeByAddr(addr string) *Node {
	for _, n := range c.Nodes {
		if n.Addr == addr {
			return n
		}
	}
	return nil
}

// Ring returns the pool's ring, the one nginx's `hash … consistent` and the cache share.
func (c *Cluster) Ring() *ring.Ring {
	r, err := ring.New(c.Pool)
	if err != nil {
		panic(err) // the pool was accepted by check-config
	}
	return r
}

// Owners returns the nodes nginx tries for an escaped request path, owner first (the shard
// key is computed by origin/render as nginx computes it).
func (c *Cluster) Owners(escapedPath string, n int) []*Node {
	var out []*Node
	for _, a := range c.Ring().PickN(render.Shard(c.ShardKey)(escapedPath), n) {
		out = append(out, c.NodeByAddr(a))
	}
	return out
}

// Owner returns the node that owns an escaped request path.
func (c *Cluster) Owner(escapedPath string) *Node { return c.Owners(escapedPath, 1)[0] }

// Response is a finished HTTP exchange with its body read.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Do sends one request and reads the whole answer.
func (c *Cluster) Do(method, url string, hdr http.Header) (Response, error) {
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		return Response{}, err
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	resp, err := c.Client.Do(req)
	if err != nil {
		return Response{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: reading body: %w", method, url, err)
	}
	return Response{Status: resp.StatusCode, Header: resp.Header, Body: body}, nil
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

// Sum adds a metric over every running node (see Metrics.Sum); it fails t when a running
// node's metrics cannot be read. Counters of killed nodes are gone with them.
func (c *Cluster) Sum(t TB, name string, labels map[string]string) float64 {
	t.Helper()
	total := 0.0
	for _, n := range c.Nodes {
		if !n.Alive() {
			continue
		}
		m, err := n.Metrics()
		if err != nil {
			t.Fatalf("%v", err)
		}
		total += m.Sum(name, labels)
	}
	return total
}

// SumAtLeast polls Sum until it reaches atLeast or limit passes, and returns the last sum. A
// node records a request in imgorigin_requests_total just after its answer is written, so a
// client can see the answer a moment before the count: check counts of finished requests with
// SumAtLeast(expected), then compare for equality.
func (c *Cluster) SumAtLeast(t TB, name string, labels map[string]string, atLeast float64, limit time.Duration) float64 {
	t.Helper()
	deadline := time.Now().Add(limit)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		got := c.Sum(t, name, labels)
		if got >= atLeast || time.Now().After(deadline) {
			return got
		}
		<-tick.C
	}
}

// Logs returns the last lines of every log of the cluster.
func (c *Cluster) Logs(lines int) string {
	files, _ := filepath.Glob(filepath.Join(c.Dir, "logs", "*.log"))
	more, _ := filepath.Glob(filepath.Join(c.Dir, "*", "logs", "*.log"))
	var b strings.Builder
	for _, f := range append(files, more...) {
		fmt.Fprintf(&b, "--- %s\n%s", f, tail(f, lines))
	}
	return b.String()
}

// Close stops everything: edge, front, legacy, origins, fdfsfake. Safe to call twice.
func (c *Cluster) Close() {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return
	}
	c.closed = true
	procs := c.procs
	c.mu.Unlock()
	var wg sync.WaitGroup
	for i := len(procs) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(p *proc) { defer wg.Done(); p.stop(p.stopSig, 5*time.Second) }(procs[i])
	}
	for _, n := range c.Nodes {
		wg.Add(1)
		go func(n *Node) { defer wg.Done(); n.Stop() }(n)
	}
	wg.Wait()
}
