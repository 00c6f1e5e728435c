package upload

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/signer"
)

func TestConfigValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	for name, mod := range map[string]func(*Config){
		"max_bytes":      func(c *Config) { c.MaxBytes = 0 },
		"max_inflight":   func(c *Config) { c.MaxInflight = 0 },
		"max_side":       func(c *Config) { c.MaxSide = 100 }, // without normalize
		"quality":        func(c *Config) { c.Quality = 101 },
		"cors_origins":   func(c *Config) { c.CORSOrigins = []string{"https://app.example.com/page"} },
		"url_base":       func(c *Config) { c.URLBase = "ftp://x" },
		"presets":        func(c *Config) { c.Presets = []string{"Bad Name"} },
		"journal_prefix": func(c *Config) { c.JournalPrefix = "../up" },
		"purge_urls":     func(c *Config) { c.PurgeURLs = []string{"http://edge/purge?x=1"} },
	} {
		c := DefaultConfig()
		mod(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: Validate() = %v, want an error naming %s", name, err, name)
		}
	}
}

func TestDerivedKey(t *testing.T) {
	p := signer.UploadPolicy{Source: "s3", Prefix: "users/42/"}
	var a, b [32]byte
	b[0] = 1
	k1 := derivedKey(p, "", a, "jpg")
	if !strings.HasPrefix(k1, "users/42/") || !strings.HasSuffix(k1, ".jpg") || len(k1) != len("users/42/")+32+4 {
		t.Fatalf("key %q", k1)
	}
	if derivedKey(p, "", a, "jpg") != k1 || derivedKey(p, "", b, "jpg") == k1 {
		t.Fatal("content keys are not a function of the content")
	}
	// With an Idempotency-Key the content does not matter: a retry lands on the same key
	// whatever it sends, where other bytes are a conflict.
	if derivedKey(p, "k", a, "jpg") != derivedKey(p, "k", b, "jpg") || derivedKey(p, "k", a, "jpg") == derivedKey(p, "k2", a, "jpg") {
		t.Fatal("idempotency keys do not decide the key")
	}
	other := p
	other.Prefix = "users/43/"
	if strings.TrimPrefix(derivedKey(p, "k", a, "jpg"), p.Prefix) == strings.TrimPrefix(derivedKey(other, "k", a, "jpg"), other.Prefix) {
		t.Fatal("one idempotency key under two prefixes names the same object")
	}
}

func TestFormatMapping(t *testing.T) {
	for f, want := range map[imgprobe.Format][3]string{
		imgprobe.JPEG: {"jpg", "image/jpeg", "jpeg"},
		imgprobe.PNG:  {"png", "image/png", "png"},
		imgprobe.WebP: {"webp", "image/webp", "webp"},
		imgprobe.HEIF: {"heic", "image/heif", "jpeg"},
	} {
		if got := [3]string{extOf(f), contentTypeOf(f), string(outputFormat(f))}; got != want {
			t.Errorf("%s: %v, want %v", f, got, want)
		}
	}
}

func TestHTTPPurger(t *testing.T) {
	var mu sync.Mutex
	var got []string
	ok := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Query().Get("tag")+" "+r.Header.Get("Authorization"))
		mu.Unlock()
	}))
	defer ok.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", 500) }))
	defer bad.Close()
	tag := "s3/a%20b/c.jpg"
	if err := NewHTTPPurger([]string{ok.URL + "/purge"}, "purge-token-0123456789", 0).Purge(context.Background(), tag); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0] != "POST "+tag+" Bearer purge-token-0123456789" {
		t.Fatalf("purge calls %v", got)
	}
	if err := NewHTTPPurger([]string{ok.URL + "/purge", bad.URL + "/purge"}, "", 0).Purge(context.Background(), tag); err == nil {
		t.Fatal("a failing purge URL was not reported")
	}
}
