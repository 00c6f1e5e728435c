package signer

import (
	"crypto/md5"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// CDN-native tokens. A CDN edge checks these on every hit, so expiry is enforced even for
// cached objects. Their timestamp is the signing time and the CDN adds its configured validity
// period; to keep URLs deterministic and bucketed, the timestamp written is exp - ValidFor, so
// the CDN's own expiry is exactly exp (both CDNs document a timestamp moved into the future
// like this). Keys are the CDN console's key strings, not ring keys.

// DashA is a CDN token of the form {ts}-{rand}-{uid}-{md5hash}, md5hash =
// md5("{path}-{ts}-{rand}-{uid}-{key}") in lower-case hex, ts in decimal, carried in one query
// parameter. Aliyun type A and Tencent type A are this one format; they differ only in the
// parameter's default name, which F supplies. Use it as AliyunA or TencentA.
type DashA[F dashFormat] struct {
	Key       string        // the console's primary key
	BackupKey string        // optional; Verify accepts it too (for rotating the console key)
	ValidFor  time.Duration // the console's "validity period of signed URL"
	Param     string        // "" means the format's name: "auth_key" (Aliyun), "sign" (Tencent)
	Rand      string        // "" means "0": nothing random enters a URL
	UID       string        // "" means "0"
	// MaxLifetime, when positive, makes Verify refuse a timestamp whose expiry (timestamp +
	// ValidFor) lies more than MaxLifetime + skew ahead (ErrTooLongLife): a leaked key cannot
	// mint URLs that outlive its retirement by writing a far-future timestamp.
	MaxLifetime time.Duration
}

// AliyunA is Alibaba Cloud CDN type A: auth_key={ts}-{rand}-{uid}-{md5hash}.
type AliyunA = DashA[aliyunA]

// TencentA is Tencent Cloud CDN type A: sign={ts}-{rand}-{uid}-{md5hash}, with the same hash
// as AliyunA.
type TencentA = DashA[tencentA]

// dashFormat names a DashA format by its default parameter.
type dashFormat interface{ defaultParam() string }

type aliyunA struct{}

func (aliyunA) defaultParam() string { return "auth_key" }

type tencentA struct{}

func (tencentA) defaultParam() string { return "sign" }

// TencentD is Tencent Cloud CDN type D: sign={md5hash}&t={ts}, md5hash =
// md5("{key}{path}{ts}") with ts as written in the URL: lower-case hex (no 0x) by default,
// decimal when Decimal is set (the console's timestamp format setting).
type TencentD struct {
	Key       string
	BackupKey string
	ValidFor  time.Duration
	Param     string // "" means "sign"
	TimeParam string // "" means "t"
	Decimal   bool
	// MaxLifetime is AliyunA's.
	MaxLifetime time.Duration
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// ParamName returns the query parameter carrying the token.
func (d DashA[F]) ParamName() string {
	var f F
	return orDefault(d.Param, f.defaultParam())
}

func (d DashA[F]) rand() string { return orDefault(d.Rand, "0") }
func (d DashA[F]) uid() string  { return orDefault(d.UID, "0") }

func alnum(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func validParam(s string) bool {
	if len(s) == 0 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(alnum(s[i:i+1]) || c == '_') {
			return false
		}
	}
	return true
}

// validCDNKey: the consoles take 6 to 40 letters and digits.
func validCDNKey(k string) bool { return len(k) >= 6 && len(k) <= 40 && alnum(k) }

// Validate checks the configuration.
func (d DashA[F]) Validate() error {
	rand, uid := d.rand(), d.uid()
	switch {
	case !validCDNKey(d.Key):
		return errors.New("key: 6 to 40 letters and digits")
	case d.BackupKey != "" && !validCDNKey(d.BackupKey):
		return errors.New("backup_key: 6 to 40 letters and digits")
	case d.ValidFor < time.Second:
		return errors.New("valid_for: at least 1s (the CDN console's validity period)")
	case !validParam(d.ParamName()):
		return errors.New("param: 1 to 100 of [A-Za-z0-9_]")
	case len(rand) > 100 || !alnum(rand):
		return errors.New("rand: up to 100 letters and digits")
	case len(uid) > 64 || uid == "" || !alnum(uid):
		return errors.New("uid: letters and digits")
	}
	return nil
}

func md5hex(parts ...string) string {
	h := md5.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	return hex.EncodeToString(h.Sum(nil))
}

func (d DashA[F]) ts(exp int64) (int64, error) {
	ts := exp - int64(d.ValidFor/time.Second)
	if ts < 0 || exp > maxExp {
		return 0, fmt.Errorf("signer: expiry %d out of range", exp)
	}
	return ts, nil
}

// Value returns the token's value (auth_key's, sign's) for escapedPath expiring at exp.
func (d DashA[F]) Value(escapedPath string, exp int64) (string, error) {
	if err := d.Validate(); err != nil {
		return "", fmt.Errorf("signer: %w", err)
	}
	ts, err := d.ts(exp)
	if err != nil {
		return "", err
	}
	t, rand, uid := strconv.FormatInt(ts, 10), d.rand(), d.uid()
	return t + "-" + rand + "-" + uid + "-" + md5hex(escapedPath, "-", t, "-", rand, "-", uid, "-", d.Key), nil
}

// Query implements Tokener.
func (d DashA[F]) Query(escapedPath string, exp int64) (string, error) {
	v, err := d.Value(escapedPath, exp)
	if err != nil {
		return "", err
	}
	return d.ParamName() + "=" + v, nil
}

// Verify checks a token value for escapedPath at now, allowing skew.
func (d DashA[F]) Verify(escapedPath, value string, now time.Time, skew time.Duration) error {
	_, err := d.VerifyExp(escapedPath, value, now, skew)
	return err
}

// VerifyExp is Verify that also returns the expiry the value claims (its timestamp +
// ValidFor; 0 when the value is malformed), for tools that explain a refusal.
func (d DashA[F]) VerifyExp(escapedPath, value string, now time.Time, skew time.Duration) (int64, error) {
	parts := strings.Split(value, "-")
	if len(parts) != 4 || len(parts[3]) != 32 || !alnum(parts[1]) || len(parts[1]) > 100 || parts[2] == "" || !alnum(parts[2]) {
		return 0, ErrMalformed
	}
	ts, ok := parseExp(parts[0])
	if !ok {
		return 0, ErrMalformed
	}
	exp := ts + int64(d.ValidFor/time.Second)
	if !md5Match(parts[3], d.Key, d.BackupKey, func(key string) string {
		return md5hex(escapedPath, "-", parts[0], "-", parts[1], "-", parts[2], "-", key)
	}) {
		return exp, ErrBadMAC
	}
	return exp, checkLife(now, exp, skew, d.MaxLifetime)
}

// checkLife checks an authentic CDN token's expiry exp (unix seconds) at now: ErrExpired after
// exp + skew, ErrTooLongLife when maxLife is positive and exp lies more than maxLife + skew
// ahead.
func checkLife(now time.Time, exp int64, skew, maxLife time.Duration) error {
	n, sk := now.Unix(), int64(skew/time.Second)
	if n > exp+sk {
		return ErrExpired
	}
	if maxLife > 0 && exp > n+int64(maxLife/time.Second)+sk {
		return ErrTooLongLife
	}
	return nil
}

// md5Match compares got with the hash under key and, if set, backup, in constant time.
func md5Match(got, key, backup string, sum func(key string) string) bool {
	ok := subtle.ConstantTimeCompare([]byte(got), []byte(sum(key))) == 1
	if backup != "" {
		ok = subtle.ConstantTimeCompare([]byte(got), []byte(sum(backup))) == 1 || ok
	}
	return ok
}

func (d TencentD) params() (string, string) {
	return orDefault(d.Param, "sign"), orDefault(d.TimeParam, "t")
}

// Validate checks the configuration.
func (d TencentD) Validate() error {
	p, t := d.params()
	switch {
	case !validCDNKey(d.Key):
		return errors.New("key: 6 to 40 letters and digits")
	case d.BackupKey != "" && !validCDNKey(d.BackupKey):
		return errors.New("backup_key: 6 to 40 letters and digits")
	case d.ValidFor < time.Second:
		return errors.New("valid_for: at least 1s (the CDN console's validity period)")
	case !validParam(p) || !validParam(t) || p == t:
		return errors.New("param, time_param: two different names of 1 to 100 of [A-Za-z0-9_]")
	}
	return nil
}

func (d TencentD) formatTS(ts int64) string {
	if d.Decimal {
		return strconv.FormatInt(ts, 10)
	}
	return strconv.FormatInt(ts, 16)
}

// Values returns the sign and t values for escapedPath expiring at exp.
func (d TencentD) Values(escapedPath string, exp int64) (sign, t string, err error) {
	if err := d.Validate(); err != nil {
		return "", "", fmt.Errorf("signer: %w", err)
	}
	ts := exp - int64(d.ValidFor/time.Second)
	if ts < 0 || exp > maxExp {
		return "", "", fmt.Errorf("signer: expiry %d out of range", exp)
	}
	t = d.formatTS(ts)
	return md5hex(d.Key, escapedPath, t), t, nil
}

// Query implements Tokener.
func (d TencentD) Query(escapedPath string, exp int64) (string, error) {
	sign, t, err := d.Values(escapedPath, exp)
	if err != nil {
		return "", err
	}
	p, tp := d.params()
	return p + "=" + sign + "&" + tp + "=" + t, nil
}

// ParamNames returns the names of the sign and time parameters.
func (d TencentD) ParamNames() (sign, t string) { return d.params() }

// Verify checks sign and t for escapedPath at now, allowing skew.
func (d TencentD) Verify(escapedPath, sign, t string, now time.Time, skew time.Duration) error {
	_, err := d.VerifyExp(escapedPath, sign, t, now, skew)
	return err
}

// VerifyExp is Verify that also returns the expiry t claims (t + ValidFor; 0 when malformed),
// for tools that explain a refusal.
func (d TencentD) VerifyExp(escapedPath, sign, t string, now time.Time, skew time.Duration) (int64, error) {
	if len(sign) != 32 || t == "" || len(t) > 12 {
		return 0, ErrMalformed
	}
	base := 16
	if d.Decimal {
		base = 10
	}
	ts, err := strconv.ParseInt(t, base, 64)
	if err != nil || ts < 0 || d.formatTS(ts) != t {
		return 0, ErrMalformed
	}
	exp := ts + int64(d.ValidFor/time.Second)
	if !md5Match(sign, d.Key, d.BackupKey, func(key string) string { return md5hex(key, escapedPath, t) }) {
		return exp, ErrBadMAC
	}
	return exp, checkLife(now, exp, skew, d.MaxLifetime)
}

// Interface guards.
var (
	_ Tokener = Native{}
	_ Tokener = AliyunA{}
	_ Tokener = TencentA{}
	_ Tokener = TencentD{}
)
