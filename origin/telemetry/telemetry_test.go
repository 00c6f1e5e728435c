package telemetry

import (
	"testing"
	"time"

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
