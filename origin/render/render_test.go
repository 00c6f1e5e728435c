package render

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/png"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/imgprobe"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/origin/source/sourcetest"
	"github.com/imgorigin/imgorigin/origin/watermark"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// recordingProcessor stands in for the imaging engine, which the core does not import: it
// answers with a description of what it was asked, so the tests see exactly what reached it.
type recordingProcessor struct {
	calls    atomic.Int64
	admitErr error
}

func (p *recordingProcessor) Admit(in imgprobe.Info, opts imgurl.Options) (int64, error) {
	return int64(in.Width * in.Height / 1e6), p.admitErr
}

func (p *recordingProcessor) Process(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options, marks watermark.Set) (Output, error) {
	p.calls.Add(1)
	s := fmt.Sprintf("%s %dx%d <- %s %dx%d", opts.Format, opts.Width, opts.Height, in.Format, in.Width, in.Height)
	if marks.Image != nil {
		s += fmt.Sprintf(" + mark %s %dx%d", marks.Image.Info.Format, marks.Image.Info.Width, marks.Image.Info.Height)
	}
	if marks.Text != nil {
		s += fmt.Sprintf(" + text %q", marks.Text.Text)
	}
	return Output{Data: []byte(s), Format: opts.Format}, nil
}

type admitter struct{ err error }

func (a admitter) Acquire(ctx context.Context, cost int64) (func(), error) {
	if a.err != nil {
		return nil, a.err
	}
	return func() {}, nil
}

