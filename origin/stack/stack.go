package stack

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/imgorigin/imgorigin/cdn/edge"
	"github.com/imgorigin/imgorigin/legacy/site"
	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/ring"
	"github.com/imgorigin/imgorigin/origin/source/s3/minio"
	"github.com/imgorigin/imgorigin/signer"
)

// Options says what to start. The zero value is three origins behind the front nginx with the
// local source only, in the test shape (see the package doc).
type Options struct {
	Nodes  int  // origin processes; 0 means 3
	Legacy bool // the legacy site (nginx serving LegacyDir), routed by the front's ACL
	Edge   bool // the CDN edge stand-in (nginx proxy_cache + lua) in front of the front nginx
	// HealthCheck runs the front's health-check watcher (`origin render-nginx --watch` with
	// front.health_check): it renders hung or draining nodes down and reloads the front.
	HealthCheck bool
	MinIO       bool // a real MinIO as source "s3"
	FastDFS     bool // the fdfsfake process as source "fdfs", seeded with FastDFSFiles
	// FastDFSTrackers, when set, is a FastDFS cluster that is already running (e.g. an
	// in-process fdfstest.Server whose faults the test drives) used as source "fdfs" with
	// every tracker listed; no fdfsfake is started.
	FastDFSTrackers []string

	// FastDFSFiles are uploaded to the FastDFS stand-in at its start; Stack.FDFS maps each
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
	// OriginConfig, when set, changes the origins' configuration before it is written.
	OriginConfig func(*config.Config)
	// BinDir holds prebuilt origin and fdfsfake binaries (with Run: mksamples and migrate
	// too), e.g. the repository's bin/; empty builds them once per process with go build.
	BinDir string
	// Dir is where configuration, data and logs go; empty means a temporary directory that
	// Close removes.
	Dir string
	// Logf, when set, is told what the start is doing (and why it starts again).
	Logf func(format string, args ...any)
	// Run, when set, starts the local stack of `make run` (see the package doc).
	Run *Run
}

// EdgeTTL is the validity of edge (Aliyun type A) URLs after their timestamp.
const EdgeTTL = 30 * time.Minute

// Stack is a running stack.
type Stack struct {
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
	PeerSecret   string       // cluster.cache.peer_secret.current: signs /_groupcache/ requests
	PurgeToken   string       // the edge's purge API bearer token (upload.purge_token)
	ConfigPath   string       // the origins' YAML

	S3   *minio.Server     // with Options.MinIO
	FDFS map[string]string // with Options.FastDFS: FastDFSFiles name → file ID

	Client *http.Client

	bin      string
	env      []string
	logf     func(string, ...any)
	disk     bool // Options.Disk
	tempDir  bool // Dir was made by Start: Close removes it
	detached bool // Options.Run: the processes outlive this one; <dir>/pids lists them
	mu       sync.Mutex
	procs    []*proc // nginx instances and fdfsfake, stopped in reverse order
	closed   bool
}

