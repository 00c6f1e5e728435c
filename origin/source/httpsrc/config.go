package httpsrc

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Config configures one HTTP source. The keys are documented in the package comment.
type Config struct {
	BaseURL               string        `mapstructure:"base_url"`
	RedirectBases         []string      `mapstructure:"redirect_bases"`
	MaxRedirects          int           `mapstructure:"max_redirects"`
	AllowPrivate          bool          `mapstructure:"allow_private"`
	ConnectTimeout        time.Duration `mapstructure:"connect_timeout"`
	ResponseHeaderTimeout time.Duration `mapstructure:"response_header_timeout"`
	Timeout               time.Duration `mapstructure:"timeout"`
	MaxIdleConns          int           `mapstructure:"max_idle_conns"`
	MaxObjectSize         int64         `mapstructure:"max_object_size"`
	UserAgent             string        `mapstructure:"user_agent"`
}

// DefaultConfig returns the defaults; BaseURL must still be set.
func DefaultConfig() Config {
	return Config{
		MaxRedirects:          3,
		ConnectTimeout:        2 * time.Second,
		ResponseHeaderTimeout: 10 * time.Second,
		Timeout:               30 * time.Second,
		MaxIdleConns:          32,
		MaxObjectSize:         64 << 20,
		UserAgent:             "imgorigin",
	}
}

// Validate checks the configuration without contacting the upstream.
func (c Config) Validate() error {
	if _, err := parseBase(c.BaseURL); err != nil {
		return fmt.Errorf("base_url: %w", err)
	}
	for i, b := range c.RedirectBases {
		if _, err := parseBase(b); err != nil {
			return fmt.Errorf("redirect_bases[%d]: %w", i, err)
		}
	}
	switch {
	case c.MaxRedirects < 0 || c.MaxRedirects > 10:
		return errors.New("max_redirects: must be 0..10")
	case c.ConnectTimeout <= 0:
		return errors.New("connect_timeout: must be > 0")
	case c.ResponseHeaderTimeout <= 0:
		return errors.New("response_header_timeout: must be > 0")
	case c.Timeout <= 0:
		return errors.New("timeout: must be > 0")
	case c.MaxIdleConns < 1:
		return errors.New("max_idle_conns: must be >= 1")
	case c.MaxObjectSize < 0:
		return errors.New("max_object_size: must be >= 0")
	case strings.ContainsAny(c.UserAgent, "\r\n"):
		return errors.New("user_agent: must be one line")
	}
	return nil
}

// parseBase checks an allow-listed base: absolute http(s) URL with a host, a path ending in
// "/", and no credentials, query or fragment.
func parseBase(s string) (*url.URL, error) {
	if s == "" {
		return nil, errors.New("must be set")
	}
	u, err := url.Parse(s)
	if err != nil {
		return nil, fmt.Errorf("not a URL: %w", err)
	}
	if u.Path == "" && u.RawPath == "" {
		u.Path = "/"
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, errors.New("scheme must be http or https")
	case u.Host == "" || u.Hostname() == "":
		return nil, errors.New("host must be set")
	case u.User != nil:
		return nil, errors.New("must not contain credentials")
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, errors.New("must not contain a query or fragment")
	case !strings.HasSuffix(u.EscapedPath(), "/"):
		return nil, errors.New(`path must end with "/" (e.g. https://static.example.com/originals/)`)
	}
	return u, nil
}
