package cache

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/golang/groupcache"

	"github.com/imgorigin/imgorigin/origin/diskcache"
	"github.com/imgorigin/imgorigin/origin/failure"
	"github.com/imgorigin/imgorigin/origin/pool"
	"github.com/imgorigin/imgorigin/origin/render"
	"github.com/imgorigin/imgorigin/origin/ring"
)

// Logical group names (on the wire, in metrics).
const (
	groupOriginals = "originals"
	groupVariants  = "variants"
)

// PeerPath is where PeerHandler is mounted on the internal listener.
const PeerPath = "/_groupcache/"

// Cache is one node's view of the cluster cache.
type Cache struct {
	cfg    Config
	self   string
	shard  func(key string) string
	ring   atomic.Pointer[membership]
	client *http.Client
	groups map[string]*group // by logical name
	health *peerHealth       // owners in back-off after a transport failure
	disk   *diskcache.Store  // nil: no disk tier
	auth   *peerAuth         // signs this node's peer requests, verifies its peers'
}

type membership struct {
	ring     *ring.Ring // nil: single node
	internal map[string]string
}

type group struct {
	c          *Cache
	name       string // logical
	g          *groupcache.Group
	load       render.Loader
	neg        *negCache
	negHits    atomic.Int64
	peerSkips  atomic.Int64 // loads done here because the owner is in back-off
	loads      atomic.Int64 // successful loads (store fetches, renders), disk hits not included
	diskHits   atomic.Int64
	peerDenied atomic.Int64 // peer requests refused for their credential
}

// process is the package's only process-level state: groupcache's per-group peer picker is
// registered once, and dispatches by (unique) group name to the Cache that made the group.
var process struct {
	once    sync.Once
	pickers sync.Map // groupcache group name → *group
	seq     atomic.Int64
}

func registerDispatcher() {
	process.once.Do(func() {
		groupcache.RegisterPerGroupPeerPicker(func(name string) groupcache.PeerPicker {
			if g, ok := process.pickers.Load(name); ok {
				return g.(*group)
			}
			return groupcache.NoPeers{}
		})
	})
}

// New builds a node's cache. self is this node's Name in peers; an empty peers list means a
// single node. shard maps a key to the string nginx hashes for it under cfg.ShardKey (the key
// formats are the loaders' business, not this package's); loadOriginal and loadVariant run on
// a key's owner on a miss. With cfg.Disk.Path set, New opens the disk tier (its rebuild goes on
// in the background, DiskReady); Close closes it.
func New(cfg Config, self string, peers []pool.Member, shard func(key string) string, loadOriginal, loadVariant render.Loader, opts ...Option) (*Cache, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if loadOriginal == nil || loadVariant == nil {
		return nil, errors.New("cache: nil loader")
	}
	if shard == nil {
		return nil, errors.New("cache: nil shard function")
	}
	c := &Cache{
		cfg:   cfg,
		self:  self,
		shard: shard,
		client: &http.Client{Transport: &http.Transport{
			MaxIdleConnsPerHost:   64,
			IdleConnTimeout:       90 * time.Second,
			ResponseHeaderTimeout: cfg.PeerTimeout,
		}},
		groups: map[string]*group{},
		auth:   newPeerAuth(cfg.PeerSecret, time.Now),
	}
	c.health = newPeerHealth(cfg.PeerBackoff, cfg.PeerTimeout, c.client)
	if err := c.SetPeers(peers); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	if cfg.Disk.Enabled() {
		d, err := diskcache.Open(cfg.Disk, o.log)
		if err != nil {
			return nil, fmt.Errorf("cache: %w", err)
		}
		c.disk = d
	}
	registerDispatcher()
	n := process.seq.Add(1)
	for _, gs := range []struct {
		name  string
		bytes int64
		load  render.Loader
	}{{groupOriginals, cfg.OriginalsBytes, loadOriginal}, {groupVariants, cfg.VariantsBytes, loadVariant}} {
		g := &group{c: c, name: gs.name, load: gs.load, neg: newNegCache(cfg.NegativeEntries)}
		unique := "imgorigin-" + gs.name + "-" + strconv.FormatInt(n, 10)
		process.pickers.Store(unique, g)
		g.g = groupcache.NewGroup(unique, gs.bytes, groupcache.GetterFunc(g.get))
		c.groups[gs.name] = g
	}
	return c, nil
}

