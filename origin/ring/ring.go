package ring

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"slices"
	"strings"

	"github.com/imgorigin/imgorigin/origin/pool"
)

// pointsPerWeight is the number of ring points per unit of weight (nginx's constant).
const pointsPerWeight = 160

type point struct {
	hash   uint32
	server int32 // index into Ring.names
}

// Ring is an immutable consistent-hash ring. It is safe for concurrent use.
type Ring struct {
	names  []string
	points []point
}

// New builds the ring of the pool's members, in the order nginx's upstream block lists them.
// Names must be unique; only Name and Weight count.
func New(servers []pool.Member) (*Ring, error) {
	if len(servers) == 0 {
		return nil, errors.New("ring: no servers")
	}
	r := &Ring{names: make([]string, len(servers))}
	seen := make(map[string]bool, len(servers))
	total := 0
	for i, s := range servers {
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("ring: server %d: %w", i, err)
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("ring: server %d: name: %q listed twice", i, s.Name)
		}
		seen[s.Name] = true
		r.names[i] = s.Name
		total += s.EffectiveWeight()
	}
	pts := make([]point, 0, total*pointsPerWeight)
	for i, s := range servers {
		pts = appendPoints(pts, s.Name, s.EffectiveWeight(), int32(i))
	}
	// Stable: among equal hashes the earlier server stays first and is the one kept.
	slices.SortStableFunc(pts, func(a, b point) int {
		switch {
		case a.hash < b.hash:
			return -1
		case a.hash > b.hash:
			return 1
		}
		return 0
	})
	out := pts[:1]
	for _, p := range pts[1:] {
		if p.hash != out[len(out)-1].hash {
			out = append(out, p)
		}
	}
	r.points = out
	return r, nil
}

// splitServer splits a server string the way nginx does for hashing.
func splitServer(name string) (host, port string) {
	if len(name) >= 5 && strings.EqualFold(name[:5], "unix:") {
		return name[5:], ""
	}
	for j := len(name) - 1; j >= 0; j-- {
		c := name[j]
		if c == ':' {
			return name[:j], name[j+1:]
		}
		if c < '0' || c > '9' {
			break
		}
	}
	return name, ""
}

func appendPoints(pts []point, name string, w int, idx int32) []point {
	host, port := splitServer(name)
	base := make([]byte, 0, len(host)+1+len(port)+4)
	base = append(base, host...)
	base = append(base, 0)
	base = append(base, port...)
	n := len(base)
	var prev uint32
	for j := 0; j < w*pointsPerWeight; j++ {
		buf := binary.LittleEndian.AppendUint32(base[:n], prev)
		h := crc32.ChecksumIEEE(buf)
		pts = append(pts, point{hash: h, server: idx})
		prev = h
	}
	return pts
}

// Servers returns the server names in the order given to New.
func (r *Ring) Servers() []string { return slices.Clone(r.names) }

// Len returns the number of points on the ring (after removing duplicate hashes).
func (r *Ring) Len() int { return len(r.points) }

// index returns the position of the first point with hash ≥ crc32(key), wrapped.
func (r *Ring) index(key string) int {
	h := crc32.Update(0, crc32.IEEETable, []byte(key))
	i, _ := slices.BinarySearchFunc(r.points, h, func(p point, h uint32) int {
		switch {
		case p.hash < h:
			return -1
		case p.hash > h:
			return 1
		}
		return 0
	})
	if i == len(r.points) {
		i = 0
	}
	return i
}

// Pick returns the server nginx routes key to when every server is up.
func (r *Ring) Pick(key string) string {
	return r.names[r.points[r.index(key)].server]
}

// PickN returns up to n distinct servers in the order nginx tries them for key: the owner,
// then the server nginx falls back to when the owner fails, and so on.
func (r *Ring) PickN(key string, n int) []string {
	if n > len(r.names) {
		n = len(r.names)
	}
	out := make([]string, 0, n)
	if n <= 0 {
		return out
	}
	var tried uint64 // bit set for small pools; the map covers larger ones
	var triedMap map[int32]bool
	if len(r.names) > 64 {
		triedMap = make(map[int32]bool, n)
	}
	start := r.index(key)
	for k := 0; k < len(r.points) && len(out) < n; k++ {
		s := r.points[(start+k)%len(r.points)].server
		if triedMap != nil {
			if triedMap[s] {
				continue
			}
			triedMap[s] = true
		} else {
			if tried&(1<<uint(s)) != 0 {
				continue
			}
			tried |= 1 << uint(s)
		}
		out = append(out, r.names[s])
	}
	return out
}
