package auth

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/signer"
)

// TestPerView: with auth.per_view the origin serves only pulls carrying the origin secret; a
// valid token of either kind is refused, since behind a caching CDN it would authorize one miss
// and every later view. Without it (the default) the same tokens pass: they gate misses only.
func TestPerView(t *testing.T) {
	exp := t0.Add(time.Hour).Unix()
	native := token(t, "new", 1, path, exp)
	aliyun, err := signer.AliyunA{Key: "aliyunKey1234", ValidFor: 30 * time.Minute}.Value(path, exp)
	if err != nil {
		t.Fatal(err)
	}
	c := &clock{t0}
	cases := []struct {
		name    string
		target  string
		header  []string
		misses  error // default (per_view false)
		perView error
	}{
		{"native token", path + "?token=" + native, nil, nil, ErrNotFromCDN},
		{"aliyun token", path + "?auth_key=" + aliyun, nil, nil, ErrNotFromCDN},
		{"nothing", path, nil, ErrMissingToken, ErrNotFromCDN},
		{"origin secret", path, []string{"X-Origin-Secret", "current-secret-0123456789"}, nil, nil},
		{"previous secret", path, []string{"X-Origin-Secret", "previous-secret-0123456789"}, nil, nil},
		{"wrong secret, good token", path + "?token=" + native, []string{"X-Origin-Secret", "wrong-secret-0123456789000"}, nil, ErrBadOriginSecret},
	}
	for _, perView := range []bool{false, true} {
		cfg := testConfig()
		cfg.PerView = perView
		a, err := New(cfg, c.now)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range cases {
			want := tc.misses
			if perView {
				want = tc.perView
			}
			got := a.Check(request("GET", tc.target, tc.header...), path)
			if (want == nil) != (got == nil) || (want != nil && !errors.Is(got, want)) {
				t.Errorf("per_view=%t %s: got %v, want %v", perView, tc.name, got, want)
			}
			if got != nil && !errors.Is(got, ErrDenied) {
				t.Errorf("per_view=%t %s: %v is not a denial", perView, tc.name, got)
			}
		}
	}
}

func TestPerViewConfig(t *testing.T) {
	cfg := testConfig()
	cfg.PerView = true
	cfg.OriginSecret = OriginSecretConfig{Header: "X-Origin-Secret"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "per_view") {
		t.Fatalf("per_view without an origin secret: %v", err)
	}
	off := DefaultConfig()
	off.Mode, off.MaxLifetime, off.PerView = ModeOff, time.Hour, true
	if err := off.Validate(); err == nil || !strings.Contains(err.Error(), "per_view") {
		t.Fatalf("per_view with mode off: %v", err)
	}
	// Reload cannot switch it.
	a, err := New(testConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	pv := testConfig()
	pv.PerView = true
	if err := a.Reload(pv); err == nil {
		t.Fatal("reload switched per_view")
	}
}

// TestProtects: every mode says what it protects.
func TestProtects(t *testing.T) {
	off := DefaultConfig()
	off.Mode = ModeOff
	pv := testConfig()
	pv.PerView = true
	for _, tc := range []struct {
		cfg  Config
		want string
	}{{off, ProtectsNothing}, {testConfig(), ProtectsMisses}, {pv, ProtectsEachView}} {
		if got := tc.cfg.Protects(); got != tc.want {
			t.Errorf("Protects() = %q, want %q", got, tc.want)
		}
	}
}
