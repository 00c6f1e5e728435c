package sourcetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Harness is what an implementation hands the suite: a source plus a way to seed it.
type Harness struct {
	// Source under test.
	Source source.Source
	// Put stores data under a name and returns the key to read it back by. Stores that pick
	// their own keys (FastDFS) ignore name; stores that take the name as the key return it.
	// Putting the same name twice overwrites when the store allows it (same key returned).
	Put func(t *testing.T, name string, data []byte) (key string)
	// MissingKey is a well-formed key that names no object.
	MissingKey string
	// OddKeys says Put honours arbitrary names, so keys with spaces, unicode, '+', '%', '#'
	// and '?' are exercised. False for stores that choose keys.
	OddKeys bool
	// Limit is the largest object the source itself serves (its max object size setting);
	// when > 0 the suite checks that a bigger object fails with source.ErrTooLarge from Open
	// or while reading the body. 0 means the source sets no limit of its own.
	Limit int64
}

// opTimeout bounds every single operation of the suite, so a hanging source fails instead of
// stalling the test binary.
const opTimeout = 20 * time.Second

// Run runs the conformance suite. newHarness is called once per subtest; resources it starts
// must be released with t.Cleanup.
func Run(t *testing.T, newHarness func(t *testing.T) Harness) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, h Harness)
	}{
		{"Found", testFound},
		{"Identity", testIdentity},
		{"NotFound", testNotFound},
		{"Empty", testEmpty},
		{"OverLimit", testOverLimit},
		{"SourceLimit", testSourceLimit},
		{"Cancelled", testCancelled},
		{"Concurrent", testConcurrent},
		{"OddKeys", testOddKeys},
		{"InvalidKeys", testInvalidKeys},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Source == nil || h.Put == nil {
				t.Fatal("harness: Source and Put are required")
			}
			c.run(t, h)
		})
	}
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), opTimeout)
	t.Cleanup(cancel)
	return ctx
}

