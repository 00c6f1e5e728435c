package sourcetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"mime"
	"path"
	"sync"
	"testing"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
)

// Memory is a map-backed source.Source for tests of code that consumes sources. It honours
// contexts, validates keys with source.CheckKey, and can be told to fail.
// The zero value is not usable; call NewMemory.
type Memory struct {
	mu    sync.RWMutex
	objs  map[string]memObject
	fail  error
	opens int64
}

type memObject struct {
	data    []byte
	info    source.Info
	version int64
}

// NewMemory returns an empty Memory source.
func NewMemory() *Memory {
	return &Memory{objs: make(map[string]memObject)}
}

// Put stores a copy of data under key (overwriting) and returns key. Identity is derived from
// the content, so it changes whenever the bytes do. ContentType comes from the extension.
func (m *Memory) Put(key string, data []byte) string {
	sum := sha256.Sum256(data)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.objs[key] = memObject{
		data: bytes.Clone(data),
		info: source.Info{
			Size:         int64(len(data)),
			ContentType:  mime.TypeByExtension(path.Ext(key)),
			Identity:     "mem-" + hex.EncodeToString(sum[:12]),
			LastModified: time.Now().UTC().Truncate(time.Second),
		},
	}
	return key
}

// Delete removes key.
func (m *Memory) Delete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.objs, key)
}

// SetFailure makes every later Stat and Open fail with err (nil restores normal service);
// pass an error wrapping source.ErrUnavailable to simulate an outage.
func (m *Memory) SetFailure(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

// Opens reports how many times Open returned a body.
func (m *Memory) Opens() int64 {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.opens
}

func (m *Memory) lookup(ctx context.Context, key string) (memObject, error) {
	if err := ctx.Err(); err != nil {
		return memObject{}, err
	}
	if err := source.CheckKey(key); err != nil {
		return memObject{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	if m.fail != nil {
		return memObject{}, m.fail
	}
	o, ok := m.objs[key]
	if !ok {
		return memObject{}, fmt.Errorf("%w: %q", source.ErrNotFound, key)
	}
	return o, nil
}

// Stat implements source.Source.
func (m *Memory) Stat(ctx context.Context, key string) (source.Info, error) {
	o, err := m.lookup(ctx, key)
	return o.info, err
}

// Open implements source.Source. The body stops with ctx's error once ctx ends.
func (m *Memory) Open(ctx context.Context, key string) (io.ReadCloser, source.Info, error) {
	o, err := m.lookup(ctx, key)
	if err != nil {
		return nil, source.Info{}, err
	}
	m.mu.Lock()
	m.opens++
	m.mu.Unlock()
	return &ctxReader{ctx: ctx, r: bytes.NewReader(o.data)}, o.info, nil
}

// Harness returns a conformance harness around m.
func (m *Memory) Harness() Harness {
	return Harness{
		Source:     m,
		Put:        func(_ *testing.T, name string, data []byte) string { return m.Put(name, data) },
		MissingKey: "missing/none.jpg",
		OddKeys:    true,
	}
}

type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func (c *ctxReader) Close() error { return nil }

var _ source.Source = (*Memory)(nil)
