package admission

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

func newController(t *testing.T, capacity int64, maxQueue int, maxWait time.Duration) (*Controller, chan struct{}) {
	t.Helper()
	c, err := New(Config{Capacity: capacity, MaxQueue: maxQueue, MaxWait: maxWait})
	if err != nil {
		t.Fatal(err)
	}
	queued := make(chan struct{}, 100)
	c.onQueued = func() { queued <- struct{}{} }
	return c, queued
}

func mustAcquire(t *testing.T, c *Controller, cost int64) func() {
	t.Helper()
	rel, err := c.Acquire(context.Background(), cost)
	if err != nil {
		t.Fatalf("Acquire(%d): %v", cost, err)
	}
	return rel
}

func TestValidate(t *testing.T) {
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("defaults: %v", err)
	}
	err := Config{Capacity: 0, MaxQueue: -1, MaxWait: -1}.Validate()
	for _, key := range []string{"capacity:", "max_queue:", "max_wait:"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("error %v does not name %s", err, key)
		}
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New accepted a zero config")
	}
}

func TestAcquireRelease(t *testing.T) {
	c, _ := newController(t, 10, 1, time.Minute)
	r1 := mustAcquire(t, c, 4)
	r2 := mustAcquire(t, c, 6)
	if c.InFlight() != 2 || c.Used() != 10 {
		t.Fatalf("InFlight=%d Used=%d, want 2, 10", c.InFlight(), c.Used())
	}
	r1()
	r1() // idempotent
	r2()
	if c.InFlight() != 0 || c.Used() != 0 {
		t.Fatalf("after release InFlight=%d Used=%d", c.InFlight(), c.Used())
	}
	t.Run("cost above capacity is clamped", func(t *testing.T) {
		r := mustAcquire(t, c, 1000)
		if c.Used() != 10 {
			t.Errorf("Used = %d, want 10", c.Used())
		}
		r()
	})
	t.Run("zero cost counts as one", func(t *testing.T) {
		r := mustAcquire(t, c, 0)
		if c.Used() != 1 {
			t.Errorf("Used = %d, want 1", c.Used())
		}
		r()
	})
}

func TestQueueFullSheds(t *testing.T) {
	c, queued := newController(t, 10, 1, time.Minute)
	hold := mustAcquire(t, c, 10)
	waiter := make(chan error, 1)
	go func() {
		rel, err := c.Acquire(context.Background(), 5)
		if err == nil {
			rel()
		}
		waiter <- err
	}()
	<-queued
	if c.QueueDepth() != 1 {
		t.Fatalf("QueueDepth = %d, want 1", c.QueueDepth())
	}
	// The queue (1) is full: the next request is shed at once.
	if _, err := c.Acquire(context.Background(), 1); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Acquire with a full queue = %v, want ErrOverloaded", err)
	}
	hold()
	if err := <-waiter; err != nil {
		t.Fatalf("queued request: %v", err)
	}
	if c.QueueDepth() != 0 || c.InFlight() != 0 {
		t.Fatalf("QueueDepth=%d InFlight=%d after all done", c.QueueDepth(), c.InFlight())
	}
}

func TestMaxWaitSheds(t *testing.T) {
	c, _ := newController(t, 1, 5, time.Millisecond)
	hold := mustAcquire(t, c, 1)
	defer hold()
	_, err := c.Acquire(context.Background(), 1)
	if !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Acquire after MaxWait = %v, want ErrOverloaded", err)
	}
}

func TestZeroQueueShedsAtOnce(t *testing.T) {
	c, _ := newController(t, 1, 0, time.Minute)
	hold := mustAcquire(t, c, 1)
	defer hold()
	if _, err := c.Acquire(context.Background(), 1); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Acquire = %v, want ErrOverloaded", err)
	}
}

func TestContextCancelled(t *testing.T) {
	c, queued := newController(t, 1, 5, time.Minute)
	hold := mustAcquire(t, c, 1)
	defer hold()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		_, err := c.Acquire(ctx, 1)
		done <- err
	}()
	<-queued
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire = %v, want context.Canceled", err)
	}
	if c.QueueDepth() != 0 {
		t.Fatalf("QueueDepth = %d after cancel", c.QueueDepth())
	}
	if _, err := c.Acquire(ctx, 1); !errors.Is(err, context.Canceled) {
		t.Fatalf("Acquire with a done context = %v", err)
	}
}

// TestFIFO checks a big request at the head of the queue is not overtaken by small ones.
func TestFIFO(t *testing.T) {
	c, queued := newController(t, 10, 10, time.Minute)
	hold := mustAcquire(t, c, 6)
	order := make(chan string, 2)
	var wg sync.WaitGroup
	start := func(name string, cost int64) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rel, err := c.Acquire(context.Background(), cost)
			if err != nil {
				order <- "error " + err.Error()
				return
			}
			order <- name
			rel()
		}()
		<-queued
	}
	start("big", 10)
	// Wait until the big request is inside the semaphore's queue: from then on TryAcquire fails
	// even though 4 units are free.
	for i := 0; ; i++ {
		if !c.sem.TryAcquire(1) {
			break
		}
		c.sem.Release(1)
		if i > 1e7 {
			t.Fatal("the big request never queued")
		}
		runtime.Gosched()
	}
	// 4 units are free, but the small request queues behind the big one.
	start("small", 2)
	if c.InFlight() != 1 {
		t.Fatalf("InFlight = %d, small request overtook the queue", c.InFlight())
	}
	hold()
	wg.Wait()
	if a, b := <-order, <-order; a != "big" || b != "small" {
		t.Fatalf("order %q, %q; want big, small", a, b)
	}
}

func BenchmarkAcquire(b *testing.B) {
	c, err := New(Config{Capacity: 1 << 20, MaxQueue: 1024, MaxWait: time.Second})
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			rel, err := c.Acquire(context.Background(), 13)
			if err != nil {
				b.Error(err)
				return
			}
			rel()
		}
	})
}