// Start starts a stack. On error it stops what it started and returns the error (and, when
// the stack got as far as having a directory, the stack itself, so that its logs can be read;
// Close it).
func Start(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Logf == nil {
		opts.Logf = func(string, ...any) {}
	}
	tempDir := false
	if opts.Dir == "" {
		d, err := os.MkdirTemp("", "imgorigin-stack-")
		if err != nil {
			return nil, err
		}
		opts.Dir, tempDir = d, true
	}
	base := opts.Dir
	s, err := launch(ctx, opts)
	for attempt := 2; attempt <= 3 && errors.Is(err, errPortInUse) && opts.Run == nil; attempt++ {
		if s != nil {
			s.stop()
		}
		opts.Logf("%v\nstack: starting again on other ports", err)
		opts.Dir = filepath.Join(base, fmt.Sprintf("attempt-%d", attempt))
		s, err = launch(ctx, opts)
	}
	if s != nil {
		s.Dir, s.tempDir = base, tempDir
	}
	if err != nil && s == nil && tempDir {
		_ = os.RemoveAll(base)
	}
	return s, err
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func launch(ctx context.Context, opts Options) (*Stack, error) {
	if opts.Nodes <= 0 {
		opts.Nodes = 3
	}
	if opts.FrontWorkers == "" {
		opts.FrontWorkers = "2"
	}
	if opts.Run != nil {
		if err := opts.Run.defaults(&opts); err != nil {
			return nil, err
		}
	}
	names := []string{"origin", "fdfsfake"}
	if opts.Run != nil {
		names = append(names, "mksamples", "migrate")
	}
	bin, err := buildBinaries(opts.BinDir, names...)
	if err != nil {
		return nil, err
	}
	dir := opts.Dir
	s := &Stack{
		Dir: dir, LocalDir: filepath.Join(dir, "local"), LegacyDir: filepath.Join(dir, "legacy-site"),
		bin: bin, env: opts.Env, ShardKey: cache.DefaultConfig().ShardKey, logf: opts.Logf, detached: opts.Run != nil, disk: opts.Disk,
		Client: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}},
	}
	if opts.ShardKey != "" {
		s.ShardKey = opts.ShardKey
	}
	// Nodes get the C allocator settings every start path gives them (`origin
	// allocator-env`); Options.Env comes after, so a caller can still override them.
	alloc, err := exec.Command(filepath.Join(bin, "origin"), "allocator-env").Output()
	if err != nil {
		return nil, fmt.Errorf("stack: origin allocator-env: %w", err)
	}
	s.env = append(strings.Fields(string(alloc)), opts.Env...)
	for _, d := range []string{s.LocalDir, s.LegacyDir, filepath.Join(dir, "logs")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, err
		}
	}
	if s.detached {
		_ = os.Remove(filepath.Join(dir, "pids"))
		_ = os.Remove(filepath.Join(dir, "urls.txt"))
	}
	if err := s.secrets(opts); err != nil {
		return s, err
	}
	if opts.Run != nil {
		if err := s.samples(opts); err != nil {
			return s, err
		}
	}

	cfg := s.originConfig(opts)
	if opts.MinIO {
		mo := minio.Options{Dir: filepath.Join(dir, "minio")}
		if r := opts.Run; r != nil {
			mo.Address, mo.ConsoleAddress = r.Ports.addr(r.Ports.MinIO), r.Ports.addr(r.Ports.MinIOConsole)
			mo.AccessKey, mo.SecretKey, mo.Bucket = "imgorigin", r.minioSecret, "images"
			mo.LogPath = filepath.Join(dir, "logs", "minio.log")
		}
		opts.Logf("stack: starting MinIO")
		if s.S3, err = minio.Start(ctx, mo); err != nil {
			return s, err
		}
		if opts.Run != nil {
			s.trackPid("minio", s.S3.Pid())
			if err := s.seedS3(ctx, opts.Run.samplesDir(dir)); err != nil {
				return s, err
			}
		}
		sc := s.S3.Config()
		s3c := cfg.Sources["s3"]
		s3c.Type = "s3"
		s3c.S3.Endpoint, s3c.S3.Bucket, s3c.S3.PathStyle, s3c.S3.AccessKey, s3c.S3.SecretKey = sc.Endpoint, sc.Bucket, true, sc.AccessKey, sc.SecretKey
		if opts.Run == nil {
			s3c.S3.ConnectTimeout, s3c.S3.MaxBackoff = time.Second, 100*time.Millisecond
		}
		cfg.Sources["s3"] = s3c
	}
	if len(opts.FastDFSTrackers) > 0 {
		f := sourceOf("fastdfs", nil)
		f.FastDFS.Trackers = opts.FastDFSTrackers
		cfg.Sources["fdfs"] = f
	} else if opts.FastDFS {
		opts.Logf("stack: starting the FastDFS stand-in")
		trackers, err := s.startFastDFS(opts)
		if err != nil {
			return s, err
		}
		f := cfg.Sources["fdfs"]
		f.Type, f.FastDFS.Trackers = "fastdfs", trackers[:1]
		cfg.Sources["fdfs"] = f
	}

	// Ports.
	addr := func(fixed int) string {
		if opts.Run != nil {
			return opts.Run.Ports.addr(fixed)
		}
		a, e := freeAddr()
		if e != nil && err == nil {
			err = e
		}
		return a
	}
	var ports Ports
	if opts.Run != nil {
		ports = opts.Run.Ports
	}
	for i := 0; i < opts.Nodes; i++ {
		n := &Node{s: s, Index: i, Name: fmt.Sprintf("origin-%d", i+1), Addr: addr(ports.origin(i)), InternalAddr: addr(ports.internal(i))}
		n.URL, n.InternalURL = "http://"+n.Addr, "http://"+n.InternalAddr
		s.Nodes = append(s.Nodes, n)
		s.Pool = append(s.Pool, pool.Member{Name: n.Addr, Weight: 1})
		cfg.Cluster.Pool = append(cfg.Cluster.Pool, pool.Member{Name: n.Addr, Internal: n.InternalAddr})
	}
	s.FrontAddr = addr(ports.Front)
	s.FrontURL = "http://" + s.FrontAddr
	if opts.Legacy {
		s.LegacyAddr = addr(ports.Legacy)
		cfg.Front.Legacy = []string{s.LegacyAddr}
	}
	if opts.Edge {
		s.EdgeAddr = addr(ports.Edge)
		s.EdgeURL = "http://" + s.EdgeAddr
		s.PurgeURL = "http://" + addr(ports.Purge)
	}
	if err != nil {
		return s, err
	}
	cfg.Front.Listen = s.FrontAddr
	if opts.Run != nil {
		opts.Run.originConfig(s, &cfg)
	}
	if opts.OriginConfig != nil {
		opts.OriginConfig(&cfg)
	}
	if err := s.writeOriginConfig(cfg); err != nil {
		return s, err
	}

	// Origins: start all, then wait for all.
	for _, n := range s.Nodes {
		opts.Logf("stack: starting %s on %s (internal %s)", n.Name, n.Addr, n.InternalAddr)
		if err := n.start(); err != nil {
			return s, err
		}
	}
	for _, n := range s.Nodes {
		if err := n.waitReady(); err != nil {
			return s, err
		}
	}

	if opts.Legacy {
		if opts.Run != nil {
			if err := opts.Run.migrate(s); err != nil {
				return s, err
			}
		}
		sc := site.DefaultConfig()
		sc.Listen, sc.Root, sc.AccessLog = s.LegacyAddr, s.LegacyDir, "logs/legacy-access.log"
		sc.User = rootUser()
		conf, err := site.Render(sc)
		if err != nil {
			return s, fmt.Errorf("stack: legacy site: %w", err)
		}
		if err := s.startNginx("legacy", conf, s.LegacyAddr, ""); err != nil {
			return s, err
		}
	}

	front, err := s.origin("render-nginx")
	if err != nil {
		return s, fmt.Errorf("stack: origin render-nginx: %w\n%s", err, front)
	}
	// The user directive goes on the command line: the health-check watcher rewrites the
	// file, and -g survives nginx's reloads.
	if err := s.startNginx("front", front, s.FrontAddr, rootUserDirective()); err != nil {
		return s, err
	}
	if opts.HealthCheck {
		prefix := filepath.Join(s.Dir, "front")
		p, err := startProc("front-health", filepath.Join(s.Dir, "logs", "front-health.log"), s.env, filepath.Join(s.bin, "origin"),
			"render-nginx", "-c", s.ConfigPath, "--self", s.Nodes[0].Addr,
			"--watch", filepath.Join(prefix, "nginx.conf"), "--nginx-pid", filepath.Join(prefix, "nginx.pid"))
		if err != nil {
			return s, err
		}
		s.track(p)
	}

	if opts.Edge {
		edit := opts.EdgeConfig
		if opts.Run != nil {
			edit = opts.Run.edgeConfig(s, opts.EdgeConfig)
		}
		if err := s.startEdge("edge", s.EdgeAddr, strings.TrimPrefix(s.PurgeURL, "http://"), edit); err != nil {
			return s, err
		}
	}
	if opts.Run != nil {
		if err := opts.Run.finish(s); err != nil {
			return s, err
		}
	}
	return s, nil
}

