package cache

import (
	"github.com/golang/groupcache"
	"github.com/prometheus/client_golang/prometheus"
)

// collector exports groupcache's counters of both groups at scrape time.
type collector struct {
	c     *Cache
	descs map[string]*prometheus.Desc
}

var metricHelp = map[string]string{
	"gets_total":          "Cache lookups, including those from peers.",
	"local_hits_total":    "Lookups answered from this node's memory (main or hot cache).",
	"peer_hits_total":     "Values fetched from the owner node.",
	"peer_errors_total":   "Failed peer fetches (then loaded locally).",
	"peer_skips_total":    "Loads done locally without asking the owner: it failed at the transport level within cache.peer_backoff.",
	"loads_total":         "Successful loads on this node (store fetches for originals, resizes for variants; disk hits are not loads).",
	"load_errors_total":   "Failed loads on this node.",
	"negative_hits_total": "Lookups answered by the negative cache (a remembered permanent failure).",
	"peer_requests_total": "Lookups that came from peers over the network.",
	"peer_denied_total":   "Peer requests refused before any lookup: missing, stale or wrong X-Peer-Auth.",
	"evictions_total":     "Values evicted to stay within the memory budget.",
	"bytes":               "Bytes held (keys and values).",
	"items":               "Values held.",
	"negative_items":      "Entries in the negative cache.",
}

func newCollector(c *Cache) *collector {
	col := &collector{c: c, descs: map[string]*prometheus.Desc{}}
	for name, help := range metricHelp {
		labels := []string{"group"}
		if name == "evictions_total" || name == "bytes" || name == "items" {
			labels = append(labels, "cache")
		}
		col.descs[name] = prometheus.NewDesc("imgorigin_cache_"+name, help, labels, nil)
	}
	return col
}

// Collectors returns the Prometheus collectors of this cache.
func (c *Cache) Collectors() []prometheus.Collector {
	if c.disk != nil {
		return []prometheus.Collector{newCollector(c), newDiskCollector(c)}
	}
	return []prometheus.Collector{newCollector(c)}
}

func (col *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range col.descs {
		ch <- d
	}
}

func (col *collector) Collect(ch chan<- prometheus.Metric) {
	for name, g := range col.c.groups {
		s := &g.g.Stats
		counter := func(m string, v int64) {
			ch <- prometheus.MustNewConstMetric(col.descs[m], prometheus.CounterValue, float64(v), name)
		}
		counter("gets_total", s.Gets.Get())
		counter("local_hits_total", s.CacheHits.Get())
		counter("peer_hits_total", s.PeerLoads.Get())
		counter("peer_errors_total", s.PeerErrors.Get())
		counter("peer_skips_total", g.peerSkips.Load())
		counter("loads_total", g.loads.Load())
		counter("load_errors_total", s.LocalLoadErrs.Get())
		counter("negative_hits_total", g.negHits.Load())
		counter("peer_requests_total", s.ServerRequests.Get())
		counter("peer_denied_total", g.peerDenied.Load())
		ch <- prometheus.MustNewConstMetric(col.descs["negative_items"], prometheus.GaugeValue, float64(g.neg.len()), name)
		for cname, which := range map[string]groupcache.CacheType{"main": groupcache.MainCache, "hot": groupcache.HotCache} {
			cs := g.g.CacheStats(which)
			ch <- prometheus.MustNewConstMetric(col.descs["evictions_total"], prometheus.CounterValue, float64(cs.Evictions), name, cname)
			ch <- prometheus.MustNewConstMetric(col.descs["bytes"], prometheus.GaugeValue, float64(cs.Bytes), name, cname)
			ch <- prometheus.MustNewConstMetric(col.descs["items"], prometheus.GaugeValue, float64(cs.Items), name, cname)
		}
	}
}

var _ prometheus.Collector = (*collector)(nil)
