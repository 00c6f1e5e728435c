package edge

import (
	_ "embed"
	"fmt"
	"strings"
	"text/template"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
)

//go:embed edge.conf.tmpl
var confTemplate string

// tmpl is parsed once and never modified.
var tmpl = template.Must(template.New("edge").Parse(confTemplate))

type view struct {
	Config
	NDKModule, LuaModule  string
	InactiveSeconds       int64
	LockTimeoutSeconds    int64
	ConnectTimeoutSeconds int64
	ReadTimeoutSeconds    int64
	AuthTTLSeconds        int64
	AuthMaxLifeSeconds    int64
	UseStaleDirective     string
	// PrefixRegexes are Auth.PathPrefixes as PCRE literals (a '.' escaped).
	PrefixRegexes []string
}

func secs(d time.Duration) int64 { return int64(d / time.Second) }

// Render returns the edge's complete nginx.conf.
func Render(cfg Config) (string, error) {
	if err := cfg.Validate(); err != nil {
		return "", err
	}
	v := view{
		Config:                cfg,
		NDKModule:             NDKModule,
		LuaModule:             LuaModule,
		InactiveSeconds:       secs(cfg.Inactive),
		LockTimeoutSeconds:    secs(cfg.LockTimeout),
		ConnectTimeoutSeconds: secs(cfg.ConnectTimeout),
		ReadTimeoutSeconds:    secs(cfg.ReadTimeout),
		AuthTTLSeconds:        secs(cfg.Auth.TTL),
		AuthMaxLifeSeconds:    secs(cfg.Auth.MaxLifetime),
		UseStaleDirective:     "off",
	}
	for _, p := range cfg.Auth.PathPrefixes {
		v.PrefixRegexes = append(v.PrefixRegexes, strings.ReplaceAll(p, ".", `\.`))
	}
	if cfg.Auth.Type == "" {
		v.Auth.Keys = nil
	}
	if cfg.FormatMaps == "" {
		v.FormatMaps = autoformat.DefaultNginxMaps()
	}
	if len(cfg.UseStale) > 0 {
		v.UseStaleDirective = strings.Join(cfg.UseStale, " ")
	}
	var b strings.Builder
	if err := tmpl.ExecuteTemplate(&b, "main", v); err != nil {
		return "", fmt.Errorf("render edge config: %w", err)
	}
	return b.String(), nil
}
