package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/imgorigin/imgorigin/origin/imaging"
)

// TestAllocatorEnv: `origin allocator-env` prints the environment of imaging.AllocatorEnv, the
// one every start path gives the origin.
func TestAllocatorEnv(t *testing.T) {
	var out, errb bytes.Buffer
	if code := run([]string{"allocator-env"}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	want, err := imaging.AllocatorEnv()
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Fields(out.String()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("allocator-env printed %q, want %q", got, want)
	}
}

// TestEveryStartPathPreloadsJemalloc reads every way the origin is started outside the test
// harness (origin/clustertest checks its own nodes' memory maps): each gives the origin
// Debian's libjemalloc2 through LD_PRELOAD with imaging.MallocConf, or inherits both from the
// image that does.
func TestEveryStartPathPreloadsJemalloc(t *testing.T) {
	read := func(rel string) string {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	has := func(t *testing.T, rel, text string, re string) {
		t.Helper()
		if !regexp.MustCompile(re).MatchString(text) {
			t.Errorf("%s: nothing matches %s", rel, re)
		}
	}
	conf := regexp.QuoteMeta(imaging.MallocConf)
	t.Run("install-deps", func(t *testing.T) {
		has(t, "scripts/install-deps", read("scripts/install-deps"), `APT_PACKAGES=\([^)]*\blibjemalloc2\b`)
	})
	// scripts/run is bin/stack up: package origin/stack starts the nodes with `origin
	// allocator-env`, the same launcher as origin/clustertest, whose TestStart reads every
	// node's memory map.
	t.Run("scripts/run", func(t *testing.T) {
		has(t, "scripts/run", read("scripts/run"), `(?m)^exec bin/stack up\b`)
		has(t, "origin/stack/stack.go", read("origin/stack/stack.go"), `exec\.Command\(filepath\.Join\(bin, "origin"\), "allocator-env"\)`)
	})
	t.Run("Dockerfile", func(t *testing.T) {
		s := read("origin/Dockerfile")
		runtime := s[strings.LastIndex(s, "\nFROM "):]
		has(t, "origin/Dockerfile", runtime, `apt-get install[^\n]*\blibjemalloc2\b`)
		has(t, "origin/Dockerfile", runtime, `ln -s "/usr/lib/\$\(uname -m\)-linux-gnu/libjemalloc.so.2" /usr/local/lib/libjemalloc.so.2`)
		has(t, "origin/Dockerfile", runtime, `ENV LD_PRELOAD=/usr/local/lib/libjemalloc.so.2 \\\n\s+MALLOC_CONF=`+conf+`\n`)
	})
	t.Run("systemd", func(t *testing.T) {
		s := read("docs/deploy/systemd/imgorigin-origin.service")
		has(t, "systemd", s, `(?m)^Environment=LD_PRELOAD=`+regexp.QuoteMeta(imaging.Jemalloc["amd64"])+`$`)
		has(t, "systemd", s, `(?m)^Environment=MALLOC_CONF=`+conf+`$`)
	})
	// Compose and Kubernetes run the image: they must not take the preload away.
	for _, rel := range []string{"docker-compose.yml", "docs/deploy/kubernetes/origin.yaml"} {
		t.Run(rel, func(t *testing.T) {
			s := read(rel)
			has(t, rel, s, `image: imgorigin/origin\b`)
			if regexp.MustCompile(`(?m)^\s*(- )?(name: )?"?(LD_PRELOAD|MALLOC_CONF)\b`).MatchString(s) {
				t.Errorf("%s overrides the image's LD_PRELOAD or MALLOC_CONF", rel)
			}
		})
	}
}
