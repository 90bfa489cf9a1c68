package userspace

import (
	"net/netip"
	"os"
	"runtime"
	"runtime/pprof"
	"strconv"
	"testing"

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
	// A first round opens the VRF and the raw state, and grows the
	// tables' maps to their size at heldSessions.
	install()
	removeAll()
	var perSession float64
	for b.Loop() {
		before := liveHeap()
		install()
		perSession = float64(liveHeap()-before) / heldSessions
		heapProfile(b)
		b.StopTimer()
		removeAll()
		b.StartTimer()
	}
	b.ReportMetric(perSession, "heap-B/session")
}

// liveHeap is the heap in use after a full collection.
func liveHeap() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// heapProfile writes the heap, sessions held, to GATEHOUSE_HEAP_PROFILE
// when it is set (go tool pprof -sample_index=inuse_space). Set, it
// also records every allocation, which slows the benchmark down.
func heapProfile(b *testing.B) {
	path := os.Getenv("GATEHOUSE_HEAP_PROFILE")
	if path == "" {
		return
	}
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	if err := pprof.WriteHeapProfile(f); err != nil {
		b.Fatal(err)
	}
}

func init() {
	if os.Getenv("GATEHOUSE_HEAP_PROFILE") != "" {
		runtime.MemProfileRate = 1
	}
}

// TestRouteTableHostKeys: IPv4 host routes are keyed by their 4 bytes
// (to keep the per-session entry small), IPv6 ones by address; an
// IPv4-mapped IPv6 host stays distinct from the IPv4 host, as with one
// map keyed by netip.Addr.
func TestRouteTableHostKeys(t *testing.T) {
	rt := newRouteTable()
	a, b, c := &vaccess{name: "a"}, &vaccess{name: "b"}, &vaccess{name: "c"}
	p := netip.MustParsePrefix
	rt.replace(a, nil, []netip.Prefix{p("10.10.0.10/32")})
	rt.replace(b, nil, []netip.Prefix{p("2001:db8::10/128")})
	rt.replace(c, nil, []netip.Prefix{p("::ffff:10.10.0.11/128")})
	for dst, want := range map[string]*vaccess{"10.10.0.10": a, "2001:db8::10": b, "::ffff:10.10.0.11": c,
		"10.10.0.11": nil, "::ffff:10.10.0.10": nil, "2001:db8::11": nil} {
		if got := rt.lookup(netip.MustParseAddr(dst)); got != want {
			t.Errorf("lookup %s = %v, want %v", dst, got, want)
		}
	}
	rt.replace(a, []netip.Prefix{p("10.10.0.10/32")}, nil)
	rt.replace(b, []netip.Prefix{p("2001:db8::10/128")}, nil)
	if rt.lookup(netip.MustParseAddr("10.10.0.10")) != nil || rt.lookup(netip.MustParseAddr("2001:db8::10")) != nil ||
		rt.lookup(netip.MustParseAddr("::ffff:10.10.0.11")) != c || len(rt.hosts4)+len(rt.hosts6) != 1 {
		t.Error("replace did not remove exactly a's and b's host routes")
	}
}
