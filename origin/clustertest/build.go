package clustertest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binaries builds the origin and fdfsfake binaries once per process. It is the package's one
// piece of process-wide state, like a TestMain's: building per test would cost seconds each.
var binaries struct {
	once sync.Once
	dir  string
	err  error
}

// Main runs the tests and then removes the binaries Start built. Use it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	RemoveBinaries()
	os.Exit(code)
}

// RemoveBinaries removes the binaries Start built in this process (not Options.BinDir). Call
// it once no cluster runs any more: at the end of TestMain (Main does) or of a command.
func RemoveBinaries() {
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
	}
}

// ModuleRoot returns the directory holding go.mod, walking up from the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for range 64 {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	return "", errors.New("clustertest: go.mod not found above the working directory")
}

// buildBinaries returns a directory holding origin and fdfsfake: binDir when set (prebuilt,
// e.g. the repository's bin/), else a temporary directory built into once per process.
func buildBinaries(binDir string) (string, error) {
	if binDir != "" {
		for _, b := range []string{"origin", "fdfsfake"} {
			if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
				return "", fmt.Errorf("clustertest: %w (run make build)", err)
			}
		}
		return binDir, nil
	}
	binaries.once.Do(func() {
		root, err := ModuleRoot()
		if err != nil {
			binaries.err = err
			return
		}
		dir, err := os.MkdirTemp("", "imgorigin-clustertest-bin-")
		if err != nil {
			binaries.err = err
			return
		}
		binaries.dir = dir
		cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./origin/cmd/origin", "./origin/cmd/fdfsfake")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binaries.err = fmt.Errorf("clustertest: go build: %w\n%s", err, out)
		}
	})
	return binaries.dir, binaries.err
}
