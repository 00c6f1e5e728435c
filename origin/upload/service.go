package upload

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Keys is what the write path needs of authorization (auth.Authorizer): policy and delete
// verification with the current keys, and the ring that signs the answer's URLs.
type Keys interface {
	UploadPolicy(token string) (signer.UploadPolicy, error)
	CheckDelete(escapedPath, token string) error
	Ring() *signer.Ring
}

// Processor is the image engine as the read path uses it (render.Processor).
type Processor = render.Processor

// Admitter is the read path's admission control, which re-encoding shares.
type Admitter = render.Admitter

// Purger removes a source object's variants from the edge caches.
type Purger interface {
	Purge(ctx context.Context, surrogateKey string) error
}

// Deps are the write path's collaborators.
type Deps struct {
	// Stores are the writable sources by name.
	Stores map[string]source.ReadWriter
	Keys   Keys
	Proc   Processor
	Adm    Admitter
	Purger Purger // nil: deletes purge nothing
	// Presets are the configured preset names (render.Renderer.PresetNames).
	Presets []string
	// MaxSourceBytes is the read path's bound on originals (render.max_source_bytes).
	MaxSourceBytes int64
	// ExpiryBucket rounds the answer's URL expiries (auth.expiry_bucket).
	ExpiryBucket time.Duration
	Log          *slog.Logger
	Now          func() time.Time // nil: time.Now
	Obs          Observer         // nil: nothing is counted
}

// Observer counts uploads and deletes (telemetry.Metrics).
type Observer interface {
	// Uploaded: result is created, replayed, or the failure kind; bytes are those stored by
	// this upload (0 unless created).
	Uploaded(source, result string, bytes int, d time.Duration)
	// Deleted: result is deleted, gone, or the failure kind.
	Deleted(source, result string)
}

type nopObserver struct{}

func (nopObserver) Uploaded(string, string, int, time.Duration) {}
func (nopObserver) Deleted(string, string)                      {}

// Service runs uploads and deletes. It is safe for concurrent use.
type Service struct {
	cfg      Config
	d        Deps
	journal  source.ReadWriter
	inflight chan struct{}
	presets  []string
}

// New builds the service. The journal, when configured, must be one of deps.Stores that takes
// keys.
func New(cfg Config, d Deps) (*Service, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("upload: %w", err)
	}
	if d.Keys == nil || d.Proc == nil || d.Adm == nil || d.Log == nil || d.MaxSourceBytes < 1 {
		return nil, errors.New("upload: keys, processor, admission, log and max source bytes are required")
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.Obs == nil {
		d.Obs = nopObserver{}
	}
	s := &Service{cfg: cfg, d: d, inflight: make(chan struct{}, cfg.MaxInflight)}
	if cfg.Journal != "" {
		j, ok := d.Stores[cfg.Journal]
		if !ok || assignsKeys(j) {
			return nil, fmt.Errorf("upload.journal: %q is not a writable source that takes keys (local or s3)", cfg.Journal)
		}
		s.journal = j
	}
	s.presets = cfg.Presets
	if len(s.presets) == 0 {
		s.presets = d.Presets
	}
	for _, p := range s.presets {
		if !slices.Contains(d.Presets, p) {
			return nil, fmt.Errorf("upload.presets: %q is not a configured preset", p)
		}
	}
	return s, nil
}

// CORSOrigins returns the page origins browsers may upload from.
func (s *Service) CORSOrigins() []string { return s.cfg.CORSOrigins }

// Grant is an authorized upload that has not read its body yet.
type Grant struct {
	policy  signer.UploadPolicy
	store   source.ReadWriter
	key     string // the client's or the policy's key; "" when assigned
	limit   int64
	release func()
}

// Limit is how many body bytes the upload may have; the caller reads at most Limit+1.
func (g *Grant) Limit() int64 { return g.limit }

// Release frees the grant's in-flight slot; call it once the upload is done.
func (g *Grant) Release() { g.release() }

var errNoSlot = failure.New(failure.KindOverloaded, "too many uploads in progress, retry shortly", nil)

