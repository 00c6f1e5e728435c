package autoformat

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// The nginx variables the maps define; the front and edge templates use them.
const (
	// varBucket holds the bucket of the request's Accept header.
	varBucket = "imgorigin_format_bucket"
	// varKey is "#" + the bucket on f_auto paths and empty elsewhere: caches append it to
	// their cache key.
	varKey = "imgorigin_format_key"
)

// autoOptionsExpr matches a path whose options end in f_auto (f is always the last option).
const autoOptionsExpr = `^/i/(?:[^/]*,)?f_auto/`

var presetNameRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// pathExprs returns the expressions that match f_auto paths: explicit options, and the presets
// named in autoPresets (which must be valid preset names).
func pathExprs(autoPresets []string) ([]string, error) {
	exprs := []string{autoOptionsExpr}
	if len(autoPresets) > 0 {
		names := slices.Clone(autoPresets)
		slices.Sort(names)
		for _, n := range names {
			if !presetNameRe.MatchString(n) {
				return nil, fmt.Errorf("autoformat: %q is not a preset name", n)
			}
		}
		exprs = append(exprs, `^/i/(?:`+strings.Join(names, "|")+`)/`)
	}
	return exprs, nil
}

// IsAutoPath reports whether an escaped image path is an f_auto path by the rendered
// expressions (what the front, the edge and the CDN function decide; the origin decides from
// the parsed options and must agree).
func IsAutoPath(path string, autoPresets []string) bool {
	exprs, err := pathExprs(autoPresets)
	if err != nil {
		return false
	}
	for _, e := range exprs {
		if regexp.MustCompile(e).MatchString(path) {
			return true
		}
	}
	return false
}

// NginxMaps renders the rules as nginx `map` blocks for the http{} context: $imgorigin_format_bucket
// (the request's bucket) and $imgorigin_format_key ("#" + bucket on f_auto paths, else "").
// autoPresets names the presets whose options are f_auto.
func (r *Rules) NginxMaps(autoPresets []string) (string, error) {
	exprs, err := pathExprs(autoPresets)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("    # f_auto negotiation, rendered by origin/autoformat from render.auto (%s): never edit\n", r.summary())
	w("    # by hand. Caches key f_auto paths on path + $%s, never on raw Accept.\n", varKey)
	var flags []string
	for _, ru := range r.rules {
		v := "imgorigin_takes_" + string(ru.bucket)
		flags = append(flags, "$"+v)
		w("    map $http_accept $%s {\n", v)
		w("        %s 0;\n", nginxRegex(ru.refusal))
		w("        %s 1;\n", nginxRegex(ru.accept))
		w("        default 0;\n    }\n")
	}
	if len(flags) == 0 {
		w("    map $http_accept $%s {\n", varBucket)
	} else {
		w("    map \"%s\" $%s {\n", strings.Join(flags, ""), varBucket)
		for i, ru := range r.rules {
			w("        \"~^%s1\" %s;\n", strings.Repeat(".", i), ru.bucket)
		}
	}
	w("        default %s;\n    }\n", Fallback)
	w("    map $uri $imgorigin_format_auto {\n")
	for _, e := range exprs {
		w("        %s 1;\n", strconv.Quote("~"+e))
	}
	w("        default 0;\n    }\n")
	w("    map $imgorigin_format_auto $%s {\n        1 \"#$%s\";\n        default \"\";\n    }\n", varKey, varBucket)
	return b.String(), nil
}

// nginxRegex writes a case-insensitive map key. The expressions contain no '"' or '\' other
// than "\t", which nginx's quoted strings turn into a tab (the same character class for PCRE).
func nginxRegex(expr string) string { return `"~*` + expr + `"` }

func (r *Rules) summary() string {
	if r.cfg.FallbackOnly {
		return "fallback_only"
	}
	names := make([]string, 0, len(r.rules)+1)
	for _, b := range r.Buckets() {
		names = append(names, string(b))
	}
	return strings.Join(names, ", then ")
}

