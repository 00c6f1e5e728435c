package imaging

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/imgorigin/imgorigin/origin/failure"
)

// TestFailureKinds: the engine's causes become failure kinds that still match the cause; the
// context's errors stay as they are.
func TestFailureKinds(t *testing.T) {
	cases := []struct {
		err  error
		kind failure.Kind
	}{
		{fmt.Errorf("%w: 1e9 pixels", ErrLimits), failure.KindUnprocessable},
		{fmt.Errorf("%w: jxl", ErrUnsupported), failure.KindUnsupported},
		{fmt.Errorf("%w: bytes are not png", ErrCorrupt), failure.KindUnprocessable},
		{errors.New("vips: out of memory"), failure.KindInternal},
		{context.DeadlineExceeded, failure.KindTimeout},
	}
	for _, tc := range cases {
		got := failureOf(tc.err)
		if k := failure.KindOf(got); k != tc.kind || !errors.Is(got, tc.err) {
			t.Errorf("failureOf(%v) = %v (kind %v), want kind %v wrapping the cause", tc.err, got, k, tc.kind)
		}
	}
	var fe *failure.Error
	if errors.As(failureOf(context.Canceled), &fe) {
		t.Error("a cancellation became a failure kind")
	}
}
