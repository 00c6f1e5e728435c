// Package config loads the origin's configuration (the only viper importer): one YAML file,
// then IMGORIGIN_* environment variables, then command-line flags, decoded strictly into the
// Config of every package (unknown keys are errors) and validated, each error naming its key.
//
// Environment names are the key path upper-cased with '.' and '-' replaced by '_', under the
// prefix IMGORIGIN_ (envName): server.listen → IMGORIGIN_SERVER_LISTEN. Every key has a
// default, so every key can be overridden from the environment; so can every key of a named
// source's type, whether or not the file writes it. The prefix belongs to configuration keys
// alone: an IMGORIGIN_* variable that names no key fails the load, naming the variable, as an
// unknown key of the file does. (Knobs of the development tools use IMGDEV_*.)
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/pflag"
	"github.com/spf13/viper"

	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/origin/admission"
	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/discovery"
	"github.com/imgorigin/imgorigin/origin/imaging"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/server"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/httpsrc"
	"github.com/imgorigin/imgorigin/origin/source/local"
	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/upload"
)

// envPrefix prefixes every environment override.
const envPrefix = "IMGORIGIN"

// Config is the whole origin configuration.
type Config struct {
	Node      Node                    `mapstructure:"node"`
	Log       Log                     `mapstructure:"log"`
	Server    server.Config           `mapstructure:"server"`
	Render    render.Config           `mapstructure:"render"`
	Imaging   imaging.Config          `mapstructure:"imaging"`
	Admission admission.Config        `mapstructure:"admission"`
	Auth      auth.Config             `mapstructure:"auth"`
	Cluster   Cluster                 `mapstructure:"cluster"`
	Front     nginx.Config            `mapstructure:"front"`
	Sources   map[string]SourceConfig `mapstructure:"sources"`
	Upload    upload.Config           `mapstructure:"upload"`
}

// Node names this origin node.
type Node struct {
	// Name is sent as X-Origin-Node. Default: the host name.
	Name string `mapstructure:"name"`
}

// Log configures the structured log.
type Log struct {
	Level  string `mapstructure:"level"`  // debug, info, warn, error
	Format string `mapstructure:"format"` // json or text
}

// Cluster is the pool: one list from which nginx's upstream block and the cache's peer ring are
// both made.
type Cluster struct {
	// Self is this node's entry in Pool (its public host:port as nginx's upstream names it).
	Self string `mapstructure:"self"`
	// Pool lists every origin node. Empty: a single node with a local cache (or, with
	// Discovery, the pool DNS publishes).
	Pool []pool.Member `mapstructure:"pool"`
	// Discovery re-resolves the pool from DNS instead of Pool (Kubernetes: the origins'
	// headless Service); render-nginx --watch renders nginx's upstream from the same lookup.
	Discovery discovery.Config `mapstructure:"discovery"`
	Cache     cache.Config     `mapstructure:"cache"`
}

// SourceConfig configures one named source; Type picks which of the sections applies.
type SourceConfig struct {
	Type    string         `mapstructure:"type"` // local, s3, fastdfs, http
	Local   local.Config   `mapstructure:"local"`
	S3      s3.Config      `mapstructure:"s3"`
	FastDFS fastdfs.Config `mapstructure:"fastdfs"`
	HTTP    httpsrc.Config `mapstructure:"http"`
}

// sections are the per-type sections of a source configuration by type name (the value of
// Type that selects each).
func (s SourceConfig) sections() map[string]interface{ Validate() error } {
	return map[string]interface{ Validate() error }{"local": s.Local, "s3": s.S3, "fastdfs": s.FastDFS, "http": s.HTTP}
}

