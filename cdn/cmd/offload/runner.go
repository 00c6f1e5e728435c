package main

import (
	"fmt"
	"io"
	"os"
)

// runner lets a command drive clustertest.Start, which takes the part of testing.TB it needs:
// Fatalf unwinds to do, which runs the cleanups (stopping every process) in reverse order.
type runner struct {
	stderr   io.Writer
	keep     bool
	cleanups []func()
	failed   bool
}

type fatal struct{}

func (r *runner) Helper() {}

func (r *runner) Logf(format string, args ...any) { fmt.Fprintf(r.stderr, format+"\n", args...) }

func (r *runner) Fatalf(format string, args ...any) {
	r.failed = true
	fmt.Fprintf(r.stderr, "offload: "+format+"\n", args...)
	panic(fatal{})
}

func (r *runner) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }

func (r *runner) Failed() bool { return r.failed }

// TempDir returns a fresh directory removed at cleanup (kept with -keep).
func (r *runner) TempDir() string {
	dir, err := os.MkdirTemp("", "imgorigin-offload-")
	if err != nil {
		r.Fatalf("%v", err)
	}
	if r.keep {
		fmt.Fprintf(r.stderr, "offload: keeping %s\n", dir)
	} else {
		r.Cleanup(func() { _ = os.RemoveAll(dir) })
	}
	return dir
}

// do runs f, turning a Fatalf into exit code 1, and always runs the cleanups.
func (r *runner) do(f func() int) (code int) {
	defer func() {
		if p := recover(); p != nil {
			if _, ok := p.(fatal); !ok {
				r.runCleanups()
				panic(p)
			}
			code = 1
		}
		r.runCleanups()
	}()
	return f()
}

func (r *runner) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
	r.cleanups = nil
}
