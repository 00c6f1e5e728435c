package render

import "context"

// Direct is a CacheFactory for a node without a cache: every request loads.
func Direct(loadOriginal, loadVariant Loader) (Cache, error) {
	return direct{loadOriginal, loadVariant}, nil
}

type direct struct{ original, variant Loader }

func (d direct) Original(ctx context.Context, key string) ([]byte, Outcome, error) {
	b, err := d.original(ctx, key)
	return b, OutcomeMiss, err
}

func (d direct) Variant(ctx context.Context, key string) ([]byte, Outcome, error) {
	b, err := d.variant(ctx, key)
	return b, OutcomeMiss, err
}
