package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/discovery"
	"github.com/imgorigin/imgorigin/origin/frontconf"
)

// renderNginx renders the front nginx configuration from the same pool list the cache's peer
// ring is built from: cluster.pool, or with cluster.discovery the pool DNS publishes now.
func renderNginx(ctx context.Context, cfg config.Config) ([]byte, error) {
	if !cfg.Cluster.Discovery.Enabled() {
		return renderPool(cfg, cfg.Cluster.Pool)
	}
	d, err := discovery.New(cfg.Cluster.Discovery)
	if err != nil {
		return nil, err
	}
	ms, err := d.Resolve(ctx)
	if err != nil {
		return nil, err
	}
	return renderPool(cfg, poolOf(ms))
}

func renderPool(cfg config.Config, pool []cache.Peer) ([]byte, error) {
	fc := cfg.Front.WithCluster(pool, cfg.Cluster.Cache).WithUploads(cfg.Upload.MaxBytes)
	maps, err := renderFormats(cfg, false, false)
	if err != nil {
		return nil, err
	}
	fc.FormatMaps = maps
	return frontconf.Render(fc)
}

// renderFormats renders the f_auto negotiation of render.auto and the presets: nginx maps for
// the front and the edge, a CloudFront viewer-request function, or the Varnish subroutine.
func renderFormats(cfg config.Config, cloudFront, vcl bool) (string, error) {
	rules, err := autoformat.New(cfg.Render.Auto)
	if err != nil {
		return "", err
	}
	presets, err := cfg.Render.AutoPresets()
	if err != nil {
		return "", err
	}
	switch {
	case cloudFront && vcl:
		return "", errors.New("render-formats: --cloudfront and --vcl exclude each other")
	case cloudFront:
		return rules.CloudFrontFunction(presets)
	case vcl:
		return rules.VCL(presets)
	}
	return rules.NginxMaps(presets)
}

// watchNginx keeps the nginx configuration file out in step with the pool DNS publishes: on
// every change it renders the file again, replaces it atomically and, when pidFile is set,
// sends SIGHUP to the nginx master whose PID it holds (nginx checks the new configuration and
// keeps the old one if it is invalid). It runs until ctx is done. The origins' peer rings
// follow the same lookup, so nginx and the rings agree once both have seen a change (within
// cluster.discovery.interval of each other).
func watchNginx(ctx context.Context, cfg config.Config, out, pidFile string, log *slog.Logger) error {
	if !cfg.Cluster.Discovery.Enabled() {
		return errors.New("render-nginx --watch needs cluster.discovery.name")
	}
	d, err := discovery.New(cfg.Cluster.Discovery)
	if err != nil {
		return err
	}
	d.Watch(ctx, log, func(ms []discovery.Member) error {
		b, err := renderPool(cfg, poolOf(ms))
		if err != nil {
			return err
		}
		if err := writeAtomic(out, b); err != nil {
			return err
		}
		if pidFile != "" {
			if err := hup(pidFile); err != nil {
				return err
			}
		}
		log.Info("nginx configuration rendered", "file", out, "members", len(ms), "reloaded", pidFile != "")
		return nil
	})
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
