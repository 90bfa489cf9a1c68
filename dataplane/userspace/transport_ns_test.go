package userspace

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/esp"
)

// Transport mode through real namespaces: the kernel steering, the
// packet path both ways, rekeys, and two backends talking to each other.

var (
	tpHeadend = netip.MustParseAddrPort("172.16.0.1:4500") // on the test namespace's loopback
	tpClient  = netip.MustParseAddrPort("10.99.0.2:4500")  // the client as the head-end sees it (its NAT)
	tpPrivate = netip.MustParseAddr("192.168.1.2")         // the client's own address, behind the NAT
)

// transportTunnel is newTunnel with a transport-mode SA between the
// head-end's 172.16.0.1 and a client behind a NAT (seen as 10.99.0.2,
// its own address 192.168.1.2), UDP-encapsulated.
func transportTunnel(t *testing.T, lifetime dataplane.Lifetime) *tunnel {
	t.Helper()
	return openTunnel(t, lifetime, func(sa *dataplane.ChildSA) {
		sa.Mode, sa.Local, sa.Remote = dataplane.Transport, tpHeadend, tpClient
		sa.LocalTS = []dataplane.TrafficSelector{{Start: tpHeadend.Addr(), End: tpHeadend.Addr(), EndPort: 65535}}
		sa.RemoteTS = []dataplane.TrafficSelector{{Start: tpPrivate, End: tpPrivate, EndPort: 65535}}
	})
}

// sendTransport is the client sending pkt (an IP packet from its own
// address to the head-end) on its transport SA: ESP carries what follows
// the IP header.
func (tn *tunnel) sendTransport(t *testing.T, out *esp.Outbound, pkt []byte) []byte {
	t.Helper()
	src, dst := addrsOf(pkt)
	next, hl, ok := transportPayload(pkt, src, dst)
	if !ok {
		t.Fatalf("client cannot send %x in transport mode", pkt)
	}
	esp, err := out.Seal(nil, next, pkt[hl:])
	if err != nil {
		t.Fatal(err)
	}
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, esp)
	return esp
}

// recvTransport waits for the next ESP packet to the client and returns
// its payload and next header.
func (tn *tunnel) recvTransport(t *testing.T) ([]byte, uint8, uint32) {
	t.Helper()
	select {
	case s := <-tn.wire:
		if s.from != tn.sa.Local || s.to != tn.sa.Remote {
			t.Errorf("ESP sent %v -> %v, want %v -> %v", s.from, s.to, tn.sa.Local, tn.sa.Remote)
		}
		spi, _ := esp.SPI(s.pkt)
		payload, next, err := tn.recv.Open(nil, s.pkt)
		if err != nil {
			return nil, 0, spi
		}
		return payload, next, spi
	case <-time.After(5 * time.Second):
		t.Fatal("nothing sent to the client")
	}
	return nil, 0, 0
}

