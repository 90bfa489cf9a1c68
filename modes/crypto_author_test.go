package modes

import (
	"net/netip"
	"testing"
)

func TestMaskBits(t *testing.T) {
	for mask, want := range map[string]int{"0.0.0.0": 0, "255.0.0.0": 8, "255.255.255.252": 30, "255.255.255.255": 32, "255.0.255.0": -1, "0.255.255.255": -1} {
		got, err := maskBits(mask)
		if err != nil {
			got = -1
		}
		if got != want {
			t.Errorf("maskBits(%s) = %d, want %d", mask, got, want)
		}
	}
}

func TestIOSPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"10.0.0.0/8":      "ipv4 10.0.0.0 255.0.0.0",
		"0.0.0.0/0":       "ipv4 0.0.0.0 0.0.0.0",
		"2001:db8:a::/48": "ipv6 2001:DB8:A::/48",
		"192.0.2.1/32":    "ipv4 192.0.2.1 255.255.255.255",
	} {
		if got := iosPrefix(in); got != want {
			t.Errorf("iosPrefix(%s) = %s, want %s", in, got, want)
		}
	}
}

// FuzzMaskBits: a mask is accepted exactly when it is contiguous, and then
// renders back unchanged (the running configuration shows masks typed in).
func FuzzMaskBits(f *testing.F) {
	f.Add(byte(255), byte(255), byte(0), byte(0))
	f.Add(byte(255), byte(0), byte(255), byte(0))
	f.Fuzz(func(t *testing.T, a, b, c, d byte) {
		mask := netip.AddrFrom4([4]byte{a, b, c, d}).String()
		bits, err := maskBits(mask)
		v := uint32(a)<<24 | uint32(b)<<16 | uint32(c)<<8 | uint32(d)
		contiguous := v == 0 || (^v)&(^v+1) == 0
		if (err == nil) != contiguous {
			t.Fatalf("maskBits(%s): %v", mask, err)
		}
		if err == nil && dottedMask(bits) != mask {
			t.Fatalf("maskBits(%s) = %d renders as %s", mask, bits, dottedMask(bits))
		}
	})
}
