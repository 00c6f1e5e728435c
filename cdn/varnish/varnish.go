package varnish

import (
	_ "embed"
	"fmt"
	"net"
	"regexp"
	"time"
)

// VCL is imgorigin.vcl, the file users include from their main VCL.
//
//go:embed imgorigin.vcl
var VCL string

// FormatsVCL is imgorigin-formats.vcl: the f_auto negotiation of the origin's default
// render.auto (autoformat.DefaultVCL; a test keeps them equal). Users with another render.auto
// write theirs with `origin render-formats --vcl`.
//
//go:embed imgorigin-formats.vcl
var FormatsVCL string

// The names MainVCL includes the two files under, relative to the main file.
const (
	IncludeFile = "imgorigin.vcl"
	FormatsFile = "imgorigin-formats.vcl"
)

// Backend is the front nginx as a Varnish backend.
type Backend struct {
	Addr             string        // host:port of the front nginx
	ConnectTimeout   time.Duration // .connect_timeout
	FirstByteTimeout time.Duration // .first_byte_timeout: above the front's own bound on a pull
}

// MainVCL returns a main VCL file: the backend, then the includes of imgorigin-formats.vcl and
// imgorigin.vcl as "./name" (Varnish 7 resolves "./" against the including file). It is what cdn/README.md shows users, and what
// the tests run.
func MainVCL(b Backend) (string, error) {
	host, port, err := net.SplitHostPort(b.Addr)
	if err != nil || !hostRe.MatchString(host) || !portRe.MatchString(port) {
		return "", fmt.Errorf("varnish: backend address %q: must be host:port", b.Addr)
	}
	if b.ConnectTimeout < time.Millisecond || b.FirstByteTimeout < time.Millisecond {
		return "", fmt.Errorf("varnish: backend timeouts must be at least 1ms")
	}
	return fmt.Sprintf(`vcl 4.1;

backend front {
	.host = "%s";
	.port = "%s";
	.connect_timeout = %s;
	.first_byte_timeout = %s;
}

include "./%s";
include "./%s";
`, host, port, vclDuration(b.ConnectTimeout), vclDuration(b.FirstByteTimeout), FormatsFile, IncludeFile), nil
}

var (
	hostRe = regexp.MustCompile(`^[A-Za-z0-9.:-]{1,253}$`) // a name or an address: nothing VCL would read as syntax
	portRe = regexp.MustCompile(`^[0-9]{1,5}$`)
)

// vclDuration writes d in VCL's duration syntax, in milliseconds.
func vclDuration(d time.Duration) string { return fmt.Sprintf("%dms", d.Milliseconds()) }
