// Package dialguard decides which addresses a source may connect to, at dial time: its Control
// runs as a net.Dialer.Control, after name resolution, on the address actually being connected
// to, so a DNS answer cannot change between the check and the connection (rebinding).
//
// Refused unless private addresses are allowed: loopback, RFC 1918 and unique-local
// (fc00::/7), link-local, unspecified, multicast, broadcast, CGNAT (100.64.0.0/10), "this
// network" (0.0.0.0/8), IETF protocol assignments (192.0.0.0/24), benchmarking
// (198.18.0.0/15), discard-only (100::/64), documentation (2001:db8::/32) and reserved
// (240.0.0.0/4) addresses. IPv6 forms that carry an IPv4 address are checked as that address:
// IPv4-mapped, NAT64 (64:ff9b::/96), SIIT (::ffff:0:a.b.c.d), IPv4-compatible (::a.b.c.d) and
// 6to4 (2002::/16). Refused always, private addresses allowed or not: cloud metadata endpoints
// and host agents (169.254.169.254, fd00:ec2::254, fd20:ce::254, Azure's 168.63.129.16,
// Aliyun's 100.100.100.200, 192.0.0.192) in any of those forms, and the ranges whose
// destination the address does not tell (Teredo 2001::/32, local-use NAT64 64:ff9b:1::/48):
// they are never an image store.
//
// Users: the HTTP source (every dial, redirects included) and the FastDFS client (the storages
// a tracker names, over either transport).
package dialguard

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrRefused is wrapped by errors of dials to addresses the source may not reach.
var ErrRefused = errors.New("address refused")

// Guard decides which addresses a source may connect to. It is safe for concurrent use.
type Guard struct {
	allowPrivate bool
	private      []netip.Prefix
	// embeds are IPv6 ranges that carry an IPv4 address a translator or tunnel delivers to;
	// that address is checked as if it had been dialled.
	embeds []embed
	// opaque are IPv6 ranges whose reach cannot be told from the address: a local-use NAT64
	// prefix may embed the IPv4 address at any RFC 6052 offset, and a Teredo relay forwards to
	// whatever the obfuscated client address says. No image origin is reached through them;
	// refused even with allow_private.
	opaque   []netip.Prefix
	metadata []netip.Addr
}

// embed is an IPv6 range with an IPv4 address at a fixed byte offset.
type embed struct {
	prefix netip.Prefix
	at     int // byte offset of the IPv4 address in the 16-byte form
	name   string
}

// New returns a guard; allowPrivate permits the private ranges of the package comment (never
// the metadata endpoints and the opaque ranges).
func New(allowPrivate bool) *Guard {
	return &Guard{
		allowPrivate: allowPrivate,
		private: []netip.Prefix{
			netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
			netip.MustParsePrefix("10.0.0.0/8"),     // RFC 1918
			netip.MustParsePrefix("100.64.0.0/10"),  // CGNAT, RFC 6598
			netip.MustParsePrefix("127.0.0.0/8"),    // loopback
			netip.MustParsePrefix("169.254.0.0/16"), // link-local
			netip.MustParsePrefix("172.16.0.0/12"),  // RFC 1918
			netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
			netip.MustParsePrefix("192.168.0.0/16"), // RFC 1918
			netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
			netip.MustParsePrefix("224.0.0.0/4"),    // multicast
			netip.MustParsePrefix("240.0.0.0/4"),    // reserved, broadcast
			netip.MustParsePrefix("::/128"),         // unspecified
			netip.MustParsePrefix("::1/128"),        // loopback
			netip.MustParsePrefix("100::/64"),       // discard-only
			netip.MustParsePrefix("2001:db8::/32"),  // documentation
			netip.MustParsePrefix("fc00::/7"),       // unique local
			netip.MustParsePrefix("fe80::/10"),      // link-local
			netip.MustParsePrefix("ff00::/8"),       // multicast
		},
		embeds: []embed{
			{netip.MustParsePrefix("64:ff9b::/96"), 12, "NAT64"}, // RFC 6052 well-known prefix
			// SIIT's IPv4-translated form ::ffff:0:a.b.c.d (RFC 2765); the IPv4-mapped form
			// ::ffff:a.b.c.d is unmapped before this.
			{netip.MustParsePrefix("::ffff:0:0:0/96"), 12, "SIIT"},
			{netip.MustParsePrefix("::/96"), 12, "IPv4-compatible"}, // deprecated, RFC 4291 §2.5.5.1
			{netip.MustParsePrefix("2002::/16"), 2, "6to4"},         // RFC 3056
		},
		opaque: []netip.Prefix{
			netip.MustParsePrefix("2001::/32"),      // Teredo, RFC 4380
			netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64, RFC 8215
		},
		// Cloud instance metadata and host agents: never an image origin, refused even with
		// allow_private, in every form above.
		metadata: []netip.Addr{
			netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack, Oracle
			netip.MustParseAddr("fd00:ec2::254"),   // AWS IPv6
			netip.MustParseAddr("fd20:ce::254"),    // GCP IPv6
			netip.MustParseAddr("168.63.129.16"),   // Azure WireServer (host agent, DNS)
			netip.MustParseAddr("100.100.100.200"), // Aliyun
			netip.MustParseAddr("192.0.0.192"),     // Oracle Cloud (classic) metadata
		},
	}
}

// Check says whether the source may connect to ip: nil, or an error wrapping ErrRefused.
func (g *Guard) Check(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrRefused)
	}
	ip = ip.Unmap().WithZone("")
	for _, p := range g.opaque {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is in %s, whose destination cannot be checked", ErrRefused, ip, p)
		}
	}
	via := ""
	for _, e := range g.embeds {
		if e.prefix.Contains(ip) && ip != netip.IPv6Unspecified() && ip != netip.IPv6Loopback() {
			// The IPv4 address the translator or tunnel would reach.
			via = fmt.Sprintf(" (the %s form %s)", e.name, ip)
			b := ip.As16()
			ip = netip.AddrFrom4([4]byte(b[e.at : e.at+4]))
			break
		}
	}
	for _, m := range g.metadata {
		if ip == m {
			return fmt.Errorf("%w: %s%s is a cloud metadata address", ErrRefused, ip, via)
		}
	}
	if g.allowPrivate {
		return nil
	}
	for _, p := range g.private {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s%s is in %s (set allow_private to permit)", ErrRefused, ip, via, p)
		}
	}
	return nil
}

// Control is a net.Dialer.Control: it runs after name resolution, on the address actually
// being connected to, so a DNS answer cannot change between check and use.
func (g *Guard) Control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrRefused, address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %q is not an IP address", ErrRefused, host)
	}
	return g.Check(ip)
}
