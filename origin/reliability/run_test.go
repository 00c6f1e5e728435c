//go:build reliability

package reliability

import (
	"context"
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/stack"
)

var steady = flag.Duration("reliability.steady", 10*time.Second, "how long the short run holds its steady load")

// TestMain removes the binaries the stack built for the run.
func TestMain(m *testing.M) {
	code := m.Run()
	stack.RemoveBinaries()
	os.Exit(code)
}

// TestShortRun is the reliability run with a short steady phase (about five minutes in all;
// go test -tags reliability -timeout 15m ./origin/reliability): it must finish, write every
// section of the report, and meet the targets that do not depend on the machine's load.
// origin/cmd/reliability (scripts/reliability) is the full run that writes RELIABILITY.md.
func TestShortRun(t *testing.T) {
	run := New(Options{Steady: *steady, Load: 0.8, FaultLoad: 0.5, Command: "go test -tags reliability ./origin/reliability", Logf: t.Logf,
		Sections: []string{"## A section of another run\n\nits text"}})
	report, err := run.Do(context.Background())
	if err != nil {
		t.Errorf("run: %v", err)
	}
	if report == "" {
		t.Fatal("no report")
	}
	for _, title := range []string{"# Reliability run", "## Summary", "## Load held", "## Faults", "### One of three origins killed",
		"### A groupcache peer hangs", "### Store down", "### Store slow", "### Store answers 500", "## FastDFS",
		"### Storage stopped, then started again", "### Both trackers restarted", "### One of two trackers hangs",
		"## A section of another run", "## Hostile inputs through nginx", "## Goroutines, open files and RSS before and after"} {
		if !strings.Contains(report, "\n"+title) && !strings.HasPrefix(report, title) {
			t.Errorf("the report has no %q", title)
		}
	}
	for _, target := range []string{"every hostile input gets its expected answer", "FastDFS storage back: every URL that failed during the outage answers 200"} {
		for _, line := range strings.Split(report, "\n") {
			if strings.Contains(line, target) && strings.HasSuffix(line, "**not met**") {
				t.Errorf("%s", line)
			}
		}
	}
	t.Logf("report:\n%s", report)
}
