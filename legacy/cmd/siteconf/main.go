// Command siteconf renders the old-image site's nginx.conf (package legacy/site).
//
//	siteconf -root /srv/legacy -listen 127.0.0.1:8090 -o .run/legacy/nginx.conf
//
// Run nginx with `nginx -p <prefix> -c nginx.conf -g 'pid …;'`: temp paths and the access log
// are relative to the prefix.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imgorigin/imgorigin/legacy/site"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	cfg := site.DefaultConfig()
	fs := flag.NewFlagSet("siteconf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address to listen on")
	fs.StringVar(&cfg.Root, "root", cfg.Root, "the migrated tree (absolute path)")
	fs.DurationVar(&cfg.MaxAge, "max-age", cfg.MaxAge, "Cache-Control max-age of images")
	exts := fs.String("extensions", strings.Join(cfg.Extensions, ","), "image extensions served")
	fs.StringVar(&cfg.AccessLog, "access-log", cfg.AccessLog, "access log path or off")
	fs.StringVar(&cfg.WorkerProcesses, "workers", cfg.WorkerProcesses, "worker_processes")
	fs.StringVar(&cfg.User, "user", cfg.User, "nginx user directive (only when run as root)")
	fs.StringVar(&cfg.PidFile, "pid", cfg.PidFile, "nginx pid directive")
	serverOnly := fs.Bool("server-only", false, "print only the http-level directives and server block")
	out := fs.String("o", "", "output file (default stdout)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.Extensions = nil
	for _, e := range strings.Split(*exts, ",") {
		if e = strings.TrimSpace(e); e != "" {
			cfg.Extensions = append(cfg.Extensions, strings.TrimPrefix(e, "."))
		}
	}
	render := site.Render
	if *serverOnly {
		render = site.Server
	}
	conf, err := render(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "siteconf:", err)
		return 2
	}
	if *out == "" {
		_, err = io.WriteString(stdout, conf)
	} else {
		err = os.WriteFile(*out, []byte(conf), 0o644)
	}
	if err != nil {
		fmt.Fprintln(stderr, "siteconf:", err)
		return 1
	}
	return 0
}
