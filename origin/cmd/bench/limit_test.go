package main

import (
	"strings"
	"testing"
)

// pipelines is BenchmarkPipelines' output as the imaging test binary prints it.
const pipelines = `goos: linux
goarch: amd64
pkg: github.com/imgorigin/imgorigin/origin/imaging
cpu: AMD EPYC 7B13
BenchmarkPipelines/jpeg300/bare-shrink-2         	     150	  19607843 ns/op	        25.80 img/cpu-s	        25.50 img/s/core	    1024 B/op	      12 allocs/op
BenchmarkPipelines/jpeg300/engine-shrink-2       	     148	  19800000 ns/op	        25.60 img/cpu-s	        25.25 img/s/core	    2048 B/op	      30 allocs/op
BenchmarkPipelines/webp800x600/bare-shrink       	      72	  41000000 ns/op	        12.40 img/cpu-s	        12.20 img/s/core
PASS
`

func TestParseBench(t *testing.T) {
	res, err := parseBench(strings.NewReader(pipelines))
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 3 {
		t.Fatalf("%d results, want 3: %+v", len(res), res)
	}
	r := res[0]
	if r.Name != "Pipelines/jpeg300/bare-shrink" || r.Procs != "2" || r.Values["img/cpu-s"] != 25.8 || r.Values["img/s/core"] != 25.5 || r.Values["allocs/op"] != 12 {
		t.Errorf("first result %+v", r)
	}
	if r := res[2]; r.Name != "Pipelines/webp800x600/bare-shrink" || r.Procs != "" || r.Values["img/cpu-s"] != 12.4 {
		t.Errorf("a line without -GOMAXPROCS: %+v", r)
	}
	if _, err := parseBench(strings.NewReader("BenchmarkX-2 10 notanumber ns/op\n")); err == nil {
		t.Error("a malformed benchmark line was accepted")
	}
}

func TestMedians(t *testing.T) {
	res, err := parseBench(strings.NewReader(`BenchmarkFormats/photo/w400/jpeg-2 	100	 1 ns/op	 10460 B/img	 100.0 %fallback	 56.8 img/s/core
BenchmarkFormats/photo/w400/webp-2 	100	 1 ns/op	 4424 B/img	 42.29 %fallback	 35.6 img/s/core
BenchmarkFormats/photo/w400/jpeg-2 	100	 1 ns/op	 10460 B/img	 100.0 %fallback	 50.0 img/s/core
BenchmarkFormats/photo/w400/webp-2 	100	 1 ns/op	 4424 B/img	 42.29 %fallback	 30.0 img/s/core
BenchmarkFormats/photo/w400/jpeg-2 	100	 1 ns/op	 10460 B/img	 100.0 %fallback	 60.0 img/s/core
`))
	if err != nil {
		t.Fatal(err)
	}
	names, med := medians(res)
	if strings.Join(names, " ") != "Formats/photo/w400/jpeg Formats/photo/w400/webp" {
		t.Errorf("names in order of appearance: %v", names)
	}
	if got := med["Formats/photo/w400/jpeg"]["img/s/core"]; got != 56.8 {
		t.Errorf("median of 56.8, 50, 60 = %v", got)
	}
	if got := med["Formats/photo/w400/webp"]["img/s/core"]; got != 32.8 {
		t.Errorf("median of 35.6, 30 = %v", got)
	}
	if got := med["Formats/photo/w400/webp"]["B/img"]; got != 4424 {
		t.Errorf("B/img = %v", got)
	}
}
