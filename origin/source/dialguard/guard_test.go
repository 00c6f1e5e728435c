package dialguard_test

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/imgorigin/imgorigin/origin/source/dialguard"
)

func TestGuard(t *testing.T) {
	tests := []struct {
		addr      string
		public    bool // allowed without allow_private
		privateOK bool // allowed with allow_private
	}{
		{"93.184.216.34", true, true},
		{"8.8.8.8", true, true},
		{"2606:4700::1111", true, true},
		{"127.0.0.1", false, true},
		{"127.8.9.10", false, true},
		{"::1", false, true},
		{"10.1.2.3", false, true},
		{"172.16.0.1", false, true},
		{"172.31.255.255", false, true},
		{"172.32.0.1", true, true},
		{"192.168.1.1", false, true},
		{"169.254.1.1", false, true},
		{"fe80::1", false, true},
		{"fe80::1%eth0", false, true},
		{"fc00::1", false, true},
		{"fd12:3456::1", false, true},
		{"0.0.0.0", false, true},
		{"::", false, true},
		{"0.1.2.3", false, true},
		{"224.0.0.1", false, true},
		{"ff02::1", false, true},
		{"255.255.255.255", false, true},
		{"100.64.0.1", false, true},
		{"100.127.255.254", false, true},
		{"198.18.0.1", false, true},
		{"::ffff:127.0.0.1", false, true},
		{"::ffff:10.0.0.1", false, true},
		{"64:ff9b::7f00:1", false, true}, // NAT64 of 127.0.0.1
		{"64:ff9b::808:808", true, true}, // NAT64 of 8.8.8.8
		// Metadata endpoints: never.
		{"169.254.169.254", false, false},
		{"::ffff:169.254.169.254", false, false},
		{"fd00:ec2::254", false, false},
		{"100.100.100.200", false, false},
		{"64:ff9b::a9fe:a9fe", false, false},
		{"168.63.129.16", false, false},        // Azure WireServer
		{"fd20:ce::254", false, false},         // GCP IPv6 metadata
		{"192.0.0.192", false, false},          // Oracle Cloud metadata
		{"::ffff:168.63.129.16", false, false}, // mapped
		{"2002:a9fe:a9fe::1", false, false},    // 6to4 around 169.254.169.254
		{"::ffff:0:a9fe:a9fe", false, false},   // SIIT around 169.254.169.254
		{"::a9fe:a9fe", false, false},          // IPv4-compatible 169.254.169.254
		{"64:ff9b::c000:c0", false, false},     // NAT64 of 192.0.0.192
		// Transition forms around a private IPv4 address: checked as that address.
		{"2002:7f00:1::1", false, true},  // 6to4 around 127.0.0.1
		{"2002:c0a8:101::", false, true}, // 6to4 around 192.168.1.1
		{"2002:a00:1:1::1", false, true}, // 6to4 around 10.0.0.1
		{"2002:808:808::1", true, true},  // 6to4 around 8.8.8.8
		{"::ffff:0:7f00:1", false, true}, // SIIT around 127.0.0.1
		{"::ffff:0:a00:1", false, true},  // SIIT around 10.0.0.1
		{"::ffff:0:808:808", true, true}, // SIIT around 8.8.8.8
		{"::127.0.0.1", false, true},     // IPv4-compatible loopback
		{"::10.0.0.1", false, true},      // IPv4-compatible RFC 1918
		{"::808:808", true, true},        // IPv4-compatible 8.8.8.8
		// Forms whose destination the address does not tell: never.
		{"2001::1", false, false},                              // Teredo
		{"2001:0:4136:e378:8000:63bf:3fff:fdd2", false, false}, // Teredo, RFC 4380's example
		{"64:ff9b:1::7f00:1", false, false},                    // local-use NAT64
		{"64:ff9b:1:ffff::1", false, false},                    // local-use NAT64
		// Neighbours of those ranges stay reachable.
		{"2001:4860:4860::8888", true, true}, // Google DNS, outside Teredo's /32
		{"64:ff9b:2::1", true, true},         // outside the local-use /48
	}
	strict, lax := dialguard.New(false), dialguard.New(true)
	for _, tc := range tests {
		t.Run(tc.addr, func(t *testing.T) {
			ip := netip.MustParseAddr(tc.addr)
			if err := strict.Check(ip); (err == nil) != tc.public || (err != nil && !errors.Is(err, dialguard.ErrRefused)) {
				t.Errorf("strict check(%s) = %v, want allowed=%v", tc.addr, err, tc.public)
			}
			if err := lax.Check(ip); (err == nil) != tc.privateOK {
				t.Errorf("allow_private check(%s) = %v, want allowed=%v", tc.addr, err, tc.privateOK)
			}
			// The dial hook sees "ip:port".
			if err := strict.Control("tcp", netip.AddrPortFrom(ip, 443).String(), nil); (err == nil) != tc.public {
				t.Errorf("control(%s) = %v, want allowed=%v", tc.addr, err, tc.public)
			}
		})
	}
}
