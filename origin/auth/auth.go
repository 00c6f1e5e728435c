package auth

import (
	"crypto/subtle"
	"errors"
	"fmt"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/imgorigin/imgorigin/origin/secretfile"
	"github.com/imgorigin/imgorigin/signer"
)

// ErrDenied matches every refusal of Check.
var ErrDenied = errors.New("denied")

// Reasons that are not token checks (those are the signer's errors, e.g. signer.ErrExpired).
var (
	ErrMissingToken    = errors.New("missing token")
	ErrBadOriginSecret = errors.New("bad origin secret")
	// ErrNotFromCDN refuses, under auth.per_view, a request without the origin secret: only
	// the CDN, which verified the viewer, may be served.
	ErrNotFromCDN = errors.New("per-view authorization: only pulls from the CDN that verified this view are served")
)

// Denial is a refusal. Its text is the public reason; errors.Is matches ErrDenied and the
// reason (ErrMissingToken, ErrBadOriginSecret, signer.ErrExpired, …).
type Denial struct {
	Reason error
}

func (d *Denial) Error() string { return d.Reason.Error() }

// Unwrap returns ErrDenied and the reason.
func (d *Denial) Unwrap() []error { return []error{ErrDenied, d.Reason} }

// Denials are preallocated so refusing allocates nothing.
var denials = func() map[error]*Denial {
	m := map[error]*Denial{}
	for _, e := range []error{signer.ErrMalformed, signer.ErrUnknownKey, signer.ErrRetiredKey, signer.ErrBadMAC,
		signer.ErrExpired, signer.ErrTooLongLife, ErrMissingToken, ErrBadOriginSecret, ErrNotFromCDN} {
		m[e] = &Denial{Reason: e}
	}
	return m
}()

func deny(reason error) error {
	if reason == nil {
		return nil
	}
	if d, ok := denials[reason]; ok {
		return d
	}
	return &Denial{Reason: reason}
}

// Authorizer checks requests. It is safe for concurrent use; Reload swaps its keys atomically.
type Authorizer struct {
	now   func() time.Time
	state atomic.Pointer[state]
}

type state struct {
	mode        string
	perView     bool
	param       string
	verifier    *signer.Verifier // nil without keys
	aliyun      *signer.AliyunA
	aliyunParam string
	skew        time.Duration
	header      string // canonical MIME header key; "" when off
	current     []byte
	previous    []byte
}

// New builds an Authorizer. now is the clock (nil means time.Now).
func New(cfg Config, now func() time.Time) (*Authorizer, error) {
	if now == nil {
		now = time.Now
	}
	a := &Authorizer{now: now}
	st, err := a.build(cfg)
	if err != nil {
		return nil, err
	}
	a.state.Store(st)
	return a, nil
}

// Mode returns the effective mode, "required" or "off". The composition root should warn
// loudly when it is off.
func (a *Authorizer) Mode() string { return a.state.Load().mode }

// Enabled reports whether requests are checked (mode required).
func (a *Authorizer) Enabled() bool { return a.Mode() != ModeOff }

// Reload validates cfg, re-reads its key file and swaps the keys and secrets in. On error the
// old configuration stays. Changing the mode needs a restart.
func (a *Authorizer) Reload(cfg Config) error {
	st, err := a.build(cfg)
	if err != nil {
		return err
	}
	if old := a.state.Load(); old.mode != st.mode {
		return fmt.Errorf("auth: reload cannot change mode from %s to %s; restart instead", old.mode, st.mode)
	} else if old.perView != st.perView {
		return errors.New("auth: reload cannot change per_view; restart instead")
	}
	a.state.Store(st)
	return nil
}

