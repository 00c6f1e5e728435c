package fastdfs

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"time"
)

// Transports.
const (
	TransportTCP  = "tcp"  // DOWNLOAD_FILE over the storage protocol
	TransportHTTP = "http" // GET http://<storage>:<http_port>/<file id> (fastdfs-nginx-module)
)

// Config configures a Client.
type Config struct {
	// Trackers are the tracker servers as "host:port"; tried in turn with failover.
	Trackers []string `mapstructure:"trackers"`
	// ConnectTimeout bounds each TCP connect.
	ConnectTimeout time.Duration `mapstructure:"connect_timeout"`
	// IOTimeout bounds each network read or write (the request's context may end it sooner).
	IOTimeout time.Duration `mapstructure:"io_timeout"`
	// MaxOpen is the most connections open to one tracker or storage (in use + idle).
	MaxOpen int `mapstructure:"max_open"`
	// MaxIdle is the most idle connections kept per server.
	MaxIdle int `mapstructure:"max_idle"`
	// IdleTimeout: a pooled connection idle longer than this is closed instead of reused
	// (checked when it is taken; keep it below the servers' network_timeout for old versions).
	IdleTimeout time.Duration `mapstructure:"idle_timeout"`
	// CheckAfter sends ACTIVE_TEST before reusing a connection idle longer than this.
	CheckAfter time.Duration `mapstructure:"check_after"`
	// FirstByteTimeout bounds the wait for the first byte of a tracker's reply (and of a
	// storage's reply to ACTIVE_TEST): a tracker that accepts connections and never answers
	// costs this once, is then marked down and skipped. Trackers answer from memory, so it
	// can be far shorter than IOTimeout (which bounds it when shorter).
	FirstByteTimeout time.Duration `mapstructure:"first_byte_timeout"`
	// HealthInterval is how often a server marked down is probed with ACTIVE_TEST on a new
	// connection; the first answer marks it up again.
	HealthInterval time.Duration `mapstructure:"health_interval"`
	// MaxObjectSize refuses larger files (source.ErrTooLarge) before and while reading.
	MaxObjectSize int64 `mapstructure:"max_object_size"`
	// VerifyStat makes Stat ask a storage (QUERY_FILE_INFO) instead of answering from the file
	// ID alone: one round trip per Stat, but a missing file is reported as source.ErrNotFound
	// and appender files get their current size. Off by default: IDs are immutable.
	VerifyStat bool `mapstructure:"verify_stat"`
	// Transport is "tcp" (default) or "http".
	Transport string `mapstructure:"transport"`
	// HTTPPort is the port of the storages' nginx (fastdfs-nginx-module) for transport http.
	// That transport bounds the response header by IOTimeout and the body by the context.
	HTTPPort int `mapstructure:"http_port"`
	// AllowPrivate lets the client connect to storages on private, loopback and the other
	// non-public addresses of package dialguard. Storages are named by the trackers' replies,
	// not by this configuration, so every storage connection (either transport, health probes
	// included) passes that guard when it is dialled; cloud metadata addresses are refused
	// even with AllowPrivate. On by default: FastDFS storages live on private networks. Turn it
	// off when the storages have public addresses, so that a wrong or hostile tracker reply
	// cannot make the origin connect into its own network.
	AllowPrivate bool `mapstructure:"allow_private"`
}

// DefaultConfig returns a configuration with production defaults and no trackers.
func DefaultConfig() Config {
	return Config{
		ConnectTimeout:   2 * time.Second,
		IOTimeout:        10 * time.Second,
		MaxOpen:          32,
		MaxIdle:          8,
		IdleTimeout:      30 * time.Second,
		CheckAfter:       5 * time.Second,
		FirstByteTimeout: time.Second,
		HealthInterval:   2 * time.Second,
		MaxObjectSize:    64 << 20,
		Transport:        TransportTCP,
		HTTPPort:         80,
		AllowPrivate:     true,
	}
}

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if len(c.Trackers) == 0 {
		errs = append(errs, errors.New("trackers: at least one tracker host:port is required"))
	}
	for i, t := range c.Trackers {
		host, port, err := net.SplitHostPort(t)
		p, perr := strconv.Atoi(port)
		if err != nil || host == "" || perr != nil || p < 1 || p > 65535 {
			errs = append(errs, fmt.Errorf("trackers[%d]: %q is not host:port", i, t))
		}
	}
	pos := func(key string, d time.Duration) {
		if d <= 0 {
			errs = append(errs, fmt.Errorf("%s: must be > 0", key))
		}
	}
	pos("connect_timeout", c.ConnectTimeout)
	pos("io_timeout", c.IOTimeout)
	pos("idle_timeout", c.IdleTimeout)
	pos("first_byte_timeout", c.FirstByteTimeout)
	pos("health_interval", c.HealthInterval)
	if c.CheckAfter < 0 {
		errs = append(errs, errors.New("check_after: must be >= 0"))
	}
	if c.MaxOpen < 1 || c.MaxOpen > 4096 {
		errs = append(errs, errors.New("max_open: must be 1..4096"))
	}
	if c.MaxIdle < 0 || c.MaxIdle > c.MaxOpen {
		errs = append(errs, errors.New("max_idle: must be 0..max_open"))
	}
	if c.MaxObjectSize < 1 {
		errs = append(errs, errors.New("max_object_size: must be > 0"))
	}
	switch c.Transport {
	case TransportTCP:
	case TransportHTTP:
		if c.HTTPPort < 1 || c.HTTPPort > 65535 {
			errs = append(errs, errors.New("http_port: must be 1..65535"))
		}
	default:
		errs = append(errs, fmt.Errorf("transport: %q is not tcp or http", c.Transport))
	}
	return errors.Join(errs...)
}
