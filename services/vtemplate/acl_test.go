package vtemplate_test

import (
	"context"
	"encoding/binary"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// ipPacket is an IPv4 header plus transport ports (or ICMP type/code).
func ipPacket(proto byte, src, dst string, a, b uint16) []byte {
	p := make([]byte, 28)
	p[0], p[9] = 0x45, proto
	s, d := netip.MustParseAddr(src).As4(), netip.MustParseAddr(dst).As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	if proto == 1 {
		p[20], p[21] = byte(a), byte(b)
	} else {
		binary.BigEndian.PutUint16(p[20:], a)
		binary.BigEndian.PutUint16(p[22:], b)
	}
	return p
}

// TestTemplateACLsReachTheDataPlane: the template's access groups are
// compiled from the configured lists; an undefined list filters nothing.
func TestTemplateACLsReachTheDataPlane(t *testing.T) {
	b := newBox(t, `ip access-list extended CLIENT-IN
 permit tcp any host 172.16.0.2 eq www
 permit icmp any 172.16.0.0 0.0.0.255 echo
 deny   udp any any range 1000 2000
 permit udp 10.10.0.0 0.0.255.255 any gt 1023
access-list 10 permit 172.16.0.0 0.0.0.255
interface Virtual-Template1 type tunnel
 ip access-group CLIENT-IN in
 ip access-group 10 out
interface Virtual-Template2 type tunnel
 ip access-group NOT-DEFINED in
`)
	va, err := b.s.Clone(vtemplate1Request())
	if err != nil {
		t.Fatal(err)
	}
	spec := specOf(t, b, va.Name)
	in, out := spec.InFilter, spec.OutFilter
	if in == nil || out == nil || in.Name != "CLIENT-IN" || len(in.Rules) != 4 || len(out.Rules) != 1 {
		t.Fatalf("filters in %+v out %+v", in, out)
	}
	for _, c := range []struct {
		acl  *dataplane.ACL
		pkt  []byte
		want bool
	}{
		{in, ipPacket(6, "10.10.0.10", "172.16.0.2", 40000, 80), true},
		{in, ipPacket(6, "10.10.0.10", "172.16.0.3", 40000, 80), false},
		{in, ipPacket(1, "10.10.0.10", "172.16.0.9", 8, 0), true},
		{in, ipPacket(1, "10.10.0.10", "172.16.0.9", 0, 0), false},
		{in, ipPacket(17, "10.10.0.10", "172.16.0.9", 5000, 1500), false},
		{in, ipPacket(17, "10.10.0.10", "172.16.0.9", 5000, 2500), true},
		{in, ipPacket(17, "10.10.0.10", "172.16.0.9", 5000, 53), false},
		{out, ipPacket(6, "172.16.0.7", "10.10.0.10", 80, 40000), true},
		{out, ipPacket(6, "192.168.1.1", "10.10.0.10", 80, 40000), false},
	} {
		if got := c.acl.Permits(c.pkt); got != c.want {
			t.Errorf("%s on %x: %v, want %v", c.acl.Name, c.pkt[9:24], got, c.want)
		}
	}
	r := vtemplate1Request()
	r.Template = 2
	va2, err := b.s.Clone(r)
	if err != nil {
		t.Fatal(err)
	}
	if s := specOf(t, b, va2.Name); s.InACL != "NOT-DEFINED" || s.InFilter != nil {
		t.Errorf("undefined list: %q %+v", s.InACL, s.InFilter)
	}
}

func vtemplate1Request() vtemplate.Request {
	return vtemplate.Request{Template: 1, Owner: "ikev2:1", TunnelSource: local, TunnelDestination: remote}
}

// specOf is the spec the data plane was given for an interface.
func specOf(t *testing.T, b *box, name string) dataplane.InterfaceSpec {
	t.Helper()
	for _, s := range b.dp.Interfaces() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("%s not in the data plane", name)
	return dataplane.InterfaceSpec{}
}

// TestAdjustMSS: "ip tcp adjust-mss" from the template, overridden by AAA,
// reaches the data plane and the derived configuration.
func TestAdjustMSS(t *testing.T) {
	b := newBox(t, `interface Virtual-Template1 type tunnel
 ip tcp adjust-mss 1360
`)
	va, err := b.s.Clone(vtemplate1Request())
	if err != nil {
		t.Fatal(err)
	}
	if s := specOf(t, b, va.Name); s.TCPAdjustMSS != 1360 {
		t.Errorf("template: adjust-mss %d", s.TCPAdjustMSS)
	}
	r := vtemplate1Request()
	r.User = []string{"ip tcp adjust-mss 1200"}
	va2, err := b.s.Clone(r)
	if err != nil {
		t.Fatal(err)
	}
	if s := specOf(t, b, va2.Name); s.TCPAdjustMSS != 1200 {
		t.Errorf("AAA: adjust-mss %d", s.TCPAdjustMSS)
	}
	if !slices.Contains(va2.Derived, "ip tcp adjust-mss 1200") {
		t.Errorf("derived config %q", va2.Derived)
	}
}

// TestACLChangesReachLiveInterfaces: editing a list that a live
// virtual-access interface uses reprograms the interface (Run).
func TestACLChangesReachLiveInterfaces(t *testing.T) {
	b := newBox(t, `ip access-list extended CLIENT-IN
 permit icmp any any
interface Virtual-Template1 type tunnel
 ip access-group CLIENT-IN in
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.s.Run(ctx)
	va, err := b.s.Clone(vtemplate1Request())
	if err != nil {
		t.Fatal(err)
	}
	if n := len(specOf(t, b, va.Name).InFilter.Rules); n != 1 {
		t.Fatalf("%d rules", n)
	}
	tcp := ipPacket(6, "10.10.0.10", "172.16.0.2", 40000, 80)
	if specOf(t, b, va.Name).InFilter.Permits(tcp) {
		t.Fatal("TCP permitted before the change")
	}
	b.run(t, "configure terminal\nip access-list extended CLIENT-IN\n permit tcp any any eq www\nend")
	deadline := time.Now().Add(5 * time.Second)
	for !specOf(t, b, va.Name).InFilter.Permits(tcp) {
		if time.Now().After(deadline) {
			t.Fatalf("the live interface still filters with the old list: %+v", specOf(t, b, va.Name).InFilter)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
