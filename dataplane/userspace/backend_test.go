package userspace

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/esp"
	"github.com/vishvananda/netns"
)

// testNamespace creates a network namespace with loopback up and
// 172.16.0.1 on it, deleted at cleanup.
func testNamespace(t testing.TB) string {
	t.Helper()
	var b [4]byte
	rand.Read(b[:])
	name := "gh-us-" + hex.EncodeToString(b[:])
	for _, args := range [][]string{{"netns", "add", name}, {"-n", name, "link", "set", "lo", "up"},
		{"-n", name, "addr", "add", "172.16.0.1/32", "dev", "lo"}} {
		if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v\n%s", args, err, out)
		}
	}
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	return name
}

// udpIn opens a UDP socket on addr inside the namespace.
func udpIn(t *testing.T, ns, addr string) *net.UDPConn {
	t.Helper()
	h, err := netns.GetFromName(ns)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close()
	var c *net.UDPConn
	err = inNamespace(h, func() error {
		var err error
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(addr)))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// udpPacket is an IPv4/UDP packet (UDP checksum 0, allowed over IPv4).
func udpPacket(src, dst netip.AddrPort, payload []byte) []byte {
	p := make([]byte, 28+len(payload))
	p[0], p[8], p[9] = 0x45, 64, 17
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	s, d := src.Addr().As4(), dst.Addr().As4()
	copy(p[12:], s[:])
	copy(p[16:], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(p[10:], ^uint16(sum))
	binary.BigEndian.PutUint16(p[20:], src.Port())
	binary.BigEndian.PutUint16(p[22:], dst.Port())
	binary.BigEndian.PutUint16(p[24:], uint16(8+len(payload)))
	copy(p[28:], payload)
	return p
}

func randomKey(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

type sent struct {
	from, to netip.AddrPort
	pkt      []byte
}

// tunnel is a backend with one client session: Virtual-Access1 holding
// 10.10.0.10, an AES-GCM SA over UDP, and the client's end of the SA.
type tunnel struct {
	b      *Backend
	ns     string
	sa     dataplane.ChildSA
	client *esp.Outbound // encrypts as the client would
	recv   *esp.Inbound  // decrypts what the head-end sends the client
	wire   chan sent
	skew   *atomic.Int64 // added to the backend's clock
}

var clientAddr = netip.MustParseAddrPort("10.10.0.10:5555")

func newTunnel(t *testing.T, lifetime dataplane.Lifetime) *tunnel {
	t.Helper()
	return openTunnel(t, lifetime, nil)
}

// openTunnel is newTunnel with the SA changed by edit before it is
// installed; the client's ends take its SPIs and keys.
func openTunnel(t *testing.T, lifetime dataplane.Lifetime, edit func(*dataplane.ChildSA)) *tunnel {
	t.Helper()
	ns := testNamespace(t)
	skew := new(atomic.Int64)
	b := New(Options{Namespace: func(string) string { return ns }, Queues: 2, Tick: 10 * time.Millisecond,
		Now: func() time.Time { return time.Now().Add(time.Duration(skew.Load())) }})
	t.Cleanup(func() { b.Close() })
	tn := &tunnel{b: b, ns: ns, wire: make(chan sent, 64), skew: skew}
	b.SetTransmit(func(_ string, from, to netip.AddrPort, pkt []byte) error {
		tn.wire <- sent{from, to, bytes.Clone(pkt)}
		return nil
	})
	if err := b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access1", LinuxName: "va1", Template: 1}); err != nil {
		t.Fatal(err)
	}
	if err := b.SetRoutes("", "Virtual-Access1", []dataplane.Route{{Prefix: netip.PrefixFrom(clientAddr.Addr(), 32), Interface: "Virtual-Access1"}}); err != nil {
		t.Fatal(err)
	}
	tn.sa = dataplane.ChildSA{ID: dataplane.SAID{SPI: 0xc0ffee01}, OutboundSPI: 0x0badf00d, Interface: "Virtual-Access1",
		Local: netip.MustParseAddrPort("10.99.0.1:4500"), Remote: netip.MustParseAddrPort("10.99.0.2:4500"), Encap: true,
		Encr: 20, EncrKeyBits: 256, In: dataplane.Keys{Encr: randomKey(36)}, Out: dataplane.Keys{Encr: randomKey(36)},
		RemoteTS:     []dataplane.TrafficSelector{{Start: clientAddr.Addr(), End: clientAddr.Addr(), EndPort: 65535}},
		LocalTS:      []dataplane.TrafficSelector{{Start: netip.MustParseAddr("0.0.0.0"), End: netip.MustParseAddr("255.255.255.255"), EndPort: 65535}},
		ReplayWindow: 64, Lifetime: lifetime}
	if edit != nil {
		edit(&tn.sa)
	}
	var err error
	if tn.client, err = esp.NewOutbound(esp.Config{SPI: tn.sa.ID.SPI, Encr: 20, EncrKeyBits: 256, EncrKey: tn.sa.In.Encr}); err != nil {
		t.Fatal(err)
	}
	if tn.recv, err = esp.NewInbound(esp.Config{SPI: tn.sa.OutboundSPI, Encr: 20, EncrKeyBits: 256, EncrKey: tn.sa.Out.Encr, ReplayWindow: 64}); err != nil {
		t.Fatal(err)
	}
	if err := b.InstallSA(tn.sa); err != nil {
		t.Fatal(err)
	}
	return tn
}

// fromClient encrypts an inner packet as the client and hands it to the
// backend as the IKE engine would.
func (tn *tunnel) fromClient(t *testing.T, inner []byte) []byte {
	t.Helper()
	pkt, err := tn.client.Seal(nil, 4, inner)
	if err != nil {
		t.Fatal(err)
	}
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, pkt)
	return pkt
}

// toClient waits for the next ESP packet to the client and decrypts it.
func (tn *tunnel) toClient(t *testing.T) []byte {
	t.Helper()
	select {
	case s := <-tn.wire:
		if s.from != tn.sa.Local || s.to != tn.sa.Remote {
			t.Errorf("ESP sent %v -> %v, want %v -> %v", s.from, s.to, tn.sa.Local, tn.sa.Remote)
		}
		inner, next, err := tn.recv.Open(nil, s.pkt)
		if err != nil || next != 4 {
			t.Fatalf("client cannot open the head-end's ESP: next %d, %v", next, err)
		}
		return inner
	case <-time.After(5 * time.Second):
		t.Fatal("nothing sent to the client")
	}
	return nil
}

// countersAfterSend reads Virtual-Access1's counters once the packet the
// test took off the wire is counted (the backend counts right after it
// sends).
func (tn *tunnel) countersAfterSend(t *testing.T) dataplane.Counters {
	t.Helper()
	var c dataplane.Counters
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if c, _ = tn.b.Counters("Virtual-Access1"); c.OutPackets > 0 {
			break
		}
	}
	return c
}

