// The loaders: what the cache runs on a key's owner when it misses. loadVariant renders a
// variant from its original (through the originals cache); loadOriginal reads an original from
// its source.

package render

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// loadVariant is the variants cache's loader: it runs on the key's owner node.
func (r *Renderer) loadVariant(ctx context.Context, vkey string) ([]byte, error) {
	if strings.HasPrefix(vkey, imgurl.InfoPrefix) {
		return r.loadInfo(ctx, vkey)
	}
	k, p, opts, err := parseVariantKey(vkey, r.cfg.PipelineVersion, r.lim, r.Options)
	if err != nil {
		return nil, err
	}
	tm := timingsFrom(ctx)
	// The load is shared by every request waiting on this key (singleflight) and its result is
	// cached, so one client going away must not cancel it; the render timeout still bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
	defer cancel()
	okey := originalKeyOf(p, k.identity).String()
	t0 := time.Now()
	data, outcome, err := r.cache.Original(ctx, okey)
	tm.Fetch = time.Since(t0)
	tm.OriginalOutcome = outcome
	if err != nil {
		return nil, err
	}
	in, err := r.probe(okey, data)
	if err != nil {
		return nil, err
	}
	if in.Truncated {
		why := imgprobe.Truncation(in.Format)
		return nil, failure.New(failure.KindUnprocessable, "the original is truncated: it "+why, fmt.Errorf("render: %s original %s %s", in.Format, okey, why))
	}
	if opts.Format == imgurl.Auto {
		opts.Format = autoFormat(k.bucket, in)
	}
	marks, err := r.loadMarks(ctx, opts, k.marks)
	if err != nil {
		return nil, err
	}
	cost, err := r.proc.Admit(in, opts)
	if err != nil {
		return nil, err
	}
	t1 := time.Now()
	release, err := r.adm.Acquire(ctx, cost)
	tm.Queue = time.Since(t1)
	if err != nil {
		// Shed, or still queued at the render deadline: either way no work was done here, so
		// the answer is 503 (+ Retry-After), which the front retries on the next node, not a
		// 504 that says the work itself took too long.
		return nil, failure.New(failure.KindOverloaded, "the origin is busy, retry shortly", fmt.Errorf("render: admission after %s: %w", tm.Queue.Round(time.Millisecond), err))
	}
	// The render runs on its own goroutine and the request stops waiting at the deadline: the
	// client gets its 504 within render.timeout. The render sees the same deadline: the
	// Processor stops its work there (imaging kills libvips' evaluation) and returns within
	// a bounded time, stated in RELIABILITY.md, and only then gives back its admission cost.
	type processed struct {
		out Output
		err error
	}
	done := make(chan processed, 1)
	t2 := time.Now()
	go func() {
		defer release()
		out, err := r.proc.Process(ctx, data, in, opts, marks)
		r.obs.Rendered(opts.Format, time.Since(t2), err)
		done <- processed{out, err}
	}()
	select {
	case p := <-done:
		if p.err != nil {
			return nil, p.err
		}
		tm.Decode, tm.Encode = p.out.Decode, p.out.Encode
		return p.out.Data, nil
	case <-ctx.Done():
		return nil, fmt.Errorf("render: %s abandoned after %s: %w", okey, time.Since(t2).Round(time.Millisecond), ctx.Err())
	}
}

// probeMemo is how many probed headers the renderer remembers.
const probeMemo = 4096

// probe returns the header of the original stored under okey. An original key carries the
// source identity, so its bytes never change and the probe (which walks every JPEG marker up
// to EOI: ~0.5 ms for a 2.5 MB photo) runs once per original, not once per variant. Failures
// are not remembered: the original's negative entry in the cache does that.
func (r *Renderer) probe(okey string, data []byte) (imgprobe.Info, error) {
	if in, ok := r.probes.Get(okey); ok {
		return in, nil
	}
	in, err := imgprobe.Probe(data)
	if err != nil {
		return imgprobe.Info{}, probeFailure(err)
	}
	r.probes.Put(okey, in)
	return in, nil
}

// loadOriginal is the originals cache's loader.
func (r *Renderer) loadOriginal(ctx context.Context, okey string) ([]byte, error) {
	k, err := parseOriginalKey(okey, r.lim)
	if err != nil {
		return nil, err
	}
	src, err := r.sources.Get(k.source)
	if err != nil {
		return nil, failure.New(failure.KindUnknownName, fmt.Sprintf("unknown source %q", k.source), err)
	}
	// The key's identity is checked against a Stat before the object is read, so a forged or
	// outdated identity (an original key is computable from public data) costs one Stat, not a
	// whole read. This node's Stat answer may be older than the asker's: on a mismatch the
	// store is asked once more.
	st, err := r.stat(ctx, k.source, src, k.key)
	if err == nil && st.info.Identity != k.identity {
		r.stats.drop(k.source + "/" + k.key)
		st, err = r.stat(ctx, k.source, src, k.key)
	}
	if err != nil {
		return nil, sourceFailure(err)
	}
	if st.info.Identity != k.identity {
		return nil, failure.New(failure.KindUnavailable, "the original changed, retry", fmt.Errorf("render: original key identity %q, the store has %q", k.identity, st.info.Identity))
	}
	t0 := time.Now()
	data, info, err := source.ReadAll(ctx, src, k.key, r.cfg.MaxSourceBytes)
	r.obs.Fetched(k.source, len(data), time.Since(t0), err)
	if err != nil {
		return nil, sourceFailure(err)
	}
	if info.Identity != k.identity {
		// The object changed between Stat and Open: serve nothing under the old identity.
		r.stats.drop(k.source + "/" + k.key)
		return nil, failure.New(failure.KindUnavailable, "the original changed while it was read, retry", fmt.Errorf("render: identity %q became %q", k.identity, info.Identity))
	}
	return data, nil
}
