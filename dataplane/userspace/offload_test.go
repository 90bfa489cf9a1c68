package userspace

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"testing"
	"time"
	"unsafe"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

// espPair is two backends joined by plain ESP over a veth pair, as on
// two machines: a head-end (a) and a client (b), each with its VRF, TUN
// device and raw ESP socket in its own namespace. Behind the head-end,
// over a second veth pair, is the protected host (namespace nsH) with the
// host addresses on its loopback. The head-end's side of that link
// computes no checksums and segments nothing in hardware (ethtool -K tx
// off), so a super-packet the head-end writes to its TUN device is cut
// and checksummed by the kernel's own GSO on the way, and the host's TCP
// verifies every segment: a wrong partial checksum would stall the
// transfer.
type espPair struct {
	a, b          *Backend
	nsA, nsB, nsH string
}

var (
	pairHost4   = netip.MustParseAddr("172.16.0.1")
	pairHost6   = netip.MustParseAddr("fd00:1::1")
	pairClient4 = netip.MustParseAddr("10.10.0.10")
	pairClient6 = netip.MustParseAddr("fd00::10")
)

func inNS(t testing.TB, ns string, fn func() error) {
	t.Helper()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	if err := inNamespace(h, fn); err != nil {
		t.Fatal(err)
	}
}

func ipCmd(t testing.TB, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
}

// txChecksumOff turns checksum offload (and with it TSO) off on dev in
// ns, as "ethtool -K dev tx off" does, through the legacy ethtool ioctl.
func txChecksumOff(t testing.TB, ns, dev string) {
	t.Helper()
	inNS(t, ns, func() error {
		fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		value := struct{ cmd, data uint32 }{cmd: unix.ETHTOOL_STXCSUM}
		var ifr struct {
			name [unix.IFNAMSIZ]byte
			data unsafe.Pointer
			_    [16]byte
		}
		copy(ifr.name[:], dev)
		ifr.data = unsafe.Pointer(&value)
		if _, _, e := unix.Syscall(unix.SYS_IOCTL, uintptr(fd), unix.SIOCETHTOOL, uintptr(unsafe.Pointer(&ifr))); e != 0 {
			return fmt.Errorf("ETHTOOL_STXCSUM %s: %w", dev, e)
		}
		return nil
	})
}

