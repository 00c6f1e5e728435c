package migrate_test

import (
	"context"
	"os"
	"path/filepath"

	"github.com/imgorigin/imgorigin/legacy/migrate"
)

func Example() {
	old, _ := os.MkdirTemp("", "old")
	defer os.RemoveAll(old)
	dst, _ := os.MkdirTemp("", "new")
	defer os.RemoveAll(dst)
	os.MkdirAll(filepath.Join(old, "uploads"), 0o755)
	os.WriteFile(filepath.Join(old, "uploads", "cat.jpg"), []byte("jpeg bytes"), 0o644)

	cfg := migrate.DefaultConfig()
	cfg.Source, cfg.Dest = old, dst
	m, err := migrate.New(cfg)
	if err != nil {
		panic(err)
	}
	rep, err := m.Run(context.Background())
	if err != nil {
		panic(err)
	}
	rep.Write(os.Stdout)
	// Output: files=1 bytes=10 copied=1 skipped=0 rehashed=0 verified=1 repaired=0 problems=0
}
