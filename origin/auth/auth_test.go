package auth

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/signer"
)

const path = "/i/w_300,f_webp/local/photos/cat%20a.jpg"

var t0 = time.Unix(1_800_000_000, 0)

func secret(seed byte) []byte {
	b := make([]byte, 32)
	for i := range b {
		b[i] = seed + byte(i)
	}
	return b
}

func keyConfig(id string, seed byte, state signer.State) KeyConfig {
	return KeyConfig{ID: id, Secret: signer.EncodeSecret(secret(seed)), State: string(state)}
}

// token signs path for exp with a ring holding only the key (id, seed).
func token(t testing.TB, id string, seed byte, path string, exp int64) string {
	t.Helper()
	r, err := signer.NewRing(signer.Key{ID: id, Secret: secret(seed), State: signer.Signing})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := r.Token("GET", path, exp)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func testConfig() Config {
	c := DefaultConfig()
	c.Keys = []KeyConfig{keyConfig("new", 1, signer.Signing), keyConfig("old", 2, signer.VerifyOnly), keyConfig("gone", 3, signer.Retired)}
	c.ClockSkew = 30 * time.Second
	c.MaxLifetime = 24 * time.Hour
	c.ExpiryBucket = 15 * time.Minute
	c.OriginSecret = OriginSecretConfig{Header: "X-Origin-Secret", Current: "current-secret-0123456789", Previous: "previous-secret-0123456789"}
	c.AliyunA = AliyunAConfig{Key: "aliyunKey1234", ValidFor: 30 * time.Minute, Param: "auth_key"}
	return c
}

func request(method, target string, header ...string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Add(header[i], header[i+1])
	}
	return r
}

func TestCheck(t *testing.T) {
	exp := t0.Unix() + 3600
	good := token(t, "new", 1, path, exp)
	aliyun, err := signer.AliyunA{Key: "aliyunKey1234", ValidFor: 30 * time.Minute}.Value(path, exp)
	if err != nil {
		t.Fatal(err)
	}
	// A leaked console key writing a far-future timestamp (the review's year 33658).
	aliyunFar, err := signer.AliyunA{Key: "aliyunKey1234", ValidFor: 30 * time.Minute}.Value(path, 999_999_999_999)
	if err != nil {
		t.Fatal(err)
	}
	aliyunDay, err := signer.AliyunA{Key: "aliyunKey1234", ValidFor: 30 * time.Minute}.Value(path, t0.Unix()+25*3600+60)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		req  *http.Request
		now  time.Time
		want error // nil: admitted
	}{
		{"valid", request("GET", path+"?token="+good), t0, nil},
		{"head as get", request("HEAD", path+"?token="+good), t0, nil},
		{"verify-only key", request("GET", path+"?token="+token(t, "old", 2, path, exp)), t0, nil},
		{"token among other params", request("GET", path+"?a=1&token="+good+"&b=2"), t0, nil},
		{"within clock skew", request("GET", path+"?token="+good), time.Unix(exp+30, 0), nil},
		{"expired", request("GET", path+"?token="+good), time.Unix(exp+31, 0), signer.ErrExpired},
		{"path changed", request("GET", strings.Replace(path, "cat", "dog", 1)+"?token="+good), t0, signer.ErrBadMAC},
		{"bad mac", request("GET", path+"?token="+token(t, "new", 9, path, exp)), t0, signer.ErrBadMAC},
		{"unknown key", request("GET", path+"?token="+token(t, "other", 1, path, exp)), t0, signer.ErrUnknownKey},
		{"retired key", request("GET", path+"?token="+token(t, "gone", 3, path, exp)), t0, signer.ErrRetiredKey},
		{"malformed", request("GET", path+"?token=abc"), t0, signer.ErrMalformed},
		{"empty token", request("GET", path+"?token="), t0, signer.ErrMalformed},
		{"two tokens", request("GET", path+"?token="+good+"&token="+good), t0, signer.ErrMalformed},
		{"escaped token", request("GET", path+"?token="+strings.Replace(good, ".", "%2E", 2)), t0, nil},
		{"beyond max lifetime", request("GET", path+"?token="+token(t, "new", 1, path, t0.Unix()+25*3600+60)), t0, signer.ErrTooLongLife},
		{"within max lifetime + bucket", request("GET", path+"?token="+token(t, "new", 1, path, t0.Unix()+24*3600+900)), t0, nil},
		{"missing token", request("GET", path), t0, ErrMissingToken},
		{"origin secret current", request("GET", path, "X-Origin-Secret", "current-secret-0123456789"), t0, nil},
		{"origin secret previous", request("GET", path, "x-origin-secret", "previous-secret-0123456789"), t0, nil},
		{"origin secret wrong", request("GET", path, "X-Origin-Secret", "current-secret-012345678X"), t0, ErrBadOriginSecret},
		{"origin secret empty", request("GET", path, "X-Origin-Secret", ""), t0, ErrBadOriginSecret},
		{"origin secret twice", request("GET", path, "X-Origin-Secret", "current-secret-0123456789", "X-Origin-Secret", "x"), t0, ErrBadOriginSecret},
		{"token wins over origin secret", request("GET", path+"?token=abc", "X-Origin-Secret", "current-secret-0123456789"), t0, signer.ErrMalformed},
		{"aliyun", request("GET", path+"?auth_key="+aliyun), t0, nil},
		{"aliyun expired", request("GET", path+"?auth_key="+aliyun), time.Unix(exp+31, 0), signer.ErrExpired},
		{"aliyun other path", request("GET", path+"x?auth_key="+aliyun), t0, signer.ErrBadMAC},
		{"aliyun malformed", request("GET", path+"?auth_key=1-2"), t0, signer.ErrMalformed},
		{"aliyun year 33658", request("GET", path+"?auth_key="+aliyunFar), t0, signer.ErrTooLongLife},
		{"aliyun beyond max lifetime", request("GET", path+"?auth_key="+aliyunDay), t0, signer.ErrTooLongLife},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{tt.now}
			a, err := New(testConfig(), c.now)
			if err != nil {
				t.Fatal(err)
			}
			err = a.Check(tt.req, tt.req.URL.EscapedPath())
			if tt.want == nil {
				if err != nil {
					t.Fatalf("denied: %v", err)
				}
				return
			}
			if !errors.Is(err, ErrDenied) || !errors.Is(err, tt.want) {
				t.Fatalf("Check = %v, want a denial for %v", err, tt.want)
			}
			if err.Error() != tt.want.Error() {
				t.Fatalf("public reason %q, want %q", err.Error(), tt.want.Error())
			}
		})
	}
}

