package cache

import (
	"container/list"
	"sync"
	"time"
)

// negCache remembers permanent load failures for a short time (LRU bounded by entries).
type negCache struct {
	mu    sync.Mutex
	max   int
	ll    *list.List
	items map[string]*list.Element
}

type negEntry struct {
	key     string
	err     error
	expires time.Time
}

func newNegCache(max int) *negCache {
	return &negCache{max: max, ll: list.New(), items: map[string]*list.Element{}}
}

func (n *negCache) get(key string, now time.Time) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	e, ok := n.items[key]
	if !ok {
		return nil
	}
	ent := e.Value.(*negEntry)
	if now.After(ent.expires) {
		n.ll.Remove(e)
		delete(n.items, key)
		return nil
	}
	return ent.err
}

func (n *negCache) put(key string, err error, expires time.Time) {
	if n.max <= 0 {
		return
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if e, ok := n.items[key]; ok {
		e.Value = &negEntry{key: key, err: err, expires: expires}
		n.ll.MoveToFront(e)
		return
	}
	n.items[key] = n.ll.PushFront(&negEntry{key: key, err: err, expires: expires})
	for n.ll.Len() > n.max {
		old := n.ll.Back()
		n.ll.Remove(old)
		delete(n.items, old.Value.(*negEntry).key)
	}
}

func (n *negCache) len() int {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ll.Len()
}
