package edge

import (
	"errors"
	"fmt"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/hotlink"
	"github.com/imgorigin/imgorigin/signer/imgurl"

	"github.com/imgorigin/imgorigin/nginx/directive"
)

// Config is the edge stand-in's configuration.
type Config struct {
	// Listen is the client-facing address (127.0.0.1:<port>).
	Listen string `mapstructure:"listen"`
	// PurgeListen is the purge API's address (loopback only).
	PurgeListen string `mapstructure:"purge_listen"`
	// Upstream is the back-to-origin address, host:port: the front nginx.
	Upstream string `mapstructure:"upstream"`
	// Host is the accelerated domain name: the host part of every cache key, whatever Host
	// the client sent (a client's Host must not split or poison the cache), and the Host of
	// pulls unless UpstreamHost is set.
	Host string `mapstructure:"host"`
	// UpstreamHost, when set, is the Host header of pulls (the CDN's "back-to-origin host");
	// empty sends Host.
	UpstreamHost string `mapstructure:"upstream_host"`
	// PurgeToken is the purge API's bearer token (Authorization: Bearer …): required, at
	// least 16 characters. Requests carrying an Origin header or Sec-Fetch-Site other than
	// none/same-origin (a browser's cross-site form POST) are refused as well.
	PurgeToken string `mapstructure:"purge_token"`
	// PassQuery forwards the client's query string on pulls (the origin then verifies its own
	// `token`). The cache key ignores the query either way. Must be false with edge auth: the
	// edge strips the query before the pull, like the real CDN.
	PassQuery bool `mapstructure:"pass_query"`
	// CacheDir holds cached objects: relative to the nginx prefix or absolute.
	CacheDir   string        `mapstructure:"cache_dir"`
	KeysZoneMB int           `mapstructure:"keys_zone_mb"` // ~8,000 keys per MB
	MaxSizeMB  int           `mapstructure:"max_size_mb"`
	Inactive   time.Duration `mapstructure:"inactive"` // unused objects are evicted after this
	TagDictMB  int           `mapstructure:"tag_dict_mb"`
	// LockTimeout bounds how long concurrent misses wait for the one pull in flight.
	LockTimeout    time.Duration `mapstructure:"lock_timeout"`
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	ReadTimeout    time.Duration `mapstructure:"read_timeout"`
	// UseStale lists proxy_cache_use_stale conditions (error, timeout, updating, http_500,
	// http_502, http_503, http_504, ...) under which stale objects are served without a time
	// limit (up to Inactive). Without them only the origin's stale-while-revalidate and
	// stale-if-error windows apply — but nginx 1.22 applies the stale-if-error window to
	// connection errors and timeouts only, never to a 5xx answer, and a 5xx answer is what the
	// front nginx sends when no origin is left. The default therefore lists the 5xx statuses.
	UseStale []string `mapstructure:"use_stale"`

	Auth AuthConfig `mapstructure:"auth"`
	// Hotlink is the Referer allow-list, checked on every request of the cached location
	// (hits included), before the token: the same setting as the front's front.hotlink and
	// the CDN consoles' Referer lists (package origin/hotlink). Off by default.
	Hotlink      hotlink.Config     `mapstructure:"hotlink"`
	OriginSecret OriginSecretConfig `mapstructure:"origin_secret"`

	TempDir   string `mapstructure:"temp_dir"`
	AccessLog string `mapstructure:"access_log"` // relative to the prefix, absolute, or "off"
	// ErrorLog, when set, is written as nginx's error_log ("stderr", a path, or
	// "syslog:server=unix:/path" served by `origin redact-log --syslog-socket`); empty leaves it
	// to the runner's -e/-g. nginx quotes request lines, tokens included, in error lines: see
	// origin/redact for the ways the project keeps them out.
	ErrorLog        string `mapstructure:"error_log"`
	WorkerProcesses string `mapstructure:"worker_processes"`
	// User is nginx's `user` directive, needed only when the master runs as root.
	User string `mapstructure:"user"`
	// PidFile is nginx's `pid` directive; leave empty when the runner passes -g 'pid …;'.
	PidFile string `mapstructure:"pid_file"`
	// LuaModules writes load_module lines for Debian's ndk + lua modules; turn off under
	// OpenResty (built in) or when /etc/nginx/modules-enabled is included elsewhere.
	LuaModules bool `mapstructure:"lua_modules"`
	// LuaPackagePath, when set, is written as lua_package_path. Debian's module is built with
	// /usr/share/lua/5.1/?.lua as its default, where lua-resty-core lives; OpenResty finds its
	// own lualib. Set it only for other layouts.
	LuaPackagePath string `mapstructure:"lua_package_path"`
	// DemoRoot, when set, is a directory served as static files under /demo/ (no auth, no
	// cache, never pulled from the origin): the local stack's demo page. Leave it empty in
	// anything but a local run.
	DemoRoot string `mapstructure:"demo_root"`
	// UploadMaxBody bounds bodies of the write path (/u/), which the edge passes through
	// uncached: an nginx size ("33m"). Keep it at or above the origin's upload.max_bytes.
	UploadMaxBody string `mapstructure:"upload_max_body"`
	// FormatMaps are the f_auto negotiation maps, rendered from the origin's render.auto by
	// `origin render-formats` (package origin/autoformat): f_auto paths are cached per format
	// bucket. Empty: the default rules without f_auto presets.
	FormatMaps string `mapstructure:"-"`
	// FormatHeader is the origin's render.auto.header: every pull carries the edge's format
	// bucket in it, overwriting whatever the client sent, so the origin (which believes it on
	// origin-secret pulls) renders exactly the bucket the edge caches under.
	FormatHeader string `mapstructure:"format_header"`
}

