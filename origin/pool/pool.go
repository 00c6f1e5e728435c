// Package pool is the origin pool as one list: its Member is at once an entry of
// cluster.pool, a node DNS publishes (package discovery), a server of nginx's upstream block
// (package nginx renders it), a point set of the consistent-hash ring (package ring), a groupcache
// peer (package cache) and a target of the front's health checks (package health). It also
// owns the rule every node's view of the pool must keep (Validate: this node is in it) and
// the shard modes, the choice of what nginx and the ring hash.
package pool

import (
	"fmt"
	"strings"
)

// Member is one origin node of the pool.
type Member struct {
	// Name is the host:port of the node's public listener exactly as nginx's upstream block
	// names it (and the ring hashes it), e.g. "10.0.0.5:8080".
	Name string `mapstructure:"name"`
	// Weight is nginx's weight= (0 means the default, 1).
	Weight int `mapstructure:"weight"`
	// Internal is the host:port of the node's internal listener: peer endpoint, metrics,
	// health.
	Internal string `mapstructure:"internal"`
}

// EffectiveWeight is the member's weight with 0 read as nginx's default, 1.
func (m Member) EffectiveWeight() int {
	if m.Weight == 0 {
		return 1
	}
	return m.Weight
}

// Validate checks the name and weight of one member (the fields nginx reads); errors name the
// field.
func (m Member) Validate() error {
	if err := ValidateName(m.Name); err != nil {
		return fmt.Errorf("name: %w", err)
	}
	if m.Weight < 0 || m.Weight > 1000 {
		return fmt.Errorf("weight: must be 0..1000 (0 means 1), got %d", m.Weight)
	}
	return nil
}

// ValidateName checks a host:port as it may stand in an nginx server directive.
func ValidateName(name string) error {
	if name == "" || strings.ContainsAny(name, " \t\r\n;{}'\"") {
		return fmt.Errorf("%q is not a host:port", name)
	}
	return nil
}

// Validate checks a node's view of the pool: every member valid, no name twice, self in the
// pool, and every other member's internal listener known (that is where its peer endpoint
// is). An empty pool is a single node and valid. Errors name the key under cluster.
func Validate(self string, members []Member) error {
	if len(members) == 0 {
		return nil
	}
	seen := make(map[string]bool, len(members))
	for i, m := range members {
		if err := m.Validate(); err != nil {
			return fmt.Errorf("pool[%d].%w", i, err)
		}
		if seen[m.Name] {
			return fmt.Errorf("pool[%d].name: %q listed twice", i, m.Name)
		}
		seen[m.Name] = true
		if m.Name != self && m.Internal == "" {
			return fmt.Errorf("pool[%d].internal: must be set (the peer endpoint of %s)", i, m.Name)
		}
	}
	return CheckSelf(self, members)
}

// CheckSelf reports an error unless self names a member of a non-empty pool.
func CheckSelf(self string, members []Member) error {
	for _, m := range members {
		if m.Name == self {
			return nil
		}
	}
	if len(members) == 0 {
		return nil
	}
	return fmt.Errorf("self: %q is not in the pool", self)
}

// Shard modes: what nginx hashes (and the ring the caches build hashes) to pick the node of a
// request /i/{variant}/{source}/{object key}.
const (
	// ShardObject hashes the decoded "{source}/{object key}": all variants of an original
	// live on the original's owner. The default.
	ShardObject = "object"
	// ShardPath hashes the whole decoded path: the variants of one original spread over the
	// pool.
	ShardPath = "path"
)

// ValidateShard checks a shard mode.
func ValidateShard(mode string) error {
	if mode != ShardObject && mode != ShardPath {
		return fmt.Errorf("must be %q or %q", ShardObject, ShardPath)
	}
	return nil
}