// TestOriginSecretOnly: a CDN that verifies and strips tokens; the origin has no signing keys.
func TestOriginSecretOnly(t *testing.T) {
	cfg := DefaultConfig()
	cfg.OriginSecret = OriginSecretConfig{Header: "X-CDN-Auth", Current: "current-secret-0123456789"}
	a, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode() != ModeRequired {
		t.Fatalf("mode %s", a.Mode())
	}
	if err := a.Check(request("GET", path, "X-CDN-Auth", "current-secret-0123456789"), path); err != nil {
		t.Fatalf("current secret refused: %v", err)
	}
	if err := a.Check(request("GET", path), path); !errors.Is(err, ErrMissingToken) {
		t.Fatalf("no header: %v", err)
	}
	if err := a.Check(request("GET", path, "X-CDN-Auth", "previous-secret-0123456789"), path); !errors.Is(err, ErrBadOriginSecret) {
		t.Fatalf("unset previous secret accepted: %v", err)
	}
	if err := a.Check(request("GET", path+"?token=a.1.b"), path); !errors.Is(err, signer.ErrUnknownKey) {
		t.Fatalf("token without keys: %v", err)
	}
}

// TestFailClosed: no key of any kind and no explicit "mode: off" is refused (before issue 14
// such a node served every URL unsigned); written explicitly, off serves everything.
func TestFailClosed(t *testing.T) {
	for _, mode := range []string{"", ModeRequired} {
		c := DefaultConfig()
		c.Mode = mode
		if _, err := New(c, nil); err == nil || !strings.Contains(err.Error(), "mode: off") {
			t.Errorf("mode %q without keys: New = %v, want a refusal naming mode: off", mode, err)
		}
	}
	if DefaultConfig().MaxLifetime <= 0 {
		t.Error("max_lifetime has no default")
	}
}