// Authorize checks an upload policy for source and the client's key (may be empty) before any
// body is read, and takes an in-flight slot.
func (s *Service) Authorize(sourceName, key, token string) (*Grant, error) {
	p, err := s.d.Keys.UploadPolicy(token)
	if err != nil {
		return nil, failure.New(failure.KindForbidden, "upload policy refused: "+err.Error(), err)
	}
	if p.Source != sourceName {
		return nil, failure.New(failure.KindForbidden, fmt.Sprintf("upload policy is for source %q, not %q", p.Source, sourceName), nil)
	}
	st, ok := s.d.Stores[sourceName]
	if !ok {
		return nil, failure.New(failure.KindUnknownName, fmt.Sprintf("no writable source %q", sourceName), nil)
	}
	switch {
	case key != "" && assignsKeys(st):
		return nil, failure.New(failure.KindBadRequest, fmt.Sprintf("source %q assigns its own keys: send no key", sourceName), nil)
	case key != "" && !p.AllowsKey(key):
		return nil, failure.New(failure.KindForbidden, "the key is outside the upload policy", nil)
	case key == "":
		key = p.Key
	}
	if key != "" && assignsKeys(st) {
		return nil, failure.New(failure.KindBadRequest, fmt.Sprintf("source %q assigns its own keys: the policy must name no key", sourceName), nil)
	}
	select {
	case s.inflight <- struct{}{}:
	default:
		return nil, errNoSlot
	}
	var once bool
	return &Grant{policy: p, store: st, key: key,
		limit: min(p.MaxBytes, s.cfg.MaxBytes, s.d.MaxSourceBytes),
		release: func() {
			if !once {
				once = true
				<-s.inflight
			}
		}}, nil
}

// Result is the answer to a stored upload.
type Result struct {
	Source string            `json:"source"`
	Key    string            `json:"key"`
	Width  int               `json:"width"`
	Height int               `json:"height"`
	Format string            `json:"format"`
	Bytes  int               `json:"bytes"`
	SHA256 string            `json:"sha256"`
	URLs   map[string]string `json:"urls,omitempty"`
	// Replayed is true when the answer repeats an earlier upload's (idempotent retry).
	Replayed bool `json:"replayed,omitempty"`
}

// Store validates data under the grant's policy, stores it and verifies it. idemKey is the
// client's Idempotency-Key ("" none).
func (s *Service) Store(ctx context.Context, g *Grant, data []byte, idemKey string) (res Result, err error) {
	t0 := time.Now()
	defer func() {
		result, stored := "created", res.Bytes
		switch {
		case err != nil:
			result, stored = failure.KindOf(err).String(), 0
		case res.Replayed:
			result, stored = "replayed", 0
		}
		s.d.Obs.Uploaded(g.policy.Source, result, stored, time.Since(t0))
	}()
	return s.store(ctx, g, data, idemKey)
}

