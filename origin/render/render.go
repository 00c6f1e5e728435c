// The request side of the use case: from a parsed path to a Rendition, through the stat of
// the source and the variants cache. The loaders the cache calls on a miss are in load.go, the
// mapping of their errors to failure kinds in failure.go, the cache keys in key.go.

package render

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/imgorigin/imgorigin/origin/autoformat"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/lru"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Output is what a Processor produces: an encoded image.
type Output struct {
	Data          []byte
	Format        imgurl.Format
	Width, Height int // of one frame
	// Decode is the time spent loading the header and building the pipeline, Encode the
	// time spent making the output. libvips is demand-driven: the pixels are decoded,
	// resized and encoded as the encoder pulls them, so that work counts as Encode.
	Decode, Encode time.Duration
}

// Processor turns an original into a variant. Implementations map their errors to failure kinds.
type Processor interface {
	// Admit checks the probed original against the processing limits, without decoding it,
	// and returns the cost of processing it (for admission control).
	Admit(in imgprobe.Info, opts imgurl.Options) (cost int64, err error)
	// Process decodes, transforms, draws the marks and encodes. Options that name a mark
	// missing from marks must fail, never render an unmarked image.
	Process(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options, marks watermark.Set) (Output, error)
}

// Admitter bounds concurrent processing cost; Acquire fails fast when overloaded.
type Admitter interface {
	Acquire(ctx context.Context, cost int64) (release func(), err error)
}

// Outcome says where a cached value came from: "hit" (this node's memory), "peer" (another
// node's memory or load), "disk" (this node's disk tier) or "miss" (loaded here).
type Outcome string

// The outcomes.
const (
	OutcomeHit  Outcome = "hit"
	OutcomePeer Outcome = "peer"
	OutcomeMiss Outcome = "miss"
	OutcomeDisk Outcome = "disk"
)

// Loader computes the value of a cache key. The cache keeps the returned slice (its disk tier
// writes it behind), so a loader must not modify or reuse it after returning.
type Loader func(ctx context.Context, key string) ([]byte, error)

// Cache holds originals and variants; on a miss it calls the Loader it was built with.
type Cache interface {
	Original(ctx context.Context, key string) ([]byte, Outcome, error)
	Variant(ctx context.Context, key string) ([]byte, Outcome, error)
}

// FileCache is a Cache that can hand out a variant as an open file (a disk tier), so the HTTP
// layer sends it with sendfile. ok false: use Variant. The caller closes f.
type FileCache interface {
	VariantFile(key string) (f *os.File, n int64, ok bool)
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

// Rendition is a rendered variant with what the HTTP layer needs to answer. Its bytes are Data,
// or, for a large disk hit, Size bytes of File from its current offset (Data nil; the answerer
// closes File).
type Rendition struct {
	Data             []byte
	File             *os.File
	Size             int64
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
// libvips runs as the encoder pulls (see Output).
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
	probes  *lru.Cache[imgprobe.Info] // probed headers by original key (source, key, identity)
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
	for _, name := range slices.Sorted(maps.Keys(cfg.Watermarks.Images)) {
		if m := cfg.Watermarks.Images[name]; !slices.Contains(sources.Names(), m.Source) {
			return nil, fmt.Errorf("render.watermarks.images.%s.source: no source %q", name, m.Source)
		}
	}
	r.stats = newStatCache(cfg.StatTTL, 10000)
	r.probes = lru.New[imgprobe.Info](probeMemo)
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
	return parsePath(escapedPath, r.lim)
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
	ctx, tm, st, err := r.statTimed(ctx, p.Source, p.Key)
	if err != nil {
		return nil, err
	}
	info := st.info
	marks, err := r.markIdentity(ctx, opts)
	if err != nil {
		return nil, err
	}
	path, object := p.StringAndObject()
	vkey := variantKey{path: path, version: r.cfg.PipelineVersion, bucket: bucket, marks: marks, identity: info.Identity}.String()
	var (
		data    []byte
		file    *os.File
		size    int64
		outcome Outcome
	)
	if fc, ok := r.cache.(FileCache); ok {
		if file, size, ok = fc.VariantFile(vkey); ok {
			outcome = OutcomeDisk
			if data, err = fileHead(file); err != nil {
				_ = file.Close()
				file = nil
			}
		}
	}
	if file == nil {
		data, outcome, err = r.cache.Variant(ctx, vkey)
		if err != nil {
			return nil, err
		}
	}
	format := opts.Format
	if format == imgurl.Auto {
		format = sniff(data)
	}
	if file != nil {
		data = nil
	}
	sum := sha256.Sum256([]byte(vkey))
	return &Rendition{
		Data:             data,
		File:             file,
		Size:             size,
		ContentType:      ContentType(format),
		ETag:             `"` + base64.RawURLEncoding.EncodeToString(sum[:18]) + `"`,
		LastModified:     info.LastModified,
		LastModifiedHTTP: st.lastModified,
		Immutable:        info.Immutable,
		SurrogateKey:     object,
		Outcome:          outcome,
		Timings:          *tm,
	}, nil
}

// fileHead reads the first bytes of a variant handed out as a file (for sniff), leaving the
// file's offset where it was.
func fileHead(f *os.File) ([]byte, error) {
	pos, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return nil, err
	}
	b := make([]byte, 32)
	n, err := f.ReadAt(b, pos)
	if n == 0 && err != nil {
		return nil, err
	}
	return b[:n], nil
}

// SurrogateKey is the purge tag of a path's source object: {source}/{escaped key}.
func SurrogateKey(p imgurl.Path) string { return p.Object() }

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

// statTimed looks an original up in its named source, its time recorded in the request's
// Timings (returned with the context that carries them).
func (r *Renderer) statTimed(ctx context.Context, name, key string) (context.Context, *Timings, statEntry, error) {
	src, err := r.sources.Get(name)
	if err != nil {
		return ctx, nil, statEntry{}, failure.New(failure.KindUnknownName, fmt.Sprintf("unknown source %q", name), err)
	}
	tm := &Timings{}
	ctx = withTimings(ctx, tm)
	t0 := time.Now()
	st, err := r.stat(ctx, name, src, key)
	tm.Stat = time.Since(t0)
	if err != nil {
		return ctx, tm, statEntry{}, sourceFailure(err)
	}
	return ctx, tm, st, nil
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