// CloudFrontFunction renders the rules as a CloudFront viewer-request function
// (cloudfront-js-2.0): on f_auto paths it sets the bucket header (Config.Header, lower case)
// from Accept, elsewhere it removes it, so a cache policy that includes that header keys f_auto
// paths on the bucket and every other path on the path alone.
func (r *Rules) CloudFrontFunction(autoPresets []string) (string, error) {
	exprs, err := pathExprs(autoPresets)
	if err != nil {
		return "", err
	}
	if r.cfg.Header == "" {
		return "", fmt.Errorf("render.auto.header: must be set for a CDN function")
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("// CloudFront viewer-request function (runtime cloudfront-js-2.0), rendered by\n")
	w("// `origin render-formats -cloudfront` from render.auto (%s): never edit by hand.\n", r.summary())
	w("var bucketHeader = %s;\n", strconv.Quote(strings.ToLower(r.cfg.Header)))
	w("var rules = [\n")
	for _, ru := range r.rules {
		w("    { bucket: %s, refusal: new RegExp(%s, \"i\"), accept: new RegExp(%s, \"i\") },\n",
			strconv.Quote(string(ru.bucket)), strconv.Quote(ru.refusal), strconv.Quote(ru.accept))
	}
	w("];\n")
	if r.cfg.FallbackOnly {
		w("var fallbackOnly = true;\n")
	} else {
		w("var fallbackOnly = false;\n")
	}
	w("var autoPaths = [")
	for i, e := range exprs {
		if i > 0 {
			w(", ")
		}
		w("new RegExp(%s)", strconv.Quote(e))
	}
	w("];\n")
	b.WriteString(cloudFrontBody)
	return b.String(), nil
}

const cloudFrontBody = `
function bucketOf(accept) {
    if (fallbackOnly) {
        return "fallback";
    }
    for (var i = 0; i < rules.length; i++) {
        if (rules[i].refusal.test(accept)) {
            continue;
        }
        if (rules[i].accept.test(accept)) {
            return rules[i].bucket;
        }
    }
    return "fallback";
}

function handler(event) {
    var req = event.request;
    delete req.headers[bucketHeader];
    for (var i = 0; i < autoPaths.length; i++) {
        if (autoPaths[i].test(req.uri)) {
            var accept = req.headers["accept"];
            req.headers[bucketHeader] = { value: bucketOf(accept ? accept.value : "") };
            break;
        }
    }
    return req;
}
`

// DefaultNginxMaps returns the maps of DefaultConfig without f_auto presets: what a front or
// edge configuration rendered without the origin's config uses.
func DefaultNginxMaps() string {
	r, err := New(DefaultConfig())
	if err != nil {
		panic(err) // the defaults are valid; TestDefaultMaps pins it
	}
	m, err := r.NginxMaps(nil)
	if err != nil {
		panic(err)
	}
	return m
}

// CanonicalAccept is the Accept header a cache that cannot key on a header of its own sends
// upstream for bucket b, so that the answer's Vary: Accept splits its objects by bucket only:
// the bucket's media type, or */* for the fallback. FromAccept(CanonicalAccept(b)) == b for every
// bucket of the configuration.
func CanonicalAccept(b Bucket) string {
	if t, ok := mediaTypes[b]; ok {
		return t
	}
	return "*/*"
}

// VarnishVCL renders the rules as a VCL 4.1 subroutine, imgorigin_format, for vcl_recv: on
// f_auto paths it sets req.http.X-Imgorigin-Format to the bucket (vcl_hash adds it to the key)
// and replaces Accept with the bucket's CanonicalAccept, so Varnish's own Vary: Accept handling
// holds one object per bucket and the origin, which reads Accept, answers that bucket; on every
// other path it removes a client's X-Imgorigin-Format and leaves Accept alone.
func (r *Rules) VarnishVCL(autoPresets []string) (string, error) {
	exprs, err := pathExprs(autoPresets)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	w("vcl 4.1;\n# f_auto negotiation, rendered by `origin render-formats --varnish` from render.auto (%s):\n", r.summary())
	w("# never edit by hand. imgorigin.vcl calls imgorigin_format from vcl_recv.\n\n")
	w("sub imgorigin_format {\n\tunset req.http.X-Imgorigin-Format;\n\tif (")
	for i, e := range exprs {
		if i > 0 {
			w(" ||\n\t    ")
		}
		w("req.url ~ %s", vclString(e))
	}
	w(") {\n")
	for i, ru := range r.rules {
		kw := "if"
		if i > 0 {
			kw = "} elsif"
		}
		w("\t\t%s (req.http.Accept !~ %s &&\n\t\t    req.http.Accept ~ %s) {\n", kw, vclString("(?i)"+ru.refusal), vclString("(?i)"+ru.accept))
		w("\t\t\tset req.http.X-Imgorigin-Format = %s;\n", vclString(string(ru.bucket)))
	}
	if len(r.rules) > 0 {
		w("\t\t} else {\n\t\t\tset req.http.X-Imgorigin-Format = %s;\n\t\t}\n", vclString(string(Fallback)))
	} else {
		w("\t\tset req.http.X-Imgorigin-Format = %s;\n", vclString(string(Fallback)))
	}
	for _, bk := range r.Buckets() {
		w("\t\tif (req.http.X-Imgorigin-Format == %s) {\n\t\t\tset req.http.Accept = %s;\n\t\t}\n", vclString(string(bk)), vclString(CanonicalAccept(bk)))
	}
	w("\t}\n}\n")
	return b.String(), nil
}

// vclString quotes s as a VCL string literal; the expressions contain no '"' (VCL 4.1 strings
// have no escapes, so a backslash reaches PCRE as written: "\t" is a tab there).
func vclString(s string) string { return `"` + s + `"` }

// DefaultVarnishVCL returns VarnishVCL of DefaultConfig without f_auto presets.
func DefaultVarnishVCL() string {
	r, err := New(DefaultConfig())
	if err != nil {
		panic(err) // the defaults are valid; TestDefaultMaps pins it
	}
	v, err := r.VarnishVCL(nil)
	if err != nil {
		panic(err)
	}
	return v
}