func newESPPair(t *testing.T, offloadA, offloadB bool) *espPair {
	t.Helper()
	p := &espPair{nsA: testNamespace(t), nsB: testNamespace(t), nsH: testNamespace(t)}
	for _, ns := range []string{p.nsA, p.nsB} {
		ipCmd(t, "-n", ns, "addr", "del", "172.16.0.1/32", "dev", "lo")
	}
	ipCmd(t, "-n", p.nsH, "addr", "add", pairHost6.String()+"/128", "dev", "lo")
	for _, l := range []struct{ ns1, dev1, addr1, ns2, dev2, addr2 string }{
		{p.nsA, "ghva", "10.99.0.1/24", p.nsB, "ghvb", "10.99.0.2/24"},
		{p.nsA, "ghvh", "10.98.0.1/24", p.nsH, "ghvi", "10.98.0.2/24"},
	} {
		ipCmd(t, "-n", l.ns1, "link", "add", l.dev1, "type", "veth", "peer", "name", l.dev2, "netns", l.ns2)
		ipCmd(t, "-n", l.ns1, "addr", "add", l.addr1, "dev", l.dev1)
		ipCmd(t, "-n", l.ns2, "addr", "add", l.addr2, "dev", l.dev2)
		ipCmd(t, "-n", l.ns1, "link", "set", l.dev1, "up")
		ipCmd(t, "-n", l.ns2, "link", "set", l.dev2, "up")
	}
	ipCmd(t, "-n", p.nsA, "-6", "addr", "add", "fd00:98::1/64", "dev", "ghvh", "nodad")
	ipCmd(t, "-n", p.nsH, "-6", "addr", "add", "fd00:98::2/64", "dev", "ghvi", "nodad")
	ipCmd(t, "-n", p.nsA, "route", "add", "172.16.0.0/24", "via", "10.98.0.2")
	ipCmd(t, "-n", p.nsA, "-6", "route", "add", "fd00:1::/64", "via", "fd00:98::2")
	ipCmd(t, "-n", p.nsH, "route", "add", "10.10.0.0/24", "via", "10.98.0.1")
	ipCmd(t, "-n", p.nsH, "-6", "route", "add", "fd00::/64", "via", "fd00:98::1")
	txChecksumOff(t, p.nsA, "ghvh")

	any4 := dataplane.TrafficSelector{Start: netip.MustParseAddr("0.0.0.0"), End: netip.MustParseAddr("255.255.255.255"), EndPort: 65535}
	any6 := dataplane.TrafficSelector{Start: netip.IPv6Unspecified(), End: netip.MustParseAddr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"), EndPort: 65535}
	host := func(a netip.Addr) dataplane.TrafficSelector {
		return dataplane.TrafficSelector{Start: a, End: a, EndPort: 65535}
	}
	keysAB, keysBA := dataplane.Keys{Encr: randomKey(36)}, dataplane.Keys{Encr: randomKey(36)}
	saA := dataplane.ChildSA{ID: dataplane.SAID{SPI: 0xa0000001}, OutboundSPI: 0xb0000001, Interface: "Virtual-Access1",
		Local: netip.MustParseAddrPort("10.99.0.1:0"), Remote: netip.MustParseAddrPort("10.99.0.2:0"),
		Encr: 20, EncrKeyBits: 256, In: keysBA, Out: keysAB, ReplayWindow: 1024,
		LocalTS: []dataplane.TrafficSelector{any4, any6}, RemoteTS: []dataplane.TrafficSelector{host(pairClient4), host(pairClient6)}}
	saB := dataplane.ChildSA{ID: dataplane.SAID{SPI: 0xb0000001}, OutboundSPI: 0xa0000001, Interface: "Virtual-Access1",
		Local: netip.MustParseAddrPort("10.99.0.2:0"), Remote: netip.MustParseAddrPort("10.99.0.1:0"),
		Encr: 20, EncrKeyBits: 256, In: keysAB, Out: keysBA, ReplayWindow: 1024,
		LocalTS: []dataplane.TrafficSelector{host(pairClient4), host(pairClient6)}, RemoteTS: []dataplane.TrafficSelector{any4, any6}}

	start := func(ns string, offload bool, spec dataplane.InterfaceSpec, routes []netip.Prefix, sa dataplane.ChildSA) *Backend {
		be := New(Options{Namespace: func(string) string { return ns }, Queues: 2, NoOffload: !offload})
		t.Cleanup(func() { be.Close() })
		if err := be.EnsureInterface(spec); err != nil {
			t.Fatal(err)
		}
		var rs []dataplane.Route
		for _, r := range routes {
			rs = append(rs, dataplane.Route{Prefix: r, Interface: spec.Name})
		}
		if err := be.SetRoutes("", spec.Name, rs); err != nil {
			t.Fatal(err)
		}
		// The raw ESP socket opens in the front-door VRF's namespace, ns.
		if err := be.InstallSA(sa); err != nil {
			t.Fatal(err)
		}
		v := be.vrfs[""]
		if offload && v.noOffload != nil {
			t.Logf("TUN offloads refused, testing the plain path: %v", v.noOffload)
		}
		return be
	}
	p.a = start(p.nsA, offloadA, dataplane.InterfaceSpec{Name: "Virtual-Access1", Template: 1},
		[]netip.Prefix{netip.PrefixFrom(pairClient4, 32), netip.PrefixFrom(pairClient6, 128)}, saA)
	p.b = start(p.nsB, offloadB, dataplane.InterfaceSpec{Name: "Virtual-Access1", Template: 1,
		Addresses: []netip.Prefix{netip.PrefixFrom(pairClient4, 32), netip.PrefixFrom(pairClient6, 128)}},
		[]netip.Prefix{netip.MustParsePrefix("172.16.0.0/24"), netip.MustParsePrefix("fd00:1::/64")}, saB)
	return p
}

// echo runs a TCP echo server on addr in ns until the test ends.
func echo(t *testing.T, ns string, addr netip.AddrPort) {
	t.Helper()
	var l net.Listener
	inNS(t, ns, func() error {
		var err error
		l, err = net.Listen("tcp", addr.String())
		return err
	})
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				io.Copy(c, c)
			}()
		}
	}()
}

// transfer sends n random bytes from ns to the echo server at addr and
// checks that the same bytes come back.
func transfer(t *testing.T, ns string, addr netip.AddrPort, n int) {
	t.Helper()
	var c net.Conn
	inNS(t, ns, func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr.String(), 10*time.Second)
		return err
	})
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	data := make([]byte, n)
	rand.Read(data)
	werr := make(chan error, 1)
	go func() {
		// Writes of odd sizes, some with PSH after them.
		for off, i := 0, 0; off < n; i++ {
			k := min(n-off, 1+(i*7919)%200000)
			if _, err := c.Write(data[off : off+k]); err != nil {
				werr <- err
				return
			}
			off += k
		}
		werr <- c.(*net.TCPConn).CloseWrite()
	}()
	got, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("%v: reading the echo: %v after %d bytes", addr, err, len(got))
	}
	if err := <-werr; err != nil {
		t.Fatalf("%v: writing: %v", addr, err)
	}
	if !bytes.Equal(got, data) {
		i := 0
		for i < len(got) && i < len(data) && got[i] == data[i] {
			i++
		}
		t.Fatalf("%v: %d bytes came back for %d sent, first difference at %d", addr, len(got), len(data), i)
	}
}