func nsOutput(t *testing.T, ns string, args ...string) string {
	t.Helper()
	out, err := exec.Command("ip", append([]string{"-n", ns}, args...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("ip %v: %v\n%s", args, err, out)
	}
	return string(out)
}

// TestTransportBothWays: a transport-mode SA to a client behind a NAT.
// What the client sends (UDP, ICMP, a TCP SYN, each with the checksum its
// own address gives) reaches the head-end's stack from the address the
// head-end sees; what the stack answers is steered into the TUN device
// and leaves as ESP carrying the payload alone, protocol as next header.
// The IKE and ESP packets to the client are not steered, and what a
// transport SA cannot carry is refused and counted.
func TestTransportBothWays(t *testing.T) {
	tn := transportTunnel(t, dataplane.Lifetime{})
	rules := nsOutput(t, tn.ns, "rule")
	for _, want := range []string{"4303:\tfrom all to 10.99.0.2 ipproto esp goto 4305",
		"4303:\tfrom all to 10.99.0.2 ipproto udp sport 4500 dport 4500 goto 4305", "4304:\tfrom all iif lo lookup 4303",
		"4305:\tfrom all nop"} {
		if !strings.Contains(rules, want) {
			t.Errorf("ip rule lacks %q:\n%s", want, rules)
		}
	}
	if r := nsOutput(t, tn.ns, "route", "show", "table", "4303"); !strings.Contains(r, "10.99.0.2 dev gh0 scope link src 172.16.0.1") {
		t.Errorf("steering route: %q", r)
	}

	server := udpIn(t, tn.ns, "172.16.0.1:9999")
	hello := testPacket{proto: 17, src: tpPrivate, dst: tpHeadend.Addr(), sport: 5555, dport: 9999, payload: []byte("hello")}.build()
	tn.sendTransport(t, tn.client, hello)
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, from, err := server.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "hello" || from != netip.AddrPortFrom(tpClient.Addr(), 5555) {
		t.Fatalf("head-end got %q from %v (%v): the NAT-T checksum fix or the rebuilt header is wrong", buf[:n], from, err)
	}
	if _, err := server.WriteToUDPAddrPort([]byte("hello back"), from); err != nil {
		t.Fatal(err)
	}
	payload, next, _ := tn.recvTransport(t)
	if next != 17 || len(payload) != 8+10 || !bytes.HasSuffix(payload, []byte("hello back")) ||
		binary.BigEndian.Uint16(payload[2:]) != 5555 {
		t.Fatalf("client got next header %d, % x", next, payload)
	}
	// The checksum is the head-end's, for its address and the one it
	// sees; the client fixes it for its own (RFC 3948).
	if c := l4Checksum(tpHeadend.Addr(), tpClient.Addr(), 17, payload); c != 0 && c != 0xffff {
		t.Errorf("UDP checksum off by %04x", c)
	}

	// ICMP: an echo request is answered through the SA.
	tn.sendTransport(t, tn.client, icmpEcho(tpPrivate, tpHeadend.Addr(), []byte("ping")))
	if payload, next, _ := tn.recvTransport(t); next != 1 || len(payload) < 8 || payload[0] != 0 || sum16(payload) != 0xffff {
		t.Fatalf("echo reply: next header %d, % x", next, payload)
	}
	// TCP: a SYN to a closed port is answered with a reset, which the
	// kernel sends only for a segment whose checksum it verified.
	syn := testPacket{src: tpPrivate, dst: tpHeadend.Addr(), sport: 40000, dport: 9, seq: 1000, flags: tcpSYN, window: 1000}.build()
	tn.sendTransport(t, tn.client, syn)
	payload, next, _ = tn.recvTransport(t)
	if next != 6 || len(payload) < 20 || payload[13]&tcpRST == 0 {
		t.Fatalf("reset: next header %d, % x", next, payload)
	}
	if c := tcpChecksum(tpHeadend.Addr(), tpClient.Addr(), payload); c != 0 && c != 0xffff {
		t.Errorf("TCP checksum off by %04x", c)
	}

	c := tn.countersAfterSend(t)
	sc, _ := tn.b.SACounters(tn.sa.ID)
	// In: UDP 33 bytes, ICMP 32, SYN 40 (as IP packets); out the same
	// three answers.
	if c.InPackets != 3 || c.OutPackets != 3 || c.InBytes != 33+32+40 || c.InDrops != 0 || sc.InPackets != 3 || sc.OutPackets != 3 {
		t.Errorf("interface %+v, SA %+v", c, sc)
	}

	// The SA's own UDP port pair and ESP are not steered: with no route to
	// the client in the main table they cannot be sent at all, where the
	// same datagram from another port goes into the SA.
	for _, port := range []int{4500, 4501} {
		var conn *net.UDPConn
		inNS(t, tn.ns, func() error {
			var err error
			conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.ParseIP("172.16.0.1"), Port: port})
			return err
		})
		_, err := conn.WriteToUDPAddrPort([]byte("ike"), tpClient)
		conn.Close()
		if steered := err == nil; steered != (port != 4500) {
			t.Errorf("UDP from port %d: steered %v (%v)", port, steered, err)
		}
	}
	if payload, next, _ := tn.recvTransport(t); next != 17 || !bytes.HasSuffix(payload, []byte("ike")) ||
		binary.BigEndian.Uint16(payload) != 4501 {
		t.Errorf("steered datagram: next %d, % x", next, payload)
	}
	inNS(t, tn.ns, func() error {
		raw, err := net.ListenIP("ip4:50", &net.IPAddr{IP: net.ParseIP("172.16.0.1")})
		if err != nil {
			return err
		}
		defer raw.Close()
		if _, err := raw.WriteToIP(make([]byte, 40), &net.IPAddr{IP: tpClient.Addr().AsSlice()}); !errors.Is(err, syscall.ENETUNREACH) {
			t.Errorf("ESP to the client: %v, want ENETUNREACH (routed by the main table)", err)
		}
		return nil
	})

	// A fragment, or a packet from another address, cannot go in transport
	// mode: refused and counted.
	v := tn.b.vrfs[""]
	tx := tn.b.newTxBatch()
	frag := testPacket{proto: 17, src: tpHeadend.Addr(), dst: tpClient.Addr(), sport: 1, dport: 2, fragOffset: 0x2000, payload: []byte("x")}.build()
	other := testPacket{proto: 17, src: netip.MustParseAddr("172.16.0.9"), dst: tpClient.Addr(), sport: 1, dport: 2}.build()
	for _, p := range [][]byte{frag, other} {
		tn.b.outbound(v, p, tx)
	}
	tx.flush()
	if st, c := tn.b.Stats(), tn.countersAfterSend(t); st.TransportRefused != 2 || c.OutDrops != 2 {
		t.Errorf("refused: stats %+v, interface %+v", st, c)
	}

	// The inner packet is what the access lists see.
	in := &dataplane.ACL{Name: "IN", Rules: []dataplane.ACLRule{{Permit: true, Proto: 17, Src: dataplane.AnyAddr, Dst: dataplane.AnyAddr,
		DstPorts: &dataplane.PortRange{Lo: 9999, Hi: 9999}, ICMPType: -1, ICMPCode: -1}}}
	if err := tn.b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access1", LinuxName: "va1", Template: 1,
		InACL: "IN", InFilter: in}); err != nil {
		t.Fatal(err)
	}
	tn.sendTransport(t, tn.client, testPacket{proto: 17, src: tpPrivate, dst: tpHeadend.Addr(), sport: 5555, dport: 7777}.build())
	if c, _ := tn.b.Counters("Virtual-Access1"); c.ACLDrops != 1 {
		t.Errorf("inbound access list on the inner packet: %+v", c)
	}
}

