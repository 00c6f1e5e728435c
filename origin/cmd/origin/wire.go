package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"

	"github.com/imgorigin/imgorigin/origin/admission"
	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/discovery"
	"github.com/imgorigin/imgorigin/origin/imaging"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/server"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/httpsrc"
	"github.com/imgorigin/imgorigin/origin/source/local"
	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/telemetry"
	"github.com/imgorigin/imgorigin/origin/upload"
	"github.com/imgorigin/imgorigin/origin/watermark"
)

// node is one wired origin node.
type node struct {
	server  *server.Server
	auth    *auth.Authorizer
	closers []func() error
	// watch, when set, keeps the pool in step with DNS until ctx is done (cluster.discovery).
	watch func(ctx context.Context)
}

func (n *node) Close() {
	for i := len(n.closers) - 1; i >= 0; i-- {
		_ = n.closers[i]()
	}
}

// build wires a node from its configuration.
func build(ctx context.Context, cfg config.Config, log *slog.Logger) (_ *node, err error) {
	n := &node{}
	defer func() {
		if err != nil {
			n.Close() // the sources and the cache opened so far
		}
	}()
	metrics := telemetry.New()

	sources := map[string]source.Source{}
	for name, sc := range cfg.Sources {
		src, closer, err := openSource(ctx, name, sc, log, metrics)
		if err != nil {
			return nil, fmt.Errorf("sources.%s: %w", name, err)
		}
		metrics.Source(name)
		if closer != nil {
			n.closers = append(n.closers, closer)
		}
		sources[name] = src
		log.Info("source ready", "source", name, "type", sc.Type)
	}

	engine, err := imaging.New(cfg.Imaging)
	if err != nil {
		return nil, err
	}
	logAllocator(log, cfg.Imaging)
	if err := checkFonts(cfg.Render.Watermarks); err != nil {
		return nil, err
	}
	adm, err := admission.New(cfg.Admission)
	if err != nil {
		return nil, err
	}
	metrics.Gauge("admission_queue_depth", "Renders waiting for admission.", func() float64 { return float64(adm.QueueDepth()) })
	metrics.Gauge("admission_inflight_cost", "Cost (megapixel units) of the renders running now.", func() float64 { return float64(adm.InFlight()) })

	az, err := auth.New(cfg.Auth, time.Now)
	if err != nil {
		return nil, err
	}
	n.auth = az
	// What the token checks protect, per mode (auth.Config.Protects): behind a caching CDN a
	// check at the origin sees cache misses only, and an operator must know it.
	log.Info("authorization", "protects", cfg.Auth.Protects(), "per_view", cfg.Auth.PerView)
	if !az.Enabled() {
		log.Warn("SIGNATURE CHECKS ARE OFF (auth.mode: off): every well-formed URL is served. Configure auth.keys and remove auth.mode: off before exposing this node.")
	}

	self := cfg.Cluster.Self
	if self == "" {
		self = cfg.Server.Listen
	}
	var cc *cache.Cache
	factory := func(loadOriginal, loadVariant render.Loader) (render.Cache, error) {
		c, err := cache.New(cfg.Cluster.Cache, self, cfg.Cluster.Pool, render.Shard(cfg.Cluster.Cache.ShardKey), loadOriginal, loadVariant, cache.WithLogger(log))
		if err != nil {
			return nil, err
		}
		cc = c
		n.closers = append(n.closers, c.Close)
		return c, nil
	}
	rd, err := render.New(cfg.Render, source.NewRegistry(sources), imaging.Processor{Engine: engine}, adm, factory)
	if err != nil {
		return nil, err
	}
	if cc == nil {
		return nil, errors.New("render.New returned without building the cluster cache")
	}
	rd.Observe(metrics)
	if err := metrics.Register(cc.Collectors()...); err != nil {
		return nil, err
	}
	var members atomic.Int64
	members.Store(int64(max(len(cfg.Cluster.Pool), 1)))
	metrics.Gauge("pool_members", "Origin nodes in the pool this node's peer ring is built from.", func() float64 { return float64(members.Load()) })
	if cfg.Cluster.Discovery.Enabled() {
		d, err := discovery.New(cfg.Cluster.Discovery)
		if err != nil {
			return nil, err
		}
		log.Info("pool from DNS", "name", cfg.Cluster.Discovery.Name, "type", cfg.Cluster.Discovery.Type, "self", self)
		n.watch = func(ctx context.Context) {
			d.Watch(ctx, log, func(ms []pool.Member) error {
				if err := cc.SetPeers(ms); err != nil {
					return err // typically: this node is not (yet) in DNS; it serves alone meanwhile
				}
				members.Store(int64(len(ms)))
				return nil
			})
		}
	}
	uploads, err := buildUploads(cfg, sources, az, imaging.Processor{Engine: engine}, adm, rd.PresetNames(), metrics, log)
	if err != nil {
		return nil, err
	}
	formats, err := autoformat.New(cfg.Render.Auto)
	if err != nil {
		return nil, err
	}
	srv, err := server.New(cfg.Server, server.Deps{
		Node: cfg.Node.Name, Renderer: rd, Auth: az, Metrics: metrics, Log: log, Peers: cc.PeerHandler(), Uploads: uploads,
		Formats: formats,
	})
	if err != nil {
		return nil, err
	}
	n.server = srv
	return n, nil
}

