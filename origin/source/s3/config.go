package s3

import (
	"errors"
	"net/url"
	"strings"
	"time"
)

// Config configures one bucket source. The keys are documented in the package comment.
type Config struct {
	Endpoint              string        `mapstructure:"endpoint"`
	Region                string        `mapstructure:"region"`
	Bucket                string        `mapstructure:"bucket"`
	Prefix                string        `mapstructure:"prefix"`
	PathStyle             bool          `mapstructure:"path_style"`
	AccessKey             string        `mapstructure:"access_key"`
	SecretKey             string        `mapstructure:"secret_key"`
	SessionToken          string        `mapstructure:"session_token"`
	ConnectTimeout        time.Duration `mapstructure:"connect_timeout"`
	ResponseHeaderTimeout time.Duration `mapstructure:"response_header_timeout"`
	Timeout               time.Duration `mapstructure:"timeout"`
	MaxAttempts           int           `mapstructure:"max_attempts"`
	MaxBackoff            time.Duration `mapstructure:"max_backoff"`
	MaxIdleConns          int           `mapstructure:"max_idle_conns"`
	MaxObjectSize         int64         `mapstructure:"max_object_size"`
}

// DefaultConfig returns the defaults; Bucket (and usually Endpoint and credentials) must
// still be set.
func DefaultConfig() Config {
	return Config{
		Region:                "us-east-1",
		ConnectTimeout:        2 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		Timeout:               30 * time.Second,
		MaxAttempts:           3,
		MaxBackoff:            time.Second,
		MaxIdleConns:          64,
		MaxObjectSize:         64 << 20,
	}
}

// Validate checks the configuration without contacting the store.
func (c Config) Validate() error {
	if c.Endpoint != "" {
		u, err := url.Parse(c.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return errors.New("endpoint: must be an http(s) URL such as https://s3.oss-cn-hangzhou.aliyuncs.com")
		}
		if u.User != nil || u.RawQuery != "" || u.Fragment != "" {
			return errors.New("endpoint: must not contain credentials, a query or a fragment")
		}
	}
	switch {
	case c.Region == "":
		return errors.New("region: must be set")
	case c.Bucket == "":
		return errors.New("bucket: must be set")
	case strings.ContainsAny(c.Bucket, "/ \x00"):
		return errors.New("bucket: must be a bucket name, not a path")
	case strings.HasPrefix(c.Prefix, "/") || strings.ContainsRune(c.Prefix, 0):
		return errors.New("prefix: must not start with '/' or contain NUL")
	case (c.AccessKey == "") != (c.SecretKey == ""):
		return errors.New("access_key: access_key and secret_key must be set together (or both empty for the default chain)")
	case c.SessionToken != "" && c.AccessKey == "":
		return errors.New("session_token: needs access_key and secret_key")
	case c.ConnectTimeout <= 0:
		return errors.New("connect_timeout: must be > 0")
	case c.ResponseHeaderTimeout <= 0:
		return errors.New("response_header_timeout: must be > 0")
	case c.Timeout <= 0:
		return errors.New("timeout: must be > 0")
	case c.MaxAttempts < 1 || c.MaxAttempts > 10:
		return errors.New("max_attempts: must be 1..10")
	case c.MaxBackoff < 0:
		return errors.New("max_backoff: must be >= 0")
	case c.MaxIdleConns < 1:
		return errors.New("max_idle_conns: must be >= 1")
	case c.MaxObjectSize < 0:
		return errors.New("max_object_size: must be >= 0")
	}
	return nil
}
