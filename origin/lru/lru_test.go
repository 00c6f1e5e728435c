package lru_test

import (
	"strconv"
	"sync"
	"testing"

	"github.com/imgorigin/imgorigin/origin/lru"
)

func TestEvictsLeastRecentlyUsed(t *testing.T) {
	c := lru.New[int](2)
	c.Put("a", 1)
	c.Put("b", 2)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("Get(a) = %d, %v", v, ok)
	}
	c.Put("c", 3) // b is the least recently used
	if _, ok := c.Get("b"); ok {
		t.Fatal("b survived")
	}
	if c.Len() != 2 {
		t.Fatalf("Len = %d", c.Len())
	}
	c.Put("a", 10)
	if v, _ := c.Get("a"); v != 10 {
		t.Fatalf("Put did not replace: %d", v)
	}
	c.Drop("a")
	if _, ok := c.Get("a"); ok || c.Len() != 1 {
		t.Fatal("Drop kept a")
	}
}

func TestConcurrentUse(t *testing.T) {
	c := lru.New[int](64)
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 1000; i++ {
				k := strconv.Itoa(i % 100)
				c.Put(k, i)
				c.Get(k)
			}
		}()
	}
	wg.Wait()
	if c.Len() > 64 {
		t.Fatalf("Len %d over the bound", c.Len())
	}
}
