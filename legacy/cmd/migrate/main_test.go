package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestExitCodesAndReport(t *testing.T) {
	src, dst := t.TempDir(), filepath.Join(t.TempDir(), "new")
	os.MkdirAll(filepath.Join(src, "a"), 0o755)
	os.WriteFile(filepath.Join(src, "a", "x.jpg"), []byte("xxxx"), 0o644)
	os.WriteFile(filepath.Join(src, "a", "y.jpg"), []byte("yyyy"), 0o644)

	tests := []struct {
		name    string
		prepare func()
		args    []string
		code    int
		want    string
	}{
		{"copy", func() {}, []string{"-src", src, "-dst", dst}, 0, "files=2 bytes=8 copied=2"},
		{"truncated", func() { os.Truncate(filepath.Join(dst, "a", "x.jpg"), 1) }, []string{"-dst", dst, "-verify"}, 1, "truncated\ta/x.jpg\t1 of 4 bytes"},
		{"missing", func() { os.Remove(filepath.Join(dst, "a", "y.jpg")) }, []string{"-dst", dst, "-verify"}, 1, "missing\ta/y.jpg"},
		{"resume fixes both", func() {}, []string{"-src", src, "-dst", dst}, 0, "copied=2 skipped=0"},
		{"usage", func() {}, []string{"-dst", dst}, 2, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.prepare()
			var out, errb bytes.Buffer
			if code := run(tt.args, &out, &errb); code != tt.code {
				t.Fatalf("exit %d, want %d; stdout:\n%s\nstderr:\n%s", code, tt.code, out.String(), errb.String())
			}
			if !strings.Contains(out.String(), tt.want) {
				t.Fatalf("stdout lacks %q:\n%s", tt.want, out.String())
			}
		})
	}
}
