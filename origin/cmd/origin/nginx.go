package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/discovery"
	"github.com/imgorigin/imgorigin/origin/health"
	"github.com/imgorigin/imgorigin/origin/pool"
)

// renderNginx renders the front nginx configuration from the same pool list the cache's peer
// ring is built from: cluster.pool, or with cluster.discovery the pool DNS publishes now.
func renderNginx(ctx context.Context, cfg config.Config) ([]byte, error) {
	if !cfg.Cluster.Discovery.Enabled() {
		return cfg.FrontNginx(cfg.Cluster.Pool)
	}
	d, err := discovery.New(cfg.Cluster.Discovery)
	if err != nil {
		return nil, err
	}
	ms, err := d.Resolve(ctx)
	if err != nil {
		return nil, err
	}
	return cfg.FrontNginx(ms)
}

// watchNginx keeps the nginx configuration file out in step with the pool and its health:
// with cluster.discovery it follows the pool DNS publishes, with front.health_check it probes
// each member's internal /readyz (origin/health) and renders the hung or draining ones down.
// On every change of the rendered text it replaces the file atomically and, when pidFile is
// set, sends SIGHUP to the nginx master whose PID it holds (nginx checks the new configuration
// and keeps the old one if it is invalid). It runs until ctx is done. The origins' peer rings
// follow the same DNS lookup, so nginx and the rings agree once both have seen a change
// (within cluster.discovery.interval of each other); health never changes the ring.
func watchNginx(ctx context.Context, cfg config.Config, out, pidFile string, log *slog.Logger) error {
	dns, checks := cfg.Cluster.Discovery.Enabled(), cfg.Front.HealthCheck.Enabled
	if !dns && !checks {
		return errors.New("render-nginx --watch needs cluster.discovery.name or front.health_check.enabled")
	}
	var (
		mu      sync.Mutex
		members = cfg.Cluster.Pool
		down    []string
		last    []byte
	)
	last, _ = os.ReadFile(out) // an unchanged file is neither rewritten nor reloaded
	// render writes the file for the current members and down set; mu is held.
	render := func() error {
		fc := cfg
		fc.Front.Down = down
		b, err := fc.FrontNginx(members)
		if err != nil {
			return err
		}
		if bytes.Equal(b, last) {
			return nil
		}
		if err := writeAtomic(out, b); err != nil {
			return err
		}
		last = b
		if pidFile != "" {
			if err := hup(pidFile); err != nil {
				return err
			}
		}
		log.Info("nginx configuration rendered", "file", out, "members", len(members), "down", down, "reloaded", pidFile != "")
		return nil
	}
	var wg sync.WaitGroup
	defer wg.Wait()
	if dns {
		d, err := discovery.New(cfg.Cluster.Discovery)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.Watch(ctx, log, func(ms []pool.Member) error {
				mu.Lock()
				defer mu.Unlock()
				members = ms
				return render()
			})
		}()
	} else {
		mu.Lock()
		err := render()
		mu.Unlock()
		if err != nil {
			return err
		}
	}
	if checks {
		hc, err := health.New(cfg.Front.HealthCheck)
		if err != nil {
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			hc.Run(ctx, func() []pool.Member {
				mu.Lock()
				defer mu.Unlock()
				return slices.Clone(members)
			}, func(d []string) {
				mu.Lock()
				defer mu.Unlock()
				down = d
				log.Warn("pool health changed", "down", d)
				if err := render(); err != nil {
					log.Error("nginx configuration not rendered", "error", err.Error())
				}
			})
		}()
	}
	<-ctx.Done()
	return nil
}

// writeAtomic replaces path with b: a reader (nginx on reload) never sees half a file.
func writeAtomic(path string, b []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// hup sends SIGHUP to the process whose PID pidFile holds.
func hup(pidFile string) error {
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return fmt.Errorf("nginx pid: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil || pid < 2 {
		return fmt.Errorf("nginx pid: %s holds no PID", pidFile)
	}
	if err := syscall.Kill(pid, syscall.SIGHUP); err != nil {
		return fmt.Errorf("nginx pid %d: %w", pid, err)
	}
	return nil
}