func TestTunnelBothWays(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	server := udpIn(t, tn.ns, "172.16.0.1:9999")
	// Client -> inside: decrypted and delivered by the kernel.
	tn.fromClient(t, udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), []byte("hello")))
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	n, from, err := server.ReadFromUDPAddrPort(buf)
	if err != nil || string(buf[:n]) != "hello" || from != clientAddr {
		t.Fatalf("inside host got %q from %v (%v)", buf[:n], from, err)
	}
	// Inside -> client: routed to the TUN by the access route, encrypted.
	if _, err := server.WriteToUDPAddrPort([]byte("hello back"), clientAddr); err != nil {
		t.Fatal(err)
	}
	inner := tn.toClient(t)
	if h, ok := parseIP(inner); !ok || h.dst != clientAddr.Addr() || !bytes.HasSuffix(inner, []byte("hello back")) {
		t.Fatalf("client got %x", inner)
	}
	c := tn.countersAfterSend(t)
	if c.InPackets != 1 || c.OutPackets != 1 || c.InBytes != 33 || c.OutBytes != 38 || c.InDrops != 0 {
		t.Errorf("interface counters %+v", c)
	}
	sc, _ := tn.b.SACounters(tn.sa.ID)
	if sc.InPackets != 1 || sc.OutPackets != 1 {
		t.Errorf("SA counters %+v", sc)
	}
}