// Replay protection and lifetimes count transport-mode packets as they do
// tunnel-mode ones.
func TestTransportReplayAndLifetime(t *testing.T) {
	tn := transportTunnel(t, dataplane.Lifetime{SoftPackets: 2, HardPackets: 4})
	udpIn(t, tn.ns, "172.16.0.1:9999")
	pkt := testPacket{proto: 17, src: tpPrivate, dst: tpHeadend.Addr(), sport: 5555, dport: 9999, payload: []byte("x")}.build()
	first := tn.sendTransport(t, tn.client, pkt)
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, first)
	tn.sendTransport(t, tn.client, pkt)
	if sc, _ := tn.b.SACounters(tn.sa.ID); sc.ReplayErrors != 1 || sc.InPackets != 2 {
		t.Errorf("SA counters %+v", sc)
	}
	select {
	case ev := <-tn.b.Events():
		if ev != (dataplane.Event{Kind: dataplane.SoftExpire, SA: tn.sa.ID}) {
			t.Errorf("event %v", ev)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no soft expiry")
	}
}

// A rekey of a transport-mode SA is make-before-break as in tunnel mode,
// and the kernel keeps steering the peer's traffic until its last SA
// goes; Close removes the rest.
func TestTransportRekey(t *testing.T) {
	tn := transportTunnel(t, dataplane.Lifetime{})
	server := udpIn(t, tn.ns, "172.16.0.1:9999")
	next := tn.sa
	next.ID, next.OutboundSPI = dataplane.SAID{SPI: 0xc0ffee02}, 0x0badf00e
	next.In, next.Out = dataplane.Keys{Encr: randomKey(36)}, dataplane.Keys{Encr: randomKey(36)}
	next.Replaces = &tn.sa.ID
	if err := tn.b.InstallSA(next); err != nil {
		t.Fatal(err)
	}
	reply := func() uint32 {
		server.WriteToUDPAddrPort([]byte("reply"), netip.AddrPortFrom(tpClient.Addr(), 5555))
		_, _, spi := tn.recvTransport(t)
		return spi
	}
	if spi := reply(); spi != tn.sa.OutboundSPI {
		t.Errorf("outbound SPI %#x before the client used the new SA, want the old %#x", spi, tn.sa.OutboundSPI)
	}
	newClient, err := esp.NewOutbound(esp.Config{SPI: next.ID.SPI, Encr: 20, EncrKeyBits: 256, EncrKey: next.In.Encr})
	if err != nil {
		t.Fatal(err)
	}
	tn.sendTransport(t, newClient, testPacket{proto: 17, src: tpPrivate, dst: tpHeadend.Addr(), sport: 5555, dport: 9999,
		payload: []byte("new")}.build())
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	if n, _, err := server.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "new" {
		t.Fatalf("new SA: %q %v", buf[:n], err)
	}
	if spi := reply(); spi != next.OutboundSPI {
		t.Errorf("outbound SPI %#x after the client used the new SA, want %#x", spi, next.OutboundSPI)
	}
	if err := tn.b.RemoveSA(tn.sa.ID); err != nil {
		t.Fatal(err)
	}
	if r := nsOutput(t, tn.ns, "route", "show", "table", "4303"); !strings.Contains(r, "10.99.0.2") {
		t.Fatalf("steering gone with the old SA while the new one lives: %q", r)
	}
	if spi := reply(); spi != next.OutboundSPI {
		t.Errorf("outbound SPI %#x after the old SA went, want %#x", spi, next.OutboundSPI)
	}
	if err := tn.b.RemoveSA(next.ID); err != nil {
		t.Fatal(err)
	}
	if r := nsOutput(t, tn.ns, "route", "show", "table", "4303"); r != "" {
		t.Errorf("steering route left with no SA: %q", r)
	}
	if r := nsOutput(t, tn.ns, "rule"); strings.Contains(r, "10.99.0.2") || !strings.Contains(r, "4304:") {
		t.Errorf("rules with no SA (want the steering rule only):\n%s", r)
	}
	tn.b.Close()
	if r := nsOutput(t, tn.ns, "rule"); strings.Contains(r, "4303") || strings.Contains(r, "4304") || strings.Contains(r, "4305") {
		t.Errorf("rules left after Close:\n%s", r)
	}
}

