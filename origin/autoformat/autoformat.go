package autoformat

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"sync"
)

// Bucket is the format choice of an f_auto request.
type Bucket string

// The buckets. Fallback is JPEG, or PNG for an original with alpha, or GIF for an animated one.
const (
	AVIF     Bucket = "avif"
	WebP     Bucket = "webp"
	Fallback Bucket = "fallback"
)

// mediaTypes are the formats a configuration may list, with their media types.
var mediaTypes = map[Bucket]string{AVIF: "image/avif", WebP: "image/webp"}

// Config is the f_auto negotiation (config section render.auto).
type Config struct {
	// Formats is the preference order of the modern formats, a subset of avif and webp. Leave
	// avif out to never encode it (an AVIF encode costs several times a WebP's).
	Formats []string `mapstructure:"formats"`
	// FallbackOnly answers every f_auto request with the fallback and without Vary: for CDNs
	// that can key on neither a header nor Accept.
	FallbackOnly bool `mapstructure:"fallback_only"`
	// Header is the request header in which a CDN that runs these rules itself sends the
	// bucket; believed only on pulls that carry the CDN origin secret. Empty: never read.
	Header string `mapstructure:"header"`
}

// DefaultConfig returns the defaults: AVIF, then WebP, then the fallback.
func DefaultConfig() Config {
	return Config{Formats: []string{string(AVIF), string(WebP)}, Header: "X-Image-Bucket"}
}

var headerRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,63}$`)

// Validate checks the configuration; errors name the key.
func (c Config) Validate() error {
	var errs []error
	for i, f := range c.Formats {
		if _, ok := mediaTypes[Bucket(f)]; !ok {
			errs = append(errs, fmt.Errorf("render.auto.formats[%d]: %q is not avif or webp", i, f))
		} else if slices.Index(c.Formats, f) != i {
			errs = append(errs, fmt.Errorf("render.auto.formats[%d]: %q listed twice", i, f))
		}
	}
	if c.Header != "" && !headerRe.MatchString(c.Header) {
		errs = append(errs, errors.New("render.auto.header: must be a header name or empty"))
	}
	return errors.Join(errs...)
}

// rule decides whether a request takes one format.
type rule struct {
	bucket  Bucket
	refusal string // the media type listed with q=0
	accept  string // the media type listed
	re      [2]*regexp.Regexp
}

// The rule expressions, for a media type t (a constant without regexp metacharacters other
// than '/'). Only syntax that RE2, PCRE and ECMAScript read alike; '[.]' rather than '\.' so
// nginx's quoted strings need no backslash escaping.
func refusalExpr(t string) string {
	return `(?:^|,)[ \t]*` + t + `[ \t]*;(?:[^,]*;)?[ \t]*q[ \t]*=[ \t]*0(?:[.]0{0,3})?[ \t]*(?:[,;]|$)`
}

func acceptExpr(t string) string {
	return `(?:^|,)[ \t]*` + t + `[ \t]*(?:[,;]|$)`
}

// Rules is a validated configuration, ready to negotiate. It is safe for concurrent use.
type Rules struct {
	cfg   Config
	rules []rule
	memo  memo
}

// memo remembers the buckets of recent Accept headers: browsers send a few dozen distinct
// spellings, and evaluating the expressions costs 5–15 µs per header (BenchmarkFromAccept),
// more than the rest of a cache hit. Bounded: headers longer than memoMaxLen are not kept, and
// the table is emptied when it holds memoEntries.
type memo struct {
	mu sync.RWMutex
	m  map[string]Bucket
}

const (
	memoEntries = 1024
	memoMaxLen  = 512
)

// New validates cfg and compiles its rules.
func New(cfg Config) (*Rules, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Rules{cfg: cfg, memo: memo{m: make(map[string]Bucket)}}
	if !cfg.FallbackOnly {
		for _, f := range cfg.Formats {
			b := Bucket(f)
			t := mediaTypes[b]
			ru := rule{bucket: b, refusal: refusalExpr(t), accept: acceptExpr(t)}
			ru.re[0] = regexp.MustCompile(`(?i)` + ru.refusal)
			ru.re[1] = regexp.MustCompile(`(?i)` + ru.accept)
			r.rules = append(r.rules, ru)
		}
	}
	return r, nil
}

// Config returns the configuration the rules were built from.
func (r *Rules) Config() Config { return r.cfg }

// Vary reports whether f_auto answers depend on the request (false with FallbackOnly), and so
// carry Vary: Accept.
func (r *Rules) Vary() bool { return !r.cfg.FallbackOnly }

// Buckets lists the buckets an f_auto request can fall into, in preference order.
func (r *Rules) Buckets() []Bucket {
	out := make([]Bucket, 0, len(r.rules)+1)
	for _, ru := range r.rules {
		out = append(out, ru.bucket)
	}
	return append(out, Fallback)
}

// FromAccept returns the bucket of an Accept header value: the first configured format that
// the header lists without q=0, else Fallback.
func (r *Rules) FromAccept(accept string) Bucket {
	if len(accept) > memoMaxLen {
		return r.evaluate(accept)
	}
	r.memo.mu.RLock()
	b, ok := r.memo.m[accept]
	r.memo.mu.RUnlock()
	if ok {
		return b
	}
	b = r.evaluate(accept)
	r.memo.mu.Lock()
	if len(r.memo.m) >= memoEntries {
		clear(r.memo.m)
	}
	r.memo.m[accept] = b
	r.memo.mu.Unlock()
	return b
}

// evaluate runs the rules on accept.
func (r *Rules) evaluate(accept string) Bucket {
	for i := range r.rules {
		ru := &r.rules[i]
		if ru.re[0].MatchString(accept) {
			continue
		}
		if ru.re[1].MatchString(accept) {
			return ru.bucket
		}
	}
	return Fallback
}

// FromRequest returns the bucket of a request: the CDN's bucket header when trusted (the pull
// carried the origin secret) and valid for this configuration, else the first Accept header's
// value (the one nginx's $http_accept holds, so the front and the edge decide on the same text).
func (r *Rules) FromRequest(req *http.Request, trusted bool) Bucket {
	if r.cfg.FallbackOnly {
		return Fallback
	}
	if trusted && r.cfg.Header != "" {
		if v := req.Header.Get(r.cfg.Header); v != "" {
			if b, ok := r.Parse(v); ok {
				return b
			}
		}
	}
	return r.FromAccept(req.Header.Get("Accept"))
}

// Parse reads a bucket name (lower case, as the maps and the function write it) and reports
// whether this configuration can answer it.
func (r *Rules) Parse(s string) (Bucket, bool) {
	b := Bucket(strings.TrimSpace(s))
	if b == Fallback {
		return b, true
	}
	for i := range r.rules {
		if r.rules[i].bucket == b {
			return b, true
		}
	}
	return "", false
}
