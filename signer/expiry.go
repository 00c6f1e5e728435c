package signer

import "time"

// Expiry returns the unix time at which a URL signed at now for ttl expires: now+ttl rounded
// up to a multiple of bucket (bucket ≤ 1s means whole seconds). Every URL for a path signed
// within one bucket is therefore byte-identical.
func Expiry(now time.Time, ttl, bucket time.Duration) int64 {
	t := now.Add(ttl)
	sec := t.Unix()
	if t.Nanosecond() > 0 {
		sec++
	}
	b := int64(bucket / time.Second)
	if b <= 1 {
		return sec
	}
	if r := sec % b; r != 0 {
		sec += b - r
	}
	return sec
}
