package discovery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/pool"
)

// ErrEmpty is returned when the lookup succeeded but named no member.
var ErrEmpty = errors.New("discovery: no members in DNS")

// Discoverer looks the pool up in DNS.
type Discoverer struct {
	cfg Config
	r   *net.Resolver
}

// New validates cfg. Discovery must be enabled (cfg.Name set).
func New(cfg Config) (*Discoverer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("discovery: %w", err)
	}
	if !cfg.Enabled() {
		return nil, errors.New("discovery: name: not set")
	}
	r := net.DefaultResolver
	if cfg.Resolver != "" {
		server := cfg.Resolver
		r = &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, server)
		}}
	}
	return &Discoverer{cfg: cfg, r: r}, nil
}

// Resolve looks the pool up once: the members (default weight) sorted by name, without duplicates.
func (d *Discoverer) Resolve(ctx context.Context) ([]pool.Member, error) {
	ctx, cancel := context.WithTimeout(ctx, d.cfg.Timeout)
	defer cancel()
	var ms []pool.Member
	switch d.cfg.Type {
	case TypeSRV:
		_, recs, err := d.r.LookupSRV(ctx, "", "", d.cfg.Name)
		if err != nil && len(recs) == 0 {
			return nil, fmt.Errorf("discovery: SRV %s: %w", d.cfg.Name, err)
		}
		for _, rec := range recs {
			host := strings.ToLower(strings.TrimSuffix(rec.Target, "."))
			if host == "" || rec.Port == 0 {
				continue
			}
			ms = append(ms, pool.Member{
				Name:     net.JoinHostPort(host, strconv.Itoa(int(rec.Port))),
				Internal: net.JoinHostPort(host, strconv.Itoa(d.cfg.InternalPort)),
			})
		}
	default:
		addrs, err := d.r.LookupHost(ctx, d.cfg.Name)
		if err != nil {
			return nil, fmt.Errorf("discovery: %s: %w", d.cfg.Name, err)
		}
		for _, a := range addrs {
			ms = append(ms, pool.Member{
				Name:     net.JoinHostPort(a, strconv.Itoa(d.cfg.Port)),
				Internal: net.JoinHostPort(a, strconv.Itoa(d.cfg.InternalPort)),
			})
		}
	}
	slices.SortFunc(ms, func(a, b pool.Member) int { return strings.Compare(a.Name, b.Name) })
	ms = slices.CompactFunc(ms, func(a, b pool.Member) bool { return a.Name == b.Name })
	if len(ms) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrEmpty, d.cfg.Name)
	}
	return ms, nil
}

// Watch resolves the pool every Interval until ctx is done and calls apply with the first pool
// and then with each pool that differs from the last one apply accepted. apply returns an
// error to refuse a pool (for example one without this node); a refused pool is offered again
// at the next lookup. A failed lookup is logged and keeps the last pool.
func (d *Discoverer) Watch(ctx context.Context, log *slog.Logger, apply func([]pool.Member) error) {
	var last []pool.Member
	tick := time.NewTicker(d.cfg.Interval)
	defer tick.Stop()
	for {
		ms, err := d.Resolve(ctx)
		switch {
		case err != nil:
			if ctx.Err() == nil {
				log.Warn("pool lookup failed; keeping the last pool", "name", d.cfg.Name, "error", err)
			}
		case !slices.Equal(ms, last):
			if err := apply(ms); err != nil {
				log.Warn("pool from DNS refused", "name", d.cfg.Name, "members", len(ms), "error", err)
			} else {
				log.Info("pool changed", "name", d.cfg.Name, "members", names(ms))
				last = ms
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

func names(ms []pool.Member) []string {
	out := make([]string, len(ms))
	for i, m := range ms {
		out[i] = m.Name
	}
	return out
}
