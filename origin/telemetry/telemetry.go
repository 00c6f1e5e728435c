// Package telemetry holds the origin's Prometheus metrics: one Metrics value per process, built
// on a registry the composition root owns and served on the internal listener only.
package telemetry

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Metrics are the origin's request and processing metrics.
type Metrics struct {
	Registry *prometheus.Registry

	requests   *prometheus.CounterVec
	latency    *prometheus.HistogramVec
	bytes      *prometheus.CounterVec
	stage      *prometheus.HistogramVec
	rejections *prometheus.CounterVec
	fetches    *prometheus.CounterVec
	fetchBytes *prometheus.CounterVec
	renders    *prometheus.CounterVec
	uploads    *prometheus.CounterVec
	upBytes    *prometheus.CounterVec
	upLatency  prometheus.Histogram
	deletes    *prometheus.CounterVec

	// Resolved series of the per-request metrics, so a request costs atomic adds, not label
	// hashing and map lookups (a cache hit is ~50 µs of CPU: the lookups were ~1 % of it).
	series sync.Map                       // seriesKey → *requestSeries
	stages map[string]prometheus.Observer // read-only after New
}

type seriesKey struct {
	code    int
	outcome string
}

type requestSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
	bytes    prometheus.Counter
}

// New registers the metrics (and the Go and process collectors) on a new registry.
func New() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "requests_total",
			Help: "Image requests by HTTP status code and cache outcome (hit, peer, miss, none).",
		}, []string{"code", "outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "imgorigin", Name: "request_duration_seconds",
			Help:    "Image request latency by cache outcome.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"outcome"}),
		bytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "response_bytes_total",
			Help: "Body bytes sent, by cache outcome.",
		}, []string{"outcome"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Namespace: "imgorigin", Name: "stage_duration_seconds",
			Help:    "Time spent in each pipeline stage on this node: stat, fetch, queue, decode, encode.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"stage"}),
		rejections: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "rejections_total",
			Help: "Requests refused, by failure kind (bad_request, forbidden, overloaded, unprocessable, …).",
		}, []string{"kind"}),
		fetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "source_fetches_total",
			Help: "Originals read from a store by this node, by source and result (ok, not_found, invalid, too_large, timeout, canceled, unavailable).",
		}, []string{"source", "result"}),
		fetchBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "source_fetch_bytes_total",
			Help: "Bytes of originals read from a store by this node.",
		}, []string{"source"}),
		renders: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "renders_total",
			Help: "Variants rendered (decode, transform, encode) by this node, by output format and result.",
		}, []string{"format", "result"}),
		uploads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "uploads_total",
			Help: "Uploads by source and result: created, replayed (an idempotent retry), or the failure kind.",
		}, []string{"source", "result"}),
		upBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "upload_bytes_total",
			Help: "Bytes of originals stored by uploads, by source.",
		}, []string{"source"}),
		upLatency: prometheus.NewHistogram(prometheus.HistogramOpts{
			Namespace: "imgorigin", Name: "upload_duration_seconds",
			Help:    "Time from a received upload body to the stored, verified object (validation and store included).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
		}),
		deletes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Namespace: "imgorigin", Name: "deletes_total",
			Help: "Signed deletes by source and result: deleted, gone (already deleted), or the failure kind.",
		}, []string{"source", "result"}),
	}
	reg.MustRegister(m.uploads, m.upBytes, m.upLatency, m.deletes)
	reg.MustRegister(m.requests, m.latency, m.bytes, m.stage, m.rejections, m.fetches, m.fetchBytes, m.renders,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The series every dashboard and alert reads exist from the start at zero, so a node that
	// has served nothing yet shows 0 rather than no series (rate() and absent() then behave).
	for _, o := range []string{"hit", "peer", "miss"} {
		m.requests.WithLabelValues("200", o)
		m.latency.WithLabelValues(o)
		m.bytes.WithLabelValues(o)
	}
	m.stages = map[string]prometheus.Observer{}
	for _, st := range []string{"stat", "fetch", "queue", "decode", "encode"} {
		m.stages[st] = m.stage.WithLabelValues(st)
	}
	m.rejections.WithLabelValues("overloaded")
	return m
}

// Request records one finished image request.
func (m *Metrics) Request(code int, outcome string, d time.Duration, bytes int64) {
	if outcome == "" {
		outcome = "none"
	}
	k := seriesKey{code, outcome}
	v, ok := m.series.Load(k)
	if !ok {
		// Codes and outcomes are few (the status codes the server writes × four outcomes).
		v, _ = m.series.LoadOrStore(k, &requestSeries{
			requests: m.requests.WithLabelValues(strconv.Itoa(code), outcome),
			latency:  m.latency.WithLabelValues(outcome),
			bytes:    m.bytes.WithLabelValues(outcome),
		})
	}
	rs := v.(*requestSeries)
	rs.requests.Inc()
	rs.latency.Observe(d.Seconds())
	rs.bytes.Add(float64(bytes))
}

// Stage records the duration of a pipeline stage that ran on this node.
func (m *Metrics) Stage(stage string, d time.Duration) {
	o, ok := m.stages[stage]
	if !ok {
		o = m.stage.WithLabelValues(stage)
	}
	o.Observe(d.Seconds())
}

// Rejection counts a refused request by failure kind.
func (m *Metrics) Rejection(kind string) { m.rejections.WithLabelValues(kind).Inc() }

// Gauge registers a gauge read at scrape time (queue depth, in-flight cost, cache bytes).
func (m *Metrics) Gauge(name, help string, f func() float64) {
	m.Registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "imgorigin", Name: name, Help: help}, f))
}

// Register adds collectors owned by other packages (the cluster cache's).
func (m *Metrics) Register(cs ...prometheus.Collector) error {
	for _, c := range cs {
		if err := m.Registry.Register(c); err != nil {
			return err
		}
	}
	return nil
}

func result(err error) string {
	if err != nil {
		return "error"
	}
	return "ok"
}

// Fetched counts a read of an original from a store (render.Observer), by the kind of its
// result (source.Result): an outage ("unavailable", "timeout") is told from missing files and
// bad keys ("not_found", "invalid").
func (m *Metrics) Fetched(src string, bytes int, _ time.Duration, err error) {
	m.fetches.WithLabelValues(src, source.Result(err)).Inc()
	m.fetchBytes.WithLabelValues(src).Add(float64(bytes))
}

// Source makes a configured source's fetch series exist at zero for every result, so alerts
// on a rate of "unavailable" see 0 rather than no series before the first failure.
func (m *Metrics) Source(name string) {
	for _, r := range source.Results {
		m.fetches.WithLabelValues(name, r)
	}
	m.fetchBytes.WithLabelValues(name)
}

// Rendered counts a render (render.Observer).
func (m *Metrics) Rendered(format imgurl.Format, _ time.Duration, err error) {
	m.renders.WithLabelValues(string(format), result(err)).Inc()
}

// Uploaded counts an upload (upload.Observer).
func (m *Metrics) Uploaded(src, result string, bytes int, d time.Duration) {
	m.uploads.WithLabelValues(src, result).Inc()
	if bytes > 0 {
		m.upBytes.WithLabelValues(src).Add(float64(bytes))
	}
	m.upLatency.Observe(d.Seconds())
}

// Deleted counts a signed delete (upload.Observer).
func (m *Metrics) Deleted(src, result string) { m.deletes.WithLabelValues(src, result).Inc() }