// payload returns n deterministic bytes that differ per seed.
func payload(n int, seed byte) []byte {
	b := make([]byte, n)
	x := uint32(seed)*2654435761 + 1
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

func readBody(t *testing.T, h Harness, key string) ([]byte, source.Info) {
	t.Helper()
	rc, info, err := h.Source.Open(ctxT(t), key)
	if err != nil {
		t.Fatalf("Open(%q): %v", key, err)
	}
	defer rc.Close()
	b, err := io.ReadAll(rc)
	if err != nil {
		t.Fatalf("Open(%q): reading body: %v", key, err)
	}
	return b, info
}

func checkInfo(t *testing.T, what string, info source.Info, size int) {
	t.Helper()
	if info.Identity == "" {
		t.Errorf("%s: empty Identity", what)
	}
	if info.Size != int64(size) && info.Size != -1 {
		t.Errorf("%s: Size = %d, want %d (or -1 when unknown)", what, info.Size, size)
	}
	if !info.LastModified.IsZero() && info.LastModified.After(time.Now().Add(time.Hour)) {
		t.Errorf("%s: LastModified %v is in the future", what, info.LastModified)
	}
}

func testFound(t *testing.T, h Harness) {
	data := payload(100<<10+7, 1)
	key := h.Put(t, "found/photo.jpg", data)

	st, err := h.Source.Stat(ctxT(t), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	checkInfo(t, "Stat", st, len(data))

	got, info := readBody(t, h, key)
	if !bytes.Equal(got, data) {
		t.Fatalf("Open(%q): got %d bytes, want the %d bytes put", key, len(got), len(data))
	}
	checkInfo(t, "Open", info, len(data))
	if info.Identity != st.Identity {
		t.Errorf("Identity differs between Stat (%q) and Open (%q)", st.Identity, info.Identity)
	}

	b, info2, err := source.ReadAll(ctxT(t), h.Source, key, int64(len(data)))
	if err != nil {
		t.Fatalf("ReadAll with limit == size: %v", err)
	}
	if !bytes.Equal(b, data) {
		t.Fatal("ReadAll: bytes differ")
	}
	if info2.Identity != st.Identity {
		t.Errorf("Identity not stable across calls: %q then %q", st.Identity, info2.Identity)
	}
}

func testIdentity(t *testing.T, h Harness) {
	k1 := h.Put(t, "identity/a.png", payload(1000, 2))
	i1, err := h.Source.Stat(ctxT(t), k1)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	again, err := h.Source.Stat(ctxT(t), k1)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if again.Identity != i1.Identity {
		t.Fatalf("Identity not stable: %q then %q", i1.Identity, again.Identity)
	}
	// Different content (and length, so size+mtime identities change even on coarse clocks).
	data2 := payload(1500, 3)
	k2 := h.Put(t, "identity/a.png", data2)
	i2, err := h.Source.Stat(ctxT(t), k2)
	if err != nil {
		t.Fatalf("Stat after second Put: %v", err)
	}
	if k2 == k1 && i2.Identity == i1.Identity {
		t.Fatalf("overwritten object kept Identity %q", i1.Identity)
	}
	got, info := readBody(t, h, k2)
	if !bytes.Equal(got, data2) {
		t.Fatal("after overwrite: Open returned other bytes")
	}
	if info.Identity != i2.Identity {
		t.Errorf("after overwrite: Open Identity %q, Stat Identity %q", info.Identity, i2.Identity)
	}
}

func testNotFound(t *testing.T, h Harness) {
	key := h.MissingKey
	if key == "" {
		key = "missing/nothing-here.jpg"
	}
	if _, err := h.Source.Stat(ctxT(t), key); !errors.Is(err, source.ErrNotFound) {
		t.Errorf("Stat(%q) = %v, want ErrNotFound", key, err)
	}
	rc, _, err := h.Source.Open(ctxT(t), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, source.ErrNotFound) {
		t.Errorf("Open(%q) = %v, want ErrNotFound", key, err)
	}
	if _, _, err := source.ReadAll(ctxT(t), h.Source, key, 1<<20); !errors.Is(err, source.ErrNotFound) {
		t.Errorf("ReadAll(%q) = %v, want ErrNotFound", key, err)
	}
}

func testEmpty(t *testing.T, h Harness) {
	key := h.Put(t, "empty/zero.gif", nil)
	st, err := h.Source.Stat(ctxT(t), key)
	if err != nil {
		t.Fatalf("Stat(%q): %v", key, err)
	}
	checkInfo(t, "Stat", st, 0)
	got, info := readBody(t, h, key)
	if len(got) != 0 {
		t.Fatalf("empty object read as %d bytes", len(got))
	}
	checkInfo(t, "Open", info, 0)
	b, _, err := source.ReadAll(ctxT(t), h.Source, key, 0)
	if err != nil || len(b) != 0 {
		t.Fatalf("ReadAll(limit 0) = %d bytes, %v; want 0 bytes, nil", len(b), err)
	}
}

// countingSource counts the body bytes handed to its caller.
type countingSource struct {
	source.Source
	mu sync.Mutex
	n  int64
}

func (c *countingSource) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	rc, info, err := c.Source.Open(ctx, key)
	if err != nil {
		return nil, info, err
	}
	return &countingBody{rc, c}, info, nil
}

func (c *countingSource) read() int64 { c.mu.Lock(); defer c.mu.Unlock(); return c.n }

type countingBody struct {
	io.ReadCloser
	c *countingSource
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.c.mu.Lock()
	b.c.n += int64(n)
	b.c.mu.Unlock()
	return n, err
}

// lyingSource reports an unknown size, so ReadAll has to enforce the limit while streaming.
type lyingSource struct{ source.Source }

func (l lyingSource) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	rc, info, err := l.Source.Open(ctx, key)
	info.Size = -1
	return rc, info, err
}

