package modes

import (
	"net/netip"
	"testing"
)

func TestCheckHostAddress(t *testing.T) {
	for _, tc := range []struct{ addr, mask, err string }{
		{"10.0.0.1", "255.255.255.0", ""},
		{"10.0.0.1", "255.255.255.255", ""},
		{"10.0.0.0", "255.255.255.254", ""}, // /31 point-to-point
		{"10.0.0.1", "255.0.255.0", "Bad mask 0xFF00FF00 for address 10.0.0.1"},
		{"10.0.0.0", "255.255.255.0", "Bad mask /24 for address 10.0.0.0"},
		{"10.0.0.255", "255.255.255.0", "Bad mask /24 for address 10.0.0.255"},
		{"10.0.0.1", "0.0.0.0", "Bad mask /0 for address 10.0.0.1"},
		{"224.0.0.1", "255.255.255.0", "Not a valid host address - 224.0.0.1"},
		{"0.0.0.1", "255.255.255.0", "Not a valid host address - 0.0.0.1"},
	} {
		_, err := checkHostAddress(netip.MustParseAddr(tc.addr), netip.MustParseAddr(tc.mask))
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tc.err {
			t.Errorf("%s %s: got %q, want %q", tc.addr, tc.mask, got, tc.err)
		}
	}
}

func TestMaskLen(t *testing.T) {
	for mask, want := range map[string]int{"0.0.0.0": 0, "128.0.0.0": 1, "255.255.255.0": 24, "255.255.255.255": 32} {
		if n, ok := maskLen(netip.MustParseAddr(mask)); !ok || n != want {
			t.Errorf("%s: got /%d %v, want /%d", mask, n, ok, want)
		}
	}
	for _, mask := range []string{"0.0.0.1", "255.0.255.0", "255.255.255.253"} {
		if _, ok := maskLen(netip.MustParseAddr(mask)); ok {
			t.Errorf("%s accepted as contiguous", mask)
		}
	}
}

func TestParseIfName(t *testing.T) {
	for _, tc := range []struct{ in, name, typ string }{
		{"eth0", "eth0", "physical"},
		{"eth1.100", "eth1.100", "physical"},
		{"tun0", "tun0", "physical"},
		{"ens3", "ens3", "physical"},
		{"e0/0", "Ethernet0/0", "physical"},
		{"Gi0/1", "GigabitEthernet0/1", "physical"},
		{"lo0", "Loopback0", "loopback"},
		{"Loopback007", "Loopback7", "loopback"},
		{"virtual-template1", "Virtual-Template1", "virtual-template"},
		{"Virtual-Template201", "", ""},
		{"Virtual-Access1", "", ""},
		{"Tunnel0", "", ""},
		{"Loopback99999999999", "", ""},
		{"bad/name", "", ""},
	} {
		spec, err := parseIfName(tc.in)
		if spec.name != tc.name || spec.typ != tc.typ || (err != nil) != (tc.name == "") {
			t.Errorf("%s: got %q %q %v, want %q %q", tc.in, spec.name, spec.typ, err, tc.name, tc.typ)
		}
	}
}

func TestNaturalLess(t *testing.T) {
	for _, pair := range [][2]string{{"Ethernet0/2", "Ethernet0/10"}, {"eth2", "eth10"}, {"Ethernet0/0", "eth0"}, {"a", "ab"}} {
		if !naturalLess(pair[0], pair[1]) || naturalLess(pair[1], pair[0]) {
			t.Errorf("%q < %q expected", pair[0], pair[1])
		}
	}
}

func TestValidRD(t *testing.T) {
	for rd, want := range map[string]bool{
		"65000:1": true, "1:4294967295": true, "4200000000:65535": true, "4200000000:65536": false,
		"10.0.0.1:5": true, "10.0.0.1:70000": false, "65000": false, "a:1": false, "1:99999999999": false,
	} {
		if validRD(rd) != want {
			t.Errorf("validRD(%q) = %v", rd, !want)
		}
	}
}
