package stack

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestShippedBinariesDoNotLinkTesting: no binary `make build` builds (the package patterns of
// its go build line in the Makefile) depends on package testing or on a *test package of the
// project.
func TestShippedBinariesDoNotLinkTesting(t *testing.T) {
	root, err := ModuleRoot()
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^build:.*\n(?:\t.*\n)*?\t\$\(GO\) build -o bin/ (.+)$`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("no `$(GO) build -o bin/ …` line under the Makefile's build target")
	}
	patterns := strings.Fields(string(m[1]))
	cmd := exec.Command("go", append([]string{"list", "-f", `{{if eq .Name "main"}}{{.ImportPath}} {{join .Deps " "}}{{end}}`}, patterns...)...)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list %v: %v", patterns, err)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) == 0 {
			continue
		}
		n++
		var via []string
		for _, d := range f[1:] {
			if strings.HasPrefix(d, "github.com/imgorigin/") && strings.HasSuffix(d, "test") {
				via = append(via, d)
			}
		}
		if slices.Contains(f[1:], "testing") {
			t.Errorf("%s links package testing (through %v)", f[0], via)
		} else if len(via) > 0 {
			// A *test package is test support even when it happens not to import testing
			// today: a command uses the testing-free core it wraps.
			t.Errorf("%s imports test support packages %v", f[0], via)
		}
	}
	if n < 5 {
		t.Errorf("go list %v found %d commands; the Makefile's build line is not what this test reads", patterns, n)
	}
}

// TestFreeAddrNeverRepeats: freeAddr never hands out one port twice in a process, even when the
// kernel offers a port it freed a moment ago (a node once got the same public and internal port).
func TestFreeAddrNeverRepeats(t *testing.T) {
	seen := map[string]bool{}
	for range 500 {
		a, err := freeAddr()
		if err != nil {
			t.Fatal(err)
		}
		if seen[a] {
			t.Fatalf("freeAddr returned %s twice", a)
		}
		seen[a] = true
	}
}
