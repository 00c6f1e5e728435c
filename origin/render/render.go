package render

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Output is what a Processor produces.
type Output struct {
	Data          []byte
	Format        imgurl.Format
	Width, Height int
	Decode        time.Duration
	Encode        time.Duration
}

// Processor turns an original into a variant. Implementations map their errors to failure kinds.
type Processor interface {
	// Admit checks the probed original against the processing limits, without decoding it,
	// and returns the cost of processing it (for admission control).
	Admit(in imgprobe.Info, opts imgurl.Options) (cost int64, err error)
	// Process decodes, transforms and encodes.
	Process(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options) (Output, error)
}

// Admitter bounds concurrent processing cost; Acquire fails fast when overloaded.
type Admitter interface {
	Acquire(ctx context.Context, cost int64) (release func(), err error)
}

// Outcome says where a cached value came from: "hit" (this node's memory), "peer" (another
// node's memory or load) or "miss" (loaded here).
type Outcome string

// The outcomes.
const (
	OutcomeHit  Outcome = "hit"
	OutcomePeer Outcome = "peer"
	OutcomeMiss Outcome = "miss"
)

// Loader computes the value of a cache key.
type Loader func(ctx context.Context, key string) ([]byte, error)

// Cache holds originals and variants; on a miss it calls the Loader it was built with.
type Cache interface {
	Original(ctx context.Context, key string) ([]byte, Outcome, error)
	Variant(ctx context.Context, key string) ([]byte, Outcome, error)
}

// Observer is told of the expensive work this node does: reads of originals from a store and
// renders. Metrics implement it; every method must be cheap and safe for concurrent use.
type Observer interface {
	Fetched(source string, bytes int, d time.Duration, err error)
	Rendered(format imgurl.Format, d time.Duration, err error)
}

type nopObserver struct{}

func (nopObserver) Fetched(string, int, time.Duration, error)    {}
func (nopObserver) Rendered(imgurl.Format, time.Duration, error) {}

// CacheFactory builds the cache around the renderer's loaders.
type CacheFactory func(loadOriginal, loadVariant Loader) (Cache, error)

// Rendition is a rendered variant with what the HTTP layer needs to answer.
type Rendition struct {
	Data             []byte
	ContentType      string
	ETag             string // strong, quoted
	LastModified     time.Time
	LastModifiedHTTP string // LastModified as an HTTP date ("" when unknown)
	Immutable        bool
	SurrogateKey     string // the source object, for purge by tag
	Outcome          Outcome
	Timings          Timings
	Width, Height    int // zero when served from cache
}

// Timings of the steps that ran on this node for this request. Decode is loading the header
// and building the libvips pipeline; Encode is the pixel work (decode, resize, encode), which
// libvips runs as the encoder pulls (see imaging.Result).
type Timings struct {
	Stat, Fetch, Queue, Decode, Encode time.Duration
	OriginalOutcome                    Outcome
}

// Renderer is the render use case.
type Renderer struct {
	cfg     Config
	lim     imgurl.Limits
	presets map[string]imgurl.Options
	sources *source.Registry
	proc    Processor
	adm     Admitter
	cache   Cache
	stats   *statCache
	probes  *lru[imgprobe.Info] // probed headers by original key (source, key, identity)
	obs     Observer
	now     func() time.Time
}

// New builds a Renderer. newCache receives the renderer's loaders; pass Direct for no cache.
func New(cfg Config, sources *source.Registry, proc Processor, adm Admitter, newCache CacheFactory) (*Renderer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Renderer{cfg: cfg, lim: cfg.Limits.Grammar(), sources: sources, proc: proc, adm: adm, now: time.Now, obs: nopObserver{},
		presets: make(map[string]imgurl.Options, len(cfg.Presets))}
	for name, spec := range cfg.Presets {
		o, err := parsePreset(spec, r.lim)
		if err != nil {
			return nil, fmt.Errorf("render.presets.%s: %w", name, err)
		}
		r.presets[name] = o
	}
	r.stats = newStatCache(cfg.StatTTL, 10000)
	r.probes = newLRU[imgprobe.Info](probeMemo)
	c, err := newCache(r.loadOriginal, r.loadVariant)
	if err != nil {
		return nil, fmt.Errorf("render: cache: %w", err)
	}
	r.cache = c
	return r, nil
}

// Observe sets the observer of fetches and renders (before serving starts).
func (r *Renderer) Observe(o Observer) { r.obs = o }

// Limits returns the URL limits in force.
func (r *Renderer) Limits() imgurl.Limits { return r.lim }

