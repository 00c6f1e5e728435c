package autoformat

// MemoLen returns how many Accept headers r remembers (for tests).
func MemoLen(r *Rules) int {
	r.memo.mu.RLock()
	defer r.memo.mu.RUnlock()
	return len(r.memo.m)
}
