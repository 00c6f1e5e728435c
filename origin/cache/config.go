package cache

import (
	"errors"
	"fmt"
	"time"

	"github.com/imgorigin/imgorigin/origin/diskcache"
	"github.com/imgorigin/imgorigin/origin/pool"
)

// Config configures the cluster cache.
type Config struct {
	ShardKey       string        `mapstructure:"shard_key"`       // pool.ShardObject or pool.ShardPath; nginx hashes the same
	OriginalsBytes int64         `mapstructure:"originals_bytes"` // memory budget of the originals group
	VariantsBytes  int64         `mapstructure:"variants_bytes"`  // memory budget of the variants group
	PeerTimeout    time.Duration `mapstructure:"peer_timeout"`    // bound on one peer fetch; then load locally
	// PeerBackoff: after a transport failure of a fetch from an owner (refused, no answer
	// within PeerTimeout: killed or hung), load its keys locally; every PeerBackoff a
	// background probe asks whether it is back. 0 asks the owner every time.
	PeerBackoff     time.Duration `mapstructure:"peer_backoff"`
	NegativeTTL     time.Duration `mapstructure:"negative_ttl"`     // how long a permanent failure is remembered
	NegativeEntries int           `mapstructure:"negative_entries"` // size of the negative cache per group
	// Disk is the node's disk tier under both groups (off when its path is empty).
	Disk diskcache.Config `mapstructure:"disk"`
	// PeerSecret authenticates requests between peers (HMAC, see the package documentation).
	// Required when the pool has more than one node; a node without it refuses every peer
	// request.
	PeerSecret PeerSecret `mapstructure:"peer_secret"`
}

// DefaultConfig returns the defaults: 256 MiB of originals, 512 MiB of variants.
func DefaultConfig() Config {
	return Config{
		ShardKey:        pool.ShardObject,
		OriginalsBytes:  256 << 20,
		VariantsBytes:   512 << 20,
		PeerTimeout:     5 * time.Second,
		PeerBackoff:     3 * time.Second,
		NegativeTTL:     30 * time.Second,
		NegativeEntries: 10000,
		Disk:            diskcache.DefaultConfig(),
	}
}

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if err := pool.ValidateShard(c.ShardKey); err != nil {
		errs = append(errs, fmt.Errorf("shard_key: %w", err))
	}
	if c.OriginalsBytes < 0 {
		errs = append(errs, errors.New("originals_bytes: must not be negative"))
	}
	if c.VariantsBytes < 0 {
		errs = append(errs, errors.New("variants_bytes: must not be negative"))
	}
	if c.PeerTimeout < 10*time.Millisecond || c.PeerTimeout > time.Minute {
		errs = append(errs, errors.New("peer_timeout: must be 10ms..1m"))
	}
	if c.PeerBackoff < 0 || c.PeerBackoff > time.Minute {
		errs = append(errs, errors.New("peer_backoff: must be 0..1m"))
	}
	if c.NegativeTTL < 0 || c.NegativeTTL > time.Hour {
		errs = append(errs, errors.New("negative_ttl: must be 0..1h"))
	}
	if c.NegativeEntries < 0 {
		errs = append(errs, errors.New("negative_entries: must not be negative"))
	}
	if c.Disk.Enabled() {
		if err := c.Disk.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("disk: %w", err))
		}
	}
	if err := c.PeerSecret.validate(); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}
