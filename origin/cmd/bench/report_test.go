package main

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestTable(t *testing.T) {
	tab := newTable("variant", "bytes>", "origin / nginx>")
	tab.add("`/i/w_800,q_80,f_jpeg/local/large.jpg`", "21,348", "58 %")
	tab.add("a|b", "", "–")
	var b strings.Builder
	tab.write(&b)
	want := "| variant | bytes | origin / nginx |\n" +
		"|---|---:|---:|\n" +
		"| `/i/w_800,q_80,f_jpeg/local/large.jpg` | 21,348 | 58 % |\n" +
		"| a\\|b |  | – |\n"
	if b.String() != want {
		t.Errorf("table:\n%s\nwant:\n%s", b.String(), want)
	}
	defer func() {
		if recover() == nil {
			t.Error("a row with the wrong number of cells was accepted")
		}
	}()
	tab.add("one")
}

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{
		{[]float64{93}, 93},
		{[]float64{95, 88, 93}, 93},
		{[]float64{88, 93, 95, 103}, 94},
		{[]float64{92, 102, 95, 93, 103}, 95},
	} {
		in := append([]float64(nil), c.in...)
		if got := median(c.in); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Errorf("median reordered its input: %v", c.in)
			}
		}
	}
	if !math.IsNaN(median(nil)) {
		t.Error("median of nothing is not NaN")
	}
}

func TestFormats(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 21348: "21,348", 229217.4: "229,217", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := count(in); got != want {
			t.Errorf("count(%v) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[time.Duration]string{135220 * time.Microsecond: "135 ms", 8400 * time.Microsecond: "8.4 ms", 99960 * time.Microsecond: "100.0 ms", 0: "0.0 ms"} {
		if got := latency(in); got != want {
			t.Errorf("latency(%v) = %q, want %q", in, got, want)
		}
	}
	if got := percent(22.8, 25.8); got != "88 %" {
		t.Errorf("percent = %q", got)
	}
	if got := percent(1, 0); got != "–" {
		t.Errorf("percent over 0 = %q", got)
	}
}
