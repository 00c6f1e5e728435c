// Package failure gives every error that reaches a client one of a small, closed set of kinds,
// and a public message that is safe to show, separate from the wrapped error that is logged.
//
// Packages below the server wrap their errors with New; the server maps Kind to an HTTP status in
// one place. An error that carries no kind is KindInternal: its text is never shown to clients.
package failure

import (
	"context"
	"errors"
)

// Kind is the class of a failure, from which the HTTP status follows.
type Kind int

// The kinds.
const (
	KindInternal      Kind = iota // a bug or an unexpected failure: 500
	KindBadRequest                // malformed or non-canonical input: 400
	KindForbidden                 // authorization failed: 403
	KindNotFound                  // the store says the object does not exist: 404, briefly cacheable
	KindUnknownName               // no such preset or source in this deployment: 404, not cacheable
	KindUnsupported               // a format we cannot read: 415
	KindUnprocessable             // a real image we refuse (too large, corrupt, over limits): 422
	KindOverloaded                // shed by admission control: 503 + Retry-After
	KindUnavailable               // the store failed or timed out: 502
	KindTimeout                   // the request ran out of time: 504
	KindCanceled                  // the client went away: 499 (logged only)
	KindTooLarge                  // an upload body over its limit: 413
	KindConflict                  // an upload's key names other bytes already: 409
)

var kindNames = [...]string{"internal", "bad_request", "forbidden", "not_found", "unknown_name", "unsupported",
	"unprocessable", "overloaded", "unavailable", "timeout", "canceled", "too_large", "conflict"}

// String returns the kind's snake_case name, used in logs and metrics labels.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// Error is an error with a kind and a public message.
type Error struct {
	Kind   Kind
	Public string // safe to show to the client; never contains secrets or internal addresses
	Err    error  // the cause, logged only
}

// New returns an error of kind k with a public message, wrapping err (which may be nil).
func New(k Kind, public string, err error) error {
	return &Error{Kind: k, Public: public, Err: err}
}

func (e *Error) Error() string {
	if e.Err == nil {
		return e.Public
	}
	return e.Public + ": " + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// KindOf returns the kind of err: the outermost *Error's kind, else KindTimeout or KindCanceled
// for context errors, else KindInternal.
func KindOf(err error) Kind {
	var fe *Error
	if errors.As(err, &fe) {
		return fe.Kind
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.Is(err, context.Canceled):
		return KindCanceled
	}
	return KindInternal
}

// PublicMessage returns the message that may be shown to a client for err.
func PublicMessage(err error) string {
	var fe *Error
	if errors.As(err, &fe) && fe.Public != "" {
		return fe.Public
	}
	switch KindOf(err) {
	case KindTimeout:
		return "the request took too long"
	case KindCanceled:
		return "the request was canceled"
	}
	return "internal error"
}
