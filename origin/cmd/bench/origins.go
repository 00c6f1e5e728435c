package main

import (
	"bytes"
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"github.com/imgorigin/imgorigin/origin/auth"
	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/stack"
)

// env is what every part of a run shares.
type env struct {
	bin    string   // make build's binaries
	root   string   // the repository
	work   string   // scratch directory, removed at the end
	images string   // the local source's root: the samples
	oenv   []string // extra environment of the origins (-allocator glibc)
	logf   func(format string, args ...any)
	client *http.Client
}

// startOrigin starts one origin node (origin/stack, with its idle front nginx) configured as
// the benchmarks run it: auth off (they measure rendering and serving; token checks are
// BenchmarkCheck's), log level warn (no access log line per request), source "local" at the
// samples with stat_ttl 1h, everything else at the shipped defaults (not the stack's test
// shape), then edit.
func (e *env) startOrigin(ctx context.Context, disk bool, edit func(*config.Config)) (*stack.Stack, error) {
	s, err := stack.Start(ctx, stack.Options{
		Nodes: 1, BinDir: e.bin, Disk: disk, Env: e.oenv, Logf: e.logf,
		OriginConfig: func(c *config.Config) {
			d := config.Default()
			c.Log.Level = "warn"
			c.Auth = auth.DefaultConfig()
			c.Auth.Mode = auth.ModeOff
			c.Admission = d.Admission
			c.Cluster.Cache.OriginalsBytes, c.Cluster.Cache.VariantsBytes = d.Cluster.Cache.OriginalsBytes, d.Cluster.Cache.VariantsBytes
			c.Render.StatTTL = time.Hour
			local := c.Sources["local"]
			local.Local.Root = e.images
			c.Sources = map[string]config.SourceConfig{"local": local}
			if edit != nil {
				edit(c)
			}
		},
	})
	if err != nil {
		if s != nil {
			err = fmt.Errorf("%w\n%s", err, s.Logs(20))
			s.Close()
		}
		return nil, err
	}
	return s, nil
}

// get fetches url and returns the body of a 200.
func (e *env) get(ctx context.Context, url string) ([]byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, nil, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, nil, fmt.Errorf("GET %s: %s: %s", url, resp.Status, bytes.TrimSpace(body))
	}
	return body, resp.Header, nil
}

//go:embed static.conf.tmpl
var staticConf string

var staticTmpl = template.Must(template.New("static").Parse(staticConf))

// startStatic starts nginx serving dir as it is beside the stack s; it returns its base URL.
func startStatic(s *stack.Stack, dir string) (string, error) {
	addr, err := s.StartNginx("static", func(listen string) (string, error) {
		var b strings.Builder
		err := staticTmpl.Execute(&b, struct{ Listen, Root string }{listen, dir})
		return b.String(), err
	})
	if err != nil {
		return "", err
	}
	return "http://" + addr, nil
}

// variant is a rendered variant the hit benchmarks ask for.
type variant struct {
	path string // /i/…/local/large.jpg
	body []byte
}

// pick asks base for each candidate variant of large.jpg and returns the first of at least
// min bytes.
func (e *env) pick(ctx context.Context, base string, min int, candidates ...string) (variant, error) {
	for _, c := range candidates {
		p := "/i/" + c + "/local/large.jpg"
		body, _, err := e.get(ctx, base+p)
		if err != nil {
			return variant{}, err
		}
		if len(body) >= min {
			return variant{p, body}, nil
		}
	}
	return variant{}, fmt.Errorf("no variant of large.jpg among %v has %d bytes", candidates, min)
}

// smallVariant and bigVariant are the ~20 KB and ~200 KB variants of the hit benchmarks.
func (e *env) hitVariants(ctx context.Context, base string) ([]variant, error) {
	small, err := e.pick(ctx, base, 20000, "w_500,q_70,f_jpeg", "w_550,q_75,f_jpeg", "w_600,q_80,f_jpeg", "w_700,q_80,f_jpeg", "w_800,q_80,f_jpeg")
	if err != nil {
		return nil, err
	}
	big, err := e.pick(ctx, base, 200000, "w_1400,q_85,f_jpeg", "w_1600,q_85,f_jpeg", "w_1800,q_85,f_jpeg", "w_2000,q_85,f_jpeg", "w_2400,q_90,f_jpeg", "w_3000,q_90,f_jpeg")
	if err != nil {
		return nil, err
	}
	return []variant{small, big}, nil
}

// staticCopy writes v's bytes under dir/v/ for nginx, checks nginx serves them unchanged and
// returns their URL there.
func (e *env) staticCopy(ctx context.Context, dir, nginxURL string, v variant) (string, error) {
	name := strings.NewReplacer("/", "_", ",", "_").Replace(v.path)
	if err := os.MkdirAll(filepath.Join(dir, "v"), 0o755); err != nil {
		return "", err
	}
	if err := os.WriteFile(filepath.Join(dir, "v", name), v.body, 0o644); err != nil {
		return "", err
	}
	url := nginxURL + "/v/" + name
	got, _, err := e.get(ctx, url)
	if err != nil {
		return "", err
	}
	if !bytes.Equal(got, v.body) {
		return "", errors.New("nginx does not serve the origin's bytes")
	}
	return url, nil
}
