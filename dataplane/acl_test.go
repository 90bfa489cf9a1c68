package dataplane

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// packet4 builds an IPv4 header and the first bytes of the transport
// header: ports for TCP/UDP (and TCP flags), type and code for ICMP.
func packet4(proto int, src, dst string, a, b uint16, tcpFlags byte) []byte {
	p := make([]byte, 40)
	p[0], p[9] = 0x45, byte(proto)
	binary.BigEndian.PutUint32(p[12:], Addr4(netip.MustParseAddr(src)))
	binary.BigEndian.PutUint32(p[16:], Addr4(netip.MustParseAddr(dst)))
	switch proto {
	case 1:
		p[20], p[21] = byte(a), byte(b)
	default:
		binary.BigEndian.PutUint16(p[20:], a)
		binary.BigEndian.PutUint16(p[22:], b)
		p[33] = tcpFlags
	}
	return p
}

func wc(addr, wildcard string) AddrWildcard {
	return AddrWildcard{Addr4(netip.MustParseAddr(addr)), Addr4(netip.MustParseAddr(wildcard))}
}

func TestACLFirstMatchAndImplicitDeny(t *testing.T) {
	acl := &ACL{Name: "101", Rules: []ACLRule{
		// deny tcp any host 172.16.0.2 eq 23
		{Proto: 6, Src: AnyAddr, Dst: wc("172.16.0.2", "0.0.0.0"), DstPorts: &PortRange{23, 23, false}, ICMPType: -1, ICMPCode: -1},
		// permit tcp 10.10.0.0 0.0.255.255 any established
		{Permit: true, Proto: 6, Src: wc("10.10.0.0", "0.0.255.255"), Dst: AnyAddr, Established: true, ICMPType: -1, ICMPCode: -1},
		// permit udp any any range 1000 2000
		{Permit: true, Proto: 17, Src: AnyAddr, Dst: AnyAddr, DstPorts: &PortRange{1000, 2000, false}, ICMPType: -1, ICMPCode: -1},
		// permit icmp any any echo
		{Permit: true, Proto: 1, Src: AnyAddr, Dst: AnyAddr, ICMPType: 8, ICMPCode: -1},
		// permit ip host 10.10.0.99 any
		{Permit: true, Proto: ProtoAny, Src: wc("10.10.0.99", "0.0.0.0"), Dst: AnyAddr, ICMPType: -1, ICMPCode: -1},
	}}
	if err := acl.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		pkt  []byte
		want bool
	}{
		{"telnet denied first", packet4(6, "10.10.0.99", "172.16.0.2", 4000, 23, 0x10), false},
		{"established tcp", packet4(6, "10.10.0.10", "172.16.0.2", 4000, 80, 0x10), true},
		{"tcp syn not established", packet4(6, "10.10.0.10", "172.16.0.2", 4000, 80, 0x02), false},
		{"udp in range", packet4(17, "10.10.0.10", "172.16.0.9", 53, 1500, 0), true},
		{"udp out of range", packet4(17, "10.10.0.10", "172.16.0.9", 53, 2001, 0), false},
		{"echo request", packet4(1, "10.10.0.10", "172.16.0.9", 8, 0, 0), true},
		{"echo reply", packet4(1, "10.10.0.10", "172.16.0.9", 0, 0, 0), false},
		{"any ip from host", packet4(47, "10.10.0.99", "172.16.0.9", 0, 0, 0), true},
		{"implicit deny", packet4(47, "10.10.0.10", "172.16.0.9", 0, 0, 0), false},
		{"ipv6 denied", append([]byte{0x60}, make([]byte, 39)...), false},
		{"truncated", []byte{0x45, 0}, false},
	} {
		if got := acl.Permits(c.pkt); got != c.want {
			t.Errorf("%s: permits %v, want %v", c.name, got, c.want)
		}
	}
	var none *ACL
	if !none.Permits(nil) {
		t.Error("a nil list must permit")
	}
}

func TestACLNeqAndFragments(t *testing.T) {
	acl := &ACL{Name: "X", Rules: []ACLRule{
		{Permit: true, Proto: 17, Src: AnyAddr, Dst: AnyAddr, DstPorts: &PortRange{53, 53, true}, ICMPType: -1, ICMPCode: -1},
	}}
	if acl.Permits(packet4(17, "1.1.1.1", "2.2.2.2", 1, 53, 0)) || !acl.Permits(packet4(17, "1.1.1.1", "2.2.2.2", 1, 54, 0)) {
		t.Error("neq")
	}
	frag := packet4(17, "1.1.1.1", "2.2.2.2", 1, 54, 0)
	binary.BigEndian.PutUint16(frag[6:], 100) // a later fragment: no ports to match
	if acl.Permits(frag) {
		t.Error("a non-first fragment matched a port rule")
	}
	bad := &ACL{Name: "B", Rules: []ACLRule{{Proto: 300}}}
	if bad.Validate() == nil {
		t.Error("protocol 300 accepted")
	}
}

func FuzzACLPermits(f *testing.F) {
	f.Add(packet4(6, "10.0.0.1", "10.0.0.2", 1, 2, 0x10))
	f.Add([]byte{0x4f})
	acl := &ACL{Name: "F", Rules: []ACLRule{
		{Proto: 6, Src: AnyAddr, Dst: AnyAddr, DstPorts: &PortRange{1, 5, false}, Established: true, ICMPType: -1, ICMPCode: -1},
		{Permit: true, Proto: 1, Src: AnyAddr, Dst: AnyAddr, ICMPType: 8, ICMPCode: 0},
	}}
	f.Fuzz(func(t *testing.T, b []byte) { acl.Permits(b) })
}
