package server

import (
	"errors"
	"net"
	"time"
)

// Config is the HTTP layer's configuration.
type Config struct {
	Listen            string        `mapstructure:"listen"`          // public listener, e.g. 127.0.0.1:8080
	InternalListen    string        `mapstructure:"internal_listen"` // metrics, pprof, health, peers
	ReadHeaderTimeout time.Duration `mapstructure:"read_header_timeout"`
	ReadTimeout       time.Duration `mapstructure:"read_timeout"`
	WriteTimeout      time.Duration `mapstructure:"write_timeout"`
	IdleTimeout       time.Duration `mapstructure:"idle_timeout"`
	MaxHeaderBytes    int           `mapstructure:"max_header_bytes"`
	// DrainDelay is how long readiness reports false before the listener stops accepting, so
	// load balancers move away first. ShutdownTimeout bounds the wait for in-flight requests.
	DrainDelay      time.Duration `mapstructure:"drain_delay"`
	ShutdownTimeout time.Duration `mapstructure:"shutdown_timeout"`
	CacheControl    CacheControl  `mapstructure:"cache_control"`
	Pprof           Pprof         `mapstructure:"pprof"`
}

// Pprof configures /debug/pprof/ on the internal listener. It is off by default: a profile
// costs CPU on a serving node and a heap profile shows the process's data, so it is an
// operator's switch, not something any caller of the internal port may start.
type Pprof struct {
	Enabled bool `mapstructure:"enabled"`
	// MaxDuration bounds the seconds= of a CPU profile, an execution trace and a delta
	// profile; a longer request is refused with 400 before it starts.
	MaxDuration time.Duration `mapstructure:"max_duration"`
}

// CacheControl is the Cache-Control policy per response class.
type CacheControl struct {
	MaxAge  time.Duration `mapstructure:"max_age"`  // browsers
	SMaxAge time.Duration `mapstructure:"s_maxage"` // CDN edges
	// The stale windows (RFC 5861) of both 200 classes, mutable and immutable.
	StaleWhileRevalidate time.Duration `mapstructure:"stale_while_revalidate"`
	StaleIfError         time.Duration `mapstructure:"stale_if_error"`
	ImmutableMaxAge      time.Duration `mapstructure:"immutable_max_age"` // objects whose key can never change
	NotFoundMaxAge       time.Duration `mapstructure:"not_found_max_age"` // store 404s
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Listen:            "127.0.0.1:8080",
		InternalListen:    "127.0.0.1:9080",
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    16 << 10,
		DrainDelay:        0,
		ShutdownTimeout:   30 * time.Second,
		CacheControl: CacheControl{
			MaxAge:               7 * 24 * time.Hour,
			SMaxAge:              30 * 24 * time.Hour,
			StaleWhileRevalidate: 24 * time.Hour,
			StaleIfError:         7 * 24 * time.Hour,
			ImmutableMaxAge:      365 * 24 * time.Hour,
			NotFoundMaxAge:       60 * time.Second,
		},
		Pprof: Pprof{Enabled: false, MaxDuration: 30 * time.Second},
	}
}

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		errs = append(errs, errors.New("server.listen: must be host:port"))
	}
	if _, _, err := net.SplitHostPort(c.InternalListen); err != nil {
		errs = append(errs, errors.New("server.internal_listen: must be host:port"))
	} else if c.InternalListen == c.Listen {
		errs = append(errs, errors.New("server.internal_listen: must differ from server.listen"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"read_header_timeout", c.ReadHeaderTimeout}, {"read_timeout", c.ReadTimeout}, {"write_timeout", c.WriteTimeout},
		{"idle_timeout", c.IdleTimeout}, {"shutdown_timeout", c.ShutdownTimeout}} {
		if d.v <= 0 {
			errs = append(errs, errors.New("server."+d.name+": must be positive"))
		}
	}
	if c.DrainDelay < 0 {
		errs = append(errs, errors.New("server.drain_delay: must not be negative"))
	}
	if c.MaxHeaderBytes < 1024 {
		errs = append(errs, errors.New("server.max_header_bytes: must be at least 1024"))
	}
	if c.Pprof.MaxDuration < time.Second || c.Pprof.MaxDuration > 5*time.Minute {
		errs = append(errs, errors.New("server.pprof.max_duration: must be 1s..5m"))
	}
	cc := c.CacheControl
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"max_age", cc.MaxAge}, {"s_maxage", cc.SMaxAge}, {"stale_while_revalidate", cc.StaleWhileRevalidate},
		{"stale_if_error", cc.StaleIfError}, {"immutable_max_age", cc.ImmutableMaxAge}, {"not_found_max_age", cc.NotFoundMaxAge}} {
		if d.v < 0 {
			errs = append(errs, errors.New("server.cache_control."+d.name+": must not be negative"))
		}
	}
	return errors.Join(errs...)
}