// SetPeers replaces the pool (membership change); self must stay in it.
func (c *Cache) SetPeers(peers []pool.Member) error {
	if len(peers) > 1 && c.cfg.PeerSecret.Current == "" {
		return errors.New("cache: peer_secret.current: must be set when the pool has more than one node (peer requests are authenticated)")
	}
	if err := pool.Validate(c.self, peers); err != nil {
		return fmt.Errorf("cache: %w", err)
	}
	m := &membership{internal: map[string]string{}}
	if len(peers) > 0 {
		r, err := ring.New(peers)
		if err != nil {
			return fmt.Errorf("cache: %w", err)
		}
		m.ring = r
		for _, p := range peers {
			m.internal[p.Name] = p.Internal
		}
	}
	c.ring.Store(m)
	return nil
}

// Owner returns the pool member that owns key ("" for a single node).
func (c *Cache) Owner(key string) string {
	m := c.ring.Load()
	if m.ring == nil {
		return ""
	}
	return m.ring.Pick(c.shard(key))
}

// Original returns the original stored under key. The returned bytes are shared with the
// cache and read-only: callers must not modify them.
func (c *Cache) Original(ctx context.Context, key string) ([]byte, render.Outcome, error) {
	return c.groups[groupOriginals].getValue(ctx, key)
}

// Variant returns the variant stored under key; the returned bytes are read-only (see Original).
func (c *Cache) Variant(ctx context.Context, key string) ([]byte, render.Outcome, error) {
	return c.groups[groupVariants].getValue(ctx, key)
}

type outcomeKey struct{}

type recorder struct{ v atomic.Value }

func (r *recorder) set(o render.Outcome) { r.v.Store(o) }

func record(ctx context.Context, o render.Outcome) {
	if r, ok := ctx.Value(outcomeKey{}).(*recorder); ok {
		r.set(o)
	}
}

func (g *group) getValue(ctx context.Context, key string) ([]byte, render.Outcome, error) {
	rec := &recorder{}
	ctx = context.WithValue(ctx, outcomeKey{}, rec)
	var v groupcache.ByteView
	if err := g.g.Get(ctx, key, groupcache.ByteViewSink(&v)); err != nil {
		return nil, render.OutcomeMiss, err
	}
	o, _ := rec.v.Load().(render.Outcome)
	if o == "" {
		o = render.OutcomeHit
	}
	return viewBytes(v), o, nil
}

// viewBytes returns the bytes of a cached value without copying them: ByteView keeps its slice
// unexported, but WriteTo hands it to Write as is. groupcache never changes a stored value, and
// callers of Original and Variant must not either.
func viewBytes(v groupcache.ByteView) []byte {
	var g grabber
	_, _ = v.WriteTo(&g)
	return g.b
}

type grabber struct{ b []byte }

func (g *grabber) Write(p []byte) (int, error) {
	g.b = p
	return len(p), nil
}

// get is the groupcache Getter: it runs on the owner (or here when the owner failed).
func (g *group) get(ctx context.Context, key string, dest groupcache.Sink) error {
	if err := g.neg.get(key, time.Now()); err != nil {
		g.negHits.Add(1)
		return err
	}
	if v, ok := g.fromDisk(key); ok {
		record(ctx, render.OutcomeDisk)
		return dest.SetBytes(v)
	}
	record(ctx, render.OutcomeMiss)
	data, err := g.load(ctx, key)
	if err != nil {
		if kind := failure.KindOf(err); permanent(kind) && g.c.cfg.NegativeTTL > 0 {
			g.neg.put(key, err, time.Now().Add(g.c.cfg.NegativeTTL))
		}
		return err
	}
	g.loads.Add(1)
	g.toDisk(key, data)
	return dest.SetBytes(data)
}

// permanent kinds are remembered in the negative cache and not retried by other nodes.
func permanent(k failure.Kind) bool {
	switch k {
	case failure.KindNotFound, failure.KindBadRequest, failure.KindUnknownName, failure.KindUnsupported, failure.KindUnprocessable:
		return true
	}
	return false
}

// PickPeer implements groupcache.PeerPicker with nginx's ring.
func (g *group) PickPeer(key string) (groupcache.ProtoGetter, bool) {
	m := g.c.ring.Load()
	if m.ring == nil {
		return nil, false
	}
	owner := m.ring.Pick(g.c.shard(key))
	if owner == g.c.self {
		return nil, false
	}
	if !g.c.health.usable(owner, m.internal[owner], time.Now()) {
		g.peerSkips.Add(1)
		return nil, false // the owner failed at the transport level just now: load here
	}
	return &peerGetter{g: g, owner: owner, addr: m.internal[owner]}, true
}

// Interface guards.
var (
	_ render.Cache           = (*Cache)(nil)
	_ render.FileCache       = (*Cache)(nil)
	_ groupcache.PeerPicker  = (*group)(nil)
	_ groupcache.ProtoGetter = (*peerGetter)(nil)
)
