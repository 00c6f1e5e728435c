package auth

import (
	"errors"
	"fmt"
	"time"

	"github.com/imgorigin/imgorigin/signer"
)

// The modes.
const (
	ModeRequired = "required" // every request must be authorized
	ModeOff      = "off"      // everything is served; only written explicitly, and only without keys
)

// Config configures the Authorizer.
type Config struct {
	// Mode is "required", "off" or "" (required). Fail closed: with no key, key file, origin
	// secret or Aliyun key configured, the configuration is refused unless Mode is "off",
	// written explicitly.
	Mode string `mapstructure:"mode"`
	// Keys are the URL-signing keys; exclusive with KeyFile.
	Keys []KeyConfig `mapstructure:"keys"`
	// KeyFile is a JSON key file (see package signer), re-read by Reload.
	KeyFile string `mapstructure:"key_file"`
	// ExpiryBucket is the signers' expiry bucket: expiries may lie that much beyond MaxLifetime.
	ExpiryBucket time.Duration `mapstructure:"expiry_bucket"`
	// ClockSkew is how long after its expiry a token is still accepted.
	ClockSkew time.Duration `mapstructure:"clock_skew"`
	// MaxLifetime refuses tokens of every kind (the origin's own, Aliyun type A) expiring more
	// than MaxLifetime + ExpiryBucket + ClockSkew ahead: the longest TTL signers use (and at
	// least aliyun_a.valid_for). A leaked key cannot mint URLs that outlive its retirement.
	MaxLifetime time.Duration `mapstructure:"max_lifetime"`
	// Param is the query parameter carrying the token.
	Param string `mapstructure:"param"`
	// OriginSecret admits token-less pulls from a CDN that verified and stripped the token.
	OriginSecret OriginSecretConfig `mapstructure:"origin_secret"`
	// AliyunA accepts Aliyun CDN type A auth_key tokens at the origin too.
	AliyunA AliyunAConfig `mapstructure:"aliyun_a"`
	// PerView chooses what a token protects (see Protects). false (the default): tokens are
	// verified when a request reaches the origin, which behind a caching CDN is a cache miss
	// only. true: every view must be authorized, so the origin serves only pulls carrying the
	// origin secret, from a CDN that verifies its own token (Aliyun/Tencent type A, Tencent type
	// D) on every request, hits included; tokens at the origin are refused. Needs
	// origin_secret.current.
	PerView bool `mapstructure:"per_view"`
}

// KeyConfig is one signing key: secret in base64url without padding (imgsign keygen).
type KeyConfig struct {
	ID     string `mapstructure:"id"`
	Secret string `mapstructure:"secret"`
	State  string `mapstructure:"state"` // signing, verify-only or retired
}

// String redacts the secret.
func (k KeyConfig) String() string { return fmt.Sprintf("key %s (%s, secret redacted)", k.ID, k.State) }

// GoString is String.
func (k KeyConfig) GoString() string { return k.String() }

// OriginSecretConfig is the CDN origin-secret header. It is on when Current is set.
type OriginSecretConfig struct {
	Header   string `mapstructure:"header"`
	Current  string `mapstructure:"current"`
	Previous string `mapstructure:"previous"` // still accepted while the CDN switches over
}

// String redacts the secrets.
func (o OriginSecretConfig) String() string {
	return fmt.Sprintf("origin secret header %s (current set: %t, previous set: %t)", o.Header, o.Current != "", o.Previous != "")
}

// GoString is String.
func (o OriginSecretConfig) GoString() string { return o.String() }

// AliyunAConfig is Aliyun CDN type A signing. It is on when Key is set.
type AliyunAConfig struct {
	Key       string        `mapstructure:"key"`
	BackupKey string        `mapstructure:"backup_key"`
	ValidFor  time.Duration `mapstructure:"valid_for"` // the console's validity period
	Param     string        `mapstructure:"param"`
}

// String redacts the keys.
func (a AliyunAConfig) String() string {
	return fmt.Sprintf("aliyun type A (key set: %t, valid for %v)", a.Key != "", a.ValidFor)
}

// GoString is String.
func (a AliyunAConfig) GoString() string { return a.String() }

// DefaultMaxLifetime is auth.max_lifetime's default: a week covers URLs written into pages and
// mails; longer-lived links should be re-signed.
const DefaultMaxLifetime = 7 * 24 * time.Hour

// DefaultConfig returns the defaults: no keys (which Validate refuses unless mode is off), token
// in "token", 30s skew, 15m bucket, 7-day maximum lifetime, header X-Origin-Secret, Aliyun
// auth_key valid 30m.
func DefaultConfig() Config {
	return Config{
		Param:        signer.DefaultParam,
		ClockSkew:    30 * time.Second,
		ExpiryBucket: 15 * time.Minute,
		MaxLifetime:  DefaultMaxLifetime,
		OriginSecret: OriginSecretConfig{Header: "X-Origin-Secret"},
		AliyunA:      AliyunAConfig{ValidFor: 30 * time.Minute, Param: "auth_key"},
	}
}

