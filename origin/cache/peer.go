package cache

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	pb "github.com/golang/groupcache/groupcachepb"

	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/source"
)

// Wire protocol on the internal listener:
//
//	GET /_groupcache/{originals|variants}/{url.PathEscape(key)}
//	X-Peer-Auth: {ts}.{mac} (peerauth.go)
//	200: the value; 404/422 + X-Cache-Failure: {kind}: a permanent failure, the body is its
//	public message; 503: a transient failure (the asking node loads locally); 403: the
//	credential is missing, stale or wrong (nothing was looked up).

const failureHeader = "X-Cache-Failure"

// maxPeerValue bounds a value read from a peer.
const maxPeerValue = 256 << 20

type peerGetter struct {
	g     *group
	owner string
	addr  string
}

// Get fetches a value from the owner; groupcache loads locally when it returns an error.
func (p *peerGetter) Get(ctx context.Context, in *pb.GetRequest, out *pb.GetResponse) error {
	parent := ctx
	ctx, cancel := context.WithTimeout(ctx, p.g.c.cfg.PeerTimeout)
	defer cancel()
	health := p.g.c.health
	// A transport failure marks the owner down (peerHealth), unless it was this request's own
	// caller that gave up.
	transport := func(err error) error {
		if parent.Err() == nil {
			health.failed(p.owner, time.Now())
		}
		return fmt.Errorf("cache: peer %s: %w", p.owner, err)
	}
	u := "http://" + p.addr + PeerPath + p.g.name + "/" + url.PathEscape(in.GetKey())
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	req.Header.Set(PeerAuthHeader, p.g.c.auth.sign(p.g.name, in.GetKey()))
	resp, err := p.g.c.client.Do(req)
	if err != nil {
		return transport(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxPeerValue+1))
	if err != nil {
		return transport(err)
	}
	health.answered(p.owner)
	if resp.StatusCode != http.StatusOK {
		if k, err := strconv.Atoi(resp.Header.Get(failureHeader)); err == nil && permanent(failure.Kind(k)) {
			// Remember the owner's verdict; groupcache now calls our getter, which answers it
			// from the negative cache instead of loading.
			p.g.neg.put(in.GetKey(), remoteFailure(failure.Kind(k), string(body), p.owner), time.Now().Add(p.g.c.cfg.NegativeTTL))
		}
		return fmt.Errorf("cache: peer %s: status %d", p.owner, resp.StatusCode)
	}
	if len(body) > maxPeerValue {
		return fmt.Errorf("cache: peer %s: value over %d bytes", p.owner, maxPeerValue)
	}
	out.Value = body
	record(ctx, render.OutcomePeer)
	return nil
}

func remoteFailure(k failure.Kind, public, owner string) error {
	var cause error = fmt.Errorf("cache: owner %s: %s", owner, k)
	if k == failure.KindNotFound {
		cause = fmt.Errorf("cache: owner %s: %w", owner, source.ErrNotFound)
	}
	if public == "" {
		public = k.String()
	}
	return failure.New(k, public, cause)
}

// PeerHandler serves this node's groups to its peers; mount it at PeerPath on the internal
// listener only. A request without a valid X-Peer-Auth for its group and key is refused with
// 403 before any lookup, load or store read.
func (c *Cache) PeerHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		if r.Method != http.MethodGet {
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		rest, ok := strings.CutPrefix(r.URL.EscapedPath(), PeerPath)
		name, escKey, ok2 := strings.Cut(rest, "/")
		g := c.groups[name]
		key, err := url.PathUnescape(escKey)
		if !ok || !ok2 || g == nil || err != nil || key == "" {
			http.Error(w, "bad peer request", http.StatusBadRequest)
			return
		}
		if vals := r.Header[PeerAuthHeader]; len(vals) != 1 || c.auth.verify(vals[0], name, key) != nil {
			g.peerDenied.Add(1)
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		g.g.Stats.ServerRequests.Add(1)
		var v []byte
		v, _, err = g.getValue(r.Context(), key)
		if err != nil {
			k := failure.KindOf(err)
			switch {
			case k == failure.KindNotFound:
				w.Header().Set(failureHeader, strconv.Itoa(int(k)))
				w.WriteHeader(http.StatusNotFound)
				_, _ = io.WriteString(w, failure.PublicMessage(err))
			case permanent(k):
				w.Header().Set(failureHeader, strconv.Itoa(int(k)))
				w.WriteHeader(http.StatusUnprocessableEntity)
				_, _ = io.WriteString(w, failure.PublicMessage(err))
			case errors.Is(err, context.Canceled):
				w.WriteHeader(499)
			default:
				http.Error(w, "load failed", http.StatusServiceUnavailable)
			}
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Length", strconv.Itoa(len(v)))
		_, _ = w.Write(v)
	})
}
