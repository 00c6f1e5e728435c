package site

import (
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/nginx/directive"
)

// Config is the legacy site's configuration.
type Config struct {
	// Listen is the address nginx listens on; the front nginx proxies legacy URLs to it.
	Listen string `mapstructure:"listen"`
	// Root is the migrated tree (absolute path).
	Root string `mapstructure:"root"`
	// MaxAge is the Cache-Control max-age of every image (whole seconds).
	MaxAge time.Duration `mapstructure:"max_age"`
	// Extensions are the file extensions served, lower-case, without the dot.
	Extensions []string `mapstructure:"extensions"`
	// TempDir is the directory for nginx's temp paths, relative to the nginx prefix or absolute.
	TempDir string `mapstructure:"temp_dir"`
	// AccessLog is the access log path, relative to the prefix or absolute; "off" disables it.
	AccessLog string `mapstructure:"access_log"`
	// ErrorLog, when set, is written as nginx's error_log ("stderr", a path, or
	// "syslog:server=unix:/path" served by `origin redact-log --syslog-socket`); empty leaves it
	// to the runner's -e/-g. nginx quotes request lines, tokens included, in error lines: see
	// origin/redact for the ways the project keeps them out.
	ErrorLog string `mapstructure:"error_log"`
	// WorkerProcesses is nginx's worker_processes ("auto" or a number).
	WorkerProcesses string `mapstructure:"worker_processes"`
	// User, when set, is written as nginx's `user` directive; it matters only when the master
	// runs as root (workers otherwise run as nobody and may not read a private tree).
	User string `mapstructure:"user"`
	// PidFile, when set, is written as nginx's `pid` directive (relative to the prefix or
	// absolute). Leave it empty when the runner passes -g 'pid …;'.
	PidFile string `mapstructure:"pid_file"`
}

// DefaultConfig returns the defaults; Root must be set.
func DefaultConfig() Config {
	return Config{
		Listen:          "127.0.0.1:8090",
		MaxAge:          365 * 24 * time.Hour,
		Extensions:      []string{"jpg", "jpeg", "png", "gif", "webp", "bmp", "ico"},
		TempDir:         "temp",
		AccessLog:       "logs/legacy-access.log",
		WorkerProcesses: "1",
	}
}

var (
	extRe = regexp.MustCompile(`^[a-z0-9]{1,10}$`)
)

// safePath reports whether p can be written into nginx's configuration unquoted-safe inside
// double quotes: no quotes, backslashes, '$' (variables), braces, ';' or control characters.
func safePath(p string) bool {
	if p == "" {
		return false
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f || strings.ContainsRune("\"'\\${};", r) {
			return false
		}
	}
	return true
}

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	if host, port, err := net.SplitHostPort(c.Listen); err != nil || host == "" || port == "" {
		errs = append(errs, errors.New("listen: must be host:port"))
	}
	if !filepath.IsAbs(c.Root) || !safePath(c.Root) {
		errs = append(errs, errors.New("root: must be an absolute path without quotes, '$', braces or ';'"))
	}
	if c.MaxAge < 0 || c.MaxAge%time.Second != 0 {
		errs = append(errs, errors.New("max_age: must be whole seconds, not negative"))
	}
	if len(c.Extensions) == 0 {
		errs = append(errs, errors.New("extensions: must not be empty"))
	}
	for _, e := range c.Extensions {
		if !extRe.MatchString(e) {
			errs = append(errs, fmt.Errorf("extensions: %q must be lower-case letters and digits", e))
		}
	}
	if !safePath(c.TempDir) {
		errs = append(errs, errors.New("temp_dir: must be a path without quotes, '$', braces or ';'"))
	}
	if !safePath(c.AccessLog) {
		errs = append(errs, errors.New("access_log: must be a path or off"))
	}
	if c.ErrorLog != "" && !directive.ErrorLog(c.ErrorLog) {
		errs = append(errs, errors.New("error_log: must be stderr, a plain path or syslog:server=unix:/path"))
	}
	if !directive.Workers(c.WorkerProcesses) {
		errs = append(errs, errors.New("worker_processes: must be auto or 1..999"))
	}
	if c.User != "" && !directive.User(c.User) {
		errs = append(errs, errors.New("user: must be a user name"))
	}
	if c.PidFile != "" && !safePath(c.PidFile) {
		errs = append(errs, errors.New("pid_file: must be a path without quotes, '$', braces or ';'"))
	}
	return errors.Join(errs...)
}