// AuthConfig is edge URL authentication (Aliyun CDN type A). Off when Keys is empty.
type AuthConfig struct {
	Type string `mapstructure:"type"` // "" (off) or "aliyun-a"
	// Keys are the accepted private keys, primary first (Aliyun's primary and backup key).
	Keys []string `mapstructure:"keys"`
	// TTL is how long a signed URL is valid after its timestamp.
	TTL time.Duration `mapstructure:"ttl"`
	// MaxLifetime refuses a timestamp whose expiry (timestamp + TTL) lies further ahead than
	// this (X-Edge-Auth: beyond max lifetime): signers write future timestamps to bucket their
	// expiries, but a leaked key must not mint URLs valid for centuries. At least TTL.
	MaxLifetime time.Duration `mapstructure:"max_lifetime"`
	// PathPrefixes scope authentication and the origin secret: a request whose normalised path
	// starts with one of them needs a token, and its pull carries the origin secret; legacy
	// URLs stay open and their pulls carry none. Default: the origin's signed routes, images
	// (imgurl.Prefix, /i/) and info (imgurl.InfoPrefix, /info/).
	PathPrefixes []string `mapstructure:"path_prefixes"`
	// Param is the query parameter carrying the token.
	Param string `mapstructure:"param"`
}

// OriginSecretConfig is the header the edge adds to every pull so the origin admits pulls
// whose token the edge already verified and stripped.
type OriginSecretConfig struct {
	Header string `mapstructure:"header"`
	Value  string `mapstructure:"value"`
}

// Module paths of Debian's libnginx-mod-http-ndk and libnginx-mod-http-lua.
const (
	NDKModule = "/usr/share/nginx/modules/ndk_http_module.so"
	LuaModule = "/usr/share/nginx/modules/ngx_http_lua_module.so"
)

// AuthAliyunA is the Aliyun CDN type A URL authentication.
const AuthAliyunA = "aliyun-a"

