package upload

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/imgorigin/imgorigin/origin/source"
)

// maxRecord bounds a journal record read back.
const maxRecord = 64 << 10

// readRecord returns the result recorded under key, if any.
func (s *Service) readRecord(ctx context.Context, key string) (Result, bool, error) {
	b, _, err := source.ReadAll(ctx, s.journal, key, maxRecord)
	if errors.Is(err, source.ErrNotFound) {
		return Result{}, false, nil
	}
	if err != nil {
		return Result{}, false, storeFailure(fmt.Errorf("upload journal: %w", err))
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil || r.Key == "" || r.SHA256 == "" {
		return Result{}, false, storeFailure(fmt.Errorf("upload journal: record %q is not a result: %v", key, err))
	}
	return r, true, nil
}

// writeRecord records res under key, create-only: source.ErrExists says another upload with
// the same idempotency key recorded first.
func (s *Service) writeRecord(ctx context.Context, key string, res Result) error {
	res.URLs, res.Replayed = nil, false
	b, err := json.Marshal(res)
	if err != nil {
		return err
	}
	_, _, err = s.journal.Create(ctx, source.NewObject(key, "json", "application/json", b))
	return err
}
