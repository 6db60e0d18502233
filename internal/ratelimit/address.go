package ratelimit

import (
	"net/netip"
	"strings"
)

// ipv6HostBits is the prefix an IPv6 client is counted by: one host (a home, a phone, a
// virtual machine) is usually given a whole /64, and picks any address in it at will.
const ipv6HostBits = 64

// AddressKey names the client address ip in every limit and budget kept per address: an
// IPv4 address as itself, an IPv6 address by its /64 ("2001:db8:1:2::/64"), an
// IPv4-mapped IPv6 address as its IPv4 address. Counting IPv6 by the full address would
// give one host 2^64 fresh budgets. A string that is no address is its own key. Logs and
// audit rows keep the full address; only the counting is by prefix.
func AddressKey(ip string) string {
	a, err := netip.ParseAddr(strings.Trim(ip, "[]"))
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, ipv6HostBits).Masked().String()
}