// DefaultConfig returns the defaults; Upstream must be set, and secrets when auth is on.
func DefaultConfig() Config {
	return Config{
		Listen:          "127.0.0.1:8000",
		Host:            "localhost",
		PurgeListen:     "127.0.0.1:8001",
		CacheDir:        "cache",
		KeysZoneMB:      16,
		MaxSizeMB:       1024,
		Inactive:        7 * 24 * time.Hour,
		TagDictMB:       16,
		LockTimeout:     10 * time.Second,
		ConnectTimeout:  2 * time.Second,
		ReadTimeout:     30 * time.Second,
		UseStale:        []string{"http_500", "http_502", "http_503", "http_504"},
		Auth:            AuthConfig{TTL: 1800 * time.Second, MaxLifetime: 7 * 24 * time.Hour, PathPrefixes: []string{imgurl.Prefix, imgurl.InfoPrefix}, Param: "auth_key"},
		OriginSecret:    OriginSecretConfig{Header: "X-Origin-Secret"},
		FormatHeader:    autoformat.DefaultConfig().Header,
		TempDir:         "temp",
		AccessLog:       "logs/edge-access.log",
		WorkerProcesses: "1",
		LuaModules:      true,
		UploadMaxBody:   "33m",
	}
}

var (
	keyRe       = regexp.MustCompile(`^[A-Za-z0-9]{6,64}$`)
	secretRe    = regexp.MustCompile(`^[A-Za-z0-9._~+/=-]{16,256}$`)
	paramRe     = regexp.MustCompile(`^[A-Za-z0-9_]{1,32}$`)
	prefixRe    = regexp.MustCompile(`^/[A-Za-z0-9._~/-]*$`)
	staleValues = []string{"error", "timeout", "invalid_header", "updating", "http_500", "http_502", "http_503", "http_504", "http_403", "http_404", "http_429"}
)

// safePath reports whether p can be written inside double quotes in nginx's (and lua's)
// configuration: no quotes, backslashes, '$', braces, ';' or control characters.
func safePath(p string) bool {
	if p == "" {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || strings.ContainsRune("\"'\\${};", r) {
			return false
		}
	}
	return true
}