// Default returns the configuration used when nothing is configured: one node serving the
// sample directory as source "local", signature checks off (no keys), a local cache.
func Default() Config {
	host, _ := os.Hostname()
	if host == "" {
		host = "origin"
	}
	return Config{
		Node:      Node{Name: host},
		Log:       Log{Level: "info", Format: "json"},
		Server:    server.DefaultConfig(),
		Render:    render.DefaultConfig(),
		Imaging:   imaging.DefaultConfig(),
		Admission: admission.DefaultConfig(),
		Auth:      auth.DefaultConfig(),
		Cluster:   Cluster{Cache: cache.DefaultConfig(), Discovery: discovery.DefaultConfig()},
		Front:     nginx.DefaultConfig(),
		Upload:    upload.DefaultConfig(),
	}
}

// defaultSources is used when the configuration names no source.
func defaultSources() map[string]SourceConfig {
	sc := newSourceConfig()
	sc.Type = "local"
	sc.Local.Root = "samples"
	return map[string]SourceConfig{"local": sc}
}

// Flags registers the command-line flags that override the file and the environment.
func Flags(fs *pflag.FlagSet) {
	fs.StringP("config", "c", "", "YAML configuration file (default: none, built-in defaults)")
	fs.String("listen", "", "public listen address (server.listen)")
	fs.String("internal-listen", "", "internal listen address for metrics, pprof, health, peers (server.internal_listen)")
	fs.String("node", "", "node name (node.name)")
	fs.String("self", "", "this node's entry in the pool (cluster.self)")
}

var flagKeys = map[string]string{"listen": "server.listen", "internal-listen": "server.internal_listen", "node": "node.name", "self": "cluster.self"}

// Load reads the configuration: defaults, then the file named by the "config" flag (if any),
// then the environment, then flags.
func Load(fs *pflag.FlagSet, environ []string) (Config, error) {
	v := viper.New()
	def := Default()
	seed(v, "", def)
	path, _ := fs.GetString("config")
	if path != "" {
		v.SetConfigFile(path)
		v.SetConfigType("yaml")
		if err := v.ReadInConfig(); err != nil {
			return Config{}, fmt.Errorf("config: %w", err)
		}
	}
	if err := applyEnv(v, environ); err != nil {
		return Config{}, err
	}
	for flagName, key := range flagKeys {
		if f := fs.Lookup(flagName); f != nil && f.Changed {
			v.Set(key, f.Value.String())
		}
	}
	var cfg Config
	err := v.UnmarshalExact(&cfg, viper.DecodeHook(mapstructure.ComposeDecodeHookFunc(
		sourceDefaultsHook,
		mapstructure.StringToTimeDurationHookFunc(),
		mapstructure.StringToSliceHookFunc(","),
	)))
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if len(cfg.Sources) == 0 {
		cfg.Sources = defaultSources()
	}
	if err := cfg.Validate(); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

var sourceName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// Validate checks every section; the errors name their keys.
func (c Config) Validate() error {
	var errs []error
	prefix := func(section string, err error) {
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", section, err))
		}
	}
	if c.Node.Name == "" {
		errs = append(errs, errors.New("node.name: must be set"))
	}
	if _, err := ParseLevel(c.Log.Level); err != nil {
		errs = append(errs, err)
	}
	if c.Log.Format != "json" && c.Log.Format != "text" {
		errs = append(errs, errors.New("log.format: must be json or text"))
	}
	prefix("server", c.Server.Validate())
	errs = append(errs, c.Render.Validate()) // render's errors already carry "render."
	prefix("imaging", c.Imaging.Validate())
	prefix("admission", c.Admission.Validate())
	prefix("auth", c.Auth.Validate())
	prefix("cluster.cache", c.Cluster.Cache.Validate())
	prefix("upload", c.Upload.Validate())
	if c.Upload.MaxSide > c.Imaging.MaxOutputSide {
		errs = append(errs, fmt.Errorf("upload.max_side: %d is above imaging.max_output_side %d", c.Upload.MaxSide, c.Imaging.MaxOutputSide))
	}
	if j := c.Upload.Journal; j != "" {
		if s, ok := c.Sources[j]; !ok || (s.Type != "local" && s.Type != "s3") {
			errs = append(errs, fmt.Errorf("upload.journal: %q must name a local or s3 source", j))
		}
	}
	prefix("cluster.discovery", c.Cluster.Discovery.Validate())
	if c.Cluster.Discovery.Enabled() {
		if len(c.Cluster.Pool) > 0 {
			errs = append(errs, errors.New("cluster.pool: must be empty when cluster.discovery.name is set (the pool comes from DNS)"))
		}
		if c.Cluster.Self == "" {
			errs = append(errs, errors.New("cluster.self: must be set when cluster.discovery.name is set (this node's host:port as DNS publishes it)"))
		}
	}

	if (c.Cluster.Discovery.Enabled() || len(c.Cluster.Pool) > 1) && c.Cluster.Cache.PeerSecret.Current == "" {
		errs = append(errs, errors.New("cluster.cache.peer_secret.current: must be set for a pool of several nodes (peer requests are authenticated with it)"))
	}
	if err := pool.CheckSelf(c.Cluster.Self, c.Cluster.Pool); err != nil {
		errs = append(errs, fmt.Errorf("cluster.%w", err))
	}
	for name, s := range c.Sources {
		key := "sources." + name
		if !sourceName.MatchString(name) {
			errs = append(errs, fmt.Errorf("%s: source names are [a-z0-9][a-z0-9-]{0,31}", key))
			continue
		}
		if sec, ok := s.sections()[s.Type]; ok {
			prefix(key+"."+s.Type, sec.Validate())
		} else {
			errs = append(errs, fmt.Errorf("%s.type: must be local, s3, fastdfs or http, not %q", key, s.Type))
		}
	}
	return errors.Join(errs...)
}

