package source

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"testing"
)

type netTimeout struct{}

func (netTimeout) Error() string   { return "i/o timeout" }
func (netTimeout) Timeout() bool   { return true }
func (netTimeout) Temporary() bool { return true }

func TestResult(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{nil, "ok"},
		{fmt.Errorf("x: %w", ErrNotFound), "not_found"},
		{fmt.Errorf("x: %w", ErrInvalidKey), "invalid"},
		{fmt.Errorf("x: %w", ErrTooLarge), "too_large"},
		{fmt.Errorf("%w: fastdfs: %w", ErrUnavailable, context.DeadlineExceeded), "timeout"},
		{fmt.Errorf("%w: read: %w", ErrUnavailable, os.ErrDeadlineExceeded), "timeout"},
		{fmt.Errorf("%w: dial: %w", ErrUnavailable, netTimeout{}), "timeout"},
		{context.Canceled, "canceled"},
		{fmt.Errorf("%w: connection refused", ErrUnavailable), "unavailable"},
		{errors.New("anything else"), "unavailable"},
	}
	for _, tt := range tests {
		if got := Result(tt.err); got != tt.want || !slices.Contains(Results, got) {
			t.Errorf("Result(%v) = %q, want %q (listed in Results)", tt.err, got, tt.want)
		}
	}
}
