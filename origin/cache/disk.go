package cache

import (
	"log/slog"
	"os"

	"github.com/prometheus/client_golang/prometheus"
)

// The disk tier (cluster.cache.disk, package diskcache): under both groups' memory, on each
// node. The getter, which runs on a key's owner after a memory miss, asks the disk before it
// loads; what it loads is written behind. A disk hit is outcome "disk". The tier's trouble
// never fails a Get: a disk that cannot be read is a miss, one that cannot be written drops
// the write (diskcache logs it once and metrics show imgorigin_cache_disk_degraded 1).

// Option configures New.
type Option func(*options)

type options struct {
	log *slog.Logger
}

// WithLogger gives the cache a logger (the disk tier logs its trouble and its rebuild).
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.log = l } }

// diskKey is a group's key on the node's one disk tier: the groups share its byte budget and
// its eviction order.
func (g *group) diskKey(key string) string { return g.name + "/" + key }

// fromDisk returns key's value from the disk tier, if there is one and it has the key.
func (g *group) fromDisk(key string) ([]byte, bool) {
	if g.c.disk == nil {
		return nil, false
	}
	v, ok := g.c.disk.Get(g.diskKey(key))
	if ok {
		g.diskHits.Add(1)
	}
	return v, ok
}

// toDisk writes a loaded value behind (never on the request's path). v is the loader's slice,
// which nothing modifies after the load (groupcache keeps a copy of its own).
func (g *group) toDisk(key string, v []byte) {
	if g.c.disk != nil {
		g.c.disk.Put(g.diskKey(key), v)
	}
}

// Close writes what the disk tier has queued and seals its segment (a fast restart). The
// cache must not be used afterwards.
func (c *Cache) Close() error {
	if c.disk != nil {
		return c.disk.Close()
	}
	return nil
}

// DiskReady is closed when the disk tier's index is rebuilt (at once without a tier). The node
// serves meanwhile: lookups see the segments loaded so far.
func (c *Cache) DiskReady() <-chan struct{} {
	if c.disk == nil {
		done := make(chan struct{})
		close(done)
		return done
	}
	return c.disk.Ready()
}

// diskCollector exports the disk tier's gauges and counters at scrape time.
type diskCollector struct {
	c     *Cache
	descs map[string]*prometheus.Desc
}

var diskHelp = map[string]string{
	"hits_total":          "Lookups answered from this node's disk tier after a memory miss, by group.",
	"bytes":               "Bytes of the disk tier's segment files.",
	"items":               "Records in the disk tier's index.",
	"segments":            "Segment files of the disk tier.",
	"writes_total":        "Values written behind to the disk tier.",
	"write_bytes_total":   "Bytes appended to the disk tier (writes and CLOCK re-appends).",
	"dropped_total":       "Values not written: write queue full, or writes off after a disk error.",
	"evictions_total":     "Segments evicted to stay within cluster.cache.disk.bytes.",
	"evicted_items_total": "Records dropped with evicted segments.",
	"corrupt_total":       "Records or index files that failed their checks (never served).",
	"errors_total":        "Disk errors (open, read, write, sync).",
	"degraded":            "1 while the disk tier's writes are off after a disk error.",
	"ready":               "1 once the disk tier's index is rebuilt after start.",
	"rebuild_seconds":     "Time the disk tier took to rebuild its index at start.",
}

func (col *diskCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range col.descs {
		ch <- d
	}
}

func (col *diskCollector) Collect(ch chan<- prometheus.Metric) {
	for name, g := range col.c.groups {
		ch <- prometheus.MustNewConstMetric(col.descs["hits_total"], prometheus.CounterValue, float64(g.diskHits.Load()), name)
	}
	st := col.c.disk.Stats()
	b2f := func(b bool) float64 {
		if b {
			return 1
		}
		return 0
	}
	for name, v := range map[string]float64{
		"bytes": float64(st.Bytes), "items": float64(st.Items), "segments": float64(st.Segments),
		"degraded": b2f(st.Degraded), "ready": b2f(st.Ready), "rebuild_seconds": st.Rebuild.Seconds(),
	} {
		ch <- prometheus.MustNewConstMetric(col.descs[name], prometheus.GaugeValue, v)
	}
	for name, v := range map[string]int64{
		"writes_total": st.Writes, "write_bytes_total": st.WriteBytes, "dropped_total": st.Dropped + st.TooLarge,
		"evictions_total": st.Evictions, "evicted_items_total": st.EvictedItems, "corrupt_total": st.Corrupt,
		"errors_total": st.Errors,
	} {
		ch <- prometheus.MustNewConstMetric(col.descs[name], prometheus.CounterValue, float64(v))
	}
}

func newDiskCollector(c *Cache) *diskCollector {
	col := &diskCollector{c: c, descs: map[string]*prometheus.Desc{}}
	for name, help := range diskHelp {
		var labels []string
		if name == "hits_total" {
			labels = []string{"group"}
		}
		col.descs[name] = prometheus.NewDesc("imgorigin_cache_disk_"+name, help, labels, nil)
	}
	return col
}

var _ prometheus.Collector = (*diskCollector)(nil)

// VariantFile returns the variant stored under key from this node's disk tier as a file
// positioned at its first byte, and its length, when the tier has it and it is at least
// disk.sendfile_min_bytes long: a large disk hit is sent with sendfile, neither copied through
// the Go heap nor kept in memory (the kernel's page cache holds it). Memory is not asked; ok
// false means: use Variant. The caller closes f. Any copy of a key is good (values of a key never
// change), so a non-owner's disk answers too.
func (c *Cache) VariantFile(key string) (f *os.File, n int64, ok bool) {
	if c.disk == nil {
		return nil, 0, false
	}
	g := c.groups[groupVariants]
	f, n, ok = c.disk.File(g.diskKey(key), c.cfg.Disk.SendfileMinBytes)
	if ok {
		g.diskHits.Add(1)
	}
	return f, n, ok
}