// ParseLevel parses log.level.
func ParseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return 0, fmt.Errorf("log.level: must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// seed sets a default for every leaf key of def, so that the environment can override each
// one and UnmarshalExact knows the whole key set.
func seed(v *viper.Viper, prefix string, def any) {
	m := map[string]any{}
	if err := mapstructure.Decode(def, &m); err != nil {
		panic(fmt.Sprintf("config: cannot walk defaults: %v", err))
	}
	seedMap(v, prefix, m)
}

func seedMap(v *viper.Viper, prefix string, m map[string]any) {
	for k, val := range m {
		key := k
		if prefix != "" {
			key = prefix + "." + k
		}
		switch x := val.(type) {
		case map[string]any:
			if len(x) == 0 || key == "sources" || key == "render.presets" {
				v.SetDefault(key, x)
				continue
			}
			seedMap(v, key, x)
		case time.Duration:
			v.SetDefault(key, x.String())
		default:
			if isStruct(val) {
				seed(v, key, val)
				continue
			}
			v.SetDefault(key, val)
		}
	}
}

func isStruct(v any) bool {
	return v != nil && reflect.TypeOf(v).Kind() == reflect.Struct
}

var sourceConfigType = reflect.TypeOf(SourceConfig{})

// newSourceConfig is a SourceConfig with every section at its defaults.
func newSourceConfig() SourceConfig {
	return SourceConfig{Local: local.DefaultConfig(), S3: s3.DefaultConfig(), FastDFS: fastdfs.DefaultConfig(), HTTP: httpsrc.DefaultConfig()}
}

// sourceDefaultsHook decodes each entry of the sources map on top of the defaults of every
// source type, so a source's configuration names only what differs from them. Sources are a
// map, so viper cannot seed their defaults itself.
func sourceDefaultsHook(from, to reflect.Type, data any) (any, error) {
	if to != sourceConfigType || from.Kind() != reflect.Map {
		return data, nil
	}
	sc := newSourceConfig()
	dec, err := mapstructure.NewDecoder(&mapstructure.DecoderConfig{
		Result:      &sc,
		ErrorUnused: true,
		DecodeHook: mapstructure.ComposeDecodeHookFunc(
			mapstructure.StringToTimeDurationHookFunc(),
			mapstructure.StringToSliceHookFunc(","),
		),
	})
	if err != nil {
		return nil, err
	}
	if err := dec.Decode(data); err != nil {
		return nil, err
	}
	return sc, nil
}

// envName is the environment variable that overrides a key: server.listen →
// IMGORIGIN_SERVER_LISTEN, sources.my-s3.s3.endpoint → IMGORIGIN_SOURCES_MY_S3_S3_ENDPOINT.
func envName(key string) string {
	return envPrefix + "_" + strings.ToUpper(strings.NewReplacer(".", "_", "-", "_").Replace(key))
}

// applyEnv resolves every IMGORIGIN_* variable of environ against the key set and sets it; a
// variable that names no key is an error (the file rejects unknown keys, so the environment
// does too). The key set is every key of the defaults and of the file, and for each source
// the file names, every key of its type (type, and {type}.* with the type's defaults), whether
// or not the file writes it.
func applyEnv(v *viper.Viper, environ []string) error {
	env := map[string]string{}
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && strings.HasPrefix(k, envPrefix+"_") {
			env[k] = val
		}
	}
	if len(env) == 0 {
		return nil
	}
	keys := map[string]string{} // variable → key outside sources
	for _, key := range v.AllKeys() {
		if !strings.HasPrefix(key, "sources.") {
			keys[envName(key)] = key
		}
	}
	// Keys under sources are entries of a map: viper cannot override one leaf of a map value
	// without disturbing the rest, so those are set into the map itself, which is then set whole.
	type sourceKey struct{ name, key string }
	sourceKeys := map[string]sourceKey{}
	sources, _ := v.Get("sources").(map[string]any)
	for name, raw := range sources {
		m, _ := raw.(map[string]any)
		typ, _ := m["type"].(string)
		if t, ok := env[envName("sources."+name+".type")]; ok {
			typ = t
		}
		for _, key := range sourceTypeKeys(typ) {
			sourceKeys[envName("sources."+name+"."+key)] = sourceKey{name, key}
		}
	}
	var unknown []string
	sourcesChanged := false
	for name, val := range env {
		if key, ok := keys[name]; ok {
			v.Set(key, val)
			continue
		}
		if sk, ok := sourceKeys[name]; ok {
			m, ok := sources[sk.name].(map[string]any)
			if !ok {
				m = map[string]any{}
				sources[sk.name] = m
			}
			setPath(m, strings.Split(sk.key, "."), val)
			sourcesChanged = true
			continue
		}
		unknown = append(unknown, name)
	}
	if sourcesChanged {
		v.Set("sources", sources)
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("config: environment variables that name no configuration key: %s (the keys and their variables: origin config-reference; a source's keys need the source named in the file)", strings.Join(unknown, ", "))
	}
	return nil
}

// sourceTypeKeys lists the keys of a source of type typ, relative to the source: "type" and
// every key of the type's section. An unknown type has only "type".
func sourceTypeKeys(typ string) []string {
	out := []string{"type"}
	var walk func(prefix string, def any)
	walk = func(prefix string, def any) {
		m := map[string]any{}
		if err := mapstructure.Decode(def, &m); err != nil {
			panic(fmt.Sprintf("config: cannot walk source defaults: %v", err))
		}
		for k, val := range m {
			if isStruct(val) {
				walk(prefix+k+".", val)
				continue
			}
			out = append(out, prefix+k)
		}
	}
	if sec, ok := newSourceConfig().sections()[typ]; ok {
		walk(typ+".", sec)
	}
	return out
}

// setPath sets m[p0][p1]…[pn] = val, making the maps on the way.
func setPath(m map[string]any, path []string, val string) {
	for _, p := range path[:len(path)-1] {
		next, ok := m[p].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[p] = next
		}
		m = next
	}
	m[path[len(path)-1]] = val
}
