package httpsrc

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrAddressRefused is wrapped by errors of dials to addresses the source may not reach.
var ErrAddressRefused = errors.New("httpsrc: address refused")

// guard decides which addresses a source may connect to.
type guard struct {
	allowPrivate bool
	private      []netip.Prefix
	nat64        netip.Prefix
	metadata     []netip.Addr
}

func newGuard(allowPrivate bool) *guard {
	return &guard{
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

// check says whether the source may connect to ip.
func (g *guard) check(ip netip.Addr) error {
	if !ip.IsValid() {
		return fmt.Errorf("%w: invalid address", ErrAddressRefused)
	}
	ip = ip.Unmap().WithZone("")
	if g.nat64.Contains(ip) {
		// The last 32 bits are the IPv4 address a NAT64 gateway would reach.
		b := ip.As16()
		ip = netip.AddrFrom4([4]byte{b[12], b[13], b[14], b[15]})
	}
	for _, m := range g.metadata {
		if ip == m {
			return fmt.Errorf("%w: %s is a cloud metadata address", ErrAddressRefused, ip)
		}
	}
	if g.allowPrivate {
		return nil
	}
	for _, p := range g.private {
		if p.Contains(ip) {
			return fmt.Errorf("%w: %s is in %s (set allow_private to permit)", ErrAddressRefused, ip, p)
		}
	}
	return nil
}

// control is a net.Dialer.Control: it runs after name resolution, on the address actually
// being connected to, so a DNS answer cannot change between check and use.
func (g *guard) control(_, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return fmt.Errorf("%w: %q: %v", ErrAddressRefused, address, err)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return fmt.Errorf("%w: %q is not an IP address", ErrAddressRefused, host)
	}
	return g.check(ip)
}