// TestTCPThroughTunnel: TCP streams, IPv4 and IPv6, echoed through a
// client and a head-end joined by plain ESP, with the TUN offloads on at
// both ends, at neither, and at one only (a peer's segmentation is its
// own business). The bytes come back intact, the interfaces count
// segments as the wire carries them, and where the offloads are on the
// super-packets are cut and coalesced.
func TestTCPThroughTunnel(t *testing.T) {
	const n = 4 << 20
	for _, c := range []struct{ a, b bool }{{true, true}, {false, false}, {true, false}} {
		t.Run(fmt.Sprintf("offload-headend=%v,client=%v", c.a, c.b), func(t *testing.T) {
			p := newESPPair(t, c.a, c.b)
			for _, host := range []netip.Addr{pairHost4, pairHost6} {
				srv := netip.AddrPortFrom(host, 7007)
				echo(t, p.nsH, srv)
				transfer(t, p.nsB, srv, n)
			}
			ca, _ := p.a.Counters("Virtual-Access1")
			cb, _ := p.b.Counters("Virtual-Access1")
			// 2 x n bytes each way in segments of at most 1360 bytes of
			// payload: at least that many packets, counted one by one.
			minPackets := uint64(2 * n / 1360)
			if ca.InPackets < minPackets || ca.OutPackets < minPackets || cb.InPackets < minPackets || cb.OutPackets < minPackets {
				t.Errorf("packets counted: head-end %+v, client %+v; want at least %d each way", ca, cb, minPackets)
			}
			if ca.InBytes < 2*n || ca.OutBytes < 2*n || ca.InDrops != 0 || cb.InDrops != 0 {
				t.Errorf("head-end counters %+v, client %+v", ca, cb)
			}
			for _, e := range []struct {
				name    string
				b       *Backend
				offload bool
			}{{"head-end", p.a, c.a}, {"client", p.b, c.b}} {
				st := e.b.Stats()
				t.Logf("%s: %+v", e.name, st)
				if st.Malformed != 0 || st.SendErrors != 0 {
					t.Errorf("%s: %+v", e.name, st)
				}
				if e.b.vrfs[""].offload != e.offload {
					continue
				}
				switch {
				case e.offload && (st.GSOPackets == 0 || st.GROPackets == 0 || st.GSOSegments <= st.GSOPackets || st.GROSegments <= st.GROPackets):
					t.Errorf("%s: offloads on, but super-packets cut %d (%d segments), coalesced %d (%d segments)",
						e.name, st.GSOPackets, st.GSOSegments, st.GROPackets, st.GROSegments)
				case !e.offload && (st.GSOPackets != 0 || st.GROPackets != 0):
					t.Errorf("%s: offloads off, but %+v", e.name, st)
				}
			}
		})
	}
}

// superPacketToClient is what an offloading TUN device hands over for a
// TCP stream from the inside host to the client: a virtio-net header and
// a 10,000-byte super-packet to cut at 1360 bytes (8 segments).
func superPacketToClient(t *testing.T) (buf, payload []byte) {
	t.Helper()
	payload = randomPayload(10000)
	pkt := testPacket{src: netip.MustParseAddr("172.16.0.1"), dst: clientAddr.Addr(), sport: 5201, dport: clientAddr.Port(),
		seq: 1, ack: 1, flags: tcpACK | tcpPSH, window: 500, df: true, ttl: 64, payload: payload}.build()
	kernelPartial(pkt, 20, 6)
	buf = make([]byte, vnetHdrLen, vnetHdrLen+len(pkt))
	vnetHdr{flags: vnetNeedsCsum, gsoType: gsoTCPv4, hdrLen: 40, gsoSize: 1360, csumStart: 20, csumOffset: 16}.encode(buf)
	return append(buf, pkt...), payload
}

