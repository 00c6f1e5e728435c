package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/config"
	"github.com/imgorigin/imgorigin/origin/stack"
)

// diskBench is `bench disk`: disk-tier hits against nginx static and memory hits.
type diskBench struct {
	rounds   int
	duration time.Duration
}

func (b diskBench) run(ctx context.Context, e *env, w io.Writer) error {
	out, err := execOut(ctx, filepath.Join(e.bin, "mksamples"), "-out", e.images)
	if err != nil {
		return fmt.Errorf("mksamples: %w\n%s", err, out)
	}
	tier := func(variants int64) func(*config.Config) {
		return func(c *config.Config) {
			c.Cluster.Cache.VariantsBytes = variants
			c.Cluster.Cache.Disk.Bytes, c.Cluster.Cache.Disk.SegmentBytes = 1<<30, 64<<20
		}
	}
	e.logf("bench: starting the disk node and the memory node")
	disk, err := e.startOrigin(ctx, true, tier(0))
	if err != nil {
		return err
	}
	defer disk.Close()
	mem, err := e.startOrigin(ctx, true, tier(256<<20))
	if err != nil {
		return err
	}
	defer mem.Close()
	dn, mn := disk.Node(0), mem.Node(0)

	vs, err := e.hitVariants(ctx, dn.URL)
	if err != nil {
		return err
	}
	static := filepath.Join(e.work, "static")
	nginxURL, err := startStatic(disk, static)
	if err != nil {
		return err
	}
	d, ngx, m := hitTarget{label: "disk hit"}, hitTarget{label: "nginx static"}, hitTarget{label: "memory hit"}
	for _, v := range vs {
		u, err := e.staticCopy(ctx, static, nginxURL, v)
		if err != nil {
			return err
		}
		if _, _, err := e.get(ctx, mn.URL+v.path); err != nil {
			return err
		}
		if err := e.waitDiskHit(ctx, dn, v); err != nil {
			return err
		}
		d.urls, ngx.urls, m.urls = append(d.urls, dn.URL+v.path), append(ngx.urls, u), append(m.urls, mn.URL+v.path)
	}

	fmt.Fprintf(w, `One origin with no variants in memory (`+"`cluster.cache.variants_bytes: 0`"+`) and a disk tier
(1 GiB in 64 MiB segments), so each request for a rendered variant is a disk hit: the ~20 KB
variant is read through memory, the ~200 KB one leaves the segment file by sendfile
(`+"`disk.sendfile_min_bytes`"+` 64 KiB). Each round runs wrk (2 threads, 32 connections, %v) against
it, then nginx serving the same bytes as a static file (`+"`sendfile on`, `tcp_nopush on`"+`), then a
second origin answering them from memory; %d rounds.

`, b.duration, b.rounds)
	if err := hits(ctx, w, vs, []hitTarget{d, ngx, m}, b.rounds, b.duration); err != nil {
		return err
	}
	met, err := dn.Metrics()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "\nDisk tier of the disk node after the run: %s disk hits of variants, %s items in the tier, %s corrupt records.\n",
		count(met.Sum("imgorigin_cache_disk_hits_total", map[string]string{"group": "variants"})),
		count(met.Sum("imgorigin_cache_disk_items", nil)),
		count(met.Sum("imgorigin_cache_disk_corrupt_total", nil)))
	return nil
}

// waitDiskHit waits until the disk node answers v from its disk tier (the render is written
// behind), with the render's bytes.
func (e *env) waitDiskHit(ctx context.Context, n *stack.Node, v variant) error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		body, hdr, err := e.get(ctx, n.URL+v.path)
		if err != nil {
			return err
		}
		if strings.Contains(hdr.Get("Server-Timing"), `cache;desc="disk"`) {
			if string(body) != string(v.body) {
				return fmt.Errorf("the disk hit of %s differs from the render", v.path)
			}
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s is not a disk hit after 5 s (Server-Timing: %s)", v.path, hdr.Get("Server-Timing"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}