func pngBytes(t testing.TB, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func newRenderer(t testing.TB, cfg Config, mem *sourcetest.Memory, proc Processor, adm Admitter) *Renderer {
	t.Helper()
	r, err := New(cfg, source.NewRegistry(map[string]source.Source{"mem": mem}), proc, adm, Direct)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func mustParse(t testing.TB, r *Renderer, p string) imgurl.Path {
	t.Helper()
	path, err := r.Parse(p)
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestRenderResolvesPresetAndSetsMetadata(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("a/b c.png", pngBytes(t, 64, 48))
	proc := &recordingProcessor{}
	r := newRenderer(t, DefaultConfig(), mem, proc, admitter{})
	rd, err := r.Render(context.Background(), mustParse(t, r, "/i/thumb/mem/a/b%20c.png"), "")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(rd.Data), "jpeg 200x200 <- png 64x48"; got != want {
		t.Errorf("processor got %q, want %q", got, want)
	}
	if rd.ContentType != "image/jpeg" || rd.SurrogateKey != "mem/a/b%20c.png" || rd.Outcome != OutcomeMiss {
		t.Errorf("rendition %+v", rd)
	}
	if len(rd.ETag) < 20 || rd.ETag[0] != '"' {
		t.Errorf("ETag %q", rd.ETag)
	}
	rd2, err := r.Render(context.Background(), mustParse(t, r, "/i/thumb/mem/a/b%20c.png"), "")
	if err != nil || rd2.ETag != rd.ETag {
		t.Errorf("the same variant of the same bytes changed ETag: %q %q %v", rd.ETag, rd2.ETag, err)
	}
	other, err := r.Render(context.Background(), mustParse(t, r, "/i/small/mem/a/b%20c.png"), "")
	if err != nil || other.ETag == rd.ETag {
		t.Errorf("two variants share an ETag")
	}
}

func TestETagFollowsTheSourceAndPipeline(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("x.png", pngBytes(t, 10, 10))
	cfg := DefaultConfig()
	cfg.StatTTL = 0
	r := newRenderer(t, cfg, mem, &recordingProcessor{}, admitter{})
	p := mustParse(t, r, "/i/thumb/mem/x.png")
	first, err := r.Render(context.Background(), p, "")
	if err != nil {
		t.Fatal(err)
	}
	mem.Put("x.png", pngBytes(t, 11, 10))
	second, err := r.Render(context.Background(), p, "")
	if err != nil || second.ETag == first.ETag {
		t.Errorf("new bytes, same ETag %q (%v)", first.ETag, err)
	}
	cfg.PipelineVersion += ".next"
	r2 := newRenderer(t, cfg, mem, &recordingProcessor{}, admitter{})
	third, err := r2.Render(context.Background(), p, "")
	if err != nil || third.ETag == second.ETag {
		t.Errorf("new pipeline version, same ETag")
	}
}

func TestFailureKinds(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("ok.png", pngBytes(t, 10, 10))
	mem.Put("text.jpg", []byte("hello, not an image"))
	mem.Put("cut.png", pngBytes(t, 10, 10)[:20])
	tests := []struct {
		name    string
		path    string
		setup   func(cfg *Config, proc *recordingProcessor, adm *admitter)
		failure error
		kind    failure.Kind
	}{
		{"unknown preset", "/i/nosuch/mem/ok.png", nil, nil, failure.KindUnknownName},
		{"unknown source", "/i/thumb/nosuch/ok.png", nil, nil, failure.KindUnknownName},
		{"presets only", "/i/w_10,f_png/mem/ok.png", func(c *Config, _ *recordingProcessor, _ *admitter) { c.PresetsOnly = true }, nil, failure.KindBadRequest},
		{"missing", "/i/thumb/mem/missing.png", nil, nil, failure.KindNotFound},
		{"store down", "/i/thumb/mem/ok.png", nil, fmt.Errorf("%w: connection refused", source.ErrUnavailable), failure.KindUnavailable},
		{"store says bad key", "/i/thumb/mem/ok.png", nil, source.ErrInvalidKey, failure.KindBadRequest},
		{"too large", "/i/thumb/mem/ok.png", func(c *Config, _ *recordingProcessor, _ *admitter) { c.MaxSourceBytes = 10 }, nil, failure.KindUnprocessable},
		{"not an image", "/i/thumb/mem/text.jpg", nil, nil, failure.KindUnsupported},
		{"truncated header", "/i/thumb/mem/cut.png", nil, nil, failure.KindUnprocessable},
		{"over the limits", "/i/thumb/mem/ok.png", func(_ *Config, p *recordingProcessor, _ *admitter) {
			p.admitErr = failure.New(failure.KindUnprocessable, "too many pixels", nil)
		}, nil, failure.KindUnprocessable},
		{"overloaded", "/i/thumb/mem/ok.png", func(_ *Config, _ *recordingProcessor, a *admitter) { a.err = errors.New("queue full") }, nil, failure.KindOverloaded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := DefaultConfig()
			proc := &recordingProcessor{}
			adm := admitter{}
			if tt.setup != nil {
				tt.setup(&cfg, proc, &adm)
			}
			mem.SetFailure(tt.failure)
			defer mem.SetFailure(nil)
			r := newRenderer(t, cfg, mem, proc, adm)
			p, err := r.Parse(tt.path)
			if err == nil {
				_, err = r.Render(context.Background(), p, "")
			}
			if got := failure.KindOf(err); got != tt.kind {
				t.Fatalf("kind %v, want %v (%v)", got, tt.kind, err)
			}
			if failure.PublicMessage(err) == "internal error" {
				t.Errorf("no public message for %v", err)
			}
			if proc.calls.Load() != 0 {
				t.Errorf("the processor ran for a refused request")
			}
		})
	}
}

// TestTruncatedWording: a truncated original is refused in its own format's terms; only a
// JPEG "ends before its last marker".
func TestTruncatedWording(t *testing.T) {
	mem := sourcetest.NewMemory()
	whole := pngBytes(t, 64, 64)
	mem.Put("cut.png", whole[:len(whole)-20]) // the header is whole, IEND is gone
	r := newRenderer(t, DefaultConfig(), mem, &recordingProcessor{}, admitter{})
	p, err := r.Parse("/i/thumb/mem/cut.png")
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Render(context.Background(), p, "")
	msg := failure.PublicMessage(err)
	if failure.KindOf(err) != failure.KindUnprocessable || !strings.Contains(msg, "IEND") || strings.Contains(err.Error(), "marker") {
		t.Errorf("truncated PNG: %v (public %q); want 422 naming IEND, no marker", err, msg)
	}
}

func TestNonCanonicalPathNamesTheCanonicalOne(t *testing.T) {
	r := newRenderer(t, DefaultConfig(), sourcetest.NewMemory(), &recordingProcessor{}, admitter{})
	_, err := r.Parse("/i/f_webp,w_300/mem/a.jpg")
	if failure.KindOf(err) != failure.KindBadRequest {
		t.Fatalf("kind %v", failure.KindOf(err))
	}
	if want := "/i/w_300,f_webp/mem/a.jpg"; !bytes.Contains([]byte(failure.PublicMessage(err)), []byte(want)) {
		t.Errorf("message %q does not name %s", failure.PublicMessage(err), want)
	}
}

// changingSource answers Stat with one identity and Open with another: the object was
// replaced between the two calls.
type changingSource struct{ data []byte }

func (c changingSource) Stat(context.Context, string) (source.Info, error) {
	return source.Info{Size: int64(len(c.data)), Identity: "v1"}, nil
}

func (c changingSource) Open(context.Context, string) (io.ReadCloser, source.Info, error) {
	return io.NopCloser(bytes.NewReader(c.data)), source.Info{Size: int64(len(c.data)), Identity: "v2"}, nil
}

func TestObjectReplacedMidRequestIsNotServedUnderTheOldIdentity(t *testing.T) {
	reg := source.NewRegistry(map[string]source.Source{"c": changingSource{pngBytes(t, 4, 4)}})
	proc := &recordingProcessor{}
	r, err := New(DefaultConfig(), reg, proc, admitter{}, Direct)
	if err != nil {
		t.Fatal(err)
	}
	_, err = r.Render(context.Background(), mustParse(t, r, "/i/thumb/c/x.png"), "")
	if failure.KindOf(err) != failure.KindUnavailable || proc.calls.Load() != 0 {
		t.Fatalf("kind %v, renders %d", failure.KindOf(err), proc.calls.Load())
	}
}

// TestForgedIdentityReadsNothing: an original key whose identity is not the store's (forged
// from public data, or outdated) is refused after a Stat, before the object is read (before
// issue 14 the owner read the whole object and only then compared).
func TestForgedIdentityReadsNothing(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("x.png", pngBytes(t, 4, 4))
	info, err := mem.Stat(context.Background(), "x.png")
	if err != nil {
		t.Fatal(err)
	}
	id := info.Identity
	r := newRenderer(t, DefaultConfig(), mem, &recordingProcessor{}, admitter{})
	_, err = r.loadOriginal(context.Background(), "mem/x.png#forged-"+id)
	if failure.KindOf(err) != failure.KindUnavailable {
		t.Fatalf("forged identity: %v", err)
	}
	if n := mem.Opens(); n != 0 {
		t.Fatalf("the object was read %d times for a forged identity", n)
	}
	data, err := r.loadOriginal(context.Background(), "mem/x.png#"+id)
	if err != nil || len(data) == 0 || mem.Opens() != 1 {
		t.Fatalf("true identity: %d bytes, %v, %d opens", len(data), err, mem.Opens())
	}
}

func TestStatCache(t *testing.T) {
	c := newStatCache(10*time.Second, 2)
	t0 := time.Unix(1000, 0)
	c.put("a", statEntry{info: source.Info{Identity: "a"}}, t0)
	c.put("imm", statEntry{info: source.Info{Identity: "i", Immutable: true}}, t0)
	if _, ok := c.get("a", t0.Add(9*time.Second)); !ok {
		t.Error("entry gone before its TTL")
	}
	if _, ok := c.get("a", t0.Add(11*time.Second)); ok {
		t.Error("mutable entry kept past its TTL")
	}
	if _, ok := c.get("imm", t0.Add(time.Hour)); !ok {
		t.Error("immutable entry expired")
	}
	c.put("b", statEntry{}, t0)
	c.put("c", statEntry{}, t0)
	if _, ok := c.get("imm", t0); ok {
		t.Error("least recently used entry not evicted at the size bound")
	}
	c.drop("c")
	if _, ok := c.get("c", t0); ok {
		t.Error("dropped entry still there")
	}
}

func BenchmarkRenderHitPath(b *testing.B) {
	mem := sourcetest.NewMemory()
	mem.Put("x.png", pngBytes(b, 10, 10))
	var hits atomic.Int64
	factory := func(lo, lv Loader) (Cache, error) { return constantCache{&hits}, nil }
	r, err := New(DefaultConfig(), source.NewRegistry(map[string]source.Source{"mem": mem}), &recordingProcessor{}, admitter{}, factory)
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		p, err := r.Parse("/i/w_300,f_webp/mem/x.png")
		if err != nil {
			b.Fatal(err)
		}
		if _, err := r.Render(ctx, p, ""); err != nil {
			b.Fatal(err)
		}
	}
}

// constantCache answers every key from memory: the benchmark measures the render use case's
// own overhead on a cache hit (parse, stat cache, key, ETag).
type constantCache struct{ n *atomic.Int64 }

var hitBytes = make([]byte, 20<<10)

func (c constantCache) Original(context.Context, string) ([]byte, Outcome, error) {
	return hitBytes, OutcomeHit, nil
}

func (c constantCache) Variant(context.Context, string) ([]byte, Outcome, error) {
	c.n.Add(1)
	return hitBytes, OutcomeHit, nil
}

// stuckProcessor stands in for a libvips operation that cannot be interrupted: it ignores its
// context and returns only when released.
type stuckProcessor struct {
	recordingProcessor
	unblock chan struct{}
}

func (p *stuckProcessor) Process(ctx context.Context, data []byte, in imgprobe.Info, opts imgurl.Options, marks watermark.Set) (Output, error) {
	<-p.unblock
	return p.recordingProcessor.Process(ctx, data, in, opts, marks)
}

type countingAdmitter struct{ held atomic.Int64 }

func (a *countingAdmitter) Acquire(ctx context.Context, cost int64) (func(), error) {
	a.held.Add(1)
	return func() { a.held.Add(-1) }, nil
}

// TestRenderAnswersAtTheDeadlineWhileTheWorkGoesOn: a render that outlives render.timeout is
// answered with a timeout at the deadline, not when the decoder finishes, and keeps its
// admission cost until it really ends.
func TestRenderAnswersAtTheDeadlineWhileTheWorkGoesOn(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("slow.png", pngBytes(t, 64, 48))
	cfg := DefaultConfig()
	cfg.Timeout = 100 * time.Millisecond
	proc := &stuckProcessor{unblock: make(chan struct{})}
	adm := &countingAdmitter{}
	r := newRenderer(t, cfg, mem, proc, adm)
	var once sync.Once
	unblock := func() { once.Do(func() { close(proc.unblock) }) }
	time.AfterFunc(3*time.Second, unblock) // a render that waits for the work fails below, not hangs
	t0 := time.Now()
	_, err := r.Render(context.Background(), mustParse(t, r, "/i/thumb/mem/slow.png"), "")
	took := time.Since(t0)
	if failure.KindOf(err) != failure.KindTimeout {
		t.Fatalf("err %v (kind %v), want a timeout", err, failure.KindOf(err))
	}
	if took > 2*time.Second {
		t.Errorf("answered after %s, want about render.timeout (100ms)", took)
	}
	if adm.held.Load() != 1 {
		t.Errorf("admission slots held while the render still runs: %d, want 1", adm.held.Load())
	}
	unblock()
	deadline := time.Now().Add(5 * time.Second)
	for adm.held.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if adm.held.Load() != 0 {
		t.Errorf("the admission slot was not released when the render ended")
	}
}

// queueForever stands in for an admission queue that is full for longer than render.timeout:
// it returns only when the render's context ends.
type queueForever struct{}

func (queueForever) Acquire(ctx context.Context, cost int64) (func(), error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestQueuedPastTheDeadlineIsOverload: a render still waiting for admission at render.timeout
// did no work, so it is answered as overload (503, which the front retries on another node),
// not as a timeout (504, which it does not).
func TestQueuedPastTheDeadlineIsOverload(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("busy.png", pngBytes(t, 64, 48))
	cfg := DefaultConfig()
	cfg.Timeout = 50 * time.Millisecond
	proc := &recordingProcessor{}
	r := newRenderer(t, cfg, mem, proc, queueForever{})
	_, err := r.Render(context.Background(), mustParse(t, r, "/i/thumb/mem/busy.png"), "")
	if k := failure.KindOf(err); k != failure.KindOverloaded {
		t.Fatalf("err %v (kind %v), want overloaded", err, k)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err %v does not wrap the deadline", err)
	}
	if n := proc.calls.Load(); n != 0 {
		t.Errorf("%d renders ran, want none", n)
	}
}

// TestProbeOncePerOriginal: variants of one original probe its header once; a new version of
// the original (another identity) is probed again; an original that fails to probe is not
// remembered.
func TestProbeOncePerOriginal(t *testing.T) {
	mem := sourcetest.NewMemory()
	mem.Put("a.png", pngBytes(t, 64, 48))
	mem.Put("bad.png", []byte("not an image at all"))
	cfg := DefaultConfig()
	cfg.StatTTL = 0 // every request asks the store, so a new version is seen at once
	r := newRenderer(t, cfg, mem, &recordingProcessor{}, admitter{})
	for _, p := range []string{"/i/w_10,f_png/mem/a.png", "/i/w_20,f_png/mem/a.png", "/i/w_30,f_webp/mem/a.png"} {
		if _, err := r.Render(context.Background(), mustParse(t, r, p), ""); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
	}
	if n := r.probes.Len(); n != 1 {
		t.Fatalf("%d probed headers after 3 variants of one original, want 1", n)
	}
	mem.Put("a.png", pngBytes(t, 80, 40))
	if _, err := r.Render(context.Background(), mustParse(t, r, "/i/w_40,f_png/mem/a.png"), ""); err != nil {
		t.Fatal(err)
	}
	if n := r.probes.Len(); n != 2 {
		t.Fatalf("%d probed headers after a new version, want 2", n)
	}
	if _, err := r.Render(context.Background(), mustParse(t, r, "/i/w_10,f_png/mem/bad.png"), ""); err == nil {
		t.Fatal("non-image original rendered")
	}
	if n := r.probes.Len(); n != 2 {
		t.Fatalf("%d probed headers after a failed probe, want 2", n)
	}
}
