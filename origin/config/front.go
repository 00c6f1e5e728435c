package config

import (
	"github.com/imgorigin/imgorigin/nginx"
	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/pool"
)

// Formats names a rendering of the f_auto negotiation for one kind of cache.
type Formats string

// The renderings of the f_auto rules (`origin render-formats`).
const (
	FormatsNginx      Formats = "nginx"      // maps for the front and the edge stand-in
	FormatsCloudFront Formats = "cloudfront" // a viewer-request function
	FormatsVarnish    Formats = "varnish"    // the imgorigin_format subroutine
)

// RenderFormats renders the f_auto negotiation of render.auto and the presets for one kind of
// cache.
func (c Config) RenderFormats(kind Formats) (string, error) {
	rules, err := autoformat.New(c.Render.Auto)
	if err != nil {
		return "", err
	}
	presets, err := c.Render.AutoPresets()
	if err != nil {
		return "", err
	}
	switch kind {
	case FormatsCloudFront:
		return rules.CloudFrontFunction(presets)
	case FormatsVarnish:
		return rules.VarnishVCL(presets)
	}
	return rules.NginxMaps(presets)
}

// FrontNginx renders the front nginx's configuration for a pool (what `origin render-nginx`
// writes, and what the deployment files under docs/deploy hold): front.*, the pool with the
// cache's shard key, the upload body bound, the f_auto maps and the origin secret's header.
func (c Config) FrontNginx(members []pool.Member) ([]byte, error) {
	fc := c.Front.WithCluster(members, c.Cluster.Cache).WithUploads(c.Upload.MaxBytes)
	maps, err := c.RenderFormats(FormatsNginx)
	if err != nil {
		return nil, err
	}
	fc.FormatMaps = maps
	fc.OriginSecretHeader = c.Auth.OriginSecret.Header
	return nginx.Render(fc)
}
