package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/s3"
	"github.com/imgorigin/imgorigin/origin/source/s3/miniotest"
)

func TestRun(t *testing.T) {
	srv := miniotest.Start(t)
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "photos"), 0o755)
	os.WriteFile(filepath.Join(dir, "photos", "cat 1.jpg"), []byte("cat"), 0o644)
	os.WriteFile(filepath.Join(dir, "top.png"), []byte("png"), 0o644)
	cfg := srv.Config()
	cfg.Bucket = "seeded"
	cfg.Prefix = "o/"
	if err := run(context.Background(), cfg, true, dir); err != nil {
		t.Fatal(err)
	}
	b, err := s3.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	for key, want := range map[string]string{"photos/cat 1.jpg": "cat", "top.png": "png"} {
		got, info, err := source.ReadAll(context.Background(), b, key, 100)
		if err != nil || string(got) != want {
			t.Fatalf("%s = %q, %v", key, got, err)
		}
		if key == "top.png" && info.ContentType != "image/png" {
			t.Errorf("%s ContentType %q", key, info.ContentType)
		}
	}
}