func hostPort(s string) bool {
	h, p, err := net.SplitHostPort(s)
	return err == nil && h != "" && p != ""
}

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if !hostPort(c.Listen) {
		add("listen: must be host:port")
	}
	if !hostPort(c.PurgeListen) {
		add("purge_listen: must be host:port")
	} else if c.PurgeListen == c.Listen {
		add("purge_listen: must differ from listen")
	}
	if !hostPort(c.Upstream) || !directive.Host(c.Upstream) {
		add("upstream: must be host:port")
	}
	if !directive.Host(c.Host) {
		add("host: must be a host name (the accelerated domain)")
	}
	if !secretRe.MatchString(c.PurgeToken) {
		add("purge_token: must be 16..256 characters of [A-Za-z0-9._~+/=-] (the purge API's bearer token)")
	}
	if c.UpstreamHost != "" && !directive.Host(c.UpstreamHost) {
		add("upstream_host: must be a host name")
	}
	if !safePath(c.CacheDir) {
		add("cache_dir: must be a path without quotes, '$', braces or ';'")
	}
	for _, v := range []struct {
		name string
		n    int
	}{{"keys_zone_mb", c.KeysZoneMB}, {"max_size_mb", c.MaxSizeMB}, {"tag_dict_mb", c.TagDictMB}} {
		if v.n < 1 || v.n > 1<<20 {
			add("%s: must be 1..1048576", v.name)
		}
	}
	for _, v := range []struct {
		name string
		d    time.Duration
	}{{"inactive", c.Inactive}, {"lock_timeout", c.LockTimeout}, {"connect_timeout", c.ConnectTimeout}, {"read_timeout", c.ReadTimeout}} {
		if v.d < time.Second || v.d%time.Second != 0 {
			add("%s: must be whole seconds, at least 1s", v.name)
		}
	}
	for _, s := range c.UseStale {
		if !slices.Contains(staleValues, s) {
			add("use_stale: %q is not one of %s", s, strings.Join(staleValues, " "))
		}
	}
	// Scoping is rendered whenever the origin secret or auth is on: always checked.
	if len(c.Auth.PathPrefixes) == 0 {
		add("auth.path_prefixes: must list at least one path prefix")
	}
	for i, p := range c.Auth.PathPrefixes {
		if !prefixRe.MatchString(p) {
			add("auth.path_prefixes[%d]: %q must be a path starting with /", i, p)
		}
	}
	switch c.Auth.Type {
	case "":
		if len(c.Auth.Keys) > 0 {
			add("auth.keys: set but auth.type is empty")
		}
	case AuthAliyunA:
		if len(c.Auth.Keys) == 0 || len(c.Auth.Keys) > 2 {
			add("auth.keys: need a primary and at most one backup key")
		}
		for _, k := range c.Auth.Keys {
			if !keyRe.MatchString(k) {
				add("auth.keys: keys must be 6..64 letters and digits")
				break
			}
		}
		if c.Auth.TTL < time.Second || c.Auth.TTL%time.Second != 0 {
			add("auth.ttl: must be whole seconds, at least 1s")
		}
		if c.Auth.MaxLifetime < c.Auth.TTL || c.Auth.MaxLifetime%time.Second != 0 || c.Auth.MaxLifetime > 366*24*time.Hour {
			add("auth.max_lifetime: must be whole seconds, at least auth.ttl, at most 8784h")
		}
		if !paramRe.MatchString(c.Auth.Param) {
			add("auth.param: must be 1..32 letters, digits or _")
		}
		if c.PassQuery {
			add("pass_query: must be false when auth.type is set (the edge strips the query before the pull)")
		}
		if c.OriginSecret.Header == "" || c.OriginSecret.Value == "" {
			add("origin_secret: header and value must be set when auth.type is set (pulls carry no token)")
		}
	default:
		add("auth.type: must be empty or %q", AuthAliyunA)
	}
	if err := c.Hotlink.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("hotlink.%w", err))
	}
	if c.OriginSecret.Header != "" && !directive.Header(c.OriginSecret.Header) {
		add("origin_secret.header: must be a header name")
	}
	if c.OriginSecret.Value != "" && !secretRe.MatchString(c.OriginSecret.Value) {
		add("origin_secret.value: must be 16..256 characters of [A-Za-z0-9._~+/=-]")
	}
	if c.OriginSecret.Value != "" && c.OriginSecret.Header == "" {
		add("origin_secret.header: must be set with origin_secret.value")
	}
	if !directive.Header(c.FormatHeader) {
		add("format_header: must be a header name (the origin's render.auto.header)")
	}
	if !safePath(c.TempDir) {
		add("temp_dir: must be a path without quotes, '$', braces or ';'")
	}
	if !safePath(c.AccessLog) {
		add("access_log: must be a path or off")
	}
	if c.ErrorLog != "" && !directive.ErrorLog(c.ErrorLog) {
		add("error_log: must be stderr, a plain path or syslog:server=unix:/path")
	}
	if !directive.Workers(c.WorkerProcesses) {
		add("worker_processes: must be auto or 1..999")
	}
	if c.User != "" && !directive.User(c.User) {
		add("user: must be a user name")
	}
	if c.PidFile != "" && !safePath(c.PidFile) {
		add("pid_file: must be a path without quotes, '$', braces or ';'")
	}
	if !directive.Size(c.UploadMaxBody) {
		add("upload_max_body: %q is not an nginx size", c.UploadMaxBody)
	}
	if c.DemoRoot != "" && !safePath(c.DemoRoot) {
		add("demo_root: must be a path without quotes, '$', braces or ';'")
	}
	if c.LuaPackagePath != "" && !safePath(strings.ReplaceAll(c.LuaPackagePath, ";", "")) {
		add("lua_package_path: must not contain quotes, '$', braces or ';'")
	}
	return errors.Join(errs...)
}