// Configured reports whether any credential is configured.
func (c Config) Configured() bool {
	return len(c.Keys) > 0 || c.KeyFile != "" || c.OriginSecret.Current != "" || c.AliyunA.Key != ""
}

// EffectiveMode resolves Mode "" to required or off.
func (c Config) EffectiveMode() string {
	if c.Mode != "" {
		return c.Mode
	}
	return ModeRequired
}

const minOriginSecret = 16

// What a configuration protects (Protects).
const (
	ProtectsNothing  = "nothing: auth.mode is off, every well-formed URL is served"
	ProtectsMisses   = "cache misses only: a token is verified when a request reaches the origin; a CDN that forwards the query and caches publicly then serves its copy to anyone, with no token or an expired one, until the copy expires. Per-view authorization: verify at the CDN (Aliyun/Tencent type A, Tencent type D), pull with the origin secret, and set auth.per_view: true"
	ProtectsEachView = "every view: only pulls carrying the CDN origin secret are served (tokens at the origin are refused); the CDN must verify its token (Aliyun/Tencent type A, Tencent type D) on every request, hits included"
)

// Protects says what this configuration's checks protect: ProtectsNothing, ProtectsMisses or
// ProtectsEachView. The composition root logs it at startup; README.md and cdn/README.md
// ("What a token protects") say the same per mode.
func (c Config) Protects() string {
	switch {
	case c.EffectiveMode() == ModeOff:
		return ProtectsNothing
	case c.PerView:
		return ProtectsEachView
	}
	return ProtectsMisses
}

// Validate checks the configuration without reading the key file. Errors name their keys.
func (c Config) Validate() error {
	var errs []error
	add := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	switch c.Mode {
	case "", ModeRequired, ModeOff:
	default:
		add("mode: must be required or off, not %q", c.Mode)
	}
	if c.Mode == ModeOff && c.Configured() {
		add("mode: off is only allowed when no keys, key_file, origin_secret or aliyun_a is configured")
	}
	if c.Mode != ModeOff && !c.Configured() {
		add("mode: no keys, key_file, origin_secret.current or aliyun_a.key is configured: configure one, or write mode: off to serve every URL unsigned")
	}
	if len(c.Keys) > 0 && c.KeyFile != "" {
		add("keys: exclusive with key_file")
	}
	if c.PerView && (c.Mode == ModeOff || c.OriginSecret.Current == "") {
		add("per_view: needs origin_secret.current: per-view authorization is a CDN that verifies its token (type A/D) on every view and pulls with the origin secret")
	}
	if _, err := c.inlineKeys(); err != nil {
		errs = append(errs, err)
	}
	if c.ClockSkew < 0 || c.ClockSkew > 10*time.Minute {
		add("clock_skew: must be 0..10m")
	}
	if c.ExpiryBucket < 0 || c.ExpiryBucket > 24*time.Hour {
		add("expiry_bucket: must be 0..24h")
	}
	if c.MaxLifetime < time.Minute || c.MaxLifetime > 366*24*time.Hour {
		add("max_lifetime: must be 1m..8784h (there is no unlimited lifetime)")
	}
	if c.AliyunA.Key != "" && c.AliyunA.ValidFor > c.MaxLifetime {
		add("aliyun_a.valid_for: must not exceed max_lifetime")
	}
	if !validParam(c.Param) {
		add("param: 1 to 100 of [A-Za-z0-9_]")
	}
	o := c.OriginSecret
	switch {
	case o.Current != "" && len(o.Current) < minOriginSecret:
		add("origin_secret.current: at least %d characters", minOriginSecret)
	case o.Previous != "" && o.Current == "":
		add("origin_secret.previous: needs origin_secret.current")
	case o.Previous != "" && len(o.Previous) < minOriginSecret:
		add("origin_secret.previous: at least %d characters", minOriginSecret)
	case o.Current != "" && !validHeader(o.Header):
		add("origin_secret.header: must be a header name")
	}
	if c.AliyunA.Key != "" {
		if err := c.aliyun().Validate(); err != nil {
			add("aliyun_a.%w", err)
		} else if c.AliyunA.Param == c.Param {
			add("aliyun_a.param: must differ from param")
		}
	}
	return errors.Join(errs...)
}

func (c Config) aliyun() signer.AliyunA {
	a := c.AliyunA
	return signer.AliyunA{Key: a.Key, BackupKey: a.BackupKey, ValidFor: a.ValidFor, Param: a.Param,
		MaxLifetime: c.MaxLifetime + c.ExpiryBucket}
}

// inlineKeys decodes Keys and checks them as a ring would.
func (c Config) inlineKeys() ([]signer.Key, error) {
	keys := make([]signer.Key, 0, len(c.Keys))
	for i, kc := range c.Keys {
		k, err := signer.KeyEntry{ID: kc.ID, Secret: kc.Secret, State: signer.State(kc.State)}.Key()
		if err != nil {
			return nil, fmt.Errorf("keys[%d]: %w", i, err)
		}
		keys = append(keys, k)
	}
	if _, err := signer.NewRing(keys...); err != nil {
		return nil, fmt.Errorf("keys: %w", err)
	}
	return keys, nil
}

func validParam(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

func validHeader(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