// secrets makes the signing keys (as `imgsign keygen` writes them), the origin secret and the
// edge key. With Options.Run they are kept in the directory and reused by the next run.
func (s *Stack) secrets(opts Options) error {
	keyFile := filepath.Join(s.Dir, "keys.json")
	if opts.Run != nil {
		if err := opts.Run.loadSecrets(s, keyFile); err != nil {
			return err
		}
		if s.Keys != nil {
			return nil
		}
	}
	key, err := signer.NewKey("k1", signer.Signing)
	if err != nil {
		return err
	}
	if s.Keys, err = signer.NewRing(key); err != nil {
		return err
	}
	kf, err := signer.MarshalKeyFile([]signer.Key{key})
	if err != nil {
		return err
	}
	if err := os.WriteFile(keyFile, kf, 0o600); err != nil {
		return err
	}
	s.EdgeKey, s.OriginSecret = randomHex(12), randomHex(16)
	s.PeerSecret, s.PurgeToken = randomHex(24), randomHex(16)
	if opts.Run != nil {
		return opts.Run.saveSecrets(s)
	}
	return nil
}

// originConfig is the origins' configuration before the ports are known.
func (s *Stack) originConfig(opts Options) config.Config {
	cfg := config.Default()
	cfg.Auth.KeyFile = filepath.Join(s.Dir, "keys.json")
	cfg.Auth.OriginSecret.Header, cfg.Auth.OriginSecret.Current = "X-Origin-Secret", s.OriginSecret
	cfg.Cluster.Cache.PeerSecret.Current = s.PeerSecret
	cfg.Upload.PurgeToken = s.PurgeToken
	cfg.Sources = map[string]config.SourceConfig{}
	cfg.Sources["local"] = sourceOf("local", func(c *config.SourceConfig) { c.Local.Root = s.LocalDir })
	if opts.MinIO {
		cfg.Sources["s3"] = sourceOf("s3", nil)
	}
	if opts.FastDFS {
		cfg.Sources["fdfs"] = sourceOf("fastdfs", nil)
	}
	cfg.Cluster.Cache.ShardKey = s.ShardKey
	cfg.Front.Legacy = []string{}
	cfg.Front.AccessLog = "logs/access.log"
	// Every nginx the stack starts logs errors to stderr, which it pipes through the redactor
	// (startNginx).
	cfg.Front.ErrorLog = "stderr"
	if opts.Run != nil {
		return cfg
	}
	// The test shape.
	cfg.Admission.MaxWait = 20 * time.Second
	cfg.Cluster.Cache.OriginalsBytes, cfg.Cluster.Cache.VariantsBytes = 64<<20, 64<<20
	cfg.Front.WorkerProcesses = opts.FrontWorkers
	cfg.Front.RateLimit, cfg.Front.RateBurst = 100000, 100000
	cfg.Front.FailTimeout = time.Second
	return cfg
}