func testOverLimit(t *testing.T, h Harness) {
	data := payload(256<<10, 4)
	key := h.Put(t, "big/huge.jpg", data)
	const limit = 10_000
	for _, tc := range []struct {
		name string
		src  source.Source
	}{
		{"size-reported", h.Source},
		{"size-unknown", lyingSource{h.Source}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cs := &countingSource{Source: tc.src}
			b, _, err := source.ReadAll(ctxT(t), cs, key, limit)
			if !errors.Is(err, source.ErrTooLarge) {
				t.Fatalf("ReadAll(limit %d) of %d bytes = %d bytes, %v; want ErrTooLarge", limit, len(data), len(b), err)
			}
			if b != nil {
				t.Errorf("ReadAll returned %d bytes with ErrTooLarge", len(b))
			}
			if n := cs.read(); n > limit+1 {
				t.Errorf("ReadAll read %d body bytes; must stop at limit+1 = %d", n, limit+1)
			}
		})
	}
	// Exactly at the limit is fine.
	b, _, err := source.ReadAll(ctxT(t), lyingSource{h.Source}, key, int64(len(data)))
	if err != nil || !bytes.Equal(b, data) {
		t.Fatalf("ReadAll(limit == size) = %d bytes, %v", len(b), err)
	}
}

func testSourceLimit(t *testing.T, h Harness) {
	if h.Limit <= 0 {
		return // the source sets no limit of its own
	}
	key := h.Put(t, "big/over-source-limit.jpg", payload(int(h.Limit)+1, 5))
	rc, _, err := h.Source.Open(ctxT(t), key)
	if err == nil {
		_, err = io.Copy(io.Discard, rc)
		rc.Close()
	}
	if !errors.Is(err, source.ErrTooLarge) {
		t.Fatalf("object of Limit+1 = %d bytes: got %v, want ErrTooLarge", h.Limit+1, err)
	}
	okKey := h.Put(t, "big/at-source-limit.jpg", payload(int(h.Limit), 6))
	if got, _ := readBody(t, h, okKey); int64(len(got)) != h.Limit {
		t.Fatalf("object of exactly Limit bytes read as %d bytes", len(got))
	}
}

// bounded runs f and fails the test if it does not return within opTimeout.
func bounded(t *testing.T, what string, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() { defer close(done); f() }()
	select {
	case <-done:
	case <-time.After(opTimeout):
		t.Fatalf("%s: still running after %v", what, opTimeout)
	}
}

func wantCancelled(t *testing.T, what string, err error) {
	t.Helper()
	switch {
	case err == nil:
		t.Errorf("%s with a cancelled context succeeded", what)
	case errors.Is(err, context.Canceled), errors.Is(err, source.ErrUnavailable):
	default:
		t.Errorf("%s with a cancelled context = %v; want context.Canceled or ErrUnavailable", what, err)
	}
}

func testCancelled(t *testing.T, h Harness) {
	data := payload(512<<10, 7)
	key := h.Put(t, "cancel/photo.jpg", data)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	bounded(t, "Stat", func() {
		_, err := h.Source.Stat(ctx, key)
		wantCancelled(t, "Stat", err)
	})
	bounded(t, "Open", func() {
		rc, _, err := h.Source.Open(ctx, key)
		if err == nil {
			// Some stores hand out the body before noticing; the read must then fail.
			_, err = io.ReadAll(rc)
			rc.Close()
		}
		wantCancelled(t, "Open", err)
	})
	// Cancelled mid-body: reading must stop with an error (or finish), never hang.
	bounded(t, "cancel mid-body", func() {
		ctx, cancel := context.WithCancel(t.Context())
		defer cancel()
		rc, _, err := h.Source.Open(ctx, key)
		if err != nil {
			t.Errorf("Open: %v", err)
			return
		}
		defer rc.Close()
		buf := make([]byte, 1024)
		if _, err := io.ReadFull(rc, buf); err != nil {
			t.Errorf("first read: %v", err)
			return
		}
		cancel()
		n, err := io.Copy(io.Discard, rc)
		if err == nil && int64(len(buf))+n != int64(len(data)) {
			t.Errorf("body ended early without an error: %d of %d bytes", int64(len(buf))+n, len(data))
		}
	})
	// The source still works after cancellations.
	if got, _ := readBody(t, h, key); !bytes.Equal(got, data) {
		t.Fatal("read after cancellations returned other bytes")
	}
}

