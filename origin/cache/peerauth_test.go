package cache_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/imgorigin/imgorigin/origin/cache"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
)

// metricValue is the value of one of c's metrics for a group.
func metricValue(t *testing.T, c *cache.Cache, name, group string) float64 {
	t.Helper()
	reg := prometheus.NewPedanticRegistry()
	if err := reg.Register(c.Collectors()[0]); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, l := range m.GetLabel() {
				if l.GetName() == "group" && l.GetValue() == group {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	t.Fatalf("no metric %s{group=%q}", name, group)
	return 0
}

// peerSign is the X-Peer-Auth value for (group, key) at ts under secret, computed here from the
// documented wire format (not with the package's own signer).
func peerSign(secret, group, key string, ts int64) string {
	t := strconv.FormatInt(ts, 10)
	m := hmac.New(sha256.New, []byte(secret))
	io.WriteString(m, "imgorigin-peer\n"+group+"\n"+key+"\n"+t)
	return t + "." + base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// TestPeerRequestsAuthenticated: whoever reaches the internal port without the cluster secret
// gets 403 and causes no load at all (before issue 14 it read any original byte for byte and
// had any variant rendered); a peer with the secret (current or previous) is served.
func TestPeerRequestsAuthenticated(t *testing.T) {
	cfg := testConfig()
	cfg.PeerSecret.Previous = "previous-cluster-secret-0123456789ab"
	cl := newCluster(t, 2, cfg)
	const key = "s3/albums/a1/photo%201.jpg#etag-1"
	addr := cl.peers[0].Internal
	get := func(group, value string, extra ...string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, "http://"+addr+cache.PeerPath+group+"/"+url.PathEscape(key), nil)
		if value != "" {
			req.Header.Set(cache.PeerAuthHeader, value)
		}
		for _, v := range extra {
			req.Header.Add(cache.PeerAuthHeader, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	now := time.Now().Unix()
	good := peerSign(testPeerSecret, "originals", key, now)
	refused := []struct{ name, group, value string }{
		{"no credential", "originals", ""},
		{"wrong secret", "originals", peerSign("another-secret-0123456789abcdefghij", "originals", key, now)},
		{"other key's credential", "originals", peerSign(testPeerSecret, "originals", key+"x", now)},
		{"other group's credential", "variants", good},
		{"stale", "originals", peerSign(testPeerSecret, "originals", key, now-int64(cache.PeerAuthWindow/time.Second)-5)},
		{"from the future", "originals", peerSign(testPeerSecret, "originals", key, now+int64(cache.PeerAuthWindow/time.Second)+5)},
		{"malformed", "originals", "abc"},
		{"leading zero", "originals", "0" + good},
	}
	for _, tt := range refused {
		t.Run(tt.name, func(t *testing.T) {
			if code, body := get(tt.group, tt.value); code != http.StatusForbidden || strings.Contains(body, "original:") {
				t.Fatalf("status %d body %q, want 403", code, body)
			}
		})
	}
	if code, _ := get("originals", good, good); code != http.StatusForbidden {
		t.Errorf("two credentials: %d, want 403", code)
	}
	cl.mu.Lock()
	n := cl.origLd[key]
	cl.mu.Unlock()
	if n != 0 {
		t.Fatalf("refused requests caused %d loads", n)
	}
	for _, secret := range []string{testPeerSecret, cfg.PeerSecret.Previous} {
		if code, body := get("originals", peerSign(secret, "originals", key, now)); code != http.StatusOK || body != "original:"+key {
			t.Fatalf("signed request: %d %q", code, body)
		}
	}
	// Every refusal but the one under /variants/, plus the two-credential one.
	if got := metricValue(t, cl.nodes[0].cache, "imgorigin_cache_peer_denied_total", "originals"); got != float64(len(refused)) {
		t.Errorf("peer_denied_total = %v, want %d", got, len(refused))
	}
}

// TestPeerSecretRotation: nodes signing with the new secret are served by nodes that have it
// as previous or current, so the secret rotates one node at a time; a node with another secret
// is refused and its keys load locally.
func TestPeerSecretRotation(t *testing.T) {
	const a, b = "secret-a-0123456789abcdefghijklmnop", "secret-b-0123456789abcdefghijklmnop"
	for _, tt := range []struct {
		name         string
		asker, owner cache.PeerSecret
		peerHit      bool
	}{
		{"both current", cache.PeerSecret{Current: a}, cache.PeerSecret{Current: a}, true},
		{"owner has it as previous", cache.PeerSecret{Current: a}, cache.PeerSecret{Current: b, Previous: a}, true},
		{"asker moved on", cache.PeerSecret{Current: b, Previous: a}, cache.PeerSecret{Current: a, Previous: b}, true},
		{"different secrets", cache.PeerSecret{Current: a}, cache.PeerSecret{Current: b}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ca, co := testConfig(), testConfig()
			ca.PeerSecret, co.PeerSecret = tt.asker, tt.owner
			cl := newClusterConfigs(t, []cache.Config{ca, co})
			// A key the second node owns, asked on the first.
			var k string
			for i := 0; ; i++ {
				k = originalKey(i)
				if cl.nodes[0].cache.Owner(k) == cl.peers[1].Name {
					break
				}
			}
			_, o, err := cl.nodes[0].cache.Original(context.Background(), k)
			if err != nil {
				t.Fatal(err)
			}
			if got := o == render.OutcomePeer; got != tt.peerHit {
				t.Fatalf("outcome %q, want a peer fetch: %v", o, tt.peerHit)
			}
		})
	}
}

func TestPeerSecretRequired(t *testing.T) {
	cfg := testConfig()
	cfg.PeerSecret = cache.PeerSecret{}
	peers := []pool.Member{{Name: "10.9.0.1:8080", Internal: "127.0.0.1:1"}, {Name: "10.9.0.2:8080", Internal: "127.0.0.1:2"}}
	load := func(context.Context, string) ([]byte, error) { return nil, nil }
	if _, err := cache.New(cfg, peers[0].Name, peers, render.Shard(cfg.ShardKey), load, load); err == nil || !strings.Contains(err.Error(), "peer_secret") {
		t.Fatalf("a pool without a cluster secret: %v", err)
	}
	if _, err := cache.New(cfg, "", nil, render.Shard(cfg.ShardKey), load, load); err != nil {
		t.Fatalf("a single node needs no secret: %v", err)
	}
	cfg.PeerSecret = cache.PeerSecret{Current: "short"}
	if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "peer_secret.current") {
		t.Fatalf("short secret: %v", err)
	}
	if s := (cache.PeerSecret{Current: testPeerSecret}).String(); strings.Contains(s, testPeerSecret) {
		t.Fatalf("String shows the secret: %s", s)
	}
}
