package main

import (
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/frontconf"
)

// renderNginx renders the front nginx configuration from the same pool list the cache's peer
// ring is built from.
func renderNginx(cfg config.Config) ([]byte, error) {
	fc := cfg.Front
	fc.Pool = cache.Servers(cfg.Cluster.Pool)
	return frontconf.Render(fc)
}
