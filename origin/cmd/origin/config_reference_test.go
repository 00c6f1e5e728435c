package main

import (
	"bytes"
	"flag"
	"github.com/google/go-cmp/cmp"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite docs/CONFIG.md from the code")

// repoRoot is the repository, from this package's directory.
var repoRoot = filepath.Join("..", "..", "..")

// configReferencePath is docs/CONFIG.md, from this package's directory.
var configReferencePath = filepath.Join("..", "..", "..", "docs", "CONFIG.md")

const configReferenceHeader = `# Configuration reference

Every key of the origin's configuration, its default and its environment variable, generated
from the configuration structs by ` + "`origin config-reference`" + `. Do not edit by hand:
` + "`go test ./origin/cmd/origin -run TestConfigReference`" + ` fails when this file differs from
the code, and ` + "`go test ./origin/cmd/origin -run TestConfigReference -update-docs`" + ` rewrites it.

A key is set in the YAML file (` + "`origin -c origin.yaml`" + `), overridden by its environment
variable, and a few by flags (` + "`--listen`, `--internal-listen`, `--node`, `--self`" + `). Durations
are Go durations (` + "`30s`, `15m`" + `); lists in the environment are comma-separated. Unknown keys
are errors, and so is an ` + "`IMGORIGIN_*`" + ` variable that names no key (startup fails naming it);
` + "`origin check-config -c FILE`" + ` validates a file. ` + "`sources`" + ` is a map from the
source name used in URLs to its settings, listed below as ` + "`sources.name.*`" + `: each entry sets
` + "`type`" + ` (local, s3, fastdfs, http) and the section of that type; the environment sets any key
of a source's type once the file names the source (the file need not write the key). ` + "`origin/config/example.yaml`" + ` shows every section.

`

// hostRow matches node.name's row, whose default is the machine's host name.
var hostRow = regexp.MustCompile("(?m)^\\| `node\\.name` \\| `[^`]*` \\|")

// generatedReference is what docs/CONFIG.md must contain: the header and the output of
// `origin config-reference`, with the host-name default written as such.
func generatedReference(t *testing.T) string {
	t.Helper()
	var out, errb bytes.Buffer
	if code := run([]string{"config-reference"}, nil, &out, &errb); code != 0 {
		t.Fatalf("origin config-reference: exit %d: %s", code, errb.String())
	}
	table := hostRow.ReplaceAllString(out.String(), "| `node.name` | (the host name) |")
	return configReferenceHeader + table
}

// TestConfigReference keeps docs/CONFIG.md equal to what the code generates, so the reference
// cannot drift from the configuration structs.
func TestConfigReference(t *testing.T) {
	want := generatedReference(t)
	if *updateDocs {
		if err := os.WriteFile(configReferencePath, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(configReferencePath)
	if err != nil {
		t.Fatalf("%v (go test ./origin/cmd/origin -run TestConfigReference -update-docs writes it)", err)
	}
	if string(got) != want {
		t.Fatalf("docs/CONFIG.md differs from `origin config-reference`: run\n\tgo test ./origin/cmd/origin -run TestConfigReference -update-docs\n%s", cmp.Diff(want, string(got)))
	}
	for _, key := range []string{"server.listen", "cluster.pool", "auth.key_file", "sources.name.s3.endpoint", "sources.name.fastdfs.trackers"} {
		if !strings.Contains(want, "| `"+key+"` |") {
			t.Errorf("the reference has no row for %s", key)
		}
	}
}
