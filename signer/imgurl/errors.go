package imgurl

import "errors"

// The kinds of parse and validation errors. Every *Error matches exactly one of them with
// errors.Is.
var (
	// ErrNotCanonical: the path names a valid image but not in its one canonical spelling;
	// Error.Canonical holds that spelling.
	ErrNotCanonical = errors.New("not canonical")
	// ErrInvalid: the path is not in the grammar (unknown option, bad value, bad key segment).
	ErrInvalid = errors.New("invalid")
	// ErrOutOfRange: a number or length is outside the configured Limits.
	ErrOutOfRange = errors.New("out of range")
)

// Error is the error returned by Parse and Validate.
type Error struct {
	Kind      error  // ErrNotCanonical, ErrInvalid or ErrOutOfRange
	Msg       string // what is wrong, lower-case, without the canonical path
	Canonical string // the canonical escaped path when one exists, else ""
}

func (e *Error) Error() string {
	s := "image path " + e.Kind.Error() + ": " + e.Msg
	if e.Canonical != "" {
		s += "; canonical path: " + e.Canonical
	}
	return s
}

// Unwrap returns the error's kind.
func (e *Error) Unwrap() error { return e.Kind }

func invalid(msg string) error    { return &Error{Kind: ErrInvalid, Msg: msg} }
func outOfRange(msg string) error { return &Error{Kind: ErrOutOfRange, Msg: msg} }
