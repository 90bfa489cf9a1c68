package userspace

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"
)

// Transport-mode encapsulation and decapsulation, checked independently:
// header checksums with sum16, transport checksums with l4Checksum and
// tcpChecksum (gso_test.go, mss_test.go), never with checksum.go.

var (
	tpLocal4  = netip.MustParseAddr("10.99.0.1")
	tpPeer4   = netip.MustParseAddr("10.99.0.2")
	tpNAT4    = netip.MustParseAddr("198.51.100.7") // the peer as this end sees it behind a NAT
	tpLocal6  = netip.MustParseAddr("fd00:99::1")
	tpPeer6   = netip.MustParseAddr("fd00:99::2")
	tpNAT6    = netip.MustParseAddr("2001:db8:77::7")
	tpPayload = []byte("transport mode carries no inner IP header")
)

// icmpEcho is an ICMP (ICMPv6) echo request from src to dst with a right
// checksum.
func icmpEcho(src, dst netip.Addr, payload []byte) []byte {
	msg := append([]byte{8, 0, 0, 0, 0x12, 0x34, 0, 1}, payload...)
	if src.Is6() {
		msg[0] = 128
		binary.BigEndian.PutUint16(msg[2:], l4Checksum(src, dst, protoICMPv6, msg))
		ip := make([]byte, 40)
		ip[0], ip[6], ip[7] = 0x60, protoICMPv6, 64
		binary.BigEndian.PutUint16(ip[4:], uint16(len(msg)))
		copy(ip[8:], src.AsSlice())
		copy(ip[24:], dst.AsSlice())
		return append(ip, msg...)
	}
	binary.BigEndian.PutUint16(msg[2:], ^uint16(sum16(msg)))
	ip := make([]byte, 20)
	ip[0], ip[8], ip[9] = 0x45, 64, 1
	binary.BigEndian.PutUint16(ip[2:], uint16(20+len(msg)))
	copy(ip[12:], src.AsSlice())
	copy(ip[16:], dst.AsSlice())
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum16(ip)))
	return append(ip, msg...)
}

// transportPackets are packets from the local endpoint to the peer of
// each family and protocol a transport SA carries.
func transportPackets(local, peer netip.Addr) map[string][]byte {
	v6 := local.Is6()
	return map[string][]byte{
		"tcp": testPacket{v6: v6, src: local, dst: peer, sport: 40000, dport: 7007, seq: 1, ack: 1, flags: tcpACK | tcpPSH,
			window: 100, ttl: 64, df: true, payload: tpPayload}.build(),
		"udp":  testPacket{v6: v6, proto: 17, src: local, dst: peer, sport: 5353, dport: 9999, ttl: 64, payload: tpPayload}.build(),
		"icmp": icmpEcho(local, peer, tpPayload),
	}
}

// l4OK says whether the transport checksum of a packet verifies, computed
// from scratch for the addresses in its header.
func l4OK(t *testing.T, pkt []byte) bool {
	t.Helper()
	src, dst := addrsOf(pkt)
	var proto uint8
	l4 := 20
	if src.Is6() {
		proto, l4 = pkt[6], 40
		for proto == protoDstOpts {
			proto, l4 = pkt[l4], l4+(int(pkt[l4+1])+1)*8
		}
	} else {
		proto = pkt[9]
	}
	seg := pkt[l4:]
	switch proto {
	case 6:
		c := tcpChecksum(src, dst, seg)
		return c == 0 || c == 0xffff
	case 17:
		if src.Is4() && seg[6] == 0 && seg[7] == 0 {
			return true // no checksum
		}
		c := l4Checksum(src, dst, 17, seg)
		return c == 0 || c == 0xffff
	case 1:
		return sum16(seg) == 0xffff
	case protoICMPv6:
		c := l4Checksum(src, dst, protoICMPv6, seg)
		return c == 0 || c == 0xffff
	}
	t.Fatalf("protocol %d", proto)
	return false
}

// encapsulate is what a transport SA from local to peer puts in ESP for
// pkt: its payload and the next header.
func encapsulate(t *testing.T, pkt []byte, local, peer netip.Addr) ([]byte, uint8) {
	t.Helper()
	next, hl, ok := transportPayload(pkt, local, peer)
	if !ok {
		t.Fatalf("transportPayload refused %x", pkt)
	}
	return pkt[hl:], next
}

// decapsulate is what a transport SA rebuilds from a decrypted payload,
// received from src (as seen here) at dst.
func decapsulate(t *testing.T, payload []byte, next uint8, src, dst netip.Addr, encap bool) []byte {
	t.Helper()
	hl := transportHeaderLen(dst)
	pkt := append(make([]byte, hl), payload...)
	if !transportHeader(pkt, next, src, dst) {
		t.Fatalf("transportHeader refused %d bytes", len(pkt))
	}
	if encap {
		transportChecksum(pkt)
	}
	return pkt
}

