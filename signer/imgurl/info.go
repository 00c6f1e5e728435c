package imgurl

import (
	"strconv"
	"strings"
)

// InfoPrefix is the path prefix of info URLs: GET /info/{source}/{key} answers JSON facts about
// the original (format, displayed size, colours, a placeholder). Info URLs are signed, cached
// and canonical like image URLs; they carry no variant.
const InfoPrefix = "/info/"

// InfoPath is a parsed info URL path: /info/{source}/{key}.
type InfoPath struct {
	Source string
	Key    string // unescaped
}

// String returns the canonical escaped path. It does not validate; see BuildInfo.
func (p InfoPath) String() string { return InfoPrefix + p.Source + "/" + EscapeKey(p.Key) }

// Validate checks the source name, the key and the path's length.
func (p InfoPath) Validate(lim Limits) error {
	if !validName(p.Source) {
		return invalid("source: names are [a-z0-9][a-z0-9-]{0,31}")
	}
	if err := ValidateKey(p.Key, lim); err != nil {
		return err
	}
	if n := len(p.String()); n > lim.MaxPathLen {
		return outOfRange("path: longer than " + strconv.Itoa(lim.MaxPathLen) + " bytes")
	}
	return nil
}

// BuildInfo validates p and returns its canonical escaped path.
func BuildInfo(p InfoPath, lim Limits) (string, error) {
	if err := p.Validate(lim); err != nil {
		return "", err
	}
	return p.String(), nil
}

// ParseInfo parses an escaped info path and accepts only its canonical spelling, with the same
// rules and errors as Parse.
func ParseInfo(escapedPath string, lim Limits) (InfoPath, error) {
	if len(escapedPath) > lim.MaxPathLen {
		return InfoPath{}, outOfRange("path: longer than " + strconv.Itoa(lim.MaxPathLen) + " bytes")
	}
	rest, ok := strings.CutPrefix(escapedPath, InfoPrefix)
	if !ok {
		return InfoPath{}, invalid("info paths are /info/{source}/{key}")
	}
	src, rawKey, ok := strings.Cut(rest, "/")
	if !ok {
		return InfoPath{}, invalid("info paths are /info/{source}/{key}: key missing")
	}
	p := InfoPath{Source: strings.ToLower(src)}
	if !validName(p.Source) {
		return InfoPath{}, invalid("source: names are [a-z0-9][a-z0-9-]{0,31}")
	}
	var err error
	if p.Key, err = unescapeKey(rawKey); err != nil {
		return InfoPath{}, err
	}
	if err := p.Validate(lim); err != nil {
		return InfoPath{}, err
	}
	if canon := p.String(); canon != escapedPath {
		msg := "the key is escaped segment by segment (url.PathEscape, upper-case hex), without empty or '.' segments"
		if p.Source != src {
			msg = "source names are lower case"
		}
		return InfoPath{}, &Error{Kind: ErrNotCanonical, Msg: msg, Canonical: canon}
	}
	return p, nil
}
