package telemetry

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"

	dto "github.com/prometheus/client_model/go"
)

func family(t *testing.T, m *Metrics, name string) *dto.MetricFamily {
	t.Helper()
	fams, err := m.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() == name {
			return f
		}
	}
	return nil
}

func counter(f *dto.MetricFamily, labels map[string]string) (float64, bool) {
	for _, m := range f.GetMetric() {
		match := 0
		for _, l := range m.GetLabel() {
			if v, ok := labels[l.GetName()]; ok && v == l.GetValue() {
				match++
			}
		}
		if match == len(labels) {
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// TestSeriesExistBeforeTraffic: a node that has served nothing exposes the request and
// rejection series at zero, and a request then counts under its labels.
func TestSeriesExistBeforeTraffic(t *testing.T) {
	m := New()
	for _, tc := range []struct {
		name   string
		labels map[string]string
	}{
		{"imgorigin_requests_total", map[string]string{"code": "200", "outcome": "hit"}},
		{"imgorigin_requests_total", map[string]string{"code": "200", "outcome": "miss"}},
		{"imgorigin_rejections_total", map[string]string{"kind": "overloaded"}},
	} {
		f := family(t, m, tc.name)
		if f == nil {
			t.Fatalf("%s missing before any request", tc.name)
		}
		if v, ok := counter(f, tc.labels); !ok || v != 0 {
			t.Fatalf("%s%v = %v (present %v), want 0", tc.name, tc.labels, v, ok)
		}
	}
	m.Request(200, "miss", 30*time.Millisecond, 1234)
	m.Request(404, "", time.Millisecond, 10)
	f := family(t, m, "imgorigin_requests_total")
	if v, _ := counter(f, map[string]string{"code": "200", "outcome": "miss"}); v != 1 {
		t.Errorf("200 miss = %v, want 1", v)
	}
	if v, _ := counter(f, map[string]string{"code": "404", "outcome": "none"}); v != 1 {
		t.Errorf("404 none = %v, want 1", v)
	}
	if v, _ := counter(family(t, m, "imgorigin_response_bytes_total"), map[string]string{"outcome": "miss"}); v != 1234 {
		t.Errorf("bytes miss = %v, want 1234", v)
	}
}

// TestRequestSeriesAccumulate: the resolved series a request reuses count every request under
// its own labels, from many goroutines at once.
func TestRequestSeriesAccumulate(t *testing.T) {
	m := New()
	done := make(chan struct{})
	for g := 0; g < 8; g++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := 0; i < 500; i++ {
				m.Request(200, "hit", time.Millisecond, 10)
				m.Request(304, "hit", time.Millisecond, 0)
			}
		}()
	}
	for g := 0; g < 8; g++ {
		<-done
	}
	f := family(t, m, "imgorigin_requests_total")
	if v, _ := counter(f, map[string]string{"code": "200", "outcome": "hit"}); v != 4000 {
		t.Errorf("200 hit = %v, want 4000", v)
	}
	if v, _ := counter(f, map[string]string{"code": "304", "outcome": "hit"}); v != 4000 {
		t.Errorf("304 hit = %v, want 4000", v)
	}
	if v, _ := counter(family(t, m, "imgorigin_response_bytes_total"), map[string]string{"outcome": "hit"}); v != 40000 {
		t.Errorf("bytes hit = %v, want 40000", v)
	}
	for _, h := range family(t, m, "imgorigin_request_duration_seconds").GetMetric() {
		for _, l := range h.GetLabel() {
			if l.GetValue() == "hit" && h.GetHistogram().GetSampleCount() != 8000 {
				t.Errorf("latency hit count = %d, want 8000", h.GetHistogram().GetSampleCount())
			}
		}
	}
}

// TestFetchResults: fetches are counted by the kind of their result, so an outage is told
// from missing files, and every result exists at zero for a configured source.
func TestFetchResults(t *testing.T) {
	m := New()
	m.Source("fdfs")
	f := family(t, m, "imgorigin_source_fetches_total")
	for _, r := range []string{"ok", "not_found", "invalid", "unavailable", "timeout"} {
		if v, ok := counter(f, map[string]string{"source": "fdfs", "result": r}); !ok || v != 0 {
			t.Fatalf("result %s = %v (present %v) before any fetch", r, v, ok)
		}
	}
	m.Fetched("fdfs", 0, time.Millisecond, fmt.Errorf("x: %w", source.ErrNotFound))
	m.Fetched("fdfs", 0, time.Millisecond, fmt.Errorf("x: %w", source.ErrUnavailable))
	m.Fetched("fdfs", 0, time.Millisecond, fmt.Errorf("%w: %w", source.ErrUnavailable, context.DeadlineExceeded))
	m.Fetched("fdfs", 10, time.Millisecond, nil)
	f = family(t, m, "imgorigin_source_fetches_total")
	for r, want := range map[string]float64{"ok": 1, "not_found": 1, "unavailable": 1, "timeout": 1, "invalid": 0} {
		if v, _ := counter(f, map[string]string{"source": "fdfs", "result": r}); v != want {
			t.Errorf("result %s = %v, want %v", r, v, want)
		}
	}
}

func TestServers(t *testing.T) {
	m := New()
	states := []ServerState{{Role: "tracker", Addr: "10.0.0.1:22122", Up: false, Failovers: 3}, {Role: "storage", Addr: "10.0.0.2:23000", Up: true}}
	if err := m.Servers("fdfs", func() []ServerState { return states }); err != nil {
		t.Fatal(err)
	}
	up := family(t, m, "imgorigin_source_server_up")
	fo := family(t, m, "imgorigin_source_failovers_total")
	if up == nil || fo == nil {
		t.Fatal("server families missing")
	}
	for _, mt := range up.GetMetric() {
		want := 1.0
		for _, l := range mt.GetLabel() {
			if l.GetName() == "role" && l.GetValue() == "tracker" {
				want = 0
			}
		}
		if mt.GetGauge().GetValue() != want {
			t.Errorf("%v = %v, want %v", mt.GetLabel(), mt.GetGauge().GetValue(), want)
		}
	}
	if v, ok := counter(fo, map[string]string{"source": "fdfs", "role": "tracker", "addr": "10.0.0.1:22122"}); !ok || v != 3 {
		t.Errorf("failovers = %v (%v), want 3", v, ok)
	}
}
