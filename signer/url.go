package signer

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// DefaultParam is the query parameter that carries a native token.
const DefaultParam = "token"

// Tokener renders the authorization query of a canonical path valid until a unix time: the
// native HMAC token (Native) or a CDN's own format (AliyunA, TencentA, TencentD).
type Tokener interface {
	// Query returns the query string, without '?', authorizing GET of escapedPath until exp.
	Query(escapedPath string, exp int64) (string, error)
}

// Native renders the native token "{kid}.{exp}.{mac}" in query parameter Param.
type Native struct {
	Ring  *Ring
	Param string // "" means DefaultParam
}

// Query implements Tokener.
func (n Native) Query(escapedPath string, exp int64) (string, error) {
	tok, err := n.Ring.Token("GET", escapedPath, exp)
	if err != nil {
		return "", err
	}
	p := n.Param
	if p == "" {
		p = DefaultParam
	}
	return p + "=" + tok, nil
}

// URLSigner builds full signed URLs from a Path: apps never write a path by hand.
type URLSigner struct {
	Base   string           // scheme://host[:port] of the CDN, without a path
	Tokens Tokener          // how the URL is authorized
	Bucket time.Duration    // expiries are rounded up to this; 0 means whole seconds
	Limits imgurl.Limits    // zero means imgurl.DefaultLimits()
	Now    func() time.Time // nil means time.Now
}

// URL returns Base + the canonical path of p + "?" + the authorization valid for at least ttl.
func (u URLSigner) URL(p imgurl.Path, ttl time.Duration) (string, error) {
	exp, err := u.expiry(ttl)
	if err != nil {
		return "", err
	}
	return u.URLUntil(p, exp)
}

// URLUntil is URL with an explicit expiry (unix seconds, used as given).
func (u URLSigner) URLUntil(p imgurl.Path, exp int64) (string, error) {
	return u.build(exp, func(lim imgurl.Limits) (string, error) { return imgurl.Build(p, lim) })
}

// InfoURL returns Base + the canonical info path of p (/info/{source}/{key}: JSON facts about
// the original) + "?" + the authorization valid for at least ttl.
func (u URLSigner) InfoURL(p imgurl.InfoPath, ttl time.Duration) (string, error) {
	exp, err := u.expiry(ttl)
	if err != nil {
		return "", err
	}
	return u.InfoURLUntil(p, exp)
}

// InfoURLUntil is InfoURL with an explicit expiry (unix seconds, used as given).
func (u URLSigner) InfoURLUntil(p imgurl.InfoPath, exp int64) (string, error) {
	return u.build(exp, func(lim imgurl.Limits) (string, error) { return imgurl.BuildInfo(p, lim) })
}

// build checks Base, builds the canonical path under the signer's limits and signs it.
func (u URLSigner) build(exp int64, path func(imgurl.Limits) (string, error)) (string, error) {
	base, err := checkBase(u.Base)
	if err != nil {
		return "", err
	}
	p, err := path(u.limits())
	if err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	return u.signed(base, p, exp)
}

func (u URLSigner) signed(base, path string, exp int64) (string, error) {
	if u.Tokens == nil {
		return "", errors.New("signer: no Tokens")
	}
	q, err := u.Tokens.Query(path, exp)
	if err != nil {
		return "", err
	}
	return base + path + "?" + q, nil
}

// checkBase accepts scheme://host[:port] with an optional trailing slash.
func checkBase(base string) (string, error) {
	base = strings.TrimSuffix(base, "/")
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return "", fmt.Errorf("signer: base %q must be http(s)://host[:port] without a path", base)
	}
	return base, nil
}
