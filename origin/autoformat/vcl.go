package autoformat

import (
	"fmt"
	"strings"
)

// VCLBucketHeader is the request header the rendered VCL subroutine sets to the bucket on f_auto
// paths (and removes elsewhere); cdn/varnish/imgorigin.vcl hashes it.
const VCLBucketHeader = "X-Imgorigin-Bucket"

// VCLSub is the name of the rendered subroutine.
const VCLSub = "imgorigin_format_bucket"

// canonicalAccept is the Accept header a cache sends on pulls for a bucket: the bucket's own
// media type alone, which every configuration that can answer the bucket maps back to it (the
// fallback's is a type no rule takes). A cache that obeys Vary: Accept then keeps one object
// per bucket, and the origin renders the bucket the cache keyed on.
func canonicalAccept(b Bucket) string {
	if t, ok := mediaTypes[b]; ok {
		return t
	}
	return "image/jpeg"
}

// VCL renders the rules as a Varnish 7 subroutine (sub imgorigin_format_bucket) for vcl_recv:
// on f_auto paths it sets VCLBucketHeader to the bucket of req.http.Accept and replaces Accept
// with the bucket's canonical value; elsewhere it removes VCLBucketHeader. With FallbackOnly
// the answers do not vary, and it only removes the header. The expressions are the ones the
// nginx maps use (PCRE in both); req.url carries the query, which the anchored path
// expressions never reach.
func (r *Rules) VCL(autoPresets []string) (string, error) {
	exprs, err := pathExprs(autoPresets)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("vcl 4.1;\n# f_auto negotiation, rendered by origin/autoformat from render.auto (%s):\n", r.summary())
	w("# never edit by hand (`origin render-formats --vcl -c config.yaml`). imgorigin.vcl calls it in\n")
	w("# vcl_recv and hashes %s on f_auto paths, never raw Accept.\n", VCLBucketHeader)
	w("sub %s {\n\tunset req.http.%s;\n", VCLSub, VCLBucketHeader)
	if !r.cfg.FallbackOnly {
		conds := make([]string, len(exprs))
		for i, e := range exprs {
			conds[i] = `req.url ~ "` + e + `"` // no '"' or '\' in the path expressions (pathExprs)
		}
		w("\tif (%s) {\n", strings.Join(conds, " || "))
		for i, ru := range r.rules {
			kw := "} elsif"
			if i == 0 {
				kw = "if"
			}
			w("\t\t%s (req.http.Accept !~ \"(?i)%s\" && req.http.Accept ~ \"(?i)%s\") {\n", kw, ru.refusal, ru.accept)
			w("\t\t\tset req.http.%s = \"%s\";\n", VCLBucketHeader, ru.bucket)
		}
		if len(r.rules) > 0 {
			w("\t\t} else {\n\t\t\tset req.http.%s = \"%s\";\n\t\t}\n", VCLBucketHeader, Fallback)
		} else {
			w("\t\tset req.http.%s = \"%s\";\n", VCLBucketHeader, Fallback)
		}
		for _, bk := range r.Buckets() {
			w("\t\tif (req.http.%s == \"%s\") {\n\t\t\tset req.http.Accept = \"%s\";\n\t\t}\n", VCLBucketHeader, bk, canonicalAccept(bk))
		}
		w("\t}\n")
	}
	w("}\n")
	return b.String(), nil
}

// DefaultVCL returns the subroutine of DefaultConfig without f_auto presets: the file shipped
// as cdn/varnish/imgorigin-formats.vcl.
func DefaultVCL() string {
	r, err := New(DefaultConfig())
	if err != nil {
		panic(err) // the defaults are valid; TestDefaultMaps pins it
	}
	v, err := r.VCL(nil)
	if err != nil {
		panic(err)
	}
	return v
}
