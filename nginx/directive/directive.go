// Package directive checks values before the nginx renderers (the front in package nginx, the
// edge stand-in in cdn/edge, the legacy site in legacy/site) write them into a configuration:
// each accepts only a safe spelling of one kind of directive argument, so no configured value
// can end a directive or open a block. The patterns are compiled once, here.
package directive

import (
	"net"
	"regexp"
	"strings"
)

var (
	sizeRe    = regexp.MustCompile(`^[0-9]+[kKmMgG]?$`)
	buffersRe = regexp.MustCompile(`^[0-9]+ [0-9]+[kKmM]?$`)
	headerRe  = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)
	pathRe    = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)
	workersRe = regexp.MustCompile(`^(auto|[1-9][0-9]{0,3})$`)
	userRe    = regexp.MustCompile(`^[a-z_][a-z0-9_-]{0,31}$`)
	hostRe    = regexp.MustCompile(`^[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?$`)
	portRe    = regexp.MustCompile(`^[0-9]{1,5}$`)
	syslogRe  = regexp.MustCompile(`^syslog:server=unix:/[A-Za-z0-9_./-]+(,(tag=[A-Za-z0-9_]{1,32}|nohostname|facility=[a-z0-9]{1,8}|severity=[a-z]{1,8}))*$`)
)

// Size reports whether s is an nginx size: digits with an optional k, m or g suffix.
func Size(s string) bool { return sizeRe.MatchString(s) }

// Buffers reports whether s is "number size" (large_header_buffers and the like).
func Buffers(s string) bool { return buffersRe.MatchString(s) }

// Header reports whether s is an HTTP header name.
func Header(s string) bool { return headerRe.MatchString(s) }

// Path reports whether s is a plain file path (letters, digits, _ . / -).
func Path(s string) bool { return pathRe.MatchString(s) }

// ErrorLog reports whether s is an error_log target the project accepts: "stderr", a plain
// path, or a local syslog socket (`syslog:server=unix:/abs/path[,tag=…][,nohostname]…`), the
// form the deployment files point at `origin redact-log --syslog-socket` (origin/redact).
func ErrorLog(s string) bool { return s == "stderr" || Path(s) || syslogRe.MatchString(s) }

// Workers reports whether s is a worker_processes value: auto or a number.
func Workers(s string) bool { return workersRe.MatchString(s) }

// User reports whether s is a user name for the user directive.
func User(s string) bool { return userRe.MatchString(s) }

// Host reports whether s is a host name or address, with an optional port.
func Host(s string) bool { return hostRe.MatchString(s) }

// Listen reports whether s is a listen argument: a port, or host:port.
func Listen(s string) bool {
	if portRe.MatchString(s) {
		return true
	}
	host, port, err := net.SplitHostPort(s)
	return err == nil && host != "" && portRe.MatchString(port) && !strings.ContainsAny(host, " ;{}\"'")
}