// A transport SA whose local address is not one of the VRF's cannot be
// steered (the kernel will not source from it): InstallSA says so and
// installs nothing.
func TestTransportLocalAddressMissing(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	sa := tn.sa
	sa.ID, sa.OutboundSPI, sa.Mode = dataplane.SAID{SPI: 0xc0ffee77}, 0x0badf077, dataplane.Transport
	sa.Local = netip.MustParseAddrPort("10.77.0.1:4500")
	err := tn.b.InstallSA(sa)
	if err == nil || !strings.Contains(err.Error(), "is 10.77.0.1 an address of VRF global") {
		t.Fatalf("InstallSA: %v", err)
	}
	if _, err := tn.b.SACounters(sa.ID); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("SA left behind: %v", err)
	}
	if r := nsOutput(t, tn.ns, "rule"); strings.Contains(r, "10.99.0.2") {
		t.Errorf("rules left behind:\n%s", r)
	}
}

// transportPair is two backends with transport-mode SAs to each other,
// one interface and SA pair per family, the way two Gatehouse ends of
// IKE SAs over IPv4 and over IPv6 would have them: over plain ESP on a
// veth pair, or UDP-encapsulated through a NAT (simulated: the ESP-in-UDP
// goes straight from one backend to the other, and the head-end sees the
// client at another address than the client's own).
type transportPair struct {
	a, b     *Backend
	nsA, nsB string
	saA      []dataplane.ChildSA // IPv4, IPv6
}

