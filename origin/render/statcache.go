package render

import (
	"container/list"
	"sort"
	"sync"
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
)

// statCache remembers Stat answers for a short time, so a burst of variants of one mutable
// original costs one round trip to the store. Immutable objects are kept until evicted.
type statCache struct {
	ttl time.Duration
	max int

	mu    sync.Mutex
	ll    *list.List
	items map[string]*list.Element
}

type statEntry struct {
	key     string
	info    source.Info
	expires time.Time
}

func newStatCache(ttl time.Duration, max int) *statCache {
	return &statCache{ttl: ttl, max: max, ll: list.New(), items: make(map[string]*list.Element)}
}

func (c *statCache) get(key string, now time.Time) (source.Info, bool) {
	if c.ttl == 0 {
		return source.Info{}, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.items[key]
	if !ok {
		return source.Info{}, false
	}
	e := el.Value.(*statEntry)
	if !e.info.Immutable && now.After(e.expires) {
		c.ll.Remove(el)
		delete(c.items, key)
		return source.Info{}, false
	}
	c.ll.MoveToFront(el)
	return e.info, true
}

func (c *statCache) put(key string, info source.Info, now time.Time) {
	if c.ttl == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		el.Value = &statEntry{key: key, info: info, expires: now.Add(c.ttl)}
		c.ll.MoveToFront(el)
		return
	}
	c.items[key] = c.ll.PushFront(&statEntry{key: key, info: info, expires: now.Add(c.ttl)})
	for c.ll.Len() > c.max {
		old := c.ll.Back()
		c.ll.Remove(old)
		delete(c.items, old.Value.(*statEntry).key)
	}
}

func (c *statCache) drop(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.ll.Remove(el)
		delete(c.items, key)
	}
}

func sortStrings(s []string) { sort.Strings(s) }