// A super-packet from the TUN leaves as one ESP packet per segment, each
// checked against the interface (MTU, access list) and counted as the
// wire sees it, and a batch transmitter gets them in one call.
func TestSuperPacketToESP(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	v := tn.b.vrfs[""]
	send := func() {
		buf, _ := superPacketToClient(t)
		tx := tn.b.newTxBatch()
		tn.b.outboundOffloaded(v, buf, tx)
		tx.flush()
	}
	buf, payload := superPacketToClient(t)
	tx := tn.b.newTxBatch()
	tn.b.outboundOffloaded(v, buf, tx)
	if len(tx.pkts) != 8 {
		t.Fatalf("%d ESP packets batched, want 8", len(tx.pkts))
	}
	tx.flush()
	var got []byte
	var wireBytes uint64
	for i := range 8 {
		inner := tn.toClient(t)
		wireBytes += uint64(len(inner))
		src, dst := addrsOf(inner)
		if c := tcpChecksum(src, dst, inner[20:]); c != 0 && c != 0xffff {
			t.Fatalf("segment %d: TCP checksum off by %04x", i, c)
		}
		if psh := inner[33]&tcpPSH != 0; psh != (i == 7) {
			t.Errorf("segment %d: PSH %v", i, psh)
		}
		got = append(got, inner[40:]...)
	}
	if !bytes.Equal(got, payload) {
		t.Fatal("the segments do not carry the super-packet's payload")
	}
	c := tn.countersAfterSend(t)
	sc, _ := tn.b.SACounters(tn.sa.ID)
	if c.OutPackets != 8 || c.OutBytes != wireBytes || sc.OutPackets != 8 || sc.OutBytes != wireBytes {
		t.Errorf("interface %+v, SA %+v: want 8 packets, %d bytes", c, sc, wireBytes)
	}
	if st := tn.b.Stats(); st.GSOPackets != 1 || st.GSOSegments != 8 {
		t.Errorf("stats %+v", st)
	}

	// Through a batch transmitter: one call for the SA's run.
	calls := make(chan int, 8)
	tn.b.SetTransmitBatch(func(_ string, from, to netip.AddrPort, pkts [][]byte) (int, error) {
		calls <- len(pkts)
		return len(pkts), nil
	})
	send()
	if n := <-calls; n != 8 {
		t.Errorf("batch transmitter called with %d packets, want 8", n)
	}
	if c, _ := tn.b.Counters("Virtual-Access1"); c.OutPackets != 16 {
		t.Errorf("after the batch: %+v", c)
	}

	// The access list and the MTU apply to each segment.
	deny := &dataplane.ACL{Name: "OUT", Rules: []dataplane.ACLRule{{Permit: false, Proto: 6, Src: dataplane.AnyAddr, Dst: dataplane.AnyAddr,
		ICMPType: -1, ICMPCode: -1}}}
	if err := tn.b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access1", LinuxName: "va1", Template: 1, OutACL: "OUT", OutFilter: deny}); err != nil {
		t.Fatal(err)
	}
	send()
	if c, _ := tn.b.Counters("Virtual-Access1"); c.ACLDrops != 8 || c.OutPackets != 16 {
		t.Errorf("denied by the access list: %+v", c)
	}
	if err := tn.b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access1", LinuxName: "va1", Template: 1, MTU: 1000}); err != nil {
		t.Fatal(err)
	}
	send()
	// The last segment (520 bytes) fits.
	if c, _ := tn.b.Counters("Virtual-Access1"); c.OutDrops != 7 || c.OutPackets != 17 {
		t.Errorf("segments over the MTU: %+v", c)
	}
}

// ESP-in-UDP delivered in bursts (as the IKE engine does once the
// backend asks for it) is coalesced: a run of TCP segments reaches the
// TUN device in one write, which the kernel takes (its TCP answers the
// segments to a closed port with a reset, back through the tunnel).
// Delivered packet by packet, nothing is coalesced.
func TestESPBurstCoalesces(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	if !tn.b.vrfs[""].offload {
		t.Skipf("TUN offloads refused: %v", tn.b.vrfs[""].noOffload)
	}
	segments := func(seq uint32) {
		for _, p := range stream(false, seq, 1, []int{1000}, 5, tcpPSH) {
			// From the client to the inside host's closed port 9.
			copy(p[12:16], clientAddr.Addr().AsSlice())
			copy(p[16:20], []byte{172, 16, 0, 1})
			binary.BigEndian.PutUint16(p[22:], 9)
			ipv4HeaderChecksum(p[:20])
			p[36], p[37] = 0, 0
			src, dst := addrsOf(p)
			binary.BigEndian.PutUint16(p[36:], tcpChecksum(src, dst, p[20:]))
			tn.fromClient(t, p)
		}
	}
	segments(1)
	if st := tn.b.Stats(); st.GROPackets != 0 {
		t.Fatalf("coalesced without bursts: %+v", st)
	}
	done := tn.b.ReceiveESPInBursts()
	segments(100000)
	if st := tn.b.Stats(); st.GROPackets != 0 {
		t.Fatalf("written before the burst ended: %+v", st)
	}
	done()
	if st := tn.b.Stats(); st.GROPackets != 1 || st.GROSegments != 5 {
		t.Fatalf("after the burst: %+v", st)
	}
	c, _ := tn.b.Counters("Virtual-Access1")
	if c.InPackets != 10 || c.InDrops != 0 {
		t.Errorf("counters %+v", c)
	}
	// The kernel's resets (for the lone segments and the super-packet)
	// come back through the tunnel.
	for range 2 {
		if r := tn.toClient(t); r[33]&tcpRST == 0 {
			t.Errorf("client got %x, want a reset", r)
		}
	}
}
