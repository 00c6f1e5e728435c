package sourcetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source"
)

// WriterHarness is what a writable implementation hands RunWriter.
type WriterHarness struct {
	// Store under test.
	Store source.ReadWriter
	// AssignsKeys says the store names objects itself (FastDFS): Create takes an empty key.
	// Otherwise Create needs a key and refuses an empty one.
	AssignsKeys bool
}

// RunWriter runs the writer half of the conformance suite: create and read back, keys
// create-only, the key rule (assigned or given), invalid keys, delete, cancelled contexts
// and concurrent creates of one key. newHarness is called once per subtest.
func RunWriter(t *testing.T, newHarness func(t *testing.T) WriterHarness) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, h WriterHarness)
	}{
		{"CreateRead", testCreateRead},
		{"CreateOnly", testCreateOnly},
		{"KeyRule", testKeyRule},
		{"InvalidKeys", testWriteInvalidKeys},
		{"Delete", testDelete},
		{"Cancelled", testWriteCancelled},
		{"ConcurrentCreate", testConcurrentCreate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			if h.Store == nil {
				t.Fatal("harness: Store is required")
			}
			c.run(t, h)
		})
	}
}

// object returns an Object of data under name, or with no key when the store assigns keys.
func (h WriterHarness) object(name string, data []byte) source.Object {
	key := name
	if h.AssignsKeys {
		key = ""
	}
	return source.NewObject(key, "jpg", "image/jpeg", data)
}

func (h WriterHarness) create(t *testing.T, name string, data []byte) string {
	t.Helper()
	key, info, err := h.Store.Create(ctxT(t), h.object(name, data))
	if err != nil {
		t.Fatalf("Create(%q): %v", name, err)
	}
	if !h.AssignsKeys && key != name {
		t.Fatalf("Create(%q) returned key %q", name, key)
	}
	checkInfo(t, "Create", info, len(data))
	return key
}

func wantGone(t *testing.T, h WriterHarness, key string) {
	t.Helper()
	if _, err := h.Store.Stat(ctxT(t), key); !errors.Is(err, source.ErrNotFound) {
		t.Errorf("Stat(%q) = %v; want ErrNotFound", key, err)
	}
	rc, _, err := h.Store.Open(ctxT(t), key)
	if err == nil {
		rc.Close()
	}
	if !errors.Is(err, source.ErrNotFound) {
		t.Errorf("Open(%q) = %v; want ErrNotFound", key, err)
	}
}

func testCreateRead(t *testing.T, h WriterHarness) {
	data := payload(300<<10+11, 40)
	key := h.create(t, "w/created.jpg", data)
	got, info := readBody(t, Harness{Source: h.Store}, key)
	if !bytes.Equal(got, data) {
		t.Fatalf("read back %d bytes, created %d", len(got), len(data))
	}
	checkInfo(t, "Open", info, len(data))
	st, err := h.Store.Stat(ctxT(t), key)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if st.Identity != info.Identity {
		t.Errorf("Identity differs between Stat (%q) and Open (%q)", st.Identity, info.Identity)
	}
	if h.AssignsKeys {
		k2 := h.create(t, "w/created.jpg", data)
		if k2 == key {
			t.Fatalf("two creates were given one key %q", key)
		}
	}
}

func testCreateOnly(t *testing.T, h WriterHarness) {
	if h.AssignsKeys {
		return // every Create makes a new name
	}
	first := payload(5000, 41)
	key := h.create(t, "w/once.jpg", first)
	_, _, err := h.Store.Create(ctxT(t), h.object(key, payload(6000, 42)))
	if !errors.Is(err, source.ErrExists) {
		t.Fatalf("second Create(%q) = %v; want ErrExists", key, err)
	}
	if got, _ := readBody(t, Harness{Source: h.Store}, key); !bytes.Equal(got, first) {
		t.Fatal("a refused Create changed the object")
	}
}

func testKeyRule(t *testing.T, h WriterHarness) {
	o := source.NewObject("w/named.jpg", "jpg", "image/jpeg", payload(100, 43))
	if !h.AssignsKeys {
		o.Key = ""
	}
	if _, _, err := h.Store.Create(ctxT(t), o); !errors.Is(err, source.ErrInvalidKey) {
		t.Fatalf("Create with key %q (assigns keys: %t) = %v; want ErrInvalidKey", o.Key, h.AssignsKeys, err)
	}
}