func TestBadESPIsDroppedAndCounted(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	inner := udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), []byte("x"))
	pkt := tn.fromClient(t, inner)
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, pkt) // replayed
	// A fresh packet with its ICV broken (a tampered copy of pkt would fail
	// the replay check first).
	tampered, err := tn.client.Seal(nil, 4, inner)
	if err != nil {
		t.Fatal(err)
	}
	tampered[len(tampered)-1] ^= 1
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, tampered)
	spoofed := udpPacket(netip.MustParseAddrPort("10.10.0.99:1"), netip.MustParseAddrPort("172.16.0.1:9999"), []byte("x"))
	tn.fromClient(t, spoofed)
	unknown := bytes.Clone(pkt)
	unknown[0] ^= 0xff
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, unknown)
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, []byte{1, 2})
	sc, _ := tn.b.SACounters(tn.sa.ID)
	c, _ := tn.b.Counters("Virtual-Access1")
	st := tn.b.Stats()
	if sc.ReplayErrors != 1 || sc.AuthErrors != 1 || sc.InPackets != 1 || c.InDrops != 3 || st.UnknownSPI != 1 || st.Malformed != 1 {
		t.Errorf("SA %+v, interface %+v, backend %+v", sc, c, st)
	}
}

func TestLifetimesRaiseEvents(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{SoftPackets: 2, HardPackets: 3, SoftSeconds: 3600, HardSeconds: 7200})
	// A listener, so that the kernel answers no ICMP port unreachable
	// (which would go back out through the SA and count too).
	udpIn(t, tn.ns, "172.16.0.1:9999")
	inner := udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), []byte("x"))
	want := []dataplane.Event{{Kind: dataplane.SoftExpire, SA: tn.sa.ID}, {Kind: dataplane.HardExpire, SA: tn.sa.ID}}
	for range 4 {
		tn.fromClient(t, inner)
	}
	for _, w := range want {
		select {
		case ev := <-tn.b.Events():
			if ev != w {
				t.Fatalf("event %v, want %v", ev, w)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %v", w)
		}
	}
	// After the hard limit the SA carries nothing.
	if sc, _ := tn.b.SACounters(tn.sa.ID); sc.InPackets != 3 {
		t.Errorf("%d packets after the hard limit of 3", sc.InPackets)
	}
}

func TestTimeLifetime(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{SoftSeconds: 1, HardSeconds: 2})
	tn.skew.Store(int64(90 * time.Second))
	kinds := map[dataplane.EventKind]bool{}
	for len(kinds) < 1 {
		select {
		case ev := <-tn.b.Events():
			kinds[ev.Kind] = true
		case <-time.After(5 * time.Second):
			t.Fatal("no time expiry")
		}
	}
	if !kinds[dataplane.HardExpire] {
		t.Errorf("events %v: want hard expiry (soft is folded into it when both are due)", kinds)
	}
}

