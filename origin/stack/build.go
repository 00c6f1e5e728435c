package stack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/imgorigin/imgorigin/origin/internal/repo"
)

// binaries builds the origin and fdfsfake binaries once per process. It is the package's one
// piece of process-wide state: building per stack would cost seconds each.
var binaries struct {
	once sync.Once
	dir  string
	err  error
}

// RemoveBinaries removes the binaries Start built in this process (not Options.BinDir). Call
// it once no stack runs any more: at the end of TestMain (clustertest.Main does) or of a command.
func RemoveBinaries() {
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
	}
}

// ModuleRoot returns the directory holding go.mod, walking up from the working directory.
func ModuleRoot() (string, error) { return repo.Root() }

// buildBinaries returns a directory holding origin and fdfsfake: binDir when set (prebuilt,
// e.g. the repository's bin/), else a temporary directory built into once per process.
func buildBinaries(binDir string) (string, error) {
	if binDir != "" {
		for _, b := range []string{"origin", "fdfsfake"} {
			if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
				return "", fmt.Errorf("stack: %w (run make build)", err)
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
			binaries.err = fmt.Errorf("stack: go build: %w\n%s", err, out)
		}
	})
	return binaries.dir, binaries.err
}