// checkRebuilt checks a rebuilt packet's IP header from scratch.
func checkRebuilt(t *testing.T, pkt []byte, next uint8, src, dst netip.Addr) {
	t.Helper()
	h, ok := parseIP(pkt)
	if !ok || h.src != src || h.dst != dst || h.proto != next {
		t.Fatalf("rebuilt header %+v, want %v -> %v protocol %d", h, src, dst, next)
	}
	if src.Is4() {
		if pkt[0] != 0x45 || int(binary.BigEndian.Uint16(pkt[2:])) != len(pkt) || !ipv4HeaderOK(pkt[:20]) || pkt[8] == 0 ||
			binary.BigEndian.Uint16(pkt[6:])&0x3fff != 0 {
			t.Fatalf("rebuilt IPv4 header % x", pkt[:20])
		}
		return
	}
	if pkt[0]>>4 != 6 || int(binary.BigEndian.Uint16(pkt[4:]))+40 != len(pkt) || pkt[7] == 0 {
		t.Fatalf("rebuilt IPv6 header % x", pkt[:40])
	}
}

// Outbound takes the IP header off, inbound puts one back from the SA's
// endpoints; without NAT the packet arrives as it was sent (lengths,
// addresses, protocol, payload and its checksum) for TCP, UDP and ICMP
// over IPv4 and IPv6.
func TestTransportRoundTrip(t *testing.T) {
	for _, fam := range []struct{ local, peer netip.Addr }{{tpLocal4, tpPeer4}, {tpLocal6, tpPeer6}} {
		for name, pkt := range transportPackets(fam.local, fam.peer) {
			payload, next := encapsulate(t, pkt, fam.local, fam.peer)
			if want := transportHeaderLen(fam.local); len(payload) != len(pkt)-want {
				t.Errorf("%s %v: %d bytes of payload from a %d-byte packet", name, fam.local, len(payload), len(pkt))
			}
			for _, encap := range []bool{false, true} {
				// At the peer: from our address to its own.
				got := decapsulate(t, bytes.Clone(payload), next, fam.local, fam.peer, encap)
				checkRebuilt(t, got, next, fam.local, fam.peer)
				hl := transportHeaderLen(fam.local)
				if !bytes.Equal(got[hl:], pkt[hl:]) || !l4OK(t, got) {
					t.Errorf("%s %v (encap %v): the payload changed or its checksum fails:\n got % x\nwant % x", name, fam.local, encap, got, pkt)
				}
			}
		}
	}
}

// RFC 3948 section 3.1.2: behind a NAT the peer's TCP and UDP (and
// ICMPv6) checksums cover an address this end never sees, so a
// UDP-encapsulated SA computes them again for the addresses it rebuilt.
// Without that the checksum fails (the test would catch a no-op); ICMPv4
// has no pseudo-header and is left as it came, and so is an IPv4 UDP
// datagram sent without a checksum.
func TestTransportNATChecksum(t *testing.T) {
	for _, fam := range []struct{ local, peer, seen netip.Addr }{{tpLocal4, tpPeer4, tpNAT4}, {tpLocal6, tpPeer6, tpNAT6}} {
		// The peer sends from its own address to ours; we see it as fam.seen.
		for name, pkt := range transportPackets(fam.peer, fam.local) {
			payload, next := encapsulate(t, pkt, fam.peer, fam.local)
			fixed := decapsulate(t, bytes.Clone(payload), next, fam.seen, fam.local, true)
			checkRebuilt(t, fixed, next, fam.seen, fam.local)
			if !l4OK(t, fixed) {
				t.Errorf("%s %v: checksum not fixed for the NAT's address: % x", name, fam.local, fixed)
			}
			raw := decapsulate(t, bytes.Clone(payload), next, fam.seen, fam.local, false)
			pseudo := name != "icmp" || fam.local.Is6()
			if pseudo == l4OK(t, raw) {
				t.Errorf("%s %v: the unfixed checksum verifies %v, want %v", name, fam.local, !pseudo, pseudo)
			}
			if !pseudo && !bytes.Equal(fixed, raw) {
				t.Errorf("%s %v: ICMPv4 changed", name, fam.local)
			}
		}
	}
	// IPv4 UDP without a checksum stays without.
	pkt := testPacket{proto: 17, src: tpPeer4, dst: tpLocal4, sport: 1, dport: 2, payload: tpPayload}.build()
	pkt[26], pkt[27] = 0, 0
	payload, next := encapsulate(t, pkt, tpPeer4, tpLocal4)
	if got := decapsulate(t, payload, next, tpNAT4, tpLocal4, true); got[26] != 0 || got[27] != 0 {
		t.Errorf("UDP checksum 0 became %02x%02x", got[26], got[27])
	}
	// IPv6 destination options travel inside ESP; the UDP behind them is
	// fixed.
	pkt = withIPv6Option(testPacket{v6: true, proto: 17, src: tpPeer6, dst: tpLocal6, sport: 1, dport: 2, payload: tpPayload}.build(),
		protoDstOpts)
	payload, next = encapsulate(t, pkt, tpPeer6, tpLocal6)
	if next != protoDstOpts {
		t.Fatalf("next header %d, want destination options", next)
	}
	if got := decapsulate(t, payload, next, tpNAT6, tpLocal6, true); !l4OK(t, got) {
		t.Errorf("UDP behind destination options not fixed: % x", got)
	}
	// A TCP header cut short, or a UDP length that disagrees, is left for
	// the kernel to drop.
	short := decapsulate(t, []byte{1, 2, 3}, 6, tpNAT4, tpLocal4, true)
	if !bytes.Equal(short[20:], []byte{1, 2, 3}) {
		t.Errorf("short TCP changed: % x", short)
	}
}