func (a *Authorizer) build(cfg Config) (*state, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("auth: %w", err)
	}
	st := &state{mode: cfg.EffectiveMode(), perView: cfg.PerView, param: cfg.Param, skew: cfg.ClockSkew}
	keys, _ := cfg.inlineKeys()
	if cfg.KeyFile != "" {
		var err error
		b, err := secretfile.Read(cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("auth.key_file: %w", err)
		}
		if keys, err = signer.ParseKeyFile(b); err != nil {
			return nil, fmt.Errorf("auth.key_file: %w", err)
		}
	}
	if len(keys) > 0 {
		ring, err := signer.NewRing(keys...)
		if err != nil {
			return nil, fmt.Errorf("auth.key_file: %w", err)
		}
		life := cfg.MaxLifetime + cfg.ExpiryBucket
		if st.verifier, err = signer.NewVerifier(ring, signer.VerifierOptions{Skew: cfg.ClockSkew, MaxLifetime: life, Now: a.now}); err != nil {
			return nil, fmt.Errorf("auth: %w", err)
		}
	}
	if cfg.AliyunA.Key != "" {
		al := cfg.aliyun()
		st.aliyun, st.aliyunParam = &al, al.ParamName()
	}
	if o := cfg.OriginSecret; o.Current != "" {
		st.header = textproto.CanonicalMIMEHeaderKey(o.Header)
		st.current = []byte(o.Current)
		if o.Previous != "" {
			st.previous = []byte(o.Previous)
		}
	}
	return st, nil
}

// Check authorizes r for escapedPath, the canonical path as received. It returns nil or a
// *Denial (errors.Is(err, ErrDenied)) whose text is the public reason.
func (a *Authorizer) Check(r *http.Request, escapedPath string) error {
	st := a.state.Load()
	if st.mode == ModeOff {
		return nil
	}
	if st.perView {
		// Every view was verified by the CDN, or it is not served: a token checked here
		// would authorize one miss and, through the CDN's cache, every later view.
		if vals := r.Header[st.header]; len(vals) == 1 && st.secretMatches(vals[0]) {
			return nil
		} else if len(vals) > 0 {
			return deny(ErrBadOriginSecret)
		}
		return deny(ErrNotFromCDN)
	}
	raw := r.URL.RawQuery
	if tok, n := queryValue(raw, st.param); n > 0 {
		if n > 1 {
			return deny(signer.ErrMalformed) // two tokens: the CDN and the origin could read different ones
		}
		if st.verifier == nil {
			return deny(signer.ErrUnknownKey)
		}
		return deny(st.verifier.Verify(r.Method, escapedPath, tok))
	}
	if st.aliyun != nil {
		if v, n := queryValue(raw, st.aliyunParam); n > 0 {
			if n > 1 {
				return deny(signer.ErrMalformed)
			}
			return deny(st.aliyun.Verify(escapedPath, v, a.now(), st.skew))
		}
	}
	if st.header != "" {
		if vals := r.Header[st.header]; len(vals) > 0 {
			if len(vals) == 1 && st.secretMatches(vals[0]) {
				return nil
			}
			return deny(ErrBadOriginSecret)
		}
	}
	return deny(ErrMissingToken)
}

// FromCDN reports whether r carries the CDN origin secret (one header, the current or the
// previous value): the pull came from the CDN, so the request headers the CDN sets itself (the
// f_auto format bucket, see origin/autoformat) may be believed. False when no secret is
// configured. It says nothing about whether r may be served; that is Check.
func (a *Authorizer) FromCDN(r *http.Request) bool {
	st := a.state.Load()
	if st.header == "" {
		return false
	}
	vals := r.Header[st.header]
	return len(vals) == 1 && st.secretMatches(vals[0])
}

// secretMatches compares v with both secrets in constant time (both are always compared).
func (st *state) secretMatches(v string) bool {
	b := []byte(v)
	cur := subtle.ConstantTimeCompare(b, st.current)
	prev := 0
	if st.previous != nil {
		prev = subtle.ConstantTimeCompare(b, st.previous)
	}
	return cur|prev == 1
}

// queryValue returns the value of name in a raw query and how often name occurs. It does not
// allocate unless the query is percent-encoded.
func queryValue(raw, name string) (string, int) {
	var val string
	n := 0
	for raw != "" {
		var pair string
		pair, raw, _ = strings.Cut(raw, "&")
		k, v, _ := strings.Cut(pair, "=")
		if strings.ContainsAny(k, "%+") {
			uk, err := url.QueryUnescape(k)
			if err != nil {
				continue
			}
			k = uk
		}
		if k != name {
			continue
		}
		n++
		if strings.ContainsAny(v, "%+") {
			uv, err := url.QueryUnescape(v)
			if err != nil {
				uv = "\x00" // malformed escaping: a value no check accepts
			}
			v = uv
		}
		val = v
	}
	return val, n
}
