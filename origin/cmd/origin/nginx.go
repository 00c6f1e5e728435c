package main

import (
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/frontconf"
)

// renderNginx renders the front nginx configuration from the same pool list the cache's peer
// ring is built from.
func renderNginx(cfg config.Config) ([]byte, error) {
	return frontconf.Render(cfg.Front.WithCluster(cfg.Cluster.Pool, cfg.Cluster.Cache))
}
