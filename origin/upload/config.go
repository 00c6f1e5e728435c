package upload

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Config configures the write path.
type Config struct {
	// MaxBytes bounds every upload body, whatever a policy allows (render.max_source_bytes
	// bounds it too, so an upload is always readable).
	MaxBytes int64 `mapstructure:"max_bytes"`
	// MaxInflight bounds the uploads held in memory at once; more answer 503 + Retry-After.
	MaxInflight int `mapstructure:"max_inflight"`
	// Timeout bounds one upload from the end of the body to the answer (store and verify).
	Timeout time.Duration `mapstructure:"timeout"`
	// Normalize re-encodes every upload through the image engine: EXIF orientation applied,
	// metadata stripped (imaging.strip_metadata), and MaxSide enforced.
	Normalize bool `mapstructure:"normalize"`
	// MaxSide, when > 0 and Normalize is on, shrinks originals whose longer side exceeds it.
	MaxSide int `mapstructure:"max_side"`
	// Quality of re-encoded JPEG, WebP and AVIF originals (0: the imaging defaults).
	Quality int `mapstructure:"quality"`
	// CORSOrigins are the page origins (scheme://host[:port]) browsers may upload from.
	CORSOrigins []string `mapstructure:"cors_origins"`
	// URLBase is scheme://host[:port] of the signed URLs in the answer; empty: no URLs.
	URLBase string `mapstructure:"url_base"`
	// URLTTL is how long the answer's URLs stay valid.
	URLTTL time.Duration `mapstructure:"url_ttl"`
	// Presets lists the presets the answer signs URLs of; empty: every configured preset.
	Presets []string `mapstructure:"presets"`
	// Journal names a keyed writable source (local or s3) where idempotent uploads into
	// stores that assign their own keys (FastDFS) are recorded, under JournalPrefix. Empty:
	// such uploads refuse an Idempotency-Key.
	Journal       string `mapstructure:"journal"`
	JournalPrefix string `mapstructure:"journal_prefix"`
	// PurgeURLs are called as POST {url}?tag={surrogate key} after a delete (the edge
	// stand-in's purge API; see cdn/README.md for Aliyun, Tencent and CloudFront).
	PurgeURLs    []string      `mapstructure:"purge_urls"`
	PurgeTimeout time.Duration `mapstructure:"purge_timeout"`
	// PurgeToken is sent as "Authorization: Bearer {token}" on purge calls (the edge stand-in's
	// purge API refuses calls without it). Set it from the environment:
	// IMGORIGIN_UPLOAD_PURGE_TOKEN.
	PurgeToken string `mapstructure:"purge_token"`
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		MaxBytes:      32 << 20,
		MaxInflight:   16,
		Timeout:       60 * time.Second,
		Normalize:     false,
		URLTTL:        24 * time.Hour,
		JournalPrefix: ".upload-journal/",
		PurgeTimeout:  5 * time.Second,
	}
}

// Validate checks the configuration; errors name the key (under upload.).
func (c Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if c.MaxBytes < 1 {
		add("max_bytes: must be > 0")
	}
	if c.MaxInflight < 1 {
		add("max_inflight: must be > 0")
	}
	if c.Timeout <= 0 {
		add("timeout: must be positive")
	}
	if c.MaxSide < 0 || c.MaxSide > 0 && !c.Normalize {
		add("max_side: must be >= 0, and needs normalize: true")
	}
	if c.Quality < 0 || c.Quality > 100 {
		add("quality: must be 0..100")
	}
	for i, o := range c.CORSOrigins {
		if !validOrigin(o) {
			add("cors_origins[%d]: %q is not scheme://host[:port]", i, o)
		}
	}
	if c.URLBase != "" && !validOrigin(c.URLBase) {
		add("url_base: %q is not scheme://host[:port]", c.URLBase)
	}
	if c.URLTTL <= 0 {
		add("url_ttl: must be positive")
	}
	for i, p := range c.Presets {
		if !imgurl.ValidName(p) {
			add("presets[%d]: %q is not a preset name", i, p)
		}
	}
	if c.Journal != "" && !imgurl.ValidName(c.Journal) {
		add("journal: %q is not a source name", c.Journal)
	}
	if c.JournalPrefix == "" || imgurl.ValidateKey(strings.TrimSuffix(c.JournalPrefix, "/"), imgurl.DefaultLimits()) != nil {
		add("journal_prefix: must be a key prefix such as .upload-journal/")
	}
	for i, u := range c.PurgeURLs {
		p, err := url.Parse(u)
		if err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" || p.RawQuery != "" {
			add("purge_urls[%d]: %q is not an http(s) URL without a query", i, u)
		}
	}
	if c.PurgeTimeout <= 0 {
		add("purge_timeout: must be positive")
	}
	return errors.Join(errs...)
}

func validOrigin(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Path == "" &&
		u.RawQuery == "" && u.Fragment == "" && u.User == nil
}