func (s *Service) store(ctx context.Context, g *Grant, data []byte, idemKey string) (Result, error) {
	if int64(len(data)) > g.limit {
		return Result{}, failure.New(failure.KindTooLarge, fmt.Sprintf("the upload is larger than the %d bytes allowed", g.limit), nil)
	}
	if len(idemKey) > 255 {
		return Result{}, failure.New(failure.KindBadRequest, "Idempotency-Key: at most 255 bytes", nil)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	img, err := s.validate(ctx, g.policy, data)
	if err != nil {
		return Result{}, err
	}
	sum := sha256.Sum256(img.data)
	res := Result{Source: g.policy.Source, Width: img.width, Height: img.height, Format: string(img.format),
		Bytes: len(img.data), SHA256: hex.EncodeToString(sum[:])}
	obj := source.Object{Ext: extOf(img.format), ContentType: contentTypeOf(img.format), Data: img.data, SHA256: sum}

	if assignsKeys(g.store) {
		return s.storeAssigned(ctx, g, obj, res, idemKey)
	}
	obj.Key = g.key
	if obj.Key == "" {
		obj.Key = derivedKey(g.policy, idemKey, sum, obj.Ext)
	}
	return s.storeKeyed(ctx, g.store, obj, res)
}

// storeKeyed creates obj.Key; an existing object with the same bytes is the first result
// of a retry, other bytes are a conflict.
func (s *Service) storeKeyed(ctx context.Context, st source.ReadWriter, obj source.Object, res Result) (Result, error) {
	res.Key = obj.Key
	_, _, err := st.Create(ctx, obj)
	switch {
	case errors.Is(err, source.ErrExists):
		old, _, rerr := source.ReadAll(ctx, st, obj.Key, int64(len(obj.Data)))
		if rerr == nil && sha256.Sum256(old) == obj.SHA256 {
			res.Replayed = true
			return s.withURLs(res)
		}
		if rerr != nil && !errors.Is(rerr, source.ErrTooLarge) {
			return Result{}, storeFailure(rerr)
		}
		return Result{}, failure.New(failure.KindConflict, fmt.Sprintf("key %q already holds other bytes", obj.Key), err)
	case err != nil:
		return Result{}, storeFailure(err)
	}
	return s.withURLs(res)
}

// storeAssigned uploads into a store that names the object, recording idempotent uploads in
// the journal.
func (s *Service) storeAssigned(ctx context.Context, g *Grant, obj source.Object, res Result, idemKey string) (Result, error) {
	var rec string
	if idemKey != "" {
		if s.journal == nil {
			return Result{}, failure.New(failure.KindBadRequest,
				fmt.Sprintf("source %q assigns its own keys and no upload.journal is configured: Idempotency-Key cannot be honoured", g.policy.Source), nil)
		}
		rec = journalKey(s.cfg.JournalPrefix, g.policy.Source, idemKey)
		if prev, ok, err := s.readRecord(ctx, rec); err != nil {
			return Result{}, err
		} else if ok {
			return s.replay(prev, res)
		}
	}
	key, _, err := g.store.Create(ctx, obj)
	if err != nil {
		return Result{}, storeFailure(err)
	}
	res.Key = key
	if rec == "" {
		return s.withURLs(res)
	}
	werr := s.writeRecord(ctx, rec, res)
	if werr == nil {
		return s.withURLs(res)
	}
	// Not recorded: this file must not stay, or a retry would make a second one. A twin that
	// recorded first has the answer.
	if derr := g.store.Delete(context.WithoutCancel(ctx), key); derr != nil {
		s.d.Log.Error("upload: an unrecorded upload could not be deleted; it is orphaned (no one was told its key)",
			"source", g.policy.Source, "key", key, "error", derr.Error())
	}
	if errors.Is(werr, source.ErrExists) {
		prev, ok, err := s.readRecord(ctx, rec)
		if err == nil && ok {
			return s.replay(prev, res)
		}
		if err == nil {
			err = errors.New("journal record vanished")
		}
		return Result{}, storeFailure(err)
	}
	return Result{}, storeFailure(werr)
}

// replay answers an earlier result for the same idempotency key, if it was for the same bytes.
func (s *Service) replay(prev, now Result) (Result, error) {
	if prev.SHA256 != now.SHA256 {
		return Result{}, failure.New(failure.KindConflict, "the Idempotency-Key was used for other bytes", nil)
	}
	prev.Replayed = true
	return s.withURLs(prev)
}

// withURLs adds the signed canonical URLs of the configured presets.
func (s *Service) withURLs(res Result) (Result, error) {
	if s.cfg.URLBase == "" || len(s.presets) == 0 {
		return res, nil
	}
	ring := s.d.Keys.Ring()
	if ring == nil || ring.SigningKeyID() == "" {
		return res, nil
	}
	us := signer.URLSigner{Base: s.cfg.URLBase, Tokens: signer.Native{Ring: ring}, Bucket: s.d.ExpiryBucket, Now: s.d.Now}
	res.URLs = make(map[string]string, len(s.presets))
	for _, p := range s.presets {
		u, err := us.URL(imgurl.Path{Variant: imgurl.Variant{Preset: p}, Source: res.Source, Key: res.Key}, s.cfg.URLTTL)
		if err != nil {
			// The object is stored; a key too long for an image URL still gets its answer.
			s.d.Log.Warn("upload: no URL for the stored key", "key", res.Key, "error", err.Error())
			continue
		}
		res.URLs[p] = u
	}
	return res, nil
}

// storeFailure maps a store's error to the client's answer: every store failure is retryable.
func storeFailure(err error) error {
	var fe *failure.Error
	switch {
	case errors.As(err, &fe):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return err
	case errors.Is(err, source.ErrNotVerified):
		return failure.New(failure.KindUnavailable, "the store did not keep the bytes sent; nothing was stored, retry", err)
	case errors.Is(err, source.ErrUnavailable):
		// Before the kinds below: a garbled store answer can carry them too.
	case errors.Is(err, source.ErrInvalidKey):
		return failure.New(failure.KindBadRequest, "the store refuses this key", err)
	case errors.Is(err, source.ErrTooLarge):
		return failure.New(failure.KindTooLarge, "the store refuses objects this large", err)
	}
	return failure.New(failure.KindUnavailable, "the image store failed; nothing was stored, retry", err)
}

// assignsKeys reports whether the store names objects itself.
func assignsKeys(st source.Writer) bool {
	a, ok := st.(interface{ AssignsKeys() bool })
	return ok && a.AssignsKeys()
}
