package cache

import (
	"time"

	"github.com/imgorigin/imgorigin/origin/lru"
)

// negCache remembers permanent load failures for a short time (LRU bounded by entries).
type negCache struct {
	max     int
	entries *lru.Cache[negEntry]
}

type negEntry struct {
	err     error
	expires time.Time
}

func newNegCache(max int) *negCache {
	return &negCache{max: max, entries: lru.New[negEntry](max)}
}

func (n *negCache) get(key string, now time.Time) error {
	e, ok := n.entries.Get(key)
	if !ok {
		return nil
	}
	if now.After(e.expires) {
		n.entries.Drop(key)
		return nil
	}
	return e.err
}

func (n *negCache) put(key string, err error, expires time.Time) {
	if n.max <= 0 {
		return
	}
	n.entries.Put(key, negEntry{err: err, expires: expires})
}

func (n *negCache) len() int { return n.entries.Len() }
