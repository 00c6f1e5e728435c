package site

import (
	_ "embed"
	"fmt"
	"slices"
	"strings"
	"text/template"
	"time"
)

//go:embed site.conf.tmpl
var confTemplate string

// tmpl is parsed once; it is immutable after init.
var tmpl = template.Must(template.New("site").Parse(confTemplate))

// mediaTypes maps the extensions the site may serve to their Content-Type.
var mediaTypes = map[string]string{
	"jpg": "image/jpeg", "jpeg": "image/jpeg", "jpe": "image/jpeg", "png": "image/png",
	"gif": "image/gif", "webp": "image/webp", "bmp": "image/bmp", "ico": "image/x-icon",
	"avif": "image/avif", "tif": "image/tiff", "tiff": "image/tiff", "svg": "image/svg+xml",
}

// mediaType returns the Content-Type served for an extension ("" when unknown).
func mediaType(ext string) string { return mediaTypes[ext] }

type typeBlock struct {
	Pattern string // regex alternation of extensions sharing Type
	Type    string
}

type view struct {
	Config
	MaxAgeSeconds int64
	Types         []typeBlock
}

func newView(cfg Config) (view, error) {
	if err := cfg.Validate(); err != nil {
		return view{}, err
	}
	byType := map[string][]string{}
	for _, e := range cfg.Extensions {
		t := mediaType(e)
		if t == "" {
			return view{}, fmt.Errorf("extensions: %q is not an image extension this site knows", e)
		}
		if !slices.Contains(byType[t], e) {
			byType[t] = append(byType[t], e)
		}
	}
	v := view{Config: cfg, MaxAgeSeconds: int64(cfg.MaxAge / time.Second)}
	for t, exts := range byType {
		slices.Sort(exts)
		v.Types = append(v.Types, typeBlock{Pattern: "(" + strings.Join(exts, "|") + ")", Type: t})
	}
	slices.SortFunc(v.Types, func(a, b typeBlock) int { return strings.Compare(a.Type, b.Type) })
	return v, nil
}

// Render returns a complete nginx.conf for the site.
func Render(cfg Config) (string, error) {
	return execute(cfg, "main")
}

// Server returns only the site's http-level directives and server block, for inclusion into an
// existing http block.
func Server(cfg Config) (string, error) {
	h, err := execute(cfg, "http")
	if err != nil {
		return "", err
	}
	s, err := execute(cfg, "server")
	return h + s, err
}

func execute(cfg Config, name string) (string, error) {
	v, err := newView(cfg)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, name, v); err != nil {
		return "", fmt.Errorf("render %s: %w", name, err)
	}
	return b.String(), nil
}
