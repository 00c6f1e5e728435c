package nginx

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"text/template"
	"time"

	"github.com/imgorigin/imgorigin/legacy/acl"
	"github.com/imgorigin/imgorigin/nginx/directive"
	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/health"
	"github.com/imgorigin/imgorigin/origin/hotlink"
	"github.com/imgorigin/imgorigin/origin/pool"
)

// Config configures the front nginx.
type Config struct {
	// Pool is the origin pool (cluster.pool); filled by the composition root, not read here.
	Pool []pool.Member `mapstructure:"-"`

	Listen string `mapstructure:"listen"` // nginx listen argument, e.g. "127.0.0.1:8000" or "80"
	// ShardKey is what nginx hashes: pool.ShardObject or pool.ShardPath. It must equal cluster.cache.shard_key;
	// WithCluster sets it from there.
	ShardKey            string        `mapstructure:"-"`
	Legacy              []string      `mapstructure:"legacy"`                // legacy site host:port list; empty: legacy URLs get 404
	LegacyPatterns      string        `mapstructure:"legacy_patterns"`       // patterns file; empty: the built-in legacy/acl/patterns.txt
	RealIPFrom          []string      `mapstructure:"real_ip_from"`          // CDN ranges (CIDR or address) trusted for the client IP
	RealIPHeader        string        `mapstructure:"real_ip_header"`        // header carrying the client IP from the CDN
	MaxFails            int           `mapstructure:"max_fails"`             // upstream max_fails
	FailTimeout         time.Duration `mapstructure:"fail_timeout"`          // upstream fail_timeout (whole seconds)
	Tries               int           `mapstructure:"tries"`                 // proxy_next_upstream_tries
	NextUpstreamTimeout time.Duration `mapstructure:"next_upstream_timeout"` // proxy_next_upstream_timeout
	ConnectTimeout      time.Duration `mapstructure:"connect_timeout"`       // proxy_connect_timeout
	ReadTimeout         time.Duration `mapstructure:"read_timeout"`          // proxy_read_timeout and proxy_send_timeout
	Keepalive           int           `mapstructure:"keepalive"`             // idle upstream connections per worker
	RateLimit           int           `mapstructure:"rate_limit"`            // requests/s per client address
	RateBurst           int           `mapstructure:"rate_burst"`            // limit_req burst
	ClientMaxBodySize   string        `mapstructure:"client_max_body_size"`
	// UploadMaxBody bounds upload bodies (bytes); the composition root sets it from
	// upload.max_bytes plus room for a multipart form's framing (WithUploads).
	UploadMaxBody      int64  `mapstructure:"-"`
	UploadRateLimit    int    `mapstructure:"upload_rate_limit"` // uploads/s per client address
	UploadRateBurst    int    `mapstructure:"upload_rate_burst"`
	LargeHeaderBuffers string `mapstructure:"large_header_buffers"` // "number size"
	AccessLog          string `mapstructure:"access_log"`           // path (relative: under the prefix) or "off"
	// ErrorLog is where nginx's error lines go: a path, "stderr", or
	// "syslog:server=unix:/path" served by `origin redact-log --syslog-socket /path`. nginx
	// quotes request lines, queries and tokens included, in them: a path keeps the tokens;
	// stderr is redacted when the launcher pipes it through `origin redact-log` (origin/stack
	// does), syslog by the receiver (the deployment files). See origin/redact.
	ErrorLog          string `mapstructure:"error_log"`
	PidFile           string `mapstructure:"pid_file"`         // empty: not written (pass -g 'pid …;')
	WorkerProcesses   string `mapstructure:"worker_processes"` // "auto" or a number
	WorkerConnections int    `mapstructure:"worker_connections"`
	// OriginSecretHeader is the origin's auth.origin_secret.header (set by the composition
	// root): passed on to the origins, removed from requests to the legacy site.
	OriginSecretHeader string `mapstructure:"-"`
	// FormatMaps are the f_auto negotiation maps (origin/autoformat), rendered from render.auto
	// by the composition root; empty: the default rules.
	FormatMaps string `mapstructure:"-"`
	// Hotlink is the Referer allow-list of image answers (/i/ and legacy URLs); off by default.
	Hotlink hotlink.Config `mapstructure:"hotlink"`
	// HealthCheck is the active health checking of `origin render-nginx --watch`.
	HealthCheck health.Config `mapstructure:"health_check"`
	// Down names pool members the health checks found down (filled by the watcher): rendered
	// `down`. When every member is down none is marked: a checker that sees the whole pool
	// down is more likely cut off itself, and nginx's passive checks still apply.
	Down []string `mapstructure:"-"`
}

