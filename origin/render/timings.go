package render

import "context"

type timingsKey struct{}

func withTimings(ctx context.Context, t *Timings) context.Context {
	return context.WithValue(ctx, timingsKey{}, t)
}

// timingsFrom returns the request's timings, or a throwaway when the load runs for another
// node's request (a peer load has no local request to report to).
func timingsFrom(ctx context.Context) *Timings {
	if t, ok := ctx.Value(timingsKey{}).(*Timings); ok {
		return t
	}
	return &Timings{}
}