// buildUploads wires the write path over every source that can be written to.
func buildUploads(cfg config.Config, sources map[string]source.Source, az *auth.Authorizer, proc upload.Processor,
	adm upload.Admitter, presets []string, obs upload.Observer, log *slog.Logger) (*upload.Service, error) {
	stores := map[string]source.ReadWriter{}
	for name, s := range sources {
		if rw, ok := s.(source.ReadWriter); ok {
			stores[name] = rw
		}
	}
	var purger upload.Purger
	if len(cfg.Upload.PurgeURLs) > 0 {
		purger = upload.NewHTTPPurger(cfg.Upload.PurgeURLs, cfg.Upload.PurgeToken, cfg.Upload.PurgeTimeout)
	}
	return upload.New(cfg.Upload, upload.Deps{
		Stores: stores, Keys: az, Proc: proc, Adm: adm, Purger: purger, Presets: presets,
		MaxSourceBytes: cfg.Render.MaxSourceBytes, ExpiryBucket: cfg.Auth.ExpiryBucket, Log: log, Obs: obs,
	})
}

func openSource(ctx context.Context, name string, sc config.SourceConfig, log *slog.Logger, metrics *telemetry.Metrics) (source.Source, func() error, error) {
	switch sc.Type {
	case "local":
		s, err := local.New(sc.Local)
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	case "s3":
		s, err := s3.New(ctx, sc.S3)
		return s, nil, err
	case "fastdfs":
		s, err := fastdfs.New(sc.FastDFS, fastdfs.WithLogger(log.With("source", name)))
		if err != nil {
			return nil, nil, err
		}
		err = metrics.Servers(name, func() []telemetry.ServerState {
			var out []telemetry.ServerState
			for _, st := range s.Servers() {
				out = append(out, telemetry.ServerState(st))
			}
			return out
		})
		if err != nil {
			s.Close()
			return nil, nil, err
		}
		return s, s.Close, nil
	case "http":
		s, err := httpsrc.New(sc.HTTP)
		return s, nil, err
	}
	return nil, nil, fmt.Errorf("unknown type %q", sc.Type)
}

// checkFonts makes sure every text watermark's font is installed: Pango would draw the text
// in some other font without a word.
func checkFonts(c watermark.Config) error {
	var errs []error
	for name, t := range c.Texts {
		if f := t.Resolve().Font; !imaging.FontInstalled(f) {
			errs = append(errs, fmt.Errorf("render.watermarks.texts.%s.font: no installed font family %q (fc-list : family lists them; CJK text needs e.g. fonts-noto-cjk)", name, f))
		}
	}
	return errors.Join(errs...)
}

// logAllocator says at startup how libvips' buffers are allocated, and warns when the process
// was not started with the environment of `origin allocator-env` (BENCHMARKS.md §11).
func logAllocator(log *slog.Logger, cfg imaging.Config) {
	alloc, arenas := imaging.Allocator(), os.Getenv("MALLOC_ARENA_MAX")
	attrs := []any{"allocator", alloc, "MALLOC_ARENA_MAX", arenas,
		"malloc_trim_interval", cfg.MallocTrimInterval.String(), "malloc_trim_above", cfg.MallocTrimAbove}
	if alloc == imaging.AllocatorGlibc && arenas != imaging.ArenaMax {
		log.Warn("C allocator: glibc without MALLOC_ARENA_MAX="+imaging.ArenaMax+": libvips' threads spread their buffers over many arenas, "+
			"each render faults in fresh pages and RSS grows past the Go heap; start the origin with `env $(origin allocator-env)`", attrs...)
		return
	}
	log.Info("C allocator", attrs...)
}