func testConcurrent(t *testing.T, h Harness) {
	const workers = 32
	objs := make([][]byte, 4)
	keys := make([]string, len(objs))
	for i := range objs {
		objs[i] = payload(64<<10+i*1000, byte(10+i))
		keys[i] = h.Put(t, fmt.Sprintf("concurrent/%d.jpg", i), objs[i])
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			i := w % len(objs)
			b, info, err := source.ReadAll(ctxT(t), h.Source, keys[i], 1<<20)
			switch {
			case err != nil:
				errs <- fmt.Errorf("worker %d: %w", w, err)
			case !bytes.Equal(b, objs[i]):
				errs <- fmt.Errorf("worker %d: got %d bytes, want object %d (%d bytes)", w, len(b), i, len(objs[i]))
			case info.Identity == "":
				errs <- fmt.Errorf("worker %d: empty Identity", w)
			}
		})
	}
	bounded(t, "concurrent reads", wg.Wait)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func testOddKeys(t *testing.T, h Harness) {
	if !h.OddKeys {
		return // the store chooses keys
	}
	names := []string{
		"odd/with space.jpg",
		"odd/ünïcødé/日本語.png",
		"odd/plus+sign.jpg",
		"odd/percent%20literal.jpg",
		"odd/percent%zz.jpg",
		"odd/hash#frag.jpg",
		"odd/question?x=1.jpg",
		"odd/semi;colon&amp=.jpg",
		"odd/~tilde'quote(paren).jpg",
	}
	for i, name := range names {
		t.Run(fmt.Sprintf("%d", i), func(t *testing.T) {
			data := payload(2000+i, byte(30+i))
			key := h.Put(t, name, data)
			got, info := readBody(t, h, key)
			if !bytes.Equal(got, data) {
				t.Fatalf("key %q: got %d bytes, want %d", key, len(got), len(data))
			}
			checkInfo(t, "Open "+key, info, len(data))
			if _, err := h.Source.Stat(ctxT(t), key); err != nil {
				t.Fatalf("Stat(%q): %v", key, err)
			}
		})
	}
	// A look-alike of an odd key must not resolve to it.
	h.Put(t, "odd2/a b.jpg", []byte("x"))
	for _, k := range []string{"odd2/a%20b.jpg", "odd2/a+b.jpg"} {
		if _, err := h.Source.Stat(ctxT(t), k); !errors.Is(err, source.ErrNotFound) {
			t.Errorf("Stat(%q) = %v; the key must not be unescaped again (want ErrNotFound)", k, err)
		}
	}
}

func testInvalidKeys(t *testing.T, h Harness) {
	// Seed something the escapes would reach if they worked.
	h.Put(t, "inside/secret.jpg", []byte("secret"))
	keys := []string{
		"",
		"..",
		"../etc/passwd",
		"inside/../../etc/passwd",
		"inside/../..",
		"/etc/passwd",
		"//etc/passwd",
		"inside/a\x00b.jpg",
		"\x00",
		"inside/\xff\xfe.jpg",
	}
	for _, key := range keys {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			ok := func(err error) bool {
				return errors.Is(err, source.ErrInvalidKey) || errors.Is(err, source.ErrNotFound)
			}
			if _, err := h.Source.Stat(ctxT(t), key); !ok(err) {
				t.Errorf("Stat(%q) = %v; want ErrInvalidKey or ErrNotFound", key, err)
			}
			rc, _, err := h.Source.Open(ctxT(t), key)
			if err == nil {
				rc.Close()
			}
			if !ok(err) {
				t.Errorf("Open(%q) = %v; want ErrInvalidKey or ErrNotFound", key, err)
			}
		})
	}
}
