package local_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/local"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
)

func TestWriterConformance(t *testing.T) {
	sourcetest.RunWriter(t, func(t *testing.T) sourcetest.WriterHarness {
		return sourcetest.WriterHarness{Store: newLocal(t, local.Config{Root: t.TempDir()})}
	})
}

// TestCreateLeavesNoTemporaryFiles: the temporary file a Create writes is gone after success
// and after a refused Create, so nothing but the published object is ever left in the root.
func TestCreateLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	sourcetest.RunWriter(t, func(t *testing.T) sourcetest.WriterHarness {
		return sourcetest.WriterHarness{Store: newLocal(t, local.Config{Root: dir})}
	})
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".upload-") {
			t.Errorf("temporary file left behind: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}
