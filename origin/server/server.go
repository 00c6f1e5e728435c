package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"strings"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/telemetry"
	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Renderer is what the image handler needs of the render use case.
type Renderer interface {
	Parse(escapedPath string) (imgurl.Path, error)
	// IsAuto reports whether the variant's format is f_auto: negotiated per request.
	IsAuto(v imgurl.Variant) bool
	Render(ctx context.Context, p imgurl.Path, bucket autoformat.Bucket) (*render.Rendition, error)
	// ParseInfo and Info serve /info/{source}/{key}.
	ParseInfo(escapedPath string) (imgurl.InfoPath, error)
	Info(ctx context.Context, p imgurl.InfoPath) (*render.Rendition, error)
}

// Authorizer decides whether a request may be served. Errors are denials.
type Authorizer interface {
	Check(r *http.Request, escapedPath string) error
	// FromCDN reports whether r carries the CDN origin secret, so that headers the CDN sets
	// itself (the f_auto bucket) may be believed.
	FromCDN(r *http.Request) bool
}

// Deps are the server's collaborators.
type Deps struct {
	Node     string // this node's name, sent as X-Origin-Node
	Renderer Renderer
	Auth     Authorizer
	Metrics  *telemetry.Metrics
	Log      *slog.Logger
	Peers    http.Handler // the cluster cache's peer endpoint, mounted at /_groupcache/ internally; may be nil
	Uploads  Uploads      // the write path under /u/; nil: /u/ answers 404
	// Formats negotiates f_auto (render.auto); nil means the defaults.
	Formats *autoformat.Rules
}

// Server runs the public and internal listeners.
type Server struct {
	cfg   Config
	deps  Deps
	ready atomic.Bool

	public, internal *http.Server

	ccMutable, ccImmutable []string // the 200 Cache-Control values, shared read-only
	nodeHeader             []string
}

// New builds a Server. It does not listen until Serve.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if deps.Renderer == nil || deps.Auth == nil || deps.Metrics == nil || deps.Log == nil {
		return nil, errors.New("server: renderer, auth, metrics and log are required")
	}
	if deps.Formats == nil {
		f, err := autoformat.New(autoformat.DefaultConfig())
		if err != nil {
			return nil, err
		}
		deps.Formats = f
	}
	s := &Server{cfg: cfg, deps: deps,
		ccMutable: cacheControl(cfg.CacheControl, false), ccImmutable: cacheControl(cfg.CacheControl, true),
		nodeHeader: []string{deps.Node}}
	s.public = &http.Server{
		Handler:           s.PublicHandler(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		ReadTimeout:       cfg.ReadTimeout,
		WriteTimeout:      cfg.WriteTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(deps.Log.Handler(), slog.LevelWarn),
		ConnContext:       withConn,
	}
	s.internal = &http.Server{
		Handler:           s.InternalHandler(),
		ReadHeaderTimeout: cfg.ReadHeaderTimeout,
		IdleTimeout:       cfg.IdleTimeout,
		MaxHeaderBytes:    cfg.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(deps.Log.Handler(), slog.LevelWarn),
	}
	return s, nil
}

// PublicHandler is the handler of the public listener.
func (s *Server) PublicHandler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.accessLog, s.recoverer)
	r.NotFound(s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return errNoRoute
	}))
	r.MethodNotAllowed(s.handle(func(w http.ResponseWriter, r *http.Request) error {
		if strings.HasPrefix(r.URL.Path, signer.UploadPrefix) {
			w.Header().Set("Allow", "POST, PUT, DELETE, OPTIONS")
			return errUploadMethod
		}
		w.Header().Set("Allow", "GET, HEAD")
		return errMethod
	}))
	r.Get(imgurl.Prefix+"*", s.handle(s.image))
	r.Get(imgurl.InfoPrefix+"*", s.handle(s.info))
	r.Head(imgurl.Prefix+"*", s.handle(s.image))
	s.routeUploads(r)
	return r
}

// InternalHandler is the handler of the internal listener.
func (s *Server) InternalHandler() http.Handler {
	r := chi.NewRouter()
	r.Use(s.recoverer)
	r.Get("/healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		fmt.Fprintln(w, "ok")
	})
	r.Get("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if !s.ready.Load() {
			http.Error(w, "draining", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "ready")
	})
	r.Handle("/metrics", promhttp.HandlerFor(s.deps.Metrics.Registry, promhttp.HandlerOpts{}))
	if s.cfg.Pprof.Enabled {
		r.Route("/debug/pprof", func(r chi.Router) {
			r.Use(boundedProfile(s.cfg.Pprof.MaxDuration))
			r.Get("/*", pprof.Index)
			r.Get("/cmdline", pprof.Cmdline)
			r.Get("/profile", pprof.Profile)
			r.Get("/symbol", pprof.Symbol)
			r.Get("/trace", pprof.Trace)
		})
	}
	if s.deps.Peers != nil {
		r.Handle("/_groupcache/*", s.deps.Peers)
	}
	return r
}

// Ready reports whether the node takes traffic.
func (s *Server) Ready() bool { return s.ready.Load() }

// Serve listens on both addresses and serves until ctx is done, then drains: readiness goes
// false, after DrainDelay the listeners close, and in-flight requests get ShutdownTimeout.
func (s *Server) Serve(ctx context.Context) error {
	pl, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("server.listen %s: %w", s.cfg.Listen, err)
	}
	il, err := net.Listen("tcp", s.cfg.InternalListen)
	if err != nil {
		pl.Close()
		return fmt.Errorf("server.internal_listen %s: %w", s.cfg.InternalListen, err)
	}
	return s.ServeListeners(ctx, pl, il)
}

// ServeListeners is Serve on listeners the caller opened.
func (s *Server) ServeListeners(ctx context.Context, public, internal net.Listener) error {
	errc := make(chan error, 2)
	go func() { errc <- s.public.Serve(public) }()
	go func() { errc <- s.internal.Serve(internal) }()
	s.ready.Store(true)
	s.deps.Log.Info("listening", "public", public.Addr().String(), "internal", internal.Addr().String(), "node", s.deps.Node)

	var serveErr error
	select {
	case <-ctx.Done():
	case serveErr = <-errc:
	}
	s.ready.Store(false)
	if serveErr == nil && s.cfg.DrainDelay > 0 {
		s.deps.Log.Info("draining", "delay", s.cfg.DrainDelay.String())
		t := time.NewTimer(s.cfg.DrainDelay)
		<-t.C
	}
	sctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownTimeout)
	defer cancel()
	err1 := s.public.Shutdown(sctx)
	err2 := s.internal.Shutdown(sctx)
	if serveErr != nil && !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return errors.Join(err1, err2)
}
