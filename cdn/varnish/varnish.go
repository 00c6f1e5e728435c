package varnish

import (
	_ "embed"
	"fmt"
	"net"
	"regexp"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
)

// VCL is imgorigin.vcl, the file users include from their main VCL.
//
//go:embed imgorigin.vcl
var VCL string

// NCSAFormat is the varnishncsa -F format that logs the path without its query (imgorigin.vcl
// logs it as VCL_Log imgorigin_path): varnishncsa's default format writes the request line
// with the query, and the query holds the token.
const NCSAFormat = `%h %t "%m %{VCL_Log:imgorigin_path}x %H" %s %b %{Varnish:hitmiss}x`

// IncludeFile is the name MainVCL includes VCL under, relative to the main file.
const IncludeFile = "imgorigin.vcl"

// FormatsFile is the name MainVCL includes the f_auto subroutine under (imgorigin_format,
// rendered by `origin render-formats --varnish` from the origins' render.auto; VCL calls it).
const FormatsFile = "imgorigin-formats.vcl"

// DefaultFormatsVCL is the f_auto subroutine of the default render.auto without f_auto presets.
func DefaultFormatsVCL() string { return autoformat.DefaultVarnishVCL() }

// Backend is the front nginx as a Varnish backend.
type Backend struct {
	Addr             string        // host:port of the front nginx
	ConnectTimeout   time.Duration // .connect_timeout
	FirstByteTimeout time.Duration // .first_byte_timeout: above the front's own bound on a pull
}

// Site is what the main VCL says about the accelerated domain.
type Site struct {
	// Host is the accelerated domain (img.example.com): every request is keyed and pulled under
	// it, whatever Host the client sent, so a client's Host spelling never splits the cache.
	Host string
	// PurgeToken is the bearer token of the purge API on the listen socket named "purge"
	// (varnishd -a purge=127.0.0.1:8001); empty: purges are refused.
	PurgeToken string
}

// MainVCL returns a main VCL file: the backend, the site (Host and the purge token, in a
// vcl_recv that runs before the included ones), then `include "./imgorigin-formats.vcl";` and
// `include "./imgorigin.vcl";` (Varnish 7 resolves "./" against the including file). It is what
// cdn/README.md shows users, and what the tests run.
func MainVCL(b Backend, s Site) (string, error) {
	host, port, err := net.SplitHostPort(b.Addr)
	if err != nil || !hostRe.MatchString(host) || !portRe.MatchString(port) {
		return "", fmt.Errorf("varnish: backend address %q: must be host:port", b.Addr)
	}
	if b.ConnectTimeout < time.Millisecond || b.FirstByteTimeout < time.Millisecond {
		return "", fmt.Errorf("varnish: backend timeouts must be at least 1ms")
	}
	if !hostRe.MatchString(s.Host) {
		return "", fmt.Errorf("varnish: site host %q: must be a host name", s.Host)
	}
	if s.PurgeToken != "" && !tokenRe.MatchString(s.PurgeToken) {
		return "", fmt.Errorf("varnish: purge token: must be 16..128 letters, digits, '-' or '_'")
	}
	return fmt.Sprintf(`vcl 4.1;

backend front {
	.host = "%s";
	.port = "%s";
	.connect_timeout = %s;
	.first_byte_timeout = %s;
}

# The site: runs before the included vcl_recv.
sub vcl_recv {
	# The accelerated domain: the cache key's host and the pulls' Host, whatever Host the
	# client sent.
	set req.http.Host = "%s";
}

# The purge API's bearer token (imgorigin.vcl, imgorigin_purge); empty refuses every purge.
sub imgorigin_purge_token {
	set req.http.X-Imgorigin-Purge-Token = "%s";
}

include "./%s";
include "./%s";
`, host, port, vclDuration(b.ConnectTimeout), vclDuration(b.FirstByteTimeout), s.Host, s.PurgeToken, FormatsFile, IncludeFile), nil
}

var (
	hostRe = regexp.MustCompile(`^[A-Za-z0-9.:-]{1,253}$`) // a name or an address: nothing VCL would read as syntax
	portRe = regexp.MustCompile(`^[0-9]{1,5}$`)
	// tokenRe: nothing VCL would read as the end of a string.
	tokenRe = regexp.MustCompile(`^[A-Za-z0-9_-]{16,128}$`)
)

// vclDuration writes d in VCL's duration syntax, in milliseconds.
func vclDuration(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }
