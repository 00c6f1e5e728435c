// Package lru is a small bounded map with least-recently-used eviction, safe for concurrent
// use: the renderer's memos of Stat answers and probed headers, the cluster cache's negative
// entries. (groupcache's own lru is neither generic nor safe for concurrent use.)
package lru

import (
	"container/list"
	"sync"
)

// Cache maps strings to values of type V and holds at most max entries.
type Cache[V any] struct {
	max   int
	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
}

type entry[V any] struct {
	key string
	val V
}

// New returns an empty cache of at most max entries.
func New[V any](max int) *Cache[V] {
	return &Cache[V]{max: max, ll: list.New(), items: make(map[string]*list.Element)}
}

// Get returns the value under key and marks it used.
func (c *Cache[V]) Get(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.ll.MoveToFront(el)
	return el.Value.(*entry[V]).val, true
}

// Put stores val under key, evicting the least recently used entries beyond max.
func (c *Cache[V]) Put(key string, val V) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value.(*entry[V]).val = val
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&entry[V]{key: key, val: val})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*entry[V]).key)
	}
}

// Drop forgets key.
func (c *Cache[V]) Drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.Remove(el)
		delete(c.items, key)
	}
}

// Len is the number of entries.
func (c *Cache[V]) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ll.Len()
}