func TestRekeyMakeBeforeBreak(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	server := udpIn(t, tn.ns, "172.16.0.1:9999")
	next := tn.sa
	next.ID, next.OutboundSPI = dataplane.SAID{SPI: 0xc0ffee02}, 0x0badf00e
	next.In, next.Out = dataplane.Keys{Encr: randomKey(36)}, dataplane.Keys{Encr: randomKey(36)}
	next.Replaces = &tn.sa.ID
	if err := tn.b.InstallSA(next); err != nil {
		t.Fatal(err)
	}
	// Until the client uses the new SA, both decrypt and outbound stays on
	// the old one (the client may not have installed the new one yet).
	tn.fromClient(t, udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), []byte("old")))
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	if n, _, err := server.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "old" {
		t.Fatalf("old SA during rekey: %q %v", buf[:n], err)
	}
	outSPI := func() uint32 {
		server.WriteToUDPAddrPort([]byte("reply"), clientAddr)
		s := <-tn.wire
		spi, _ := esp.SPI(s.pkt)
		return spi
	}
	if spi := outSPI(); spi != tn.sa.OutboundSPI {
		t.Errorf("outbound SPI %#x before the client used the new SA, want the old %#x", spi, tn.sa.OutboundSPI)
	}
	// The client sends on the new SA: outbound follows.
	newClient, err := esp.NewOutbound(esp.Config{SPI: next.ID.SPI, Encr: 20, EncrKeyBits: 256, EncrKey: next.In.Encr})
	if err != nil {
		t.Fatal(err)
	}
	pkt, _ := newClient.Seal(nil, 4, udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), []byte("new")))
	tn.b.ReceiveESP("", tn.sa.Remote, tn.sa.Local, pkt)
	if n, _, err := server.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "new" {
		t.Fatalf("new SA: %q %v", buf[:n], err)
	}
	if spi := outSPI(); spi != next.OutboundSPI {
		t.Errorf("outbound SPI %#x after the client used the new SA, want %#x", spi, next.OutboundSPI)
	}
	if err := tn.b.RemoveSA(tn.sa.ID); err != nil {
		t.Fatal(err)
	}
	if err := tn.b.RemoveSA(tn.sa.ID); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("second remove: %v", err)
	}
	if err := tn.b.InstallSA(next); !errors.Is(err, dataplane.ErrExists) {
		t.Errorf("reinstall: %v", err)
	}
}

func TestRoutesFollowTheInterface(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	routes := func() string {
		out, _ := exec.Command("ip", "-n", tn.ns, "route", "show", "dev", "gh0").CombinedOutput()
		return string(out)
	}
	if r := routes(); !strings.Contains(r, "10.10.0.10") {
		t.Fatalf("access route missing: %q", r)
	}
	if err := tn.b.RemoveSA(tn.sa.ID); err != nil {
		t.Fatal(err)
	}
	if err := tn.b.RemoveInterface("Virtual-Access1"); err != nil {
		t.Fatal(err)
	}
	if r := routes(); strings.Contains(r, "10.10.0.10") {
		t.Errorf("access route left after the interface went: %q", r)
	}
	if err := tn.b.SetRoutes("", "Virtual-Access1", []dataplane.Route{{Prefix: netip.MustParsePrefix("10.1.0.0/16"), Interface: "Virtual-Access1"}}); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("routes for a removed interface: %v", err)
	}
	tn.b.Close()
	if out, _ := exec.Command("ip", "-n", tn.ns, "link", "show", "gh0").CombinedOutput(); !strings.Contains(string(out), "does not exist") {
		t.Errorf("TUN left after Close: %s", out)
	}
}

