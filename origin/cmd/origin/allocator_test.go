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
	want := imaging.AllocatorEnv()
	if got := strings.Fields(out.String()); strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("allocator-env printed %q, want %q", got, want)
	}
	if strings.Join(want, " ") != "MALLOC_ARENA_MAX="+imaging.ArenaMax {
		t.Fatalf("imaging.AllocatorEnv() = %q: the start paths below are checked for MALLOC_ARENA_MAX only", want)
	}
}

// TestEveryStartPathSetsTheAllocator reads every way the origin is started outside the test
// harness (origin/clustertest checks its own nodes' environment): each gives the origin
// MALLOC_ARENA_MAX=imaging.ArenaMax, or inherits it from the image that does, and none
// preloads another allocator.
func TestEveryStartPathSetsTheAllocator(t *testing.T) {
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
	preload := regexp.MustCompile(`\b(LD_PRELOAD|MALLOC_CONF|GLIBC_TUNABLES)\b`)
	arenas := regexp.QuoteMeta(imaging.ArenaMax)
	// scripts/run is bin/stack up: package origin/stack starts the nodes with `origin
	// allocator-env`, the same launcher as origin/clustertest, whose TestStart reads every
	// node's environment.
	t.Run("scripts/run", func(t *testing.T) {
		has(t, "scripts/run", read("scripts/run"), `(?m)^exec bin/stack up\b`)
		has(t, "origin/stack/stack.go", read("origin/stack/stack.go"), `exec\.Command\(filepath\.Join\(bin, "origin"\), "allocator-env"\)`)
	})
	t.Run("Dockerfile", func(t *testing.T) {
		s := read("origin/Dockerfile")
		runtime := s[strings.LastIndex(s, "\nFROM "):]
		has(t, "origin/Dockerfile", runtime, `(?m)^ENV MALLOC_ARENA_MAX=`+arenas+`$`)
		if preload.MatchString(runtime) {
			t.Errorf("origin/Dockerfile: the runtime image sets another allocator: %s", preload.FindString(runtime))
		}
	})
	t.Run("systemd", func(t *testing.T) {
		s := read("docs/deploy/systemd/imgorigin-origin.service")
		has(t, "systemd", s, `(?m)^Environment=MALLOC_ARENA_MAX=`+arenas+`$`)
		if preload.MatchString(s) {
			t.Errorf("systemd unit sets another allocator: %s", preload.FindString(s))
		}
	})
	// Compose and Kubernetes run the image: they must not take its setting away.
	for _, rel := range []string{"docker-compose.yml", "docs/deploy/kubernetes/origin.yaml"} {
		t.Run(rel, func(t *testing.T) {
			s := read(rel)
			has(t, rel, s, `image: imgorigin/origin\b`)
			if regexp.MustCompile(`(?m)^\s*(- )?(name: )?"?(LD_PRELOAD|MALLOC_\w+|GLIBC_TUNABLES)\b`).MatchString(s) {
				t.Errorf("%s overrides the image's C allocator setting", rel)
			}
		})
	}
}
