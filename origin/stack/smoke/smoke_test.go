package smoke_test

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/stack"
	"github.com/imgorigin/imgorigin/origin/stack/smoke"
)

func TestMain(m *testing.M) {
	code := m.Run()
	stack.RemoveBinaries()
	os.Exit(code)
}

// TestLocalStack: the local stack of `make run` (on free ports, two origins) passes every
// smoke check, including the one after stopping it.
func TestLocalStack(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	s, err := stack.Start(ctx, stack.Options{Dir: t.TempDir(), Nodes: 2, Run: &stack.Run{}, Logf: t.Logf})
	if s != nil {
		t.Cleanup(func() {
			if t.Failed() {
				t.Logf("logs:\n%s", s.Logs(30))
			}
			s.Close()
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	failed, err := smoke.Run(ctx, smoke.Options{Dir: s.Dir, Out: &out, Stop: func() error { s.Close(); return nil }})
	t.Logf("smoke:\n%s", out.String())
	if err != nil {
		t.Fatal(err)
	}
	if failed > 0 {
		t.Errorf("%d smoke check(s) failed", failed)
	}
	// Every step ran: the listed URLs, the demo page's images, the upload, the stop.
	for _, want := range []string{"f_auto: AVIF / WebP / JPEG", "×12 frames", "201 stored s3/demo/", "signed DELETE: 200", "addresses are free"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report has no %q", want)
		}
	}
}