func TestACLsOnTheInterface(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	server := udpIn(t, tn.ns, "172.16.0.1:9999")
	udpIn(t, tn.ns, "172.16.0.1:7777")
	any := dataplane.AnyAddr
	// In: only UDP to port 9999. Out: nothing but UDP from port 9999.
	in := &dataplane.ACL{Name: "IN", Rules: []dataplane.ACLRule{{Permit: true, Proto: 17, Src: any, Dst: any,
		DstPorts: &dataplane.PortRange{Lo: 9999, Hi: 9999}, ICMPType: -1, ICMPCode: -1}}}
	out := &dataplane.ACL{Name: "OUT", Rules: []dataplane.ACLRule{{Permit: true, Proto: 17, Src: any, Dst: any,
		SrcPorts: &dataplane.PortRange{Lo: 9999, Hi: 9999}, ICMPType: -1, ICMPCode: -1}}}
	if err := tn.b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access1", LinuxName: "va1", Template: 1,
		InACL: "IN", OutACL: "OUT", InFilter: in, OutFilter: out}); err != nil {
		t.Fatal(err)
	}
	tn.fromClient(t, udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:7777"), []byte("denied")))
	tn.fromClient(t, udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), []byte("allowed")))
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 100)
	if n, _, err := server.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "allowed" {
		t.Fatalf("got %q, %v", buf[:n], err)
	}
	// Out: a reply from 9999 passes, one from another port does not.
	other := udpIn(t, tn.ns, "172.16.0.1:8888")
	other.WriteToUDPAddrPort([]byte("denied"), clientAddr)
	server.WriteToUDPAddrPort([]byte("allowed"), clientAddr)
	if inner := tn.toClient(t); !bytes.HasSuffix(inner, []byte("allowed")) {
		t.Fatalf("client got %q", inner)
	}
	c := tn.countersAfterSend(t)
	// Input counts what arrived, the inbound drop included (as IOS does);
	// output only what left.
	if c.ACLDrops != 2 || c.InPackets != 2 || c.OutPackets != 1 {
		t.Errorf("counters %+v: want 2 ACL drops, 2 in, 1 out", c)
	}
}

// TestPlainESP: an SA without UDP encapsulation sends and receives IP
// protocol 50 through the raw socket, which opens in the front-door VRF's
// namespace (here the test's, between 127.0.0.1 and 127.0.0.2 on its
// loopback).
func TestPlainESP(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	server := udpIn(t, tn.ns, "172.16.0.1:9999")
	plain := tn.sa
	plain.ID, plain.OutboundSPI = dataplane.SAID{SPI: 0xc0ffee10}, 0x0badf010
	plain.Encap = false
	plain.Local, plain.Remote = netip.MustParseAddrPort("127.0.0.1:0"), netip.MustParseAddrPort("127.0.0.2:0")
	if err := tn.b.RemoveSA(tn.sa.ID); err != nil {
		t.Fatal(err)
	}
	if err := tn.b.InstallSA(plain); err != nil {
		t.Fatal(err)
	}
	var peer *net.IPConn
	inNS(t, tn.ns, func() error {
		var err error
		peer, err = net.ListenIP("ip4:50", &net.IPAddr{IP: net.ParseIP("127.0.0.2")})
		return err
	})
	defer peer.Close()
	client, _ := esp.NewOutbound(esp.Config{SPI: plain.ID.SPI, Encr: 20, EncrKeyBits: 256, EncrKey: plain.In.Encr})
	recv, _ := esp.NewInbound(esp.Config{SPI: plain.OutboundSPI, Encr: 20, EncrKeyBits: 256, EncrKey: plain.Out.Encr, ReplayWindow: 64})
	// Client -> head-end as IP protocol 50.
	pkt, _ := client.Seal(nil, 4, udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), []byte("plain")))
	if _, err := peer.WriteToIP(pkt, &net.IPAddr{IP: net.ParseIP("127.0.0.1")}); err != nil {
		t.Fatal(err)
	}
	server.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2000)
	if n, _, err := server.ReadFromUDPAddrPort(buf); err != nil || string(buf[:n]) != "plain" {
		t.Fatalf("inside host got %q, %v", buf[:n], err)
	}
	// Head-end -> client: the reply leaves as IP protocol 50 to 127.0.0.2.
	server.WriteToUDPAddrPort([]byte("plain back"), clientAddr)
	peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	for {
		n, from, err := peer.ReadFromIP(buf)
		if err != nil {
			t.Fatalf("no ESP to the client: %v", err)
		}
		if spi, _ := esp.SPI(buf[:n]); spi != plain.OutboundSPI {
			continue // our own packet to 127.0.0.1, seen on loopback
		}
		inner, _, err := recv.Open(nil, buf[:n])
		if err != nil || !bytes.HasSuffix(inner, []byte("plain back")) || !from.IP.Equal(net.ParseIP("127.0.0.1")) {
			t.Fatalf("client got %x from %v: %v", inner, from, err)
		}
		break
	}
}
