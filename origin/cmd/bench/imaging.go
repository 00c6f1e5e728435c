package main

import (
	"context"
	"fmt"
	"io"
	"strings"
)

// imagingBench is `bench imaging`: the two pipelines of origin/imaging through the engine,
// side by side with bare libvips loops doing the same work (BenchmarkPipelines), medians over
// count runs.
type imagingBench struct {
	benchtime string
	count     int
	input     string // IMGDEV_BENCH_INPUT; "" is the benchmark's own 4000×3000 JPEG
}

var pipelineVariants = []string{"bare-shrink", "bare-thumbnail", "engine-shrink", "engine-thumbnail"}

func (b imagingBench) run(ctx context.Context, e *env, w io.Writer) error {
	tests, err := buildImagingTests(ctx, e.root, e.work)
	if err != nil {
		return err
	}
	var env []string
	if b.input != "" {
		env = append(env, "IMGDEV_BENCH_INPUT="+b.input)
	}
	e.logf("bench: BenchmarkPipelines, %d runs of %s", b.count, b.benchtime)
	lines, res, err := tests.run(ctx, "BenchmarkPipelines", b.benchtime, b.count, env...)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "`go test -bench BenchmarkPipelines -benchtime %s -count %d ./origin/imaging/`: a 4000×3000 photo-like JPEG → 300 px wide JPEG and → 800×600 WebP through each pipeline of the engine and bare libvips loops (2×GOMAXPROCS images at once, one libvips thread each).\n\n```\n%s\n```\n\n", b.benchtime, b.count, lines)
	names, med := medians(res)
	var cases []string
	seen := map[string]bool{}
	for _, n := range names {
		parts := strings.Split(n, "/")
		if len(parts) == 3 && !seen[parts[1]] {
			seen[parts[1]] = true
			cases = append(cases, parts[1])
		}
	}
	fmt.Fprintf(w, "Medians over %d runs: img/s/core (wall) and img/cpu-s (per CPU-second the benchmark used; robust on a shared machine).\n\n", b.count)
	tab := newTable("case", "pipeline", "img/s/core>", "img/cpu-s>", "of bare-shrink per CPU-s>")
	for _, c := range cases {
		ref := med["Pipelines/"+c+"/bare-shrink"]["img/cpu-s"]
		for _, v := range pipelineVariants {
			m, ok := med["Pipelines/"+c+"/"+v]
			if !ok {
				continue
			}
			tab.add(c, v, fmt.Sprintf("%.2f", m["img/s/core"]), fmt.Sprintf("%.2f", m["img/cpu-s"]), percent(m["img/cpu-s"], ref))
		}
	}
	tab.write(w)
	return nil
}

// formatsBench is `bench formats`: bytes per f_auto format bucket against the fallback at the
// default qualities and the render rate per bucket (BenchmarkFormats), medians over count runs.
type formatsBench struct {
	benchtime string
	count     int
	photos    string // IMGDEV_BENCH_PHOTOS: a directory of real photographs, or ""
}

func (b formatsBench) run(ctx context.Context, e *env, w io.Writer) error {
	tests, err := buildImagingTests(ctx, e.root, e.work)
	if err != nil {
		return err
	}
	e.logf("bench: BenchmarkFormats, %d runs of %s", b.count, b.benchtime)
	_, res, err := tests.run(ctx, "BenchmarkFormats", b.benchtime, b.count, "IMGDEV_BENCH_PHOTOS="+b.photos)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "`go test -bench BenchmarkFormats -benchtime %s -count %d ./origin/imaging/`%s: every sample resized to the width shown and encoded at the default qualities in each bucket's format; bytes are exact, rates are medians over the runs.\n\n",
		b.benchtime, b.count, map[bool]string{true: " with `IMGDEV_BENCH_PHOTOS`", false: ""}[b.photos != ""])
	names, med := medians(res)
	tab := newTable("sample", "width", "format", "bytes>", "vs fallback>", "img/s/core>", "img/cpu-s>")
	for _, n := range names {
		parts := strings.Split(strings.TrimPrefix(n, "Formats/"), "/") // sample/w400/webp
		if len(parts) != 3 || !strings.HasPrefix(parts[1], "w") {
			continue
		}
		m := med[n]
		tab.add(parts[0], strings.TrimPrefix(parts[1], "w"), parts[2], count(m["B/img"]), fmt.Sprintf("%.0f %%", m["%fallback"]),
			fmt.Sprintf("%.1f", m["img/s/core"]), fmt.Sprintf("%.1f", m["img/cpu-s"]))
	}
	tab.write(w)
	return nil
}
