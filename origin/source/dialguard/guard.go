// Package dialguard decides which addresses a source may connect to, at dial time: its Control
// runs as a net.Dialer.Control, after name resolution, on the address actually being connected
// to, so a DNS answer cannot change between the check and the connection (rebinding).
//
// Refused unless private addresses are allowed: loopback, RFC 1918 and unique-local
// (fc00::/7), link-local, unspecified, multicast, broadcast, CGNAT (100.64.0.0/10), "this
// network" (0.0.0.0/8), IETF protocol assignments (192.0.0.0/24), benchmarking
// (198.18.0.0/15), discard-only (100::/64), documentation (2001:db8::/32) and reserved
// (240.0.0.0/4) addresses, including their IPv4-mapped and NAT64 (64:ff9b::/96) forms. Cloud
// instance metadata endpoints (169.254.169.254, fd00:ec2::254, Aliyun's 100.100.100.200) are
// refused always: they are never an image store.
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
	nat64        netip.Prefix
	metadata     []netip.Addr
}

// New returns a guard; allowPrivate permits the private ranges of the package comment (never
// the metadata endpoints).
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
		nat64: netip.MustParsePrefix("64:ff9b::/96"),
		// Cloud instance metadata: never an image origin, refused even with allow_private.
		metadata: []netip.Addr{
			netip.MustParseAddr("169.254.169.254"), // AWS, GCP, Azure, OpenStack
			netip.MustParseAddr("fd00:ec2::254"),   // AWS IPv6
			netip.MustParseAddr("100.100.100.200"), // Aliyun
		},
	}
}

// Check says whether the source may connect to ip: nil, or an error wrapping ErrRefused.
func (g *Guard) Check(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrRefused)
	}
	ip = ip.Unmap().WithZone("")
	if g.nat64.Contains(ip) {
		// The last 32 bits are the IPv4 address a NAT64 gateway would reach.
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	for _, m := range g.metadata {
		if ip == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrRefused, ip)
		}
	}
	if g.allowPrivate {
		return nil
	}
	for _, p := range g.private {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is in %s (set allow_private to permit)", ErrRefused, ip, p)
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
