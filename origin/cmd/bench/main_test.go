package main

import (
	"context"
	"io"
	"strings"
	"testing"
)

// TestUsage checks that bad command lines are refused before anything starts.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{
		nil,
		{"nope"},
		{"origin", "-rounds", "0"},
		{"disk", "-duration", "500ms"},
		{"imaging", "-count", "0"},
		{"formats", "extra"},
		{"origin", "-photos", "dir"}, // a flag of another subcommand
	} {
		err := run(context.Background(), args, io.Discard, io.Discard)
		if err == nil {
			t.Errorf("%q: no error", args)
			continue
		}
		if len(args) < 3 && !strings.Contains(err.Error(), "usage") {
			t.Errorf("%q: %v, want the usage", args, err)
		}
	}
}