// FromPool returns the default configuration for a pool (cluster.pool). The shard key is the
// cache's default; use FromCluster when cluster.cache.shard_key is set.
func FromPool(members []pool.Member) Config {
	c := DefaultConfig()
	c.Pool = members
	return c
}

// WithCluster returns c with the pool and the shard key of the cluster configuration: the
// composition root renders `origin render-nginx` as
//
//	nginx.Render(cfg.Front.WithCluster(cfg.Cluster.Pool, cfg.Cluster.Cache))
func (c Config) WithCluster(members []pool.Member, cc cache.Config) Config {
	c.Pool = members
	c.ShardKey = cc.ShardKey
	return c
}

// FormOverhead is what a multipart form may add to an upload's bytes (boundaries, headers
// and the policy, key and idempotency fields).
const FormOverhead = 64 << 10

// WithUploads returns c with the upload body bound for uploads of at most maxBytes.
func (c Config) WithUploads(maxBytes int64) Config {
	c.UploadMaxBody = maxBytes + FormOverhead
	return c
}

// FromCluster returns the default configuration for a pool and its cache configuration, so
// nginx hashes the same shard key the cache uses.
func FromCluster(members []pool.Member, cc cache.Config) Config {
	return DefaultConfig().WithCluster(members, cc)
}