// What a transport SA cannot carry is refused, not mangled.
func TestTransportPayloadRefuses(t *testing.T) {
	tcp4 := transportPackets(tpLocal4, tpPeer4)["tcp"]
	tcp6 := transportPackets(tpLocal6, tpPeer6)["tcp"]
	withLen := func(pkt []byte, n int) []byte {
		p := bytes.Clone(pkt)
		binary.BigEndian.PutUint16(p[2:], uint16(n))
		return p
	}
	for name, c := range map[string]struct {
		pkt           []byte
		local, remote netip.Addr
	}{
		"ipv4 options": {testPacket{src: tpLocal4, dst: tpPeer4, ipOptions: []byte{1, 1, 1, 0}}.build(), tpLocal4, tpPeer4},
		"ipv4 first fragment": {testPacket{src: tpLocal4, dst: tpPeer4, fragOffset: 0x2000, payload: tpPayload}.build(),
			tpLocal4, tpPeer4},
		"ipv4 later fragment":  {testPacket{src: tpLocal4, dst: tpPeer4, fragOffset: 100, payload: tpPayload}.build(), tpLocal4, tpPeer4},
		"ipv4 length short":    {withLen(tcp4, len(tcp4)-1), tpLocal4, tpPeer4},
		"ipv4 length long":     {withLen(tcp4, len(tcp4)+1), tpLocal4, tpPeer4},
		"ipv4 other source":    {tcp4, tpNAT4, tpPeer4},
		"ipv4 other dest":      {tcp4, tpLocal4, tpNAT4},
		"ipv4 on an ipv6 SA":   {tcp4, tpLocal6, tpPeer6},
		"ipv4 protocol 59":     {func() []byte { p := bytes.Clone(tcp4); p[9] = protoNoNxt; return p }(), tpLocal4, tpPeer4},
		"ipv6 hop-by-hop":      {withIPv6Option(tcp6, protoHopByHop), tpLocal6, tpPeer6},
		"ipv6 routing header":  {withIPv6Option(tcp6, protoRouting), tpLocal6, tpPeer6},
		"ipv6 fragment header": {withIPv6Option(tcp6, protoFragment), tpLocal6, tpPeer6},
		"ipv6 no next header":  {func() []byte { p := bytes.Clone(tcp6[:40]); p[6], p[4], p[5] = protoNoNxt, 0, 0; return p }(), tpLocal6, tpPeer6},
		"ipv6 length":          {tcp6[:len(tcp6)-1], tpLocal6, tpPeer6},
		"ipv6 other source":    {tcp6, tpNAT6, tpPeer6},
		"ipv6 on an ipv4 SA":   {tcp6, tpLocal4, tpPeer4},
		"truncated":            {tcp4[:19], tpLocal4, tpPeer4},
		"empty":                {nil, tpLocal4, tpPeer4},
		"version 5":            {append([]byte{0x55}, tcp4[1:]...), tpLocal4, tpPeer4},
	} {
		if next, hl, ok := transportPayload(c.pkt, c.local, c.remote); ok {
			t.Errorf("%s: accepted (next %d, header %d)", name, next, hl)
		}
	}
	// Destination options are end to end: they go inside ESP.
	if next, hl, ok := transportPayload(withIPv6Option(tcp6, protoDstOpts), tpLocal6, tpPeer6); !ok || next != protoDstOpts || hl != 40 {
		t.Errorf("destination options: next %d, header %d, %v", next, hl, ok)
	}
}

