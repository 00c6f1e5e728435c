package main

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"
)

// table is a Markdown table written once all its rows are in.
type table struct {
	header []string
	right  []bool // right-aligned (numbers)
	rows   [][]string
}

// newTable takes the column titles; a title ending in ">" is a right-aligned (numeric) column.
func newTable(titles ...string) *table {
	t := &table{}
	for _, c := range titles {
		r := strings.HasSuffix(c, ">")
		t.header = append(t.header, strings.TrimSuffix(c, ">"))
		t.right = append(t.right, r)
	}
	return t
}

// add appends a row; it must have one cell per column.
func (t *table) add(cells ...string) {
	if len(cells) != len(t.header) {
		panic(fmt.Sprintf("bench: a row of %d cells in a table of %d columns", len(cells), len(t.header)))
	}
	t.rows = append(t.rows, cells)
}

func (t *table) write(w io.Writer) {
	row := func(cells []string) {
		fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
	}
	row(t.header)
	sep := make([]string, len(t.header))
	for i, r := range t.right {
		sep[i] = "---"
		if r {
			sep[i] = "---:"
		}
	}
	fmt.Fprintf(w, "|%s|\n", strings.Join(sep, "|"))
	for _, r := range t.rows {
		for i, c := range r {
			r[i] = strings.ReplaceAll(c, "|", `\|`)
		}
		row(r)
	}
}

// median is the middle value (the mean of the two middle ones for an even count); NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// count writes a whole number with thousands separators: 21348 → "21,348".
func count(x float64) string {
	neg := x < 0
	s := strconv.FormatFloat(math.Abs(math.Round(x)), 'f', 0, 64)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// latency writes a duration as BENCHMARKS.md does: "135 ms" from 100 ms up, else "8.4 ms".
func latency(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	if ms >= 100 {
		return fmt.Sprintf("%.0f ms", ms)
	}
	return fmt.Sprintf("%.1f ms", ms)
}

// percent is 100·a/b rounded, "93 %"; "–" when b is not positive.
func percent(a, b float64) string {
	if b <= 0 {
		return "–"
	}
	return fmt.Sprintf("%.0f %%", 100*a/b)
}
