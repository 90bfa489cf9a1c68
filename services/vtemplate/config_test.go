package vtemplate

import (
	"slices"
	"strings"
	"testing"
)

// TestApply: each modelled command, its "no" form, abbreviations and
// case, and what IOS would refuse.
func TestApply(t *testing.T) {
	for _, c := range []struct {
		lines []string
		want  string // derived lines joined by "|"
		bad   []string
	}{
		{[]string{"ip unnumbered e0/0", "ip mtu 1400", "IP ACCESS-GROUP 101 in", "ip access-group OUT out"},
			"ip unnumbered Ethernet0/0|ip access-group 101 in|ip access-group OUT out|ip mtu 1400", nil},
		{[]string{"ip addr 10.0.0.1 255.255.255.0", "ip address 10.0.1.1 255.255.255.0 sec", "ip address 10.0.2.1 255.255.255.0"},
			"ip address 10.0.1.1 255.255.255.0 secondary|ip address 10.0.2.1 255.255.255.0", nil},
		{[]string{"ip address 10.0.0.1 255.255.255.0", "ip unnumbered Loopback0", "no ip unnumbered"}, "no ip address", nil},
		{[]string{"ip address 10.0.0.1 255.0.255.0", "ip address 10.0.0.1", "ip mtu 67", "ip mtu 65536", "ip mtu x", "ip access-group 1 sideways", "ip"},
			"no ip address", []string{"ip address 10.0.0.1 255.0.255.0", "ip address 10.0.0.1", "ip mtu 67", "ip mtu 65536", "ip mtu x", "ip access-group 1 sideways", "ip"}},
		{[]string{"ip access-group A in", "ip access-group B out", "no ip access-group in"}, "no ip address|ip access-group B out", nil},
		{[]string{"ip access-group A in", "ip access-group B out", "no ip access-group"}, "no ip address", nil},
		{[]string{"ip vrf forwarding OLD", "ip unnumbered Loopback0", "ipv6 address 2001:db8::1/64", "ip vrf forwarding NEW"},
			"ip vrf forwarding NEW|no ip address|ipv6 address 2001:DB8::1/64", nil},
		{[]string{"vrf forwarding OLD", "ipv6 address 2001:db8::1/64", "ipv6 enable", "vrf forwarding NEW"}, "vrf forwarding NEW|no ip address", nil},
		{[]string{"ipv6 address 2001:db8::1/64", "ipv6 address 2001:db8:1::1/64", "no ipv6 address 2001:db8::1/64", "ipv6 unnumbered Loopback0", "ipv6 address 10.0.0.0/8"},
			"no ip address|ipv6 address 2001:DB8:1::1/64|ipv6 unnumbered Loopback0", []string{"ipv6 address 10.0.0.0/8"}},
		{[]string{"tunnel source Ethernet0/0", "tunnel destination 10.0.0.2", "tunnel mode ipsec ipv6 v4-overlay", "tunnel key 7",
			"tunnel protection ipsec profile P shared", "description  two  words "},
			"description two words|no ip address|tunnel source Ethernet0/0|tunnel mode ipsec ipv6 v4-overlay|tunnel destination 10.0.0.2|tunnel key 7|" +
				"tunnel protection ipsec profile P shared|no tunnel protection ipsec initiate", nil},
		{[]string{"tunnel key 7", "no tunnel key", "tunnel mode gre ip", "tunnel source 10.0.0.1", "no tunnel source", "tunnel protection ipsec profile P",
			"no tunnel protection ipsec initiate", "no tunnel protection ipsec profile"}, "no ip address", nil},
		{[]string{"tunnel key 4294967296", "tunnel mode ipsec", "tunnel mode gre ip extra", "tunnel destination host.example", "tunnel protection ipsec profile"},
			"no ip address", []string{"tunnel key 4294967296", "tunnel mode ipsec", "tunnel mode gre ip extra", "tunnel destination host.example", "tunnel protection ipsec profile"}},
		{[]string{"service-policy input A", "service-policy output B", "no service-policy output C", "no service-policy input"},
			"no ip address|service-policy output B", nil},
		{[]string{"shutdown", "ip nat inside", "no ip redirects", "ip redirects", "no shutdown", "shutdown now"}, "no ip address|ip nat inside|ip redirects", []string{"shutdown now"}},
		{[]string{"", "   ", "no"}, "no ip address", []string{"no"}},
	} {
		cfg := &ifConfig{}
		var bad []string
		for _, l := range c.lines {
			if err := cfg.apply(l, false); err != nil {
				bad = append(bad, l)
			}
		}
		if got := strings.Join(cfg.lines(false), "|"); got != c.want || !slices.Equal(bad, c.bad) {
			t.Errorf("%q:\n got %q refused %q\nwant %q refused %q", c.lines, got, bad, c.want, c.bad)
		}
	}
}

// TestKeyword: abbreviations must be unique; an exact word wins.
func TestKeyword(t *testing.T) {
	for _, c := range []struct {
		word string
		want string
	}{{"ip", "ip"}, {"IPV", "ipv6"}, {"i", ""}, {"tun", "tunnel"}, {"x", ""}, {"des", "description"}} {
		if got := keyword(c.word, "description", "ip", "ipv6", "tunnel"); got != c.want {
			t.Errorf("keyword(%q) = %q, want %q", c.word, got, c.want)
		}
	}
}

// TestNumbers: lowest free first; everything handed back empties the heap.
func TestNumbers(t *testing.T) {
	var n numbers
	for want := 1; want <= 5; want++ {
		if got := n.take(); got != want {
			t.Fatalf("take = %d, want %d", got, want)
		}
	}
	n.put(4)
	n.put(2)
	if got := n.take(); got != 2 {
		t.Fatalf("take = %d, want 2", got)
	}
	if n.inUse() != 4 {
		t.Fatalf("inUse = %d", n.inUse())
	}
	for _, v := range []int{1, 2, 3, 5} {
		n.put(v)
	}
	if n.high != 0 || n.free != nil || n.take() != 1 {
		t.Fatalf("after all back: %+v", n)
	}
}

func FuzzApply(f *testing.F) {
	for _, s := range []string{"ip unnumbered e0/0", "no ip address 1.2.3.4 255.255.255.0", "tunnel mode ipsec ipv4 v6-overlay",
		"service-policy output X", "no vrf forwarding", "ipv6 address ::/0", "tunnel key 0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cfg := &ifConfig{}
		cfg.apply(line, false)
		// What the parser keeps renders to lines it parses back to the
		// same configuration.
		out := cfg.lines(false)
		again := &ifConfig{}
		for _, l := range out {
			if err := again.apply(l, true); err != nil {
				t.Fatalf("%q rendered %q, which is refused: %v", line, l, err)
			}
		}
		if back := again.lines(false); !slices.Equal(back, out) {
			t.Fatalf("%q: rendered %q, reparsed %q", line, out, back)
		}
	})
}
