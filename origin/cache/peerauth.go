package cache

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Peer authentication (see "Peer requests are authenticated" in the package documentation).
//
//	X-Peer-Auth: {unix seconds}.{base64url(HMAC-SHA256(secret, "imgorigin-peer\n" group "\n" key "\n" seconds))}

// PeerAuthHeader carries a peer request's credential.
const PeerAuthHeader = "X-Peer-Auth"

// PeerAuthWindow is how far a peer request's timestamp may lie from the owner's clock: a
// captured request replays for at most this long, and only for its own group and key.
const PeerAuthWindow = 60 * time.Second

// minPeerSecret is the shortest cluster secret accepted (characters).
const minPeerSecret = 32

// PeerSecret is the cluster secret: peers sign with Current and accept Current or Previous,
// so it rotates without a cluster-wide restart (the steps are in the package documentation).
type PeerSecret struct {
	Current  string `mapstructure:"current"`
	Previous string `mapstructure:"previous"`
}

// String redacts the secrets.
func (s PeerSecret) String() string {
	return fmt.Sprintf("peer secret (current set: %t, previous set: %t)", s.Current != "", s.Previous != "")
}

// GoString is String.
func (s PeerSecret) GoString() string { return s.String() }

func (s PeerSecret) validate() error {
	switch {
	case s.Current != "" && len(s.Current) < minPeerSecret:
		return fmt.Errorf("peer_secret.current: at least %d characters", minPeerSecret)
	case s.Previous != "" && s.Current == "":
		return errors.New("peer_secret.previous: needs peer_secret.current")
	case s.Previous != "" && len(s.Previous) < minPeerSecret:
		return fmt.Errorf("peer_secret.previous: at least %d characters", minPeerSecret)
	}
	return nil
}

// errPeerAuth is every refusal of a peer credential; the owner answers 403 and says no more.
var errPeerAuth = errors.New("cache: peer request not authenticated")

type peerAuth struct {
	current, previous []byte // nil: not set
	now               func() time.Time
}

func newPeerAuth(s PeerSecret, now func() time.Time) *peerAuth {
	a := &peerAuth{now: now}
	if s.Current != "" {
		a.current = []byte(s.Current)
	}
	if s.Previous != "" {
		a.previous = []byte(s.Previous)
	}
	return a
}

func peerMAC(secret []byte, group, key, ts string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("imgorigin-peer\n"))
	m.Write([]byte(group))
	m.Write([]byte{'\n'})
	m.Write([]byte(key))
	m.Write([]byte{'\n'})
	m.Write([]byte(ts))
	return m.Sum(nil)
}

// sign returns the header value for a request of key in group, or "" without a secret.
func (a *peerAuth) sign(group, key string) string {
	if a.current == nil {
		return ""
	}
	ts := strconv.FormatInt(a.now().Unix(), 10)
	return ts + "." + base64.RawURLEncoding.EncodeToString(peerMAC(a.current, group, key, ts))
}

// verify checks a header value for key in group: a timestamp within PeerAuthWindow and a MAC
// under the current or the previous secret (both compared, in constant time). Without a
// configured secret nothing verifies.
func (a *peerAuth) verify(value, group, key string) error {
	if a.current == nil {
		return errPeerAuth
	}
	ts, macText, ok := strings.Cut(value, ".")
	if !ok || len(ts) == 0 || len(ts) > 12 || len(macText) != base64.RawURLEncoding.EncodedLen(sha256.Size) {
		return errPeerAuth
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || strconv.FormatInt(sec, 10) != ts {
		return errPeerAuth
	}
	if d := a.now().Sub(time.Unix(sec, 0)); d > PeerAuthWindow || d < -PeerAuthWindow {
		return errPeerAuth
	}
	got, err := base64.RawURLEncoding.DecodeString(macText)
	if err != nil {
		return errPeerAuth
	}
	ok = hmac.Equal(got, peerMAC(a.current, group, key, ts))
	if a.previous != nil {
		ok = hmac.Equal(got, peerMAC(a.previous, group, key, ts)) || ok
	}
	if !ok {
		return errPeerAuth
	}
	return nil
}
