package upload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/source"
	"github.com/imgorigin/imgorigin/signer"
	"github.com/imgorigin/imgorigin/signer/imgurl"
)

// Deleted is the answer to a signed delete.
type Deleted struct {
	Source string `json:"source"`
	Key    string `json:"key"`
	// Existed is false when the object was already gone (a retried delete): the purge ran
	// anyway.
	Existed bool `json:"existed"`
	// SurrogateKey is the tag the edge caches were purged by.
	SurrogateKey string `json:"surrogate_key"`
}

// Delete checks the signed delete of key in sourceName (token from ?token=), removes the
// object and purges its variants at the edge. A retried delete of a gone object purges again
// and answers Existed false; a failed purge is a retryable 502.
func (s *Service) Delete(ctx context.Context, sourceName, key, token string) (d Deleted, err error) {
	defer func() {
		result := "deleted"
		switch {
		case err != nil:
			result = failure.KindOf(err).String()
		case !d.Existed:
			result = "gone"
		}
		s.d.Obs.Deleted(sourceName, result)
	}()
	return s.delete(ctx, sourceName, key, token)
}

func (s *Service) delete(ctx context.Context, sourceName, key, token string) (Deleted, error) {
	if err := imgurl.ValidateKey(key, imgurl.DefaultLimits()); err != nil {
		return Deleted{}, failure.New(failure.KindBadRequest, "invalid object key", err)
	}
	if err := s.d.Keys.CheckDelete(signer.UploadPath(sourceName, key), token); err != nil {
		return Deleted{}, failure.New(failure.KindForbidden, "delete refused: "+err.Error(), err)
	}
	st, ok := s.d.Stores[sourceName]
	if !ok {
		return Deleted{}, failure.New(failure.KindUnknownName, fmt.Sprintf("no writable source %q", sourceName), nil)
	}
	ctx, cancel := context.WithTimeout(ctx, s.cfg.Timeout)
	defer cancel()
	d := Deleted{Source: sourceName, Key: key, Existed: true,
		SurrogateKey: render.SurrogateKey(imgurl.Path{Variant: imgurl.Variant{Preset: "any"}, Source: sourceName, Key: key})}
	if err := st.Delete(ctx, key); errors.Is(err, source.ErrNotFound) {
		d.Existed = false
	} else if err != nil {
		return Deleted{}, storeFailure(err)
	}
	if s.d.Purger != nil {
		if err := s.d.Purger.Purge(ctx, d.SurrogateKey); err != nil {
			return Deleted{}, failure.New(failure.KindUnavailable, "the object is deleted but purging the edge failed; retry the delete", err)
		}
	}
	return d, nil
}

// HTTPPurger purges by POST {url}?tag={surrogate key} at every URL: the edge stand-in's purge
// API (cdn/README.md shows the calls of Aliyun, Tencent and CloudFront to put behind a small
// adapter at such a URL).
type HTTPPurger struct {
	URLs   []string
	Token  string // bearer token; "" sends none
	Client *http.Client
}

// NewHTTPPurger returns a purger of urls with a client bounded by timeout, authenticating with
// the bearer token.
func NewHTTPPurger(urls []string, token string, timeout time.Duration) *HTTPPurger {
	return &HTTPPurger{URLs: urls, Token: token, Client: &http.Client{Timeout: timeout}}
}

// Purge implements Purger: every URL must answer 2xx.
func (p *HTTPPurger) Purge(ctx context.Context, tag string) error {
	var errs []error
	for _, u := range p.URLs {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u+"?tag="+url.QueryEscape(tag), nil)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if p.Token != "" {
			req.Header.Set("Authorization", "Bearer "+p.Token)
		}
		resp, err := p.Client.Do(req)
		if err != nil {
			errs = append(errs, fmt.Errorf("purge %s: %w", u, err))
			continue
		}
		resp.Body.Close()
		if resp.StatusCode/100 != 2 {
			errs = append(errs, fmt.Errorf("purge %s: %s", u, resp.Status))
		}
	}
	return errors.Join(errs...)
}
