package cache_test

import (
	"context"
	"testing"

	"github.com/imgorigin/imgorigin/origin/cache"

	"github.com/prometheus/client_golang/prometheus"
)

func TestCollectors(t *testing.T) {
	cl := newCluster(t, 3, testConfig())
	k := variantKey(2, 5)
	owner := cl.byName(cl.nodes[0].cache.Owner(k))
	for i := 0; i < 3; i++ {
		if _, _, err := owner.cache.Variant(context.Background(), k); err != nil {
			t.Fatal(err)
		}
	}
	got := gather(t, owner.cache)
	want := map[string]float64{
		"imgorigin_cache_gets_total,group=variants":       3,
		"imgorigin_cache_local_hits_total,group=variants": 2,
		"imgorigin_cache_loads_total,group=variants":      1,
		"imgorigin_cache_loads_total,group=originals":     1,
		"imgorigin_cache_items,cache=main,group=variants": 1,
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
	}
	if got["imgorigin_cache_bytes,cache=main,group=variants"] <= 0 {
		t.Errorf("bytes not reported: %v", got)
	}
}

// gather scrapes every collector of c: series name + ",label=value…" → value.
func gather(t *testing.T, c *cache.Cache) map[string]float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	for _, col := range c.Collectors() {
		if err := reg.Register(col); err != nil {
			t.Fatal(err)
		}
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			labels := ""
			for _, l := range m.GetLabel() {
				labels += "," + l.GetName() + "=" + l.GetValue()
			}
			v := m.GetCounter().GetValue() + m.GetGauge().GetValue()
			got[mf.GetName()+labels] = v
		}
	}
	return got
}