// A payload that would make a packet longer than IP allows is refused.
func TestTransportHeaderTooLong(t *testing.T) {
	if transportHeader(make([]byte, 20+0xffff), 17, tpPeer4, tpLocal4) {
		t.Error("IPv4: 65,555 bytes accepted")
	}
	if !transportHeader(make([]byte, 0xffff), 17, tpPeer4, tpLocal4) {
		t.Error("IPv4: 65,535 bytes refused")
	}
	if transportHeader(make([]byte, 40+0x10000), 17, tpPeer6, tpLocal6) {
		t.Error("IPv6: a 65,536-byte payload accepted")
	}
}

// FuzzTransportPayload: whatever a TUN device hands over, transportPayload
// does not panic, and what it accepts is a packet between the SA's
// endpoints with a header it can take off.
func FuzzTransportPayload(f *testing.F) {
	for _, fam := range []struct{ local, peer netip.Addr }{{tpLocal4, tpPeer4}, {tpLocal6, tpPeer6}} {
		for _, pkt := range transportPackets(fam.local, fam.peer) {
			f.Add(pkt)
		}
	}
	f.Add(withIPv6Option(transportPackets(tpLocal6, tpPeer6)["udp"], protoDstOpts))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		for _, fam := range []struct{ local, peer netip.Addr }{{tpLocal4, tpPeer4}, {tpLocal6, tpPeer6}} {
			next, hl, ok := transportPayload(pkt, fam.local, fam.peer)
			if !ok {
				continue
			}
			h, parsed := parseIP(pkt)
			if !parsed || h.src != fam.local || h.dst != fam.peer || hl != transportHeaderLen(fam.local) || hl > len(pkt) ||
				next == protoNoNxt || next != h.proto {
				t.Fatalf("accepted %x: next %d, header %d", pkt, next, hl)
			}
		}
	})
}

// FuzzTransportDecap: any decrypted payload and next header rebuild into
// a well-formed IP packet of the SA's family whose header checksum
// verifies; after the NAT-T fix, a TCP segment, a UDP datagram whose
// length is right, or an ICMPv6 message has a checksum that verifies for
// the rebuilt addresses; and nothing panics, whatever the payload's
// extension headers say.
func FuzzTransportDecap(f *testing.F) {
	for _, fam := range []struct{ local, peer netip.Addr }{{tpLocal4, tpPeer4}, {tpLocal6, tpPeer6}} {
		for _, pkt := range transportPackets(fam.peer, fam.local) {
			h, _ := parseIP(pkt)
			f.Add(pkt[transportHeaderLen(fam.local):], h.proto, fam.local.Is6(), true)
		}
	}
	opt := withIPv6Option(transportPackets(tpPeer6, tpLocal6)["udp"], protoDstOpts)
	f.Add(opt[40:], uint8(protoDstOpts), true, true)
	f.Add([]byte{}, uint8(6), false, true)
	f.Fuzz(func(t *testing.T, payload []byte, next uint8, v6, encap bool) {
		src, dst := tpNAT4, tpLocal4
		if v6 {
			src, dst = tpNAT6, tpLocal6
		}
		hl := transportHeaderLen(dst)
		pkt := append(make([]byte, hl), payload...)
		if !transportHeader(pkt, next, src, dst) {
			if len(payload) <= 0xffff-20 {
				t.Fatalf("refused a %d-byte payload", len(payload))
			}
			return
		}
		checkRebuilt(t, pkt, next, src, dst)
		if !encap {
			return
		}
		transportChecksum(pkt)
		if !bytes.Equal(pkt[:hl], func() []byte {
			q := append(make([]byte, hl), payload...)
			transportHeader(q, next, src, dst)
			return q[:hl]
		}()) {
			t.Fatal("the checksum fix changed the IP header")
		}
		proto, l4 := next, hl
		for v6 && proto == protoDstOpts && len(pkt) >= l4+8 {
			proto, l4 = pkt[l4], l4+(int(pkt[l4+1])+1)*8
		}
		if l4 > len(pkt) || (v6 && proto == protoDstOpts) {
			return
		}
		seg := pkt[l4:]
		fixed := false
		switch {
		case proto == 6 && len(seg) >= 20:
			fixed = true
		case proto == 17 && len(seg) >= 8 && int(binary.BigEndian.Uint16(seg[4:])) == len(seg) && (v6 || seg[6] != 0 || seg[7] != 0):
			fixed = true
		case proto == protoICMPv6 && v6 && len(seg) >= 4:
			fixed = true
		}
		if !fixed {
			return
		}
		var c uint16
		if proto == 6 {
			c = tcpChecksum(src, dst, seg)
		} else {
			c = l4Checksum(src, dst, proto, seg)
		}
		if c != 0 && c != 0xffff {
			t.Fatalf("protocol %d: checksum off by %04x after the fix", proto, c)
		}
	})
}