var (
	pairA4, pairB4 = netip.MustParseAddr("10.99.0.1"), netip.MustParseAddr("10.99.0.2")
	pairA6, pairB6 = netip.MustParseAddr("fd00:99::1"), netip.MustParseAddr("fd00:99::2")
	// Where the head-end (a) sees the client behind the NAT.
	pairNAT4, pairNAT6 = netip.MustParseAddr("10.99.0.200"), netip.MustParseAddr("fd00:99::200")
)

func newTransportPair(t *testing.T, offload, nat bool) *transportPair {
	t.Helper()
	p := &transportPair{nsA: testNamespace(t), nsB: testNamespace(t)}
	ipCmd(t, "-n", p.nsA, "link", "add", "ghva", "type", "veth", "peer", "name", "ghvb", "netns", p.nsB)
	for _, side := range []struct {
		ns, dev     string
		addr, addr6 netip.Addr
	}{{p.nsA, "ghva", pairA4, pairA6}, {p.nsB, "ghvb", pairB4, pairB6}} {
		ipCmd(t, "-n", side.ns, "addr", "add", side.addr.String()+"/24", "dev", side.dev)
		ipCmd(t, "-n", side.ns, "-6", "addr", "add", side.addr6.String()+"/64", "dev", side.dev, "nodad")
		ipCmd(t, "-n", side.ns, "link", "set", side.dev, "up")
	}
	port := uint16(0)
	if nat {
		port = 4500
	}
	ap := func(a netip.Addr) netip.AddrPort { return netip.AddrPortFrom(a, port) }
	host := func(a netip.Addr) []dataplane.TrafficSelector {
		return []dataplane.TrafficSelector{{Start: a, End: a, EndPort: 65535}}
	}
	var saB []dataplane.ChildSA
	for i, fam := range []struct{ a, b, bSeen netip.Addr }{{pairA4, pairB4, pairNAT4}, {pairA6, pairB6, pairNAT6}} {
		seen := fam.b
		if nat {
			seen = fam.bSeen
		}
		ab, ba := dataplane.Keys{Encr: randomKey(36)}, dataplane.Keys{Encr: randomKey(36)}
		name := fmt.Sprintf("Virtual-Access%d", i+1)
		base := dataplane.ChildSA{Interface: name, Mode: dataplane.Transport, Encap: nat, Encr: 20, EncrKeyBits: 256, ReplayWindow: 1024}
		a, b := base, base
		a.ID, a.OutboundSPI, a.Local, a.Remote, a.In, a.Out = dataplane.SAID{SPI: 0xa0000001 + uint32(i)}, 0xb0000001+uint32(i),
			ap(fam.a), ap(seen), ba, ab
		a.LocalTS, a.RemoteTS = host(fam.a), host(fam.b)
		b.ID, b.OutboundSPI, b.Local, b.Remote, b.In, b.Out = dataplane.SAID{SPI: 0xb0000001 + uint32(i)}, 0xa0000001+uint32(i),
			ap(fam.b), ap(fam.a), ab, ba
		b.LocalTS, b.RemoteTS = host(fam.b), host(fam.a)
		p.saA, saB = append(p.saA, a), append(saB, b)
	}
	start := func(ns string, sas []dataplane.ChildSA) *Backend {
		be := New(Options{Namespace: func(string) string { return ns }, Queues: 2, NoOffload: !offload})
		t.Cleanup(func() { be.Close() })
		for _, sa := range sas {
			if err := be.EnsureInterface(dataplane.InterfaceSpec{Name: sa.Interface, Template: 1}); err != nil {
				t.Fatal(err)
			}
		}
		return be
	}
	p.a, p.b = start(p.nsA, p.saA), start(p.nsB, saB)
	if nat {
		// The wire between the two, through the NAT: each backend's
		// ESP-in-UDP is handed to the other as its IKE engine would.
		p.a.SetTransmit(func(_ string, from, to netip.AddrPort, pkt []byte) error {
			p.b.ReceiveESP("", to, from, pkt)
			return nil
		})
		p.b.SetTransmit(func(_ string, from, to netip.AddrPort, pkt []byte) error {
			p.a.ReceiveESP("", to, from, pkt)
			return nil
		})
	}
	for _, sa := range p.saA {
		if err := p.a.InstallSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	for _, sa := range saB {
		if err := p.b.InstallSA(sa); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// TestTransportThroughESP: TCP streams, IPv4 and IPv6, between the outer
// addresses of two backends with transport-mode SAs, over plain ESP and
// through a NAT (UDP-encapsulated, where each end must fix the other's
// checksums), with the TUN offloads on and off. The bytes come back
// intact, all of them through the SAs (which count at least every byte
// each way), and nothing is refused or dropped; with the offloads on,
// super-packets are cut on the way out.
func TestTransportThroughESP(t *testing.T) {
	const n = 2 << 20
	for _, c := range []struct{ offload, nat bool }{{true, false}, {false, false}, {true, true}, {false, true}} {
		t.Run(fmt.Sprintf("offload=%v,nat=%v", c.offload, c.nat), func(t *testing.T) {
			p := newTransportPair(t, c.offload, c.nat)
			for i, srv := range []netip.AddrPort{netip.AddrPortFrom(pairA4, 7007), netip.AddrPortFrom(pairA6, 7007)} {
				echo(t, p.nsA, srv)
				transfer(t, p.nsB, srv, n)
				ca, _ := p.a.SACounters(p.saA[i].ID)
				cb, _ := p.b.SACounters(dataplane.SAID{SPI: p.saA[i].OutboundSPI})
				if ca.InBytes < n || ca.OutBytes < n || cb.InBytes < n || cb.OutBytes < n {
					t.Errorf("%v: SA counters head-end %+v, client %+v", srv, ca, cb)
				}
				ia, _ := p.a.Counters(p.saA[i].Interface)
				ib, _ := p.b.Counters(p.saA[i].Interface)
				if ia.InDrops != 0 || ia.OutDrops != 0 || ib.InDrops != 0 || ib.OutDrops != 0 {
					t.Errorf("%v: interface counters head-end %+v, client %+v", srv, ia, ib)
				}
			}
			for _, e := range []struct {
				name string
				b    *Backend
			}{{"head-end", p.a}, {"client", p.b}} {
				st := e.b.Stats()
				t.Logf("%s: %+v", e.name, st)
				if st.Malformed != 0 || st.SendErrors != 0 || st.TransportRefused != 0 || st.UnknownSPI != 0 {
					t.Errorf("%s: %+v", e.name, st)
				}
				if c.offload && e.b.vrfs[""].offload && (st.GSOPackets == 0 || st.GSOSegments <= st.GSOPackets) {
					t.Errorf("%s: offloads on, but no super-packet cut: %+v", e.name, st)
				}
			}
		})
	}
}