// sourceOf returns a source of type typ with every section at its defaults, changed by edit.
func sourceOf(typ string, edit func(*config.SourceConfig)) config.SourceConfig {
	c := config.NewSourceConfig()
	c.Type = typ
	if edit != nil {
		edit(&c)
	}
	return c
}

// writeOriginConfig writes the origins' YAML and checks it with `origin check-config`.
func (s *Stack) writeOriginConfig(cfg config.Config) error {
	y, err := config.Marshal(cfg)
	if err != nil {
		return err
	}
	y = append([]byte("# Generated by origin/stack: config.Marshal of the stack's config.Config.\n"), y...)
	s.ConfigPath = filepath.Join(s.Dir, "origin.yaml")
	if err := os.WriteFile(s.ConfigPath, y, 0o600); err != nil {
		return err
	}
	if out, err := s.origin("check-config"); err != nil {
		return fmt.Errorf("stack: origin check-config: %w\n%s\n%s", err, out, y)
	}
	return nil
}

// edgeConfig is the edge configuration: Aliyun type A auth with EdgeKey, the origin secret on
// pulls, upstream the front nginx.
func (s *Stack) edgeConfig(listen, purge string) edge.Config {
	ec := edge.DefaultConfig()
	ec.Listen, ec.PurgeListen, ec.Upstream = listen, purge, s.FrontAddr
	ec.Auth.Type, ec.Auth.Keys, ec.Auth.TTL = edge.AuthAliyunA, []string{s.EdgeKey}, EdgeTTL
	ec.OriginSecret.Header, ec.OriginSecret.Value = "X-Origin-Secret", s.OriginSecret
	ec.PurgeToken = s.PurgeToken
	ec.User = rootUser()
	ec.AccessLog = "logs/edge-access.log"
	return ec
}

