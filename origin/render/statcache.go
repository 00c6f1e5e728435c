package render

import (
	"time"

	"github.com/imgorigin/imgorigin/origin/source"
)

// statCache remembers Stat answers for a short time, so a burst of variants of one mutable
// original costs one round trip to the store. Immutable objects are kept until evicted.
type statCache struct {
	ttl     time.Duration
	entries *lru[statEntry]
}

type statEntry struct {
	info    source.Info
	expires time.Time
}

func newStatCache(ttl time.Duration, max int) *statCache {
	return &statCache{ttl: ttl, entries: newLRU[statEntry](max)}
}

func (c *statCache) get(key string, now time.Time) (source.Info, bool) {
	if c.ttl == 0 {
		return source.Info{}, false
	}
	e, ok := c.entries.get(key)
	if !ok {
		return source.Info{}, false
	}
	if !e.info.Immutable && now.After(e.expires) {
		c.entries.drop(key)
		return source.Info{}, false
	}
	return e.info, true
}

func (c *statCache) put(key string, info source.Info, now time.Time) {
	if c.ttl == 0 {
		return
	}
	c.entries.put(key, statEntry{info: info, expires: now.Add(c.ttl)})
}

func (c *statCache) drop(key string) { c.entries.drop(key) }
