package discovery

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// Lookup types.
const (
	TypeSRV = "srv"
	TypeA   = "a"
)

// Config configures the DNS lookup of the pool. An empty Name turns discovery off (the static
// cluster.pool list is used).
type Config struct {
	// Name is the DNS name to look up, e.g. _http._tcp.imgorigin-peers.default.svc.cluster.local
	// (srv) or imgorigin-peers.default.svc.cluster.local (a).
	Name string `mapstructure:"name"`
	// Type is "srv" or "a".
	Type string `mapstructure:"type"`
	// Port is the members' public port for type "a" (SRV records carry their own).
	Port int `mapstructure:"port"`
	// InternalPort is the members' internal port (metrics, health, /_groupcache/).
	InternalPort int `mapstructure:"internal_port"`
	// Interval is the time between lookups.
	Interval time.Duration `mapstructure:"interval"`
	// Timeout bounds one lookup.
	Timeout time.Duration `mapstructure:"timeout"`
	// Resolver is the host:port of the DNS server to ask; empty: the system's resolver.
	Resolver string `mapstructure:"resolver"`
}

// DefaultConfig returns discovery off, with the settings it uses once Name is set.
func DefaultConfig() Config {
	return Config{Type: TypeSRV, Port: 8080, InternalPort: 9090, Interval: 10 * time.Second, Timeout: 2 * time.Second}
}

// Enabled reports whether the pool comes from DNS.
func (c Config) Enabled() bool { return c.Name != "" }

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	bad := func(key, msg string) { errs = append(errs, fmt.Errorf("%s: %s", key, msg)) }
	if c.Name != "" && (len(c.Name) > 253 || strings.ContainsAny(c.Name, " /:\t\n")) {
		bad("name", "must be a DNS name")
	}
	if c.Type != TypeSRV && c.Type != TypeA {
		bad("type", fmt.Sprintf("must be %q or %q", TypeSRV, TypeA))
	}
	if c.Port < 1 || c.Port > 65535 {
		bad("port", "must be 1..65535")
	}
	if c.InternalPort < 1 || c.InternalPort > 65535 {
		bad("internal_port", "must be 1..65535")
	}
	if c.Interval < time.Second || c.Interval > time.Hour {
		bad("interval", "must be 1s..1h")
	}
	if c.Timeout < 10*time.Millisecond || c.Timeout > time.Minute {
		bad("timeout", "must be 10ms..1m")
	}
	if c.Resolver != "" {
		if _, _, err := net.SplitHostPort(c.Resolver); err != nil {
			bad("resolver", "must be host:port")
		}
	}
	return errors.Join(errs...)
}
