// Package admission bounds the image processing running at once by its total cost (see
// imaging.Engine.Admit: megapixels × codec factor, input and output) with a bounded wait queue, so that overload is
// answered at once (503 + Retry-After upstream) instead of piling up memory and latency.
//
// A request whose cost fits acquires at once. Otherwise it waits in FIFO order (a large
// request at the head is not starved by small ones behind it) — unless MaxQueue requests are
// already waiting, in which case it fails with ErrOverloaded immediately, or until MaxWait
// passes, after which it fails with ErrOverloaded. A cost above Capacity is clamped to
// Capacity, so a single large image can still run, alone.
package admission

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync/atomic"
	"time"

	"golang.org/x/sync/semaphore"
)

// ErrOverloaded means the request was shed: the queue was full or the wait too long.
var ErrOverloaded = errors.New("admission: overloaded")

// Config configures a Controller.
type Config struct {
	// Capacity is the total cost that may run at once. Default 28 per CPU: two 12 MP JPEG →
	// 300 px renditions (cost 13 each) per core, the best measured concurrency with one libvips
	// thread per image; a 24 MP PNG (cost ≥ 48) runs with at most a small job beside it.
	Capacity int64 `mapstructure:"capacity"`
	// MaxQueue is the number of requests that may wait. Default 64 per CPU.
	MaxQueue int `mapstructure:"max_queue"`
	// MaxWait is the longest a request waits before it is shed. Default 3s.
	MaxWait time.Duration `mapstructure:"max_wait"`
}

// DefaultConfig returns the configuration used unless configured otherwise.
func DefaultConfig() Config {
	n := runtime.GOMAXPROCS(0)
	return Config{Capacity: int64(28 * n), MaxQueue: 64 * n, MaxWait: 3 * time.Second}
}

// Validate checks every key; the errors name the key.
func (c Config) Validate() error {
	var errs []error
	if c.Capacity < 1 {
		errs = append(errs, errors.New("capacity: must be >= 1"))
	}
	if c.MaxQueue < 0 {
		errs = append(errs, errors.New("max_queue: must be >= 0"))
	}
	if c.MaxWait < 0 {
		errs = append(errs, errors.New("max_wait: must be >= 0"))
	}
	return errors.Join(errs...)
}

// Controller admits work by cost. It is safe for concurrent use.
type Controller struct {
	cfg      Config
	sem      *semaphore.Weighted
	queued   atomic.Int64
	inFlight atomic.Int64
	used     atomic.Int64
	// onQueued, when set (tests), is called after a request joined the queue.
	onQueued func()
}

// New returns a Controller for cfg.
func New(cfg Config) (*Controller, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("admission: %w", err)
	}
	return &Controller{cfg: cfg, sem: semaphore.NewWeighted(cfg.Capacity)}, nil
}

// Acquire admits work of the given cost, waiting in the queue if needed. It returns a
// release function to call exactly once when the work is done (further calls do nothing),
// or ErrOverloaded, or the context's error if ctx ends first.
func (c *Controller) Acquire(ctx context.Context, cost int64) (release func(), err error) {
	cost = min(max(cost, 1), c.cfg.Capacity)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !c.sem.TryAcquire(cost) {
		if err := c.wait(ctx, cost); err != nil {
			return nil, err
		}
	}
	c.inFlight.Add(1)
	c.used.Add(cost)
	var done atomic.Bool
	return func() {
		if done.CompareAndSwap(false, true) {
			c.used.Add(-cost)
			c.inFlight.Add(-1)
			c.sem.Release(cost)
		}
	}, nil
}

func (c *Controller) wait(ctx context.Context, cost int64) error {
	for {
		q := c.queued.Load()
		if q >= int64(c.cfg.MaxQueue) {
			return fmt.Errorf("%w: %d requests queued", ErrOverloaded, q)
		}
		if c.queued.CompareAndSwap(q, q+1) {
			break
		}
	}
	defer c.queued.Add(-1)
	if c.onQueued != nil {
		c.onQueued()
	}
	wctx, cancel := context.WithTimeout(ctx, c.cfg.MaxWait)
	defer cancel()
	if err := c.sem.Acquire(wctx, cost); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return fmt.Errorf("%w: waited %v", ErrOverloaded, c.cfg.MaxWait)
	}
	return nil
}

// QueueDepth is the number of requests waiting.
func (c *Controller) QueueDepth() int { return int(c.queued.Load()) }

// InFlight is the number of admitted requests not yet released.
func (c *Controller) InFlight() int64 { return c.inFlight.Load() }

// Used is the total cost of the admitted requests not yet released.
func (c *Controller) Used() int64 { return c.used.Load() }

// Capacity is the configured capacity.
func (c *Controller) Capacity() int64 { return c.cfg.Capacity }
