package source_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

func TestRegistry(t *testing.T) {
	a, b := sourcetest.NewMemory(), sourcetest.NewMemory()
	a.Put("x.jpg", []byte("from a"))
	in := map[string]source.Source{"local": a, "oss": b}
	r := source.NewRegistry(in)
	delete(in, "oss") // the registry keeps its own copy
	if got := r.Names(); !slices.Equal(got, []string{"local", "oss"}) {
		t.Fatalf("Names = %v", got)
	}
	s, err := r.Get("local")
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := source.ReadAll(context.Background(), s, "x.jpg", 100); err != nil || string(got) != "from a" {
		t.Fatalf("ReadAll via registry = %q, %v", got, err)
	}
	_, err = r.Get("fdfs")
	if !errors.Is(err, source.ErrUnknownSource) || !errors.Is(err, source.ErrNotFound) {
		t.Fatalf("Get(unknown) = %v, want ErrUnknownSource wrapping ErrNotFound", err)
	}
}

func TestReadAllBounds(t *testing.T) {
	m := sourcetest.NewMemory()
	m.Put("a.jpg", make([]byte, 1000))
	tests := []struct {
		limit   int64
		wantErr error
	}{
		{999, source.ErrTooLarge},
		{1000, nil},
		{1 << 30, nil},
		{0, source.ErrTooLarge},
		{-5, source.ErrTooLarge},
	}
	for _, tc := range tests {
		b, _, err := source.ReadAll(context.Background(), m, "a.jpg", tc.limit)
		if !errors.Is(err, tc.wantErr) || (err == nil && len(b) != 1000) {
			t.Errorf("ReadAll(limit %d) = %d bytes, %v; want %v", tc.limit, len(b), err, tc.wantErr)
		}
		if err == nil && cap(b) > 1001 {
			t.Errorf("ReadAll(limit %d) allocated cap %d for 1000 bytes", tc.limit, cap(b))
		}
	}
}