func testWriteInvalidKeys(t *testing.T, h WriterHarness) {
	if h.AssignsKeys {
		return
	}
	for _, key := range []string{"..", "../escape.jpg", "w/../../escape.jpg", "/abs.jpg", "w//x.jpg", "w/a\x00b.jpg", "w/\xff.jpg"} {
		t.Run(fmt.Sprintf("%q", key), func(t *testing.T) {
			_, _, err := h.Store.Create(ctxT(t), h.object(key, []byte("x")))
			if !errors.Is(err, source.ErrInvalidKey) {
				t.Errorf("Create(%q) = %v; want ErrInvalidKey", key, err)
			}
			if err := h.Store.Delete(ctxT(t), key); !errors.Is(err, source.ErrInvalidKey) && !errors.Is(err, source.ErrNotFound) {
				t.Errorf("Delete(%q) = %v; want ErrInvalidKey or ErrNotFound", key, err)
			}
		})
	}
}

func testDelete(t *testing.T, h WriterHarness) {
	key := h.create(t, "w/doomed.jpg", payload(2000, 44))
	keep := h.create(t, "w/kept.jpg", payload(2100, 45))
	if err := h.Store.Delete(ctxT(t), key); err != nil {
		t.Fatalf("Delete(%q): %v", key, err)
	}
	wantGone(t, h, key)
	if err := h.Store.Delete(ctxT(t), key); !errors.Is(err, source.ErrNotFound) {
		t.Errorf("second Delete(%q) = %v; want ErrNotFound", key, err)
	}
	if _, err := h.Store.Stat(ctxT(t), keep); err != nil {
		t.Errorf("Delete removed another object: Stat(%q) = %v", keep, err)
	}
	if !h.AssignsKeys {
		// A deleted key can be created again.
		h.create(t, key, payload(1000, 46))
	}
}

func testWriteCancelled(t *testing.T, h WriterHarness) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	bounded(t, "Create", func() {
		key, _, err := h.Store.Create(ctx, h.object("w/cancelled.jpg", payload(64<<10, 47)))
		wantCancelled(t, "Create", err)
		if !h.AssignsKeys {
			wantGone(t, h, "w/cancelled.jpg")
		} else if key != "" {
			t.Errorf("failed Create returned key %q", key)
		}
	})
	key := h.create(t, "w/after-cancel.jpg", payload(100, 48))
	bounded(t, "Delete", func() {
		wantCancelled(t, "Delete", h.Store.Delete(ctx, key))
	})
	if _, err := h.Store.Stat(ctxT(t), key); err != nil {
		t.Errorf("a cancelled Delete removed the object: %v", err)
	}
}

func testConcurrentCreate(t *testing.T, h WriterHarness) {
	const workers = 8
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		won     []int
		keys    = map[string]bool{}
		results = make([]error, workers)
	)
	for w := range workers {
		wg.Go(func() {
			key, _, err := h.Store.Create(ctxT(t), h.object("w/race.jpg", payload(20<<10, byte(50+w))))
			results[w] = err
			if err == nil {
				mu.Lock()
				won = append(won, w)
				keys[key] = true
				mu.Unlock()
			}
		})
	}
	bounded(t, "concurrent creates", wg.Wait)
	if h.AssignsKeys {
		for w, err := range results {
			if err != nil {
				t.Errorf("worker %d: %v", w, err)
			}
		}
		if len(keys) != workers {
			t.Fatalf("%d creates made %d distinct keys", workers, len(keys))
		}
		return
	}
	if len(won) != 1 {
		t.Fatalf("%d of %d concurrent creates of one key succeeded; want exactly 1 (errors: %v)", len(won), workers, results)
	}
	for w, err := range results {
		if w != won[0] && !errors.Is(err, source.ErrExists) {
			t.Errorf("worker %d: %v; want ErrExists", w, err)
		}
	}
	got, _ := readBody(t, Harness{Source: h.Store}, "w/race.jpg")
	if !bytes.Equal(got, payload(20<<10, byte(50+won[0]))) {
		t.Fatal("the stored object is not the winner's bytes")
	}
}
