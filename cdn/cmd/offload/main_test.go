package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/stack"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stack.RemoveBinaries()
	os.Exit(code)
}

func TestValidate(t *testing.T) {
	ok := Config{Requests: 100, Variants: 20, Originals: 10, ZipfS: 1.1, Concurrency: 4, Timeout: time.Minute}
	tests := []struct {
		name string
		edit func(*Config)
		want string
	}{
		{"ok", func(*Config) {}, ""},
		{"no requests", func(c *Config) { c.Requests = 0 }, "requests:"},
		{"fewer variants than originals", func(c *Config) { c.Variants = 5 }, "variants:"},
		{"zipf s", func(c *Config) { c.ZipfS = 1 }, "zipf-s:"},
		{"concurrency", func(c *Config) { c.Concurrency = 0 }, "concurrency:"},
		{"timeout", func(c *Config) { c.Timeout = 0 }, "timeout:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			tc.edit(&c)
			err := c.Validate()
			if (tc.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Validate() = %v, want %q", err, tc.want)
			}
		})
	}
}

// TestCatalogue: variants are distinct canonical paths, spread evenly over the originals.
func TestCatalogue(t *testing.T) {
	cat := catalogue(Config{Variants: 400, Originals: 50})
	seen := map[string]bool{}
	per := map[int]int{}
	for _, v := range cat {
		if seen[v.path] {
			t.Fatalf("duplicate variant %s", v.path)
		}
		seen[v.path] = true
		per[v.original]++
	}
	for o := 0; o < 50; o++ {
		if per[o] != 8 {
			t.Errorf("original %d has %d variants, want 8", o, per[o])
		}
	}
}

// TestRunSmall runs the whole measurement on a small workload against a real cluster.
func TestRunSmall(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-requests", "300", "-variants", "40", "-originals", "10", "-concurrency", "8", "-timeout", "2m"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{"pulls", "target met", "hit ratio", "storage fetches: 10 ", "= pulls: target met", " 0 in a format"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}
