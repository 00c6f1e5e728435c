package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"golang.org/x/perf/benchfmt"
)

// benchResult is one line of `go test -bench` output.
type benchResult struct {
	Name   string             // "Pipelines/jpeg300/bare-shrink": no "Benchmark", no -GOMAXPROCS
	Procs  string             // GOMAXPROCS as the name's suffix said it ("2"), or ""
	Values map[string]float64 // unit → value: "img/cpu-s", "img/s/core", "ns/op", as printed
}

// parseBench reads `go test -bench` output (golang.org/x/perf/benchfmt, the format's own
// parser); other lines (PASS, goos:, logs) are skipped.
func parseBench(r io.Reader) ([]benchResult, error) {
	var out []benchResult
	rd := benchfmt.NewReader(r, "go test -bench")
	for rd.Scan() {
		switch rec := rd.Result(); rec := rec.(type) {
		case *benchfmt.Result:
			base, parts := rec.Name.Parts()
			res := benchResult{Name: string(base), Values: map[string]float64{}}
			for _, p := range parts {
				if p[0] == '-' {
					res.Procs = string(p[1:])
					continue
				}
				res.Name += string(p)
			}
			for _, v := range rec.Values {
				if v.OrigUnit != "" { // a unit benchfmt normalised (ns/op → sec/op): keep the printed one
					res.Values[v.OrigUnit] = v.OrigValue
					continue
				}
				res.Values[v.Unit] = v.Value
			}
			out = append(out, res)
		case *benchfmt.SyntaxError:
			return nil, rec
		}
	}
	return out, rd.Err()
}

// imagingTests is origin/imaging's test binary, compiled once (go test -c): its benchmarks are
// the limit the origin's renders are set against (BenchmarkPipelines: libvips in a bare
// in-process loop) and the figures of `bench imaging` and `bench formats`.
type imagingTests struct {
	bin, dir string
}

// buildImagingTests compiles origin/imaging's tests into work.
func buildImagingTests(ctx context.Context, root, work string) (*imagingTests, error) {
	bin := filepath.Join(work, "imaging.test")
	cmd := exec.CommandContext(ctx, "go", "test", "-c", "-o", bin, "./origin/imaging/")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("go test -c ./origin/imaging/: %w\n%s", err, out)
	}
	return &imagingTests{bin: bin, dir: filepath.Join(root, "origin", "imaging")}, nil
}

// run runs the benchmarks matching pattern count times with the environment env added, and
// returns their lines as printed and parsed.
func (t *imagingTests) run(ctx context.Context, pattern, benchtime string, count int, env ...string) (string, []benchResult, error) {
	cmd := exec.CommandContext(ctx, t.bin, "-test.run", "^$", "-test.bench", pattern, "-test.benchtime", benchtime,
		"-test.count", fmt.Sprint(count))
	cmd.Dir = t.dir // as go test runs it
	cmd.Env = append(os.Environ(), env...)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	if err := cmd.Run(); err != nil {
		return "", nil, fmt.Errorf("imaging benchmarks %s: %w\n%s", pattern, err, stdout.String())
	}
	res, err := parseBench(bytes.NewReader(stdout.Bytes()))
	if err != nil {
		return "", nil, err
	}
	if len(res) == 0 {
		return "", nil, fmt.Errorf("imaging benchmarks %s: no results\n%s", pattern, stdout.String())
	}
	var lines []string
	for _, l := range strings.Split(stdout.String(), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n"), res, nil
}

// limitBench runs the limit of bench origin: BenchmarkPipelines on the origin's own original.
type limitBench struct {
	tests            *imagingTests
	input, benchtime string
}

func (l *limitBench) run(ctx context.Context, pattern string) (string, []benchResult, error) {
	return l.tests.run(ctx, pattern, l.benchtime, 1, "IMGDEV_BENCH_INPUT="+l.input)
}

// bareShrink runs the limit of one case (the bare-shrink loop) once and returns its rate
// over the whole machine (img/s/core × cores) and per CPU-second.
func (l *limitBench) bareShrink(ctx context.Context, name string, cores int) (wall, cpu float64, err error) {
	_, res, err := l.run(ctx, "^BenchmarkPipelines$/^"+name+"$/^bare-shrink$")
	if err != nil {
		return 0, 0, err
	}
	for _, r := range res {
		if r.Name == "Pipelines/"+name+"/bare-shrink" {
			return r.Values["img/s/core"] * float64(cores), r.Values["img/cpu-s"], nil
		}
	}
	return 0, 0, fmt.Errorf("imaging benchmarks: no Pipelines/%s/bare-shrink", name)
}

// medians groups results by name, in the order names first appear, with the median of each
// unit over the runs (-count).
func medians(res []benchResult) (names []string, med map[string]map[string]float64) {
	all := map[string]map[string][]float64{}
	for _, r := range res {
		if all[r.Name] == nil {
			all[r.Name] = map[string][]float64{}
			names = append(names, r.Name)
		}
		for u, v := range r.Values {
			all[r.Name][u] = append(all[r.Name][u], v)
		}
	}
	med = map[string]map[string]float64{}
	for n, units := range all {
		med[n] = map[string]float64{}
		for u, vs := range units {
			med[n][u] = median(vs)
		}
	}
	return names, med
}
