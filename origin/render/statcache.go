package render

import (
	"net/http"
	"time"

	"github.com/imgorigin/imgorigin/origin/lru"
	"github.com/imgorigin/imgorigin/origin/source"
)

// statCache remembers Stat answers for a short time, so a burst of variants of one mutable
// original costs one round trip to the store. Immutable objects are kept until evicted.
type statCache struct {
	ttl     time.Duration
	entries *lru.Cache[statEntry]
}

type statEntry struct {
	info         source.Info
	lastModified string // info.LastModified as an HTTP date, formatted once per entry
	expires      time.Time
}

// httpDate is t as a Last-Modified value; "" for the zero time.
func httpDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(http.TimeFormat)
}

func newStatCache(ttl time.Duration, max int) *statCache {
	return &statCache{ttl: ttl, entries: lru.New[statEntry](max)}
}

func (c *statCache) get(key string, now time.Time) (statEntry, bool) {
	if c.ttl == 0 {
		return statEntry{}, false
	}
	e, ok := c.entries.Get(key)
	if !ok {
		return statEntry{}, false
	}
	if !e.info.Immutable && now.After(e.expires) {
		c.entries.Drop(key)
		return statEntry{}, false
	}
	return e, true
}

func (c *statCache) put(key string, e statEntry, now time.Time) {
	if c.ttl == 0 {
		return
	}
	e.expires = now.Add(c.ttl)
	c.entries.Put(key, e)
}

func (c *statCache) drop(key string) { c.entries.Drop(key) }
