package render

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Config is the render use case's configuration.
type Config struct {
	// Presets maps preset names to canonical option strings, e.g. thumb: "w_200,h_200,f_webp".
	Presets map[string]string `mapstructure:"presets"`
	// PresetsOnly refuses explicit options in URLs: only presets are served.
	PresetsOnly bool `mapstructure:"presets_only"`
	// MaxSourceBytes bounds the size of an original read from a store.
	MaxSourceBytes int64 `mapstructure:"max_source_bytes"`
	// PipelineVersion enters every variant key and ETag; bump it when the output of the same
	// options changes (a libvips upgrade, new encoder settings).
	PipelineVersion string `mapstructure:"pipeline_version"`
	// Timeout bounds one render: fetch, queue wait, decode and encode.
	Timeout time.Duration `mapstructure:"timeout"`
	// StatTTL keeps a source's Stat answer this long for mutable sources (0 = always ask).
	StatTTL time.Duration `mapstructure:"stat_ttl"`
	// Limits bound every number in a URL.
	Limits LimitsConfig `mapstructure:"limits"`
	// Watermarks are the named image and text marks URLs apply with wm_{name} and tm_{name}.
	Watermarks watermark.Config `mapstructure:"watermarks"`
	// Auto is the f_auto negotiation: format order, the fallback-only switch, the CDN's
	// bucket header. The front and edge maps are rendered from it.
	Auto autoformat.Config `mapstructure:"auto"`
}

// LimitsConfig mirrors imgurl.Limits with config tags.
type LimitsConfig struct {
	MaxWidth   int     `mapstructure:"max_width"`
	MaxHeight  int     `mapstructure:"max_height"`
	MaxDPR     float64 `mapstructure:"max_dpr"`
	MaxKeyLen  int     `mapstructure:"max_key_len"`
	MaxPathLen int     `mapstructure:"max_path_len"`
	MaxBlur    float64 `mapstructure:"max_blur"`    // largest blur_ sigma
	MaxSharpen float64 `mapstructure:"max_sharpen"` // largest sh_ sigma
}

// Grammar returns the limits as the grammar package wants them.
func (l LimitsConfig) Grammar() imgurl.Limits {
	return imgurl.Limits{MaxWidth: l.MaxWidth, MaxHeight: l.MaxHeight, MaxDPR: l.MaxDPR, MaxKeyLen: l.MaxKeyLen, MaxPathLen: l.MaxPathLen,
		MaxBlur: l.MaxBlur, MaxSharpen: l.MaxSharpen}
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	d := imgurl.DefaultLimits()
	return Config{
		Presets: map[string]string{
			"thumb":  "w_200,h_200,f_jpeg",
			"small":  "w_400,f_webp",
			"medium": "w_800,f_webp",
			"large":  "w_1600,q_80,f_jpeg",
		},
		MaxSourceBytes:  64 << 20,
		PipelineVersion: "2", // 2: WebP outputs without the source's metadata
		Timeout:         30 * time.Second,
		StatTTL:         10 * time.Second,
		Limits: LimitsConfig{MaxWidth: d.MaxWidth, MaxHeight: d.MaxHeight, MaxDPR: d.MaxDPR, MaxKeyLen: d.MaxKeyLen, MaxPathLen: d.MaxPathLen,
			MaxBlur: d.MaxBlur, MaxSharpen: d.MaxSharpen},
		Watermarks: watermark.DefaultConfig(),
		Auto:       autoformat.DefaultConfig(),
	}
}

var (
	presetName  = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	versionText = regexp.MustCompile(`^[A-Za-z0-9._-]{1,32}$`)
)

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if c.MaxSourceBytes < 1 {
		errs = append(errs, errors.New("render.max_source_bytes: must be positive"))
	}
	if !versionText.MatchString(c.PipelineVersion) {
		errs = append(errs, errors.New("render.pipeline_version: must be 1-32 of [A-Za-z0-9._-]"))
	}
	if c.Timeout <= 0 {
		errs = append(errs, errors.New("render.timeout: must be positive"))
	}
	if c.StatTTL < 0 {
		errs = append(errs, errors.New("render.stat_ttl: must not be negative"))
	}
	l := c.Limits
	if l.MaxWidth < 1 || l.MaxWidth > 16384 {
		errs = append(errs, errors.New("render.limits.max_width: must be 1..16384"))
	}
	if l.MaxHeight < 1 || l.MaxHeight > 16384 {
		errs = append(errs, errors.New("render.limits.max_height: must be 1..16384"))
	}
	if l.MaxDPR < 1 || l.MaxDPR > 8 {
		errs = append(errs, errors.New("render.limits.max_dpr: must be 1..8"))
	}
	if !(l.MaxBlur >= 0.1 && l.MaxBlur <= 100) {
		errs = append(errs, errors.New("render.limits.max_blur: must be 0.1..100"))
	}
	if !(l.MaxSharpen >= 0.1 && l.MaxSharpen <= 20) {
		errs = append(errs, errors.New("render.limits.max_sharpen: must be 0.1..20"))
	}
	if err := c.Watermarks.Validate("render.watermarks"); err != nil {
		errs = append(errs, err)
	}
	if l.MaxKeyLen < 1 || l.MaxPathLen < 16 {
		errs = append(errs, errors.New("render.limits.max_key_len, max_path_len: must be positive (path at least 16)"))
	}
	if err := c.Auto.Validate(); err != nil {
		errs = append(errs, err)
	}
	if len(errs) == 0 {
		for name, spec := range c.Presets {
			if !presetName.MatchString(name) {
				errs = append(errs, fmt.Errorf("render.presets.%s: preset names are [a-z0-9][a-z0-9-]{0,31}", name))
				continue
			}
			o, err := parsePreset(spec, l.Grammar())
			if err != nil {
				errs = append(errs, fmt.Errorf("render.presets.%s: %w", name, err))
				continue
			}
			if _, ok := c.Watermarks.Images[o.Watermark]; o.Watermark != "" && !ok {
				errs = append(errs, fmt.Errorf("render.presets.%s: no image watermark %q in render.watermarks.images", name, o.Watermark))
			}
			if _, ok := c.Watermarks.Texts[o.Text]; o.Text != "" && !ok {
				errs = append(errs, fmt.Errorf("render.presets.%s: no text watermark %q in render.watermarks.texts", name, o.Text))
			}
		}
	}
	return errors.Join(errs...)
}

// AutoPresets lists the presets whose options are f_auto (sorted), for the caches' maps.
func (c Config) AutoPresets() ([]string, error) {
	var out []string
	for name, spec := range c.Presets {
		o, err := parsePreset(spec, c.Limits.Grammar())
		if err != nil {
			return nil, fmt.Errorf("render.presets.%s: %w", name, err)
		}
		if o.Format == imgurl.Auto {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// parsePreset parses a canonical option string through the URL grammar.
func parsePreset(spec string, lim imgurl.Limits) (imgurl.Options, error) {
	p, err := imgurl.Parse(imgurl.Prefix+spec+"/preset/check", lim)
	if err != nil {
		return imgurl.Options{}, err
	}
	if p.Variant.Preset != "" {
		return imgurl.Options{}, fmt.Errorf("%q is a preset name, not options", spec)
	}
	return p.Variant.Options, nil
}
