package source

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// CheckKey reports whether key is a well-formed object key: non-empty, valid UTF-8, no NUL,
// no leading '/', and no empty, "." or ".." segments. These are the keys the URL grammar can
// produce; sources call CheckKey first so no store ever sees a key that could escape a root or
// change meaning when joined to a path or URL. The error wraps ErrInvalidKey.
func CheckKey(key string) error {
	switch {
	case key == "":
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	case !utf8.ValidString(key):
		return fmt.Errorf("%w: not valid utf-8", ErrInvalidKey)
	case strings.IndexByte(key, 0) >= 0:
		return fmt.Errorf("%w: contains nul", ErrInvalidKey)
	case key[0] == '/':
		return fmt.Errorf("%w: absolute", ErrInvalidKey)
	}
	for seg := range strings.SplitSeq(key, "/") {
		switch seg {
		case "":
			return fmt.Errorf("%w: empty segment", ErrInvalidKey)
		case ".", "..":
			return fmt.Errorf("%w: dot segment", ErrInvalidKey)
		}
	}
	return nil
}
