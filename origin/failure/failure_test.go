package failure

import (
	"context"
	"errors"
	"fmt"
	"testing"
)

func TestKindOf(t *testing.T) {
	cause := errors.New("dial tcp 10.0.0.1:22122: connection refused")
	tests := []struct {
		name       string
		err        error
		kind       Kind
		public     string
		wantsCause bool
	}{
		{"wrapped", fmt.Errorf("render: %w", New(KindUnavailable, "store unavailable", cause)), KindUnavailable, "store unavailable", true},
		{"deadline", fmt.Errorf("fetch: %w", context.DeadlineExceeded), KindTimeout, "the request took too long", false},
		{"canceled", context.Canceled, KindCanceled, "the request was canceled", false},
		{"plain", cause, KindInternal, "internal error", false},
		{"outermost wins", New(KindNotFound, "no such preset", New(KindBadRequest, "inner", nil)), KindNotFound, "no such preset", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := KindOf(tt.err); got != tt.kind {
				t.Errorf("KindOf = %v, want %v", got, tt.kind)
			}
			if got := PublicMessage(tt.err); got != tt.public {
				t.Errorf("PublicMessage = %q, want %q", got, tt.public)
			}
			if tt.wantsCause && !errors.Is(tt.err, cause) {
				t.Errorf("cause lost from %v", tt.err)
			}
		})
	}
}

func TestKindString(t *testing.T) {
	if KindOverloaded.String() != "overloaded" || Kind(99).String() != "unknown" {
		t.Fatalf("names: %s %s", KindOverloaded, Kind(99))
	}
}
