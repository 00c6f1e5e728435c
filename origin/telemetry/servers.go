package telemetry

import "github.com/prometheus/client_golang/prometheus"

// ServerState is one server behind a source (a FastDFS tracker or storage) as the source's
// client sees it.
type ServerState struct {
	Role      string // "tracker", "storage"
	Addr      string // host:port
	Up        bool
	Failovers uint64 // requests that moved on from this server to another, since the start
}

// Servers exports, for the source named name, each server's state as
// imgorigin_source_server_up{source,role,addr} (1 up, 0 down) and
// imgorigin_source_failovers_total{source,role,addr}, read from states at scrape time.
func (m *Metrics) Servers(name string, states func() []ServerState) error {
	return m.Registry.Register(&serverCollector{name: name, states: states})
}

var (
	serverUpDesc = prometheus.NewDesc("imgorigin_source_server_up",
		"Whether a server behind a source answers (1) or is marked down (0) by the source's client; a down server is skipped until a health probe sees it answer.",
		[]string{"source", "role", "addr"}, nil)
	failoversDesc = prometheus.NewDesc("imgorigin_source_failovers_total",
		"Requests that moved on from this server to another of the source (the server failed or hung).",
		[]string{"source", "role", "addr"}, nil)
)

type serverCollector struct {
	name   string
	states func() []ServerState
}

func (c *serverCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- serverUpDesc
	ch <- failoversDesc
}

func (c *serverCollector) Collect(ch chan<- prometheus.Metric) {
	for _, s := range c.states() {
		up := 0.0
		if s.Up {
			up = 1
		}
		ch <- prometheus.MustNewConstMetric(serverUpDesc, prometheus.GaugeValue, up, c.name, s.Role, s.Addr)
		ch <- prometheus.MustNewConstMetric(failoversDesc, prometheus.CounterValue, float64(s.Failovers), c.name, s.Role, s.Addr)
	}
}
