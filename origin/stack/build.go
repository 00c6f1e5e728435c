package stack

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"

	"github.com/imgorigin/imgorigin/origin/internal/repo"
)

// binaries builds the commands a stack runs once per process into one directory. It is the
// package's one piece of process-wide state: building per stack would cost seconds each.
var binaries struct {
	mu    sync.Mutex
	dir   string
	built map[string]bool // command name → built into dir
}

// commands are the packages of the commands a stack runs, by binary name; the local stack of
// `make run` (Options.Run) needs mksamples and migrate too.
var commands = map[string]string{"origin": "./origin/cmd/origin", "fdfsfake": "./origin/cmd/fdfsfake",
	"mksamples": "./origin/cmd/mksamples", "migrate": "./legacy/cmd/migrate"}

// RemoveBinaries removes the binaries Start built in this process (not Options.BinDir). Call
// it once no stack runs any more: at the end of TestMain (clustertest.Main does) or of a command.
func RemoveBinaries() {
	binaries.mu.Lock()
	defer binaries.mu.Unlock()
	if binaries.dir != "" {
		_ = os.RemoveAll(binaries.dir)
		binaries.dir, binaries.built = "", nil
	}
}

// ModuleRoot returns the directory holding go.mod, walking up from the working directory.
func ModuleRoot() (string, error) { return repo.Root() }

// buildBinaries returns a directory holding the named commands: binDir when set (prebuilt,
// e.g. the repository's bin/), else a temporary directory each is built into once per process.
func buildBinaries(binDir string, names ...string) (string, error) {
	if binDir != "" {
		for _, b := range names {
			if _, err := os.Stat(filepath.Join(binDir, b)); err != nil {
				return "", fmt.Errorf("stack: %w (run make build)", err)
			}
		}
		return binDir, nil
	}
	binaries.mu.Lock()
	defer binaries.mu.Unlock()
	var pkgs []string
	for _, b := range names {
		if !binaries.built[b] {
			pkgs = append(pkgs, commands[b])
		}
	}
	if len(pkgs) == 0 {
		return binaries.dir, nil
	}
	root, err := ModuleRoot()
	if err != nil {
		return "", err
	}
	if binaries.dir == "" {
		if binaries.dir, err = os.MkdirTemp("", "imgorigin-clustertest-bin-"); err != nil {
			return "", err
		}
		binaries.built = map[string]bool{}
	}
	cmd := exec.Command("go", append([]string{"build", "-o", binaries.dir + string(filepath.Separator)}, pkgs...)...)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("stack: go build: %w\n%s", err, out)
	}
	for _, b := range names {
		binaries.built[b] = true
	}
	return binaries.dir, nil
}
