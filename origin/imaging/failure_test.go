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
		{fmt.Errorf("%w: crop region 10x10+5000+0 is outside the 100x100 image", ErrBadOption), failure.KindBadRequest},
		{fmt.Errorf("%w: logo", ErrBadMark), failure.KindUnavailable},
		{errors.New("vips: out of memory"), failure.KindInternal},
		{context.DeadlineExceeded, failure.KindTimeout},
	}
	for _, tc := range cases {
		got := failureOf(tc.err)
		if k := failure.KindOf(got); k != tc.kind || !errors.Is(got, tc.err) {
			t.Errorf("failureOf(%v) = %v (kind %v), want kind %v wrapping the cause", tc.err, got, k, tc.kind)
		}
	}
	if got := failure.PublicMessage(failureOf(fmt.Errorf("imaging: %w: crop region outside", ErrBadOption))); got != "crop region outside" {
		t.Errorf("bad option's public message %q", got)
	}
	var fe *failure.Error
	if errors.As(failureOf(context.Canceled), &fe) {
		t.Error("a cancellation became a failure kind")
	}
}
