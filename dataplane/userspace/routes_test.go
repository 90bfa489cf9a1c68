package userspace

import (
	"net/netip"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

func TestRouteTableLongestMatch(t *testing.T) {
	rt := newRouteTable()
	a, b, c := &vaccess{name: "a"}, &vaccess{name: "b"}, &vaccess{name: "c"}
	p := netip.MustParsePrefix
	rt.replace(a, nil, []netip.Prefix{p("10.10.0.10/32")})
	rt.replace(b, nil, []netip.Prefix{p("192.168.0.0/16"), p("10.0.0.0/8")})
	rt.replace(c, nil, []netip.Prefix{p("192.168.7.0/24")})
	for dst, want := range map[string]*vaccess{"10.10.0.10": a, "10.10.0.11": b, "192.168.7.9": c, "192.168.8.1": b, "172.16.0.1": nil} {
		if got := rt.lookup(netip.MustParseAddr(dst)); got != want {
			t.Errorf("lookup %s = %v, want %v", dst, got, want)
		}
	}
	// Replacing b's routes removes the old ones; a's host route stays.
	rt.replace(b, []netip.Prefix{p("192.168.0.0/16"), p("10.0.0.0/8")}, nil)
	if rt.lookup(netip.MustParseAddr("192.168.8.1")) != nil || rt.lookup(netip.MustParseAddr("10.10.0.10")) != a {
		t.Error("replace did not remove exactly b's routes")
	}
	// Another interface's removal does not take a host route it no longer owns.
	rt.replace(c, nil, []netip.Prefix{p("10.10.0.10/32")})
	rt.replace(a, []netip.Prefix{p("10.10.0.10/32")}, nil)
	if rt.lookup(netip.MustParseAddr("10.10.0.10")) != c {
		t.Error("stale removal took over a host route")
	}
}

func TestParseIP(t *testing.T) {
	v4 := make([]byte, 20)
	v4[0], v4[9] = 0x45, 17
	copy(v4[12:], []byte{10, 10, 0, 10})
	copy(v4[16:], []byte{172, 16, 0, 2})
	h, ok := parseIP(v4)
	if !ok || h.src != netip.MustParseAddr("10.10.0.10") || h.dst != netip.MustParseAddr("172.16.0.2") || h.proto != 17 || h.nextHeader != protoIPv4 {
		t.Errorf("IPv4: %+v %v", h, ok)
	}
	v6 := make([]byte, 40)
	v6[0], v6[6] = 0x60, 58
	v6[23], v6[39] = 1, 2
	h, ok = parseIP(v6)
	if !ok || h.src != netip.MustParseAddr("::1") || h.dst != netip.MustParseAddr("::2") || h.nextHeader != protoIPv6 {
		t.Errorf("IPv6: %+v %v", h, ok)
	}
	for _, bad := range [][]byte{nil, {0x45}, v4[:19], {0x4f, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, v6[:39], {0x10}} {
		if _, ok := parseIP(bad); ok {
			t.Errorf("parsed %x", bad)
		}
	}
}

func TestInSelectors(t *testing.T) {
	a := netip.MustParseAddr
	ts := []dataplane.TrafficSelector{{Start: a("10.10.0.10"), End: a("10.10.0.10"), EndPort: 65535},
		{Start: a("2001:db8::"), End: a("2001:db8::ff"), EndPort: 65535}}
	for addr, want := range map[string]bool{"10.10.0.10": true, "10.10.0.11": false, "2001:db8::7": true, "2001:db8::100": false} {
		if got := inSelectors(ts, a(addr)); got != want {
			t.Errorf("%s: %v", addr, got)
		}
	}
}

func FuzzParseIP(f *testing.F) {
	f.Add([]byte{0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2})
	f.Add(make([]byte, 40))
	f.Fuzz(func(t *testing.T, b []byte) {
		if h, ok := parseIP(b); ok && (!h.src.IsValid() || !h.dst.IsValid()) {
			t.Fatalf("ok with invalid addresses: %+v", h)
		}
	})
}
