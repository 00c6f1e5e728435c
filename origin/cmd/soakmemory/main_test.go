package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func TestConfigValidate(t *testing.T) {
	ok := Config{BinDir: "bin", Settings: defaultSettings, Soak: 10 * time.Minute, PNG: 30 * time.Second, Rounds: 3, Conns: 8, Sample: 30 * time.Second}
	if err := ok.Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	for _, tc := range []struct {
		name, flag string
		edit       func(*Config)
	}{
		{"no bin", "bin", func(c *Config) { c.BinDir = "" }},
		{"unknown setting", "settings", func(c *Config) { c.Settings = []string{"tcmalloc"} }},
		{"twice", "settings", func(c *Config) { c.Settings = []string{"glibc", "glibc"} }},
		{"none", "settings", func(c *Config) { c.Settings = nil }},
		{"negative soak", "soak", func(c *Config) { c.Soak = -time.Second }},
		{"no rounds", "rounds", func(c *Config) { c.Rounds = 0 }},
		{"too many conns", "conns", func(c *Config) { c.Conns = 65 }},
		{"tiny sample", "sample", func(c *Config) { c.Sample = time.Millisecond }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			if err := c.Validate(); err == nil || !strings.HasPrefix(err.Error(), tc.flag+":") {
				t.Fatalf("error %v, want one naming -%s", err, tc.flag)
			}
		})
	}
}

// TestSettings: "shipped" adds nothing to what origin/stack gives every node (`origin
// allocator-env`); every other setting states its whole allocator environment, so none
// inherits the shipped one by accident.
func TestSettings(t *testing.T) {
	for name, s := range settings {
		if name == "shipped" {
			if s.env != nil || s.imaging != nil {
				t.Errorf("shipped changes the start paths' setting: %+v", s)
			}
			continue
		}
		for _, v := range []string{"LD_PRELOAD=", "MALLOC_CONF=", "MALLOC_ARENA_MAX="} {
			found := false
			for _, kv := range s.env {
				found = found || strings.HasPrefix(kv, v)
			}
			if !found {
				t.Errorf("%s does not set %s", name, v)
			}
		}
		if s.what == "" {
			t.Errorf("%s is not described", name)
		}
	}
}

// TestReadUsage reads this process: it has used CPU, faulted pages in, and its peak RSS is
// at least its RSS.
func TestReadUsage(t *testing.T) {
	u, err := readUsage(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if u.minflt == 0 || u.rss == 0 || u.hwm < u.rss {
		t.Fatalf("readUsage(self) = %+v", u)
	}
}