func (s *Stack) startEdge(name, listen, purge string, edit func(*edge.Config)) error {
	ec := s.edgeConfig(listen, purge)
	// The f_auto maps come from the origins' configuration.
	maps, err := s.origin("render-formats")
	if err != nil {
		return fmt.Errorf("stack: origin render-formats: %w\n%s", err, maps)
	}
	ec.FormatMaps = maps
	if edit != nil {
		edit(&ec)
	}
	conf, err := edge.Render(ec)
	if err != nil {
		return fmt.Errorf("stack: %s: %w", name, err)
	}
	return s.startNginx(name, conf, listen, "")
}

// StartEdge starts one more edge in front of the front nginx, configured like Options.Edge's
// and then changed by edit (e.g. auth off and the query passed, so the origin verifies its own
// token), and returns its base URL. It stops with the stack.
func (s *Stack) StartEdge(name string, edit func(*edge.Config)) (string, error) {
	for attempt := 1; ; attempt++ {
		listen, err := freeAddr()
		if err != nil {
			return "", err
		}
		purge, err := freeAddr()
		if err != nil {
			return "", err
		}
		err = s.startEdge(name, listen, purge, edit)
		if err == nil {
			return "http://" + listen, nil
		}
		if !errors.Is(err, errPortInUse) || attempt == 3 {
			return "", err
		}
		s.logf("%v\nstack: starting %s again on other ports", err, name)
	}
}

// StopNginx stops one of the stack's nginx instances by name: "front", "legacy", "edge" or a
// name given to StartEdge (graceful quit, then a kill after 5 s). Its port is closed after.
func (s *Stack) StopNginx(name string) error {
	s.mu.Lock()
	var p *proc
	for _, q := range s.procs {
		if q.name == name {
			p = q
		}
	}
	s.mu.Unlock()
	if p == nil {
		return fmt.Errorf("stack: no nginx named %q", name)
	}
	p.stop(syscall.SIGQUIT, 5*time.Second)
	return nil
}

// rootUser is "root" when this process runs as root: nginx's workers would otherwise run as
// nobody and could not use the prefix's temp and cache directories.
func rootUser() string {
	if os.Geteuid() == 0 {
		return "root"
	}
	return ""
}

// rootUserDirective is " user root;" for nginx's -g when running as root, else "".
func rootUserDirective() string {
	if u := rootUser(); u != "" {
		return " user " + u + ";"
	}
	return ""
}

// RenderFormats returns `origin render-formats` of the stack's configuration with flags
// (none: the nginx maps; "--varnish": the VCL subroutine; "--cloudfront": the function).
func (s *Stack) RenderFormats(flags ...string) (string, error) {
	out, err := s.origin("render-formats", flags...)
	if err != nil {
		return "", fmt.Errorf("stack: origin render-formats %v: %w\n%s", flags, err, out)
	}
	return out, nil
}

// origin runs a one-shot subcommand of the origin binary on the stack's configuration.
func (s *Stack) origin(cmd string, flags ...string) (string, error) {
	args := append([]string{cmd, "-c", s.ConfigPath, "--self", s.Nodes[0].Addr}, flags...)
	x := exec.Command(filepath.Join(s.bin, "origin"), args...)
	x.Env = append(os.Environ(), s.env...)
	var stderr strings.Builder
	x.Stderr = &stderr
	out, err := x.Output()
	if err != nil {
		return stderr.String(), err
	}
	return string(out), nil
}

// startNginx writes conf into a prefix under Dir and runs nginx there, with globals added to
// the -g directives.
func (s *Stack) startNginx(name, conf, addr, globals string) error {
	bin, err := nginx.Binary()
	if err != nil {
		return err
	}
	prefix := filepath.Join(s.Dir, name)
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
	// Every error line goes to stderr, and stderr through the redactor into logs/{name}.log.
	p, redactor, err := startRedacted(name, filepath.Join(s.Dir, "logs", name+".log"), filepath.Join(s.bin, "origin"), nil, bin,
		"-p", prefix+"/", "-e", "stderr", "-c", confPath,
		"-g", "daemon off; pid "+filepath.Join(prefix, "nginx.pid")+"; error_log stderr;"+globals)
	if err != nil {
		return err
	}
	p.stopSig = syscall.SIGQUIT
	s.track(p)
	s.trackPid(name+"-log", redactor.Process.Pid)
	// nginx writes its pid file only after it has bound every listener: until then a
	// connection to addr may reach whatever else holds the port.
	pidFile, listening := filepath.Join(prefix, "nginx.pid"), tcpReady(addr)
	return p.waitFor("listen "+addr, func() bool {
		_, err := os.Stat(pidFile)
		return err == nil && listening()
	})
}

