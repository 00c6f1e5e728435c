// Command origin is the imgorigin origin node: the composition root that reads the
// configuration and wires sources, the image engine, admission control, the cluster cache,
// authorization and the HTTP server together.
//
// Usage:
//
//	origin [serve] [-c config.yaml] [--listen 127.0.0.1:8080] …   run a node
//	origin render-nginx -c config.yaml                              print the front nginx config
//	origin render-nginx -c config.yaml --watch FILE [--nginx-pid F]  keep FILE in step with DNS
//	origin render-formats -c config.yaml [--cloudfront|--varnish]   print the f_auto maps (edge), CDN function or VCL
//	origin check-config -c config.yaml                              validate and exit
//	origin config-reference                                         every key, default and env name
//	origin allocator-env                                            the C allocator settings (MALLOC_ARENA_MAX)
//	nginx … 2>&1 | origin redact-log [--out FILE]                   nginx's error log without queries (tokens)
//	origin redact-log --syslog-socket PATH [--out FILE]             the same for error_log syslog:server=unix:PATH
//
// SIGTERM or SIGINT drains and stops the node; SIGHUP reloads the signing keys.
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/pflag"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/imaging"
)

func main() {
	os.Exit(run(os.Args[1:], os.Environ(), os.Stdout, os.Stderr))
}

func run(args, environ []string, stdout, stderr io.Writer) int {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	fs := pflag.NewFlagSet("origin "+cmd, pflag.ContinueOnError)
	fs.SetOutput(stderr)
	config.Flags(fs)
	watchOut := fs.String("watch", "", "render-nginx: keep this file in step with the pool in DNS (cluster.discovery) and its health (front.health_check)")
	cloudFront := fs.Bool("cloudfront", false, "render-formats: print the CloudFront viewer-request function instead of nginx maps")
	varnishVCL := fs.Bool("varnish", false, "render-formats: print the Varnish subroutine (imgorigin-formats.vcl) instead of nginx maps")
	redactOut := fs.String("out", "", "redact-log: append to this file instead of writing to stdout")
	syslogSocket := fs.String("syslog-socket", "", "redact-log: read nginx's error_log syslog:server=unix:PATH messages instead of stdin")
	nginxPID := fs.String("nginx-pid", "", "render-nginx --watch: send SIGHUP to the nginx master in this PID file after each change")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, pflag.ErrHelp) {
			return 0
		}
		return 2
	}
	if cmd == "allocator-env" {
		// The environment every start path gives the origin (imaging.AllocatorEnv), one
		// VAR=value a line: `env $(origin allocator-env) origin -c …`.
		fmt.Fprintln(stdout, strings.Join(imaging.AllocatorEnv(), "\n"))
		return 0
	}
	if cmd == "redact-log" {
		if err := redactLog(*redactOut, *syslogSocket, os.Stdin, stdout); err != nil {
			fmt.Fprintln(stderr, "origin: redact-log:", err)
			return 1
		}
		return 0
	}
	if cmd == "config-reference" {
		if err := config.WriteReference(stdout); err != nil {
			fmt.Fprintln(stderr, "origin:", err)
			return 1
		}
		return 0
	}
	cfg, err := config.Load(fs, environ)
	if err != nil {
		fmt.Fprintln(stderr, "origin: invalid configuration:")
		fmt.Fprintln(stderr, err)
		return 2
	}
	switch cmd {
	case "check-config":
		fmt.Fprintln(stdout, "configuration ok")
		return 0
	case "render-nginx":
		if *watchOut != "" {
			ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			if err := watchNginx(ctx, cfg, *watchOut, *nginxPID, slog.New(slog.NewTextHandler(stderr, nil))); err != nil {
				fmt.Fprintln(stderr, "origin:", err)
				return 1
			}
			return 0
		}
		out, err := renderNginx(context.Background(), cfg)
		if err != nil {
			fmt.Fprintln(stderr, "origin:", err)
			return 1
		}
		_, _ = stdout.Write(out)
		return 0
	case "render-formats":
		kind := config.FormatsNginx
		switch {
		case *cloudFront && *varnishVCL:
			fmt.Fprintln(stderr, "origin: render-formats: --cloudfront and --varnish are exclusive")
			return 2
		case *cloudFront:
			kind = config.FormatsCloudFront
		case *varnishVCL:
			kind = config.FormatsVarnish
		}
		out, err := cfg.RenderFormats(kind)
		if err != nil {
			fmt.Fprintln(stderr, "origin:", err)
			return 1
		}
		_, _ = io.WriteString(stdout, out)
		return 0
	case "serve":
	default:
		fmt.Fprintf(stderr, "origin: unknown command %q (serve, render-nginx, render-formats, check-config, config-reference, allocator-env, redact-log)\n", cmd)
		return 2
	}

	log := newLogger(cfg, stderr)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	node, err := build(ctx, cfg, log)
	if err != nil {
		log.Error("startup failed", "error", err.Error())
		return 1
	}
	defer node.Close()

	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			fresh, err := config.Load(fs, os.Environ())
			if err != nil {
				log.Error("reload refused: invalid configuration", "error", err.Error())
				continue
			}
			if err := node.auth.Reload(fresh.Auth); err != nil {
				log.Error("reload refused", "error", err.Error())
				continue
			}
			log.Info("keys reloaded")
		}
	}()

	if node.watch != nil {
		go node.watch(ctx)
	}
	if err := node.server.Serve(ctx); err != nil {
		log.Error("server stopped", "error", err.Error())
		return 1
	}
	log.Info("stopped")
	return 0
}

// newLogger builds the node's logger (JSON unless log.format is text, every line with the
// node's name) and makes it the process's default logger, so that what logs through the
// default — libvips' messages (package imaging routes them to slog.Default), the standard
// log package, libraries — reaches the same log with the node name, not stderr as plain text.
func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	level, _ := config.ParseLevel(cfg.Log.Level)
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: level})
	if cfg.Log.Format == "text" {
		h = slog.NewTextHandler(w, &slog.HandlerOptions{Level: level})
	}
	log := slog.New(h).With("node", cfg.Node.Name)
	slog.SetDefault(log)
	return log
}
