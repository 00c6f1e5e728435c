package imgurl

import (
	"net/url"
	"strings"
)

// EscapedKey returns the object key as the canonical path spells it (EscapeKey(p.Key)).
func (p Path) EscapedKey() string { return EscapeKey(p.Key) }

// Object returns the path's source object as the canonical path spells it:
// "{source}/{escaped key}", the part after "/i/{variant}/". It names the object independently
// of the variant: the purge tag of every variant of the object, the shard key nginx hashes
// (decoded) when all variants of an original live on one node.
func (p Path) Object() string { return p.Source + "/" + EscapeKey(p.Key) }

// UnescapeKey returns the object key that escaped spells, accepting only the canonical
// spelling (EscapeKey(key) == escaped) of a key that ValidateKey accepts: the inverse of
// EscapedKey for keys read back from a cache key or an index.
func UnescapeKey(escaped string, lim Limits) (string, error) {
	key, err := unescapeKey(escaped)
	if err != nil {
		return "", err
	}
	if err := ValidateKey(key, lim); err != nil {
		return "", err
	}
	if EscapeKey(key) != escaped {
		return "", &Error{Kind: ErrNotCanonical, Msg: "the key is escaped segment by segment (url.PathEscape, upper-case hex), without empty or '.' segments"}
	}
	return key, nil
}

// Unescape percent-decodes an escaped path or part of one the way nginx decodes $uri: a
// string without '%' is returned as is, and one with an invalid escape is returned unchanged
// (nginx would have refused the request before hashing it).
func Unescape(escaped string) string {
	for i := 0; i < len(escaped); i++ {
		if escaped[i] == '%' {
			if u, err := url.PathUnescape(escaped); err == nil {
				return u
			}
			return escaped
		}
	}
	return escaped
}

// StringAndObject returns String() and Object() together, the object as the tail of the path:
// one allocation for both (the variant segment holds no '/', so the object is what follows the
// first '/' after the prefix).
func (p Path) StringAndObject() (path, object string) {
	s := p.String()
	rest := s[len(Prefix):]
	return s, rest[strings.IndexByte(rest, '/')+1:]
}