func (s *Stack) track(p *proc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.procs = append(s.procs, p)
	s.trackPidLocked(p.name, p.cmd.Process.Pid)
}

// startFastDFS runs fdfsfake seeded with Options.FastDFSFiles (with Options.Run: the samples)
// and returns its tracker addresses.
func (s *Stack) startFastDFS(opts Options) ([]string, error) {
	seed := filepath.Join(s.Dir, "fdfs-seed")
	trackerAddr, storageAddr := "127.0.0.1:0", "127.0.0.1:0"
	if r := opts.Run; r != nil {
		seed = r.samplesDir(s.Dir)
		trackerAddr, storageAddr = r.Ports.addr(r.Ports.Tracker), r.Ports.addr(r.Ports.Storage)
	}
	for name, data := range opts.FastDFSFiles {
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
	manifest := filepath.Join(s.Dir, "fdfs-ids.json")
	_ = os.Remove(manifest)
	p, err := startProc("fdfsfake", filepath.Join(s.Dir, "logs", "fdfsfake.log"), nil, filepath.Join(s.bin, "fdfsfake"),
		"-trackers", trackerAddr, "-storage", storageAddr, "-seed", seed, "-out", manifest)
	if err != nil {
		return nil, err
	}
	s.track(p)
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
	s.FDFS = m.Files
	return m.Trackers, nil
}

// Node returns the i-th origin node (0-based).
func (s *Stack) Node(i int) *Node { return s.Nodes[i] }

// NodeByName returns the node whose X-Origin-Node is name, or nil.
func (s *Stack) NodeByName(name string) *Node {
	for _, n := range s.Nodes {
		if n.Name == name {
			return n
		}
	}
	return nil
}

// NodeByAddr returns the node whose pool entry is addr, or nil.
func (s *Stack) NodeByAddr(addr string) *Node {
	for _, n := range s.Nodes {
		if n.Addr == addr {
			return n
		}
	}
	return nil
}

// Ring returns the pool's ring, the one nginx's `hash … consistent` and the cache share.
func (s *Stack) Ring() *ring.Ring {
	r, err := ring.New(s.Pool)
	if err != nil {
		panic(err) // the pool was accepted by check-config
	}
	return r
}

// Owners returns the nodes nginx tries for an escaped request path, owner first (the shard
// key is computed by origin/render as nginx computes it).
func (s *Stack) Owners(escapedPath string, n int) []*Node {
	var out []*Node
	for _, a := range s.Ring().PickN(render.Shard(s.ShardKey)(escapedPath), n) {
		out = append(out, s.NodeByAddr(a))
	}
	return out
}

// Owner returns the node that owns an escaped request path.
func (s *Stack) Owner(escapedPath string) *Node { return s.Owners(escapedPath, 1)[0] }

// Logs returns the last lines of every log of the stack.
func (s *Stack) Logs(lines int) string {
	files, _ := filepath.Glob(filepath.Join(s.Dir, "logs", "*.log"))
	more, _ := filepath.Glob(filepath.Join(s.Dir, "*", "logs", "*.log"))
	var b strings.Builder
	for _, f := range append(files, more...) {
		fmt.Fprintf(&b, "--- %s\n%s", f, tail(f, lines))
	}
	return b.String()
}

// Close stops everything: edge, front, legacy, origins, fdfsfake, MinIO, and removes the
// directory when Start made it. Safe to call twice.
func (s *Stack) Close() {
	s.stop()
	if s.tempDir {
		_ = os.RemoveAll(s.Dir)
	}
}

func (s *Stack) stop() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	procs := s.procs
	s.mu.Unlock()
	var wg sync.WaitGroup
	for i := len(procs) - 1; i >= 0; i-- {
		wg.Add(1)
		go func(p *proc) { defer wg.Done(); p.stop(p.stopSig, 5*time.Second) }(procs[i])
	}
	for _, n := range s.Nodes {
		wg.Add(1)
		go func(n *Node) { defer wg.Done(); n.Stop() }(n)
	}
	wg.Wait()
	if s.S3 != nil {
		s.S3.Stop()
	}
}