// Internal lists the path prefixes of the nodes' internal endpoints that the front never routes.
var internalPaths = []string{"/_groupcache/", "/metrics", "/debug/", "/healthz", "/readyz"}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Listen:              "127.0.0.1:8000",
		ShardKey:            cache.DefaultConfig().ShardKey,
		HealthCheck:         health.DefaultConfig(),
		RealIPHeader:        "X-Forwarded-For",
		MaxFails:            2,
		FailTimeout:         10 * time.Second,
		Tries:               3,
		NextUpstreamTimeout: 10 * time.Second,
		ConnectTimeout:      time.Second,
		ReadTimeout:         30 * time.Second,
		Keepalive:           64,
		RateLimit:           200,
		RateBurst:           400,
		ClientMaxBodySize:   "1k",
		UploadMaxBody:       32<<20 + FormOverhead,
		UploadRateLimit:     10,
		UploadRateBurst:     20,
		LargeHeaderBuffers:  "4 8k",
		AccessLog:           "logs/access.log",
		ErrorLog:            "logs/error.log",
		WorkerProcesses:     "auto",
		WorkerConnections:   4096,
	}
}

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if len(c.Pool) == 0 {
		add("pool: must list at least one origin node")
	}
	for i, s := range c.Pool {
		if err := s.Validate(); err != nil {
			add("pool[%d].%w", i, err)
		}
	}
	if !directive.Listen(c.Listen) {
		add("listen: %q is not host:port or port", c.Listen)
	}
	if err := pool.ValidateShard(c.ShardKey); err != nil {
		add("shard_key: %w", err)
	}
	for i, l := range c.Legacy {
		if pool.ValidateName(l) != nil {
			add("legacy[%d]: %q is not host:port", i, l)
		}
	}
	for i, r := range c.RealIPFrom {
		_, _, errCIDR := net.ParseCIDR(r)
		if errCIDR != nil && net.ParseIP(r) == nil {
			add("real_ip_from[%d]: %q is not a CIDR or address", i, r)
		}
	}
	if !directive.Header(c.RealIPHeader) {
		add("real_ip_header: %q is not a header name", c.RealIPHeader)
	}
	if c.MaxFails < 0 {
		add("max_fails: must not be negative")
	}
	if c.FailTimeout < time.Second {
		add("fail_timeout: must be at least 1s")
	}
	if c.Tries < 1 || c.Tries > 10 {
		add("tries: must be 1..10")
	}
	for _, d := range []struct {
		key string
		v   time.Duration
	}{{"next_upstream_timeout", c.NextUpstreamTimeout}, {"connect_timeout", c.ConnectTimeout}, {"read_timeout", c.ReadTimeout}} {
		if d.v < time.Second {
			add("%s: must be at least 1s", d.key)
		}
	}
	if c.Keepalive < 1 {
		add("keepalive: must be at least 1")
	}
	if c.RateLimit < 1 {
		add("rate_limit: must be at least 1")
	}
	if c.RateBurst < 0 {
		add("rate_burst: must not be negative")
	}
	if c.UploadMaxBody < 1 {
		add("upload max body: must be at least 1 byte")
	}
	if c.UploadRateLimit < 1 {
		add("upload_rate_limit: must be at least 1")
	}
	if c.UploadRateBurst < 0 {
		add("upload_rate_burst: must not be negative")
	}
	if !directive.Size(c.ClientMaxBodySize) {
		add("client_max_body_size: %q is not an nginx size", c.ClientMaxBodySize)
	}
	if !directive.Buffers(c.LargeHeaderBuffers) {
		add("large_header_buffers: %q is not \"number size\"", c.LargeHeaderBuffers)
	}
	if !directive.Path(c.AccessLog) {
		add("access_log: %q is not a plain path", c.AccessLog)
	}
	if !directive.ErrorLog(c.ErrorLog) {
		add("error_log: %q is not stderr, a plain path or syslog:server=unix:/path", c.ErrorLog)
	}
	if c.PidFile != "" && !directive.Path(c.PidFile) {
		add("pid_file: %q is not a plain path", c.PidFile)
	}
	if !directive.Workers(c.WorkerProcesses) {
		add("worker_processes: must be auto or a number")
	}
	if c.WorkerConnections < 16 {
		add("worker_connections: must be at least 16")
	}
	if err := c.Hotlink.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("hotlink.%w", err))
	}
	if c.HealthCheck.Enabled {
		if err := c.HealthCheck.Validate(); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

var tmpl = template.Must(template.New("front.conf").Funcs(template.FuncMap{
	"seconds": func(d time.Duration) string { return fmt.Sprintf("%ds", int(d/time.Second)) },
	"weight":  pool.Member.EffectiveWeight,
}).Parse(frontTemplate))

type view struct {
	Config
	Patterns []acl.Pattern
	Internal []string
	DownSet  map[string]bool
	// SecretVar is the nginx variable of OriginSecretHeader ("http_x_origin_secret").
	SecretVar string
}

// downSet returns the members of the pool that are rendered down.
func (c Config) downSet() map[string]bool {
	set := map[string]bool{}
	for _, s := range c.Pool {
		if slices.Contains(c.Down, s.Name) {
			set[s.Name] = true
		}
	}
	if len(set) == len(c.Pool) {
		return nil
	}
	return set
}

// Render returns the front nginx configuration for cfg.
func Render(cfg Config) ([]byte, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("nginx: %w", err)
	}
	patterns := acl.Default()
	if cfg.LegacyPatterns != "" {
		f, err := os.Open(cfg.LegacyPatterns)
		if err != nil {
			return nil, fmt.Errorf("nginx: legacy_patterns: %w", err)
		}
		defer f.Close()
		if patterns, err = acl.Parse(f); err != nil {
			return nil, fmt.Errorf("nginx: legacy_patterns: %s: %w", cfg.LegacyPatterns, err)
		}
	}
	if cfg.FormatMaps == "" {
		cfg.FormatMaps = autoformat.DefaultNginxMaps()
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, view{Config: cfg, Patterns: patterns, Internal: internalPaths, DownSet: cfg.downSet(),
		SecretVar: "http_" + strings.ToLower(strings.ReplaceAll(cfg.OriginSecretHeader, "-", "_"))}); err != nil {
		return nil, fmt.Errorf("nginx: render: %w", err)
	}
	return b.Bytes(), nil
}
