package cache

import (
	"net/url"
	"strings"
)

// ShardKey returns the string nginx hashes for a cache key (see the package documentation):
// mode "object" gives the decoded "{source}/{object key}", mode "path" the decoded path of a
// variant key (and "{source}/{object key}" for an original key).
func ShardKey(mode, key string) string {
	if i := strings.IndexByte(key, '#'); i >= 0 {
		key = key[:i]
	}
	if rest, ok := strings.CutPrefix(key, "/i/"); ok && mode == ShardObject {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			key = rest[i+1:]
		}
	}
	if strings.IndexByte(key, '%') < 0 {
		return key
	}
	if u, err := url.PathUnescape(key); err == nil {
		return u
	}
	return key
}
