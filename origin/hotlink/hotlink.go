// Package hotlink is the Referer allow-list (hotlink protection) of image answers. One
// configuration is rendered into nginx's valid_referers by the front (package nginx, the
// front.hotlink key) and by the CDN edge stand-in (cdn/edge), and it names the same setting
// every CDN console has (cdn/README.md, "Hotlink protection").
//
// A request passes when its Referer's host matches an entry of Referers, or when it has no
// Referer and AllowEmpty is set. Anything else is answered 403 with Cache-Control: private,
// no-store, so no cache keeps the refusal. Entries are host names with at most one wildcard
// '*' at the start ("*.example.com": every subdomain, not example.com itself) or at the end
// ("example.*"), as nginx's valid_referers takes them (http://nginx.org/r/valid_referers);
// no port, since nginx compares the Referer's host only.
//
// A Referer is a browser's statement, not a credential: any non-browser client sends what it
// likes. The allow-list stops other sites from embedding the images in their pages; it does
// not replace signed URLs. And like a token checked at the origin, a Referer checked behind a
// caching CDN gates only the CDN's misses: set the CDN's own Referer list to the same entries.
package hotlink

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
)

// Config is the Referer allow-list. Off when Referers is empty.
type Config struct {
	// Referers are the allowed Referer hosts: "example.com", "*.example.com", "example.*".
	Referers []string `mapstructure:"referers"`
	// AllowEmpty lets requests without a Referer through: direct visits, apps, and browsers
	// whose Referrer-Policy sends none. Off, every such request is refused.
	AllowEmpty bool `mapstructure:"allow_empty"`
}

// DefaultConfig returns the default: off.
func DefaultConfig() Config { return Config{} }

// Enabled reports whether requests are checked.
func (c Config) Enabled() bool { return len(c.Referers) > 0 }

// maxReferers bounds the list (nginx builds a hash of it in every worker).
const maxReferers = 256

var labelRe = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// validEntry reports whether e is a host, optionally with one leading "*." or trailing ".*"
// wildcard. No port: nginx compares the Referer's host only (any port of an allowed host
// passes).
func validEntry(e string) bool {
	if len(e) > 253 {
		return false
	}
	switch strings.ToLower(e) {
	case "none", "blocked", "server_names": // nginx's keywords: AllowEmpty says none
		return false
	}
	labels := strings.Split(e, ".")
	switch {
	case labels[0] == "*" && labels[len(labels)-1] == "*":
		return false
	case labels[0] == "*":
		labels = labels[1:]
	case labels[len(labels)-1] == "*":
		labels = labels[:len(labels)-1]
	}
	if len(labels) == 0 {
		return false
	}
	for _, l := range labels {
		if !labelRe.MatchString(l) {
			return false
		}
	}
	return true
}

// Validate checks the configuration; errors name the key (relative to the hotlink section).
func (c Config) Validate() error {
	var errs []error
	if len(c.Referers) > maxReferers {
		errs = append(errs, fmt.Errorf("referers: at most %d entries", maxReferers))
	}
	for i, r := range c.Referers {
		if !validEntry(r) {
			errs = append(errs, fmt.Errorf("referers[%d]: %q is not a host name with at most one wildcard \"*.\" at the start or \".*\" at the end", i, r))
		}
	}
	if c.AllowEmpty && !c.Enabled() {
		errs = append(errs, errors.New("allow_empty: set without referers (the allow-list is off)"))
	}
	return errors.Join(errs...)
}

// ValidReferers returns nginx's valid_referers directive for c (empty when off), ending in
// ";". nginx then sets $invalid_referer to "1" for a request whose Referer is not allowed.
func (c Config) ValidReferers() string {
	if !c.Enabled() {
		return ""
	}
	var b strings.Builder
	b.WriteString("valid_referers")
	if c.AllowEmpty {
		b.WriteString(" none")
	}
	for _, r := range c.Referers {
		b.WriteString(" " + strings.ToLower(r))
	}
	b.WriteString(";")
	return b.String()
}
