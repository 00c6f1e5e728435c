package sourcetest_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

func TestMemoryConformance(t *testing.T) {
	sourcetest.Run(t, func(t *testing.T) sourcetest.Harness {
		return sourcetest.NewMemory().Harness()
	})
}

func TestMemoryFailure(t *testing.T) {
	m := sourcetest.NewMemory()
	m.Put("a.jpg", []byte("x"))
	m.SetFailure(fmt.Errorf("%w: down", source.ErrUnavailable))
	if _, err := m.Stat(context.Background(), "a.jpg"); !errors.Is(err, source.ErrUnavailable) {
		t.Fatalf("Stat = %v, want ErrUnavailable", err)
	}
	m.SetFailure(nil)
	if _, _, err := source.ReadAll(context.Background(), m, "a.jpg", 10); err != nil {
		t.Fatalf("ReadAll after recovery: %v", err)
	}
	if m.Opens() != 1 {
		t.Fatalf("Opens = %d, want 1", m.Opens())
	}
}

func ExampleMemory() {
	m := sourcetest.NewMemory()
	m.Put("photos/cat.jpg", []byte("not really a jpeg"))
	b, info, err := source.ReadAll(context.Background(), m, "photos/cat.jpg", 1<<20)
	fmt.Println(len(b), info.ContentType, err)
	// Output: 17 image/jpeg <nil>
}
