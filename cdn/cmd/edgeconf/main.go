// Command edgeconf renders the CDN edge stand-in's nginx.conf (package cdn/edge).
//
//	edgeconf -listen 127.0.0.1:8000 -upstream 127.0.0.1:8080 -o .run/edge/nginx.conf
//	EDGE_AUTH_KEYS=primaryKey,backupKey EDGE_ORIGIN_SECRET=… EDGE_PURGE_TOKEN=… edgeconf -auth-type aliyun-a …
//	origin render-formats -c origin.yaml >formats.conf && edgeconf -format-maps formats.conf …
//
// Secrets come from the environment (EDGE_AUTH_KEYS, EDGE_ORIGIN_SECRET, EDGE_PURGE_TOKEN), never from flags, so
// they stay out of process listings; the output file is written with mode 0600. Run nginx with
// `nginx -p <prefix> -c nginx.conf -g 'pid …;'`: relative paths resolve against the prefix.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imgorigin/imgorigin/cdn/edge"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg := edge.DefaultConfig()
	fs := flag.NewFlagSet("edgeconf", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "client-facing address")
	fs.StringVar(&cfg.PurgeListen, "purge-listen", cfg.PurgeListen, "purge API address (loopback)")
	fs.StringVar(&cfg.Upstream, "upstream", cfg.Upstream, "back-to-origin host:port (the front nginx)")
	fs.StringVar(&cfg.Host, "host", cfg.Host, "the accelerated domain: the cache key's host, whatever Host clients send")
	fs.StringVar(&cfg.UpstreamHost, "upstream-host", cfg.UpstreamHost, "Host header of pulls (default: -host)")
	fs.BoolVar(&cfg.PassQuery, "pass-query", cfg.PassQuery, "forward the query string on pulls (origin verifies its own token)")
	fs.StringVar(&cfg.CacheDir, "cache-dir", cfg.CacheDir, "cache directory, relative to the nginx prefix")
	fs.IntVar(&cfg.MaxSizeMB, "max-size-mb", cfg.MaxSizeMB, "cache size limit")
	fs.StringVar(&cfg.Auth.Type, "auth-type", cfg.Auth.Type, `edge URL auth: "" or aliyun-a (keys from $EDGE_AUTH_KEYS)`)
	fs.DurationVar(&cfg.Auth.TTL, "auth-ttl", cfg.Auth.TTL, "signed URL validity after its timestamp")
	fs.DurationVar(&cfg.Auth.MaxLifetime, "auth-max-lifetime", cfg.Auth.MaxLifetime, "refuse timestamps whose expiry lies further ahead")
	authPrefixes := fs.String("auth-prefix", strings.Join(cfg.Auth.PathPrefixes, ","), "path prefixes that need a token and get the origin secret, comma-separated")
	fs.StringVar(&cfg.OriginSecret.Header, "origin-secret-header", cfg.OriginSecret.Header, "header carrying $EDGE_ORIGIN_SECRET on pulls")
	useStale := fs.String("use-stale", strings.Join(cfg.UseStale, ","), "proxy_cache_use_stale conditions, comma-separated")
	fs.StringVar(&cfg.AccessLog, "access-log", cfg.AccessLog, "access log path or off")
	fs.StringVar(&cfg.ErrorLog, "error-log", cfg.ErrorLog, "error_log: stderr, a path or syslog:server=unix:/path (origin redact-log); empty: nginx's own")
	fs.StringVar(&cfg.WorkerProcesses, "workers", cfg.WorkerProcesses, "worker_processes")
	fs.StringVar(&cfg.User, "user", cfg.User, "nginx user directive (only when run as root)")
	fs.StringVar(&cfg.PidFile, "pid", cfg.PidFile, "nginx pid directive")
	fs.BoolVar(&cfg.LuaModules, "load-lua-modules", cfg.LuaModules, "write load_module lines for Debian's ndk + lua modules")
	fs.StringVar(&cfg.DemoRoot, "demo-root", cfg.DemoRoot, "directory served as static files under /demo/ (local runs only)")
	fs.StringVar(&cfg.UploadMaxBody, "upload-max-body", cfg.UploadMaxBody, "body bound of the write path /u/ (nginx size)")
	fs.StringVar(&cfg.FormatHeader, "format-header", cfg.FormatHeader, "header carrying the f_auto bucket on pulls (the origin's render.auto.header)")
	referers := fs.String("referers", "", "hotlink protection: allowed Referer hosts, comma-separated (*.example.com, example.*); empty: off")
	fs.BoolVar(&cfg.Hotlink.AllowEmpty, "referer-allow-empty", cfg.Hotlink.AllowEmpty, "with -referers: let requests without a Referer through")
	formatMaps := fs.String("format-maps", "", "file of f_auto maps from `origin render-formats` (default: the default rules)")
	out := fs.String("o", "", "output file (default stdout)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	cfg.UseStale = splitList(*useStale)
	cfg.Auth.PathPrefixes = splitList(*authPrefixes)
	cfg.Hotlink.Referers = splitList(*referers)
	cfg.Auth.Keys = splitList(getenv("EDGE_AUTH_KEYS"))
	cfg.OriginSecret.Value = getenv("EDGE_ORIGIN_SECRET")
	cfg.PurgeToken = getenv("EDGE_PURGE_TOKEN")
	if *formatMaps != "" {
		b, err := os.ReadFile(*formatMaps)
		if err != nil {
			fmt.Fprintln(stderr, "edgeconf:", err)
			return 2
		}
		cfg.FormatMaps = string(b)
	}
	conf, err := edge.Render(cfg)
	if err != nil {
		fmt.Fprintln(stderr, "edgeconf:", err)
		return 2
	}
	if *out == "" {
		_, err = io.WriteString(stdout, conf)
	} else {
		err = os.WriteFile(*out, []byte(conf), 0o600)
	}
	if err != nil {
		fmt.Fprintln(stderr, "edgeconf:", err)
		return 1
	}
	return 0
}
