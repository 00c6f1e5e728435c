package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/fastdfs"
	"github.com/imgorigin/imgorigin/origin/source/fastdfs/fdfstest"
)

func TestSeedAndManifest(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"a.jpg": "hello", "sub/b.png": "world!", "c.longextension": "x"}
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv := fdfstest.Start(t, fdfstest.Options{})
	got := map[string]string{}
	if err := upload(context.Background(), srv.TrackerAddrs(), dir, got); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "m.json")
	if err := writeManifest(manifest{Note: note, Files: got}, out); err != nil {
		t.Fatal(err)
	}
	var m manifest
	b, _ := os.ReadFile(out)
	if err := json.Unmarshal(b, &m); err != nil || len(m.Files) != len(files) {
		t.Fatalf("manifest %s: %v", b, err)
	}
	cfg := fastdfs.DefaultConfig()
	cfg.Trackers = srv.TrackerAddrs()
	cl, err := fastdfs.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	for name, id := range m.Files {
		data, err := readAll(cl, id)
		if err != nil || string(data) != files[name] {
			t.Errorf("%s → %s: %q, %v", name, id, data, err)
		}
	}
}

func readAll(cl *fastdfs.Client, id string) ([]byte, error) {
	rc, _, err := cl.Open(context.Background(), id)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}
