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

// MainVCL returns a main VCL file: the backend, then `include "./imgorigin-formats.vcl";` and
// `include "./imgorigin.vcl";` (Varnish 7
// resolves "./" against the including file). It is what cdn/README.md shows users, and what
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