// Parse parses an escaped request path with the configured limits, as a failure.KindBadRequest
// error whose public message names the canonical spelling when there is one.
func (r *Renderer) Parse(escapedPath string) (imgurl.Path, error) {
	p, err := imgurl.Parse(escapedPath, r.lim)
	if err != nil {
		return imgurl.Path{}, failure.New(failure.KindBadRequest, err.Error(), err)
	}
	return p, nil
}

// Options resolves a variant to explicit options (presets from config).
func (r *Renderer) Options(v imgurl.Variant) (imgurl.Options, error) {
	if v.Preset == "" {
		if r.cfg.PresetsOnly {
			return imgurl.Options{}, failure.New(failure.KindBadRequest, "only presets are served here: "+strings.Join(r.PresetNames(), ", "), nil)
		}
		return v.Options, nil
	}
	o, ok := r.presets[v.Preset]
	if !ok {
		return imgurl.Options{}, failure.New(failure.KindUnknownName, fmt.Sprintf("unknown preset %q", v.Preset), nil)
	}
	return o, nil
}

// PresetNames lists the configured presets.
func (r *Renderer) PresetNames() []string {
	out := make([]string, 0, len(r.presets))
	for k := range r.presets {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// IsAuto reports whether v's options are f_auto (false for an unknown preset), so that the
// caller negotiates a bucket for Render.
func (r *Renderer) IsAuto(v imgurl.Variant) bool {
	if v.Preset == "" {
		return v.Options.Format == imgurl.Auto
	}
	return r.presets[v.Preset].Format == imgurl.Auto
}

// Render produces the variant named by p. For an f_auto variant, bucket (negotiated by the
// caller from the request, see package autoformat) picks the format; it enters the variant key
// and so the ETag, and the answer's Content-Type is the format rendered. Explicit formats
// ignore bucket.
//
// A cache hit does no I/O and arms no timer: the stat of a source (on a stat-cache miss), a peer
// fetch and a load each carry their own bound (render.timeout, cluster.cache.peer_timeout).
func (r *Renderer) Render(ctx context.Context, p imgurl.Path, bucket autoformat.Bucket) (*Rendition, error) {
	opts, err := r.Options(p.Variant)
	if err != nil {
		return nil, err
	}
	if opts.Format != imgurl.Auto {
		bucket = ""
	} else if bucket == "" {
		bucket = autoformat.Fallback
	}
	src, err := r.sources.Get(p.Source)
	if err != nil {
		return nil, failure.New(failure.KindUnknownName, fmt.Sprintf("unknown source %q", p.Source), err)
	}
	tm := &Timings{}
	ctx = withTimings(ctx, tm)
	t0 := time.Now()
	st, err := r.stat(ctx, p.Source, src, p.Key)
	tm.Stat = time.Since(t0)
	if err != nil {
		return nil, sourceFailure(err)
	}
	info := st.info
	canonical := p.String()
	vkey := variantKey{path: canonical, version: r.cfg.PipelineVersion, bucket: bucket, identity: info.Identity}.String()
	data, outcome, err := r.cache.Variant(ctx, vkey)
	if err != nil {
		return nil, err
	}
	format := opts.Format
	if format == imgurl.Auto {
		format = Sniff(data)
	}
	sum := sha256.Sum256([]byte(vkey))
	return &Rendition{
		Data:             data,
		ContentType:      ContentType(format),
		ETag:             `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		LastModified:     info.LastModified,
		LastModifiedHTTP: st.lastModified,
		Immutable:        info.Immutable,
		SurrogateKey:     surrogateKey(canonical),
		Outcome:          outcome,
		Timings:          *tm,
	}, nil
}

// SurrogateKey is the purge tag of a path's source object: {source}/{escaped key}.
func SurrogateKey(p imgurl.Path) string { return surrogateKey(p.String()) }

func surrogateKey(s string) string {
	// /i/{variant}/{source}/{key}: drop the prefix and the variant segment.
	rest := strings.TrimPrefix(s, imgurl.Prefix)
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i+1:]
	}
	return rest
}

// ContentType is the media type of an output format.
func ContentType(f imgurl.Format) string {
	switch f {
	case imgurl.JPEG:
		return "image/jpeg"
	case imgurl.PNG:
		return "image/png"
	case imgurl.WebP:
		return "image/webp"
	case imgurl.AVIF:
		return "image/avif"
	case imgurl.GIF:
		return "image/gif"
	}
	return "application/octet-stream"
}

func (r *Renderer) stat(ctx context.Context, name string, src source.Source, key string) (statEntry, error) {
	ck := name + "/" + key
	if e, ok := r.stats.get(ck, r.now()); ok {
		return e, nil
	}
	ctx, cancel := context.WithTimeout(ctx, r.cfg.Timeout)
	defer cancel()
	info, err := src.Stat(ctx, key)
	if err != nil {
		return statEntry{}, err
	}
	if info.Identity == "" {
		return statEntry{}, fmt.Errorf("%w: source %s gave no identity for the object", source.ErrUnavailable, name)
	}
	e := statEntry{info: info, lastModified: httpDate(info.LastModified)}
	r.stats.put(ck, e, r.now())
	return e, nil
}

// loadVariant is the variants cache's loader: it runs on the key's owner node.
func (r *Renderer) loadVariant(ctx context.Context, vkey string) ([]byte, error) {
	k, p, opts, err := r.parseVariantKey(vkey)
	if err != nil {
		return nil, err
	}
	identity := k.identity
	tm := timingsFrom(ctx)
	// The load is shared by every request waiting on this key (singleflight) and its result is
	// cached, so one client going away must not cancel it; the render timeout still bounds it.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
	defer cancel()
	okey := p.Source + "/" + escapedKey(p) + "#" + identity
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
		return nil, failure.New(failure.KindUnprocessable, "the original is truncated", fmt.Errorf("render: %s original %s ends before its last marker", in.Format, okey))
	}
	if opts.Format == imgurl.Auto {
		opts.Format = autoFormat(k.bucket, in)
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
	// A running libvips operation cannot be interrupted, so the render runs on its own
	// goroutine and the request stops waiting at the deadline: the client gets its 504 within
	// render.timeout however long a hostile image takes to decode. The abandoned render keeps
	// its admission cost until it ends (the CPU is still busy), sees its context cancelled at
	// its next step, and its result is dropped.
	type processed struct {
		out Output
		err error
	}
	done := make(chan processed, 1)
	t2 := time.Now()
	go func() {
		defer release()
		out, err := r.proc.Process(ctx, data, in, opts)
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
	if in, ok := r.probes.get(okey); ok {
		return in, nil
	}
	in, err := imgprobe.Probe(data)
	if err != nil {
		return imgprobe.Info{}, probeFailure(err)
	}
	r.probes.put(okey, in)
	return in, nil
}

// loadOriginal is the originals cache's loader.
func (r *Renderer) loadOriginal(ctx context.Context, okey string) ([]byte, error) {
	left, identity, ok := strings.Cut(okey, "#")
	name, escKey, ok2 := strings.Cut(left, "/")
	if !ok || !ok2 {
		return nil, failure.New(failure.KindBadRequest, "bad original key", fmt.Errorf("render: original key %q", okey))
	}
	p, err := r.Parse(imgurl.Prefix + "thumb/" + name + "/" + escKey)
	if err != nil {
		return nil, err
	}
	src, err := r.sources.Get(name)
	if err != nil {
		return nil, failure.New(failure.KindUnknownName, fmt.Sprintf("unknown source %q", name), err)
	}
	t0 := time.Now()
	data, info, err := source.ReadAll(ctx, src, p.Key, r.cfg.MaxSourceBytes)
	r.obs.Fetched(name, len(data), time.Since(t0), err)
	if err != nil {
		return nil, sourceFailure(err)
	}
	if info.Identity != identity {
		// The object changed between Stat and Open: serve nothing under the old identity.
		r.stats.drop(name + "/" + p.Key)
		return nil, failure.New(failure.KindUnavailable, "the original changed while it was read, retry", fmt.Errorf("render: identity %q became %q", identity, info.Identity))
	}
	return data, nil
}

func escapedKey(p imgurl.Path) string {
	s := p.String()
	rest := strings.TrimPrefix(s, imgurl.Prefix)
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		return rest[i+1:]
	}
	return rest
}

func sourceFailure(err error) error {
	var fe *failure.Error
	switch {
	case errors.As(err, &fe):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, source.ErrNotFound):
		return failure.New(failure.KindNotFound, "no such image", err)
	case errors.Is(err, source.ErrInvalidKey):
		return failure.New(failure.KindBadRequest, "invalid object key", err)
	case errors.Is(err, source.ErrTooLarge):
		return failure.New(failure.KindUnprocessable, "the original is larger than this origin accepts", err)
	case errors.Is(err, source.ErrUnavailable):
		return failure.New(failure.KindUnavailable, "the image store is unavailable", err)
	}
	return failure.New(failure.KindUnavailable, "the image store failed", err)
}

func probeFailure(err error) error {
	if errors.Is(err, imgprobe.ErrUnknownFormat) {
		return failure.New(failure.KindUnsupported, "the original is not an image format this origin reads", err)
	}
	return failure.New(failure.KindUnprocessable, "the original is not a valid image", err)
}
