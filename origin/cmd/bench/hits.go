package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/wrk"
)

// hitTarget is one server the hit benchmarks load: its label in the table and the URL of each
// variant on it.
type hitTarget struct {
	label string
	urls  []string // one per variant
}

// hits runs wrk (2 threads, 32 connections, d) against each target in turn, for each variant,
// rounds times (the targets alternate: the machine drifts over minutes), writes the table and
// the median over the rounds of the first target's rate over the second's.
func hits(ctx context.Context, w io.Writer, vs []variant, targets []hitTarget, rounds int, d time.Duration) error {
	cols := []string{"variant", "bytes>", "round>"}
	for _, t := range targets {
		cols = append(cols, t.label+" req/s>", t.label+" p99>")
	}
	ratioName := targets[0].label + " / " + targets[1].label
	tab := newTable(append(cols, ratioName+">")...)
	ratios := make([][]float64, len(vs))
	for i, v := range vs {
		for round := 1; round <= rounds; round++ {
			row := []string{"", "", fmt.Sprint(round)}
			if round == 1 {
				row[0], row[1] = "`"+v.path+"`", count(float64(len(v.body)))
			}
			var rates []float64
			for _, t := range targets {
				res, out, err := wrk.Run(ctx, wrk.Options{URL: t.urls[i], Threads: 2, Connections: 32, Duration: d})
				if err != nil {
					return err
				}
				if res.Errors.Status > 0 {
					return fmt.Errorf("%s: %d answers outside 2xx/3xx from %s\n%s", t.label, res.Errors.Status, t.urls[i], out)
				}
				rates = append(rates, res.Rate())
				row = append(row, count(res.Rate()), latency(res.P99))
			}
			ratios[i] = append(ratios[i], 100*rates[0]/rates[1])
			tab.add(append(row, percent(rates[0], rates[1]))...)
		}
	}
	tab.write(w)
	var med []string
	for i, v := range vs {
		med = append(med, fmt.Sprintf("%s bytes **%.0f %%**", count(float64(len(v.body))), median(ratios[i])))
	}
	fmt.Fprintf(w, "\nMedian %s over %d rounds: %s.\n", ratioName, rounds, strings.Join(med, ", "))
	return nil
}
