package httpsrc

import (
	"net/url"
	"strings"
)

// pathViews returns the ways an upstream may resolve an escaped URL path into segments,
// each with its dot segments removed (RFC 3986 §5.2.4), or ok=false when a view climbs
// above the root or an escape does not decode.
//
// Percent-encoded dots are dots: "." is unreserved, so %2e and %2E mean the same as "." to
// any server that normalises (RFC 3986 §6.2.2.2), and nginx's ngx_http_parse_complex_uri
// decodes before it merges dot segments. Whether %2F (and a backslash, to Windows servers)
// separates segments is the server's choice, so both readings are returned:
//
//   - raw: split on "/" first, then decode each segment ("a%2Fb" is one segment);
//   - decoded: decode first, then split on "/" and "\" ("..%2f" is ".." and a separator),
//     and drop path parameters (Tomcat reads "..;x" as "..").
//
// A path is under a base only if it is under it in every view.
func pathViews(escaped string) (raw, decoded []string, ok bool) {
	var segs []string
	for s := range strings.SplitSeq(escaped, "/") {
		d, err := url.PathUnescape(s)
		if err != nil {
			return nil, nil, false
		}
		segs = append(segs, d)
	}
	raw, ok = removeDots(segs)
	if !ok {
		return nil, nil, false
	}
	all, err := url.PathUnescape(escaped)
	if err != nil {
		return nil, nil, false
	}
	parts := strings.FieldsFunc(all, func(r rune) bool { return r == '/' || r == '\\' })
	for i, s := range parts {
		parts[i], _, _ = strings.Cut(s, ";")
	}
	decoded, ok = removeDots(parts)
	if !ok {
		return nil, nil, false
	}
	return raw, decoded, true
}

// removeDots resolves "." and ".." segments and drops empty ones (what the path is
// relative to does not matter here: every path checked is absolute). It reports false when
// ".." would climb above the root.
func removeDots(segs []string) ([]string, bool) {
	out := segs[:0:0]
	for _, s := range segs {
		switch s {
		case "", ".":
		case "..":
			if len(out) == 0 {
				return nil, false
			}
			out = out[:len(out)-1]
		default:
			out = append(out, s)
		}
	}
	return out, true
}

// pathUnder reports whether the escaped path p names the base path or something below it in
// every view pathViews knows.
func pathUnder(p, base string) bool {
	praw, pdec, ok := pathViews(p)
	if !ok {
		return false
	}
	braw, bdec, ok := pathViews(base)
	if !ok {
		return false
	}
	return hasSegPrefix(praw, braw) && hasSegPrefix(pdec, bdec)
}

func hasSegPrefix(p, base []string) bool {
	if len(p) < len(base) {
		return false
	}
	for i, s := range base {
		if p[i] != s {
			return false
		}
	}
	return true
}
