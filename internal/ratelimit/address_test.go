package ratelimit_test

import (
	"testing"

	"backbone/internal/ratelimit"
)

func TestAddressKeyCountsIPv6ByItsSlash64(t *testing.T) {
	t.Parallel()
	tests := []struct{ ip, want string }{
		{"203.0.113.5", "203.0.113.5"},
		{"2001:db8:aaaa:1::1", "2001:db8:aaaa:1::/64"},
		{"2001:db8:aaaa:1:ffff:ffff:ffff:ffff", "2001:db8:aaaa:1::/64"},
		{"2001:db8:aaaa:2::1", "2001:db8:aaaa:2::/64"},
		{"::ffff:203.0.113.5", "203.0.113.5"},
		{"fe80::1%eth0", "fe80::/64"},
		{"[2001:db8::7]", "2001:db8::/64"},
		{"", ""},
		{"not-an-ip", "not-an-ip"},
	}
	for _, tt := range tests {
		if got := ratelimit.AddressKey(tt.ip); got != tt.want {
			t.Errorf("AddressKey(%q) = %q, want %q", tt.ip, got, tt.want)
		}
	}
}
