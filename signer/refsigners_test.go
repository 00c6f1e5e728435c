package signer

import (
	"context"
	"os"
	"os/exec"
	"testing"
	"time"
)

// TestReferenceSigners runs the JavaScript and Python reference signers' own tests, which check
// every vector in testdata/vectors.json, so go test ./signer/... covers them too.
func TestReferenceSigners(t *testing.T) {
	tests := []struct {
		name, tool string
		args       []string
	}{
		{"javascript", "node", []string{"--test", "js/"}},
		{"python", "python3", []string{"-m", "unittest", "discover", "-s", "python", "-v"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bin, err := exec.LookPath(tt.tool)
			if err != nil {
				t.Fatalf("%s is not installed (run `make deps`): the %s reference signer cannot be checked", tt.tool, tt.name)
			}
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, bin, tt.args...)
			cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1", "NODE_OPTIONS=")
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("%s %v: %v\n%s", tt.tool, tt.args, err, out)
			}
			t.Logf("%s", out)
		})
	}
}
