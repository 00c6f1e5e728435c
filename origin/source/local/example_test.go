package local_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/local"
)

func Example() {
	dir, _ := os.MkdirTemp("", "originals")
	defer os.RemoveAll(dir)
	os.MkdirAll(filepath.Join(dir, "photos"), 0o755)
	os.WriteFile(filepath.Join(dir, "photos", "cat.jpg"), []byte("jpeg bytes"), 0o644)

	src, err := local.New(local.Config{Root: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer src.Close()

	data, info, err := source.ReadAll(context.Background(), src, "photos/cat.jpg", 1<<20)
	fmt.Println(string(data), info.ContentType, err)

	_, _, err = source.ReadAll(context.Background(), src, "../etc/passwd", 1<<20)
	fmt.Println(err)
	// Output:
	// jpeg bytes image/jpeg <nil>
	// source: invalid object key: dot segment
}
