package userspace

import (
	"net/netip"
	"strconv"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/heapbench"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

// heldSessions is the benchmark target's number of held sessions
// (docs/dev/benchmarks.md).
const heldSessions = 10000

// BenchmarkSessionHeap is the live heap the backend holds per session
// (metric heap-B/session), measured after a GC with heldSessions sessions
// installed: each a virtual-access interface as the vtemplate service
// programs it, the access route to the client's address (a kernel route
// through the VRF's TUN) and an AES-GCM child SA over UDP. The names and
// specs are built inside the measurement, as the IKE engine builds them:
// what the backend keeps of them counts.
func BenchmarkSessionHeap(b *testing.B) {
	ns := testNamespace(b)
	be := New(Options{Namespace: func(string) string { return ns }, Queues: 2})
	defer be.Close()
	be.SetTransmit(func(string, netip.AddrPort, netip.AddrPort, []byte) error { return nil })
	// The template's inbound list, compiled once by the vtemplate service
	// and shared by every interface.
	in := &dataplane.ACL{Name: "CLIENT-IN", Rules: []dataplane.ACLRule{{Permit: true, Proto: dataplane.ProtoAny,
		Src: dataplane.AddrWildcard{Addr: dataplane.Addr4(netip.MustParseAddr("10.10.0.0")), Wildcard: dataplane.Addr4(netip.MustParseAddr("0.0.255.255"))},
		Dst: dataplane.AnyAddr, ICMPType: -1, ICMPCode: -1}}}
	local := netip.MustParseAddr("172.16.1.2")
	any4 := []dataplane.TrafficSelector{{Start: netip.IPv4Unspecified(), End: netip.AddrFrom4([4]byte{255, 255, 255, 255}), EndPort: 65535}}
	install := func() {
		for i := range heldSessions {
			n := strconv.Itoa(i + 1)
			name := "Virtual-Access" + n
			client := netip.AddrFrom4([4]byte{10, 10, byte(i >> 8), byte(i)})
			peer := netip.AddrFrom4([4]byte{198, 51, byte(i >> 8), byte(i)})
			if err := be.EnsureInterface(dataplane.InterfaceSpec{Name: name, LinuxName: "va" + n, Template: 1,
				Unnumbered: "Ethernet0/0", InACL: in.Name, InFilter: in, TunnelSource: local, TunnelDestination: peer}); err != nil {
				b.Fatal(err)
			}
			if err := be.SetRoutes("", name, []dataplane.Route{{Prefix: netip.PrefixFrom(client, 32), Interface: name}}); err != nil {
				b.Fatal(err)
			}
			sa := dataplane.ChildSA{ID: dataplane.SAID{SPI: 0x10000 + uint32(i)}, OutboundSPI: 0x20000 + uint32(i), Interface: name,
				Local: netip.AddrPortFrom(local, 4500), Remote: netip.AddrPortFrom(peer, 4500), Encap: true,
				Encr: 20, EncrKeyBits: 256, In: dataplane.Keys{Encr: randomKey(36)}, Out: dataplane.Keys{Encr: randomKey(36)},
				LocalTS:      append([]dataplane.TrafficSelector(nil), any4...),
				RemoteTS:     []dataplane.TrafficSelector{{Start: client, End: client, EndPort: 65535}},
				ReplayWindow: 64, Lifetime: dataplane.Lifetime{SoftSeconds: 3300, HardSeconds: 3600}}
			if err := be.InstallSA(sa); err != nil {
				b.Fatal(err)
			}
		}
	}
	removeAll := func() {
		for i := range heldSessions {
			if err := be.RemoveSA(dataplane.SAID{SPI: 0x10000 + uint32(i)}); err != nil {
				b.Fatal(err)
			}
			if err := be.RemoveInterface("Virtual-Access" + strconv.Itoa(i+1)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportMetric(heapbench.PerItem(b, heldSessions, install, removeAll), "heap-B/session")
}
