package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
)

func TestLimitBody(t *testing.T) {
	tests := []struct {
		name   string
		size   int
		max    int64
		want   int
		tooBig bool
	}{
		{"under", 10, 20, 10, false},
		{"exact", 20, 20, 20, false},
		{"over", 21, 20, 20, true},
		{"way-over", 1 << 20, 100, 100, true},
		{"zero-max-empty", 0, 0, 0, false},
		{"zero-max", 1, 0, 0, true},
		{"unlimited", 1000, -1, 1000, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := LimitBody(nil, io.NopCloser(bytes.NewReader(make([]byte, tc.size))), tc.max)
			b, err := io.ReadAll(body)
			if tc.tooBig != errors.Is(err, ErrTooLarge) {
				t.Fatalf("err = %v, want too large = %v", err, tc.tooBig)
			}
			if !tc.tooBig && err != nil {
				t.Fatal(err)
			}
			if len(b) != tc.want {
				t.Fatalf("read %d bytes, want %d", len(b), tc.want)
			}
		})
	}
}

func TestLimitBodyContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	body := LimitBody(ctx, io.NopCloser(bytes.NewReader(make([]byte, 100))), -1)
	if _, err := body.Read(make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := body.Read(make([]byte, 10)); !errors.Is(err, context.Canceled) {
		t.Fatalf("read after cancel = %v, want context.Canceled", err)
	}
}