func TestModeOff(t *testing.T) {
	c := DefaultConfig()
	c.Mode = ModeOff
	a, err := New(c, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Mode() != ModeOff || a.Enabled() {
		t.Fatalf("mode %s, want off", a.Mode())
	}
	if err := a.Check(request("GET", path), path); err != nil {
		t.Fatalf("off denied: %v", err)
	}
	if err := a.Reload(testConfig()); err == nil || !strings.Contains(err.Error(), "restart") {
		t.Fatalf("reload from off to required: %v", err)
	}
}

// TestKeyFileWritable: a key file others can write is refused (anyone who can write it can add
// a signing key of their own).
func TestKeyFileWritable(t *testing.T) {
	file := filepath.Join(t.TempDir(), "keys.json")
	b, err := signer.MarshalKeyFile([]signer.Key{{ID: "a", Secret: secret(1), State: signer.Signing}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.KeyFile = file
	if _, err := New(cfg, nil); err != nil {
		t.Fatalf("0600 key file: %v", err)
	}
	for _, mode := range []os.FileMode{0o620, 0o602, 0o666} {
		if err := os.Chmod(file, mode); err != nil {
			t.Fatal(err)
		}
		if _, err := New(cfg, nil); err == nil || !strings.Contains(err.Error(), "writable") {
			t.Errorf("key file mode %04o: New = %v, want a refusal", mode, err)
		}
	}
}

func TestReload(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "keys.json")
	write := func(keys ...signer.Key) {
		b, err := signer.MarshalKeyFile(keys)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(file, b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	a1 := signer.Key{ID: "a", Secret: secret(1), State: signer.Signing}
	b2 := signer.Key{ID: "b", Secret: secret(2), State: signer.VerifyOnly}
	write(a1)
	cfg := DefaultConfig()
	cfg.KeyFile = file
	c := &clock{t0}
	a, err := New(cfg, c.now)
	if err != nil {
		t.Fatal(err)
	}
	withB := request("GET", path+"?token="+token(t, "b", 2, path, t0.Unix()+60))
	if err := a.Check(withB, path); !errors.Is(err, signer.ErrUnknownKey) {
		t.Fatalf("before reload: %v", err)
	}
	write(a1, b2)
	if err := a.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	if err := a.Check(withB, path); err != nil {
		t.Fatalf("after reload: %v", err)
	}
	// A broken key file is refused and the keys in force stay.
	if err := os.WriteFile(file, []byte(`{"keys":[{"id":"a","secret":"nope","state":"signing"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	err = a.Reload(cfg)
	if err == nil {
		t.Fatal("broken key file accepted")
	}
	if strings.Contains(err.Error(), "nope") {
		t.Fatalf("error shows the secret: %v", err)
	}
	if err := a.Check(withB, path); err != nil {
		t.Fatalf("keys lost after a failed reload: %v", err)
	}
	// Rotating the origin secret: current moves to previous.
	cfg.OriginSecret = OriginSecretConfig{Header: "X-Origin-Secret", Current: "second-secret-0123456789"}
	write(a1, b2)
	if err := a.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	cfg.OriginSecret = OriginSecretConfig{Header: "X-Origin-Secret", Current: "third-secret-0123456789", Previous: "second-secret-0123456789"}
	if err := a.Reload(cfg); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"second-secret-0123456789", "third-secret-0123456789"} {
		if err := a.Check(request("GET", path, "X-Origin-Secret", s), path); err != nil {
			t.Fatalf("secret %s refused after rotation: %v", s, err)
		}
	}
}

func TestValidate(t *testing.T) {
	good := keyConfig("a", 1, signer.Signing)
	tests := []struct {
		name string
		mut  func(*Config)
		want string // "" = valid
	}{
		{"defaults", func(c *Config) {}, "write mode: off"},
		{"off", func(c *Config) { c.Mode = ModeOff }, ""},
		{"keys", func(c *Config) { c.Keys = []KeyConfig{good} }, ""},
		{"required without keys", func(c *Config) { c.Mode = ModeRequired }, "mode: no keys"},
		{"off with keys", func(c *Config) { c.Mode = ModeOff; c.Keys = []KeyConfig{good} }, "mode: off is only allowed"},
		{"off with origin secret", func(c *Config) { c.Mode = ModeOff; c.OriginSecret.Current = "current-secret-0123456789" }, "mode: off"},
		{"unknown mode", func(c *Config) { c.Mode = "on" }, "mode: must be required or off"},
		{"keys and key file", func(c *Config) { c.Keys = []KeyConfig{good}; c.KeyFile = "k.json" }, "keys: exclusive with key_file"},
		{"bad secret", func(c *Config) { c.Keys = []KeyConfig{{ID: "a", Secret: "x!", State: "signing"}} }, "keys[0]: key a: secret"},
		{"bad state", func(c *Config) { c.Keys = []KeyConfig{{ID: "a", Secret: good.Secret, State: "on"}} }, "keys[0]: key a: state"},
		{"two signing", func(c *Config) { c.Keys = []KeyConfig{good, keyConfig("b", 2, signer.Signing)} }, "only one key may be signing"},
		{"skew", func(c *Config) { c.ClockSkew = time.Hour }, "clock_skew"},
		{"bucket", func(c *Config) { c.ExpiryBucket = -1 }, "expiry_bucket"},
		{"lifetime", func(c *Config) { c.Keys = []KeyConfig{good}; c.MaxLifetime = -1 }, "max_lifetime"},
		{"no lifetime", func(c *Config) { c.Keys = []KeyConfig{good}; c.MaxLifetime = 0 }, "max_lifetime"},
		{"aliyun beyond lifetime", func(c *Config) {
			c.AliyunA.Key, c.MaxLifetime, c.AliyunA.ValidFor = "aliyunKey1234", time.Hour, 2*time.Hour
		}, "aliyun_a.valid_for"},
		{"param", func(c *Config) { c.Param = "a b" }, "param"},
		{"short origin secret", func(c *Config) { c.OriginSecret.Current = "short" }, "origin_secret.current"},
		{"previous without current", func(c *Config) { c.OriginSecret.Previous = "previous-secret-0123456789" }, "origin_secret.previous"},
		{"header", func(c *Config) { c.OriginSecret.Current = "current-secret-0123456789"; c.OriginSecret.Header = "a b" }, "origin_secret.header"},
		{"aliyun key", func(c *Config) { c.AliyunA.Key = "x" }, "aliyun_a.key"},
		{"aliyun param", func(c *Config) { c.AliyunA.Key = "aliyunKey1234"; c.AliyunA.Param = "token" }, "aliyun_a.param"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := DefaultConfig()
			tt.mut(&c)
			err := c.Validate()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("Validate = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), good.Secret) {
				t.Fatalf("error shows a secret: %v", err)
			}
		})
	}
	if m := (Config{Keys: []KeyConfig{good}}).EffectiveMode(); m != ModeRequired {
		t.Fatalf("mode with keys resolves to %s", m)
	}
}

func TestConfigRedacts(t *testing.T) {
	c := testConfig()
	for _, s := range []string{fmtAll(c.Keys[0]), fmtAll(c.OriginSecret), fmtAll(c.AliyunA)} {
		for _, secretText := range []string{c.Keys[0].Secret, "current-secret", "previous-secret", "aliyunKey1234"} {
			if strings.Contains(s, secretText) {
				t.Errorf("%q shows a secret", s)
			}
		}
	}
}

func BenchmarkCheck(b *testing.B) {
	cfg := testConfig()
	a, err := New(cfg, func() time.Time { return t0 })
	if err != nil {
		b.Fatal(err)
	}
	tok := token(b, "new", 1, path, t0.Unix()+3600)
	r := request("GET", path+"?token="+tok)
	esc := r.URL.EscapedPath()
	b.ReportAllocs()
	for b.Loop() {
		if err := a.Check(r, esc); err != nil {
			b.Fatal(err)
		}
	}
}

// TestFromCDN: only a pull with the origin secret (current or previous, once) counts as the
// CDN's, whose own headers the origin may believe; and never without a configured secret.
func TestFromCDN(t *testing.T) {
	a, err := New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		r    *http.Request
		want bool
	}{
		{"current", request("GET", path, "X-Origin-Secret", "current-secret-0123456789"), true},
		{"previous", request("GET", path, "X-Origin-Secret", "previous-secret-0123456789"), true},
		{"wrong", request("GET", path, "X-Origin-Secret", "current-secret-012345678X"), false},
		{"twice", request("GET", path, "X-Origin-Secret", "current-secret-0123456789", "X-Origin-Secret", "current-secret-0123456789"), false},
		{"none", request("GET", path), false},
	} {
		if got := a.FromCDN(tc.r); got != tc.want {
			t.Errorf("%s: FromCDN = %v", tc.name, got)
		}
	}
	cfg := testConfig()
	cfg.OriginSecret = OriginSecretConfig{}
	b, err := New(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if b.FromCDN(request("GET", path, "X-Origin-Secret", "")) {
		t.Error("FromCDN without a configured secret")
	}
}
