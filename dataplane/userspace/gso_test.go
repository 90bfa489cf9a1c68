package userspace

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// Checksums here are computed the slow way, 16 bits at a time
// (tcpChecksum in mss_test.go), independently of checksum.go.

// sum16 is the one's-complement sum of b, 16 bits at a time.
func sum16(b []byte) uint32 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return sum
}

// l4Checksum is the checksum a transport segment needs, with its checksum
// field taken as it is: 0 (or 0xffff) when the segment is right.
func l4Checksum(src, dst netip.Addr, proto uint8, seg []byte) uint16 {
	if proto == 6 {
		return tcpChecksum(src, dst, seg)
	}
	sum := sum16(src.AsSlice()) + sum16(dst.AsSlice()) + uint32(proto) + uint32(len(seg)) + sum16(seg)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// ipv4HeaderOK says whether an IPv4 header's checksum verifies.
func ipv4HeaderOK(h []byte) bool { return sum16(h) == 0xffff }

// testPacket describes a TCP or UDP packet for the tests to build.
type testPacket struct {
	v6         bool
	proto      uint8 // 6 or 17; 0 is 6
	src, dst   netip.Addr
	sport      uint16
	dport      uint16
	seq, ack   uint32
	flags      uint8
	window     uint16
	options    []byte // TCP options (a multiple of 4 bytes)
	id         uint16
	df         bool
	tos, ttl   uint8
	payload    []byte
	badCsum    bool // leave the transport checksum wrong
	ipOptions  []byte
	fragOffset uint16
}

func (p testPacket) build() []byte {
	proto := p.proto
	if proto == 0 {
		proto = 6
	}
	var l4 []byte
	if proto == 6 {
		l4 = make([]byte, 20+len(p.options))
		binary.BigEndian.PutUint16(l4[0:], p.sport)
		binary.BigEndian.PutUint16(l4[2:], p.dport)
		binary.BigEndian.PutUint32(l4[4:], p.seq)
		binary.BigEndian.PutUint32(l4[8:], p.ack)
		l4[12] = byte(len(l4)/4) << 4
		l4[13] = p.flags
		binary.BigEndian.PutUint16(l4[14:], p.window)
		copy(l4[20:], p.options)
	} else {
		l4 = make([]byte, 8)
		binary.BigEndian.PutUint16(l4[0:], p.sport)
		binary.BigEndian.PutUint16(l4[2:], p.dport)
		binary.BigEndian.PutUint16(l4[4:], uint16(8+len(p.payload)))
	}
	l4 = append(l4, p.payload...)
	src, dst := p.src, p.dst
	var ip []byte
	if p.v6 {
		if !src.IsValid() {
			src, dst = netip.MustParseAddr("2001:db8::10"), netip.MustParseAddr("2001:db8:1::2")
		}
		ip = make([]byte, 40)
		ip[0], ip[1] = 0x60|p.tos>>4, p.tos<<4
		ip[6], ip[7] = proto, p.ttl
		binary.BigEndian.PutUint16(ip[4:], uint16(len(l4)))
		copy(ip[8:], src.AsSlice())
		copy(ip[24:], dst.AsSlice())
	} else {
		if !src.IsValid() {
			src, dst = netip.MustParseAddr("10.10.0.10"), netip.MustParseAddr("172.16.0.2")
		}
		ip = make([]byte, 20+len(p.ipOptions))
		ip[0], ip[1], ip[8], ip[9] = 0x40|byte(len(ip)/4), p.tos, p.ttl, proto
		binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)+len(l4)))
		binary.BigEndian.PutUint16(ip[4:], p.id)
		frag := p.fragOffset
		if p.df {
			frag |= 0x4000
		}
		binary.BigEndian.PutUint16(ip[6:], frag)
		copy(ip[12:], src.AsSlice())
		copy(ip[16:], dst.AsSlice())
		copy(ip[20:], p.ipOptions)
		binary.BigEndian.PutUint16(ip[10:], ^uint16(sum16(ip)))
	}
	at := 16
	if proto == 17 {
		at = 6
	}
	c := l4Checksum(src, dst, proto, l4)
	if proto == 17 && c == 0 {
		c = 0xffff
	}
	if p.badCsum {
		c ^= 0x5a5a
	}
	binary.BigEndian.PutUint16(l4[at:], c)
	return append(ip, l4...)
}

// addrsOf returns a packet's addresses.
func addrsOf(pkt []byte) (netip.Addr, netip.Addr) {
	h, _ := parseIP(pkt)
	return h.src, h.dst
}

// kernelPartial makes pkt look as a TUN device with TSO hands it over:
// the transport checksum field holds the pseudo-header's sum over the
// whole transport length, folded, not inverted.
func kernelPartial(pkt []byte, l4 int, proto uint8) {
	src, dst := addrsOf(pkt)
	at := l4 + 16
	if proto == 17 {
		at = l4 + 6
	}
	sum := sum16(src.AsSlice()) + sum16(dst.AsSlice()) + uint32(proto) + uint32(len(pkt)-l4)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(pkt[at:], uint16(sum))
}

func randomPayload(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(rand.IntN(256))
	}
	return b
}

// checkSegments cuts sp and checks every segment against the super-packet
// independently: lengths, IPv4 IDs and header checksums, sequence
// numbers, flags, transport checksums, and the payloads, which must
// concatenate to the super-packet's.
func checkSegments(t testing.TB, sp superPacket) [][]byte {
	t.Helper()
	orig := sp.pkt
	v4 := orig[0]>>4 == 4
	src, dst := addrsOf(orig)
	var segs [][]byte
	var payload []byte
	for i := range sp.segs {
		seg := sp.writeSegment(i, make([]byte, sp.segmentLen(i)))
		segs = append(segs, seg)
		if len(seg) != sp.segmentLen(i) || len(seg) > sp.hdrs+sp.gsoSize || len(seg) <= sp.hdrs {
			t.Fatalf("segment %d: %d bytes (headers %d, size %d)", i, len(seg), sp.hdrs, sp.gsoSize)
		}
		if v4 {
			if int(binary.BigEndian.Uint16(seg[2:])) != len(seg) || !ipv4HeaderOK(seg[:sp.l4]) {
				t.Fatalf("segment %d: IPv4 length %d for %d bytes, or header checksum wrong", i, binary.BigEndian.Uint16(seg[2:]), len(seg))
			}
			if id := binary.BigEndian.Uint16(seg[4:]); id != binary.BigEndian.Uint16(orig[4:])+uint16(i) {
				t.Fatalf("segment %d: IPv4 ID %d", i, id)
			}
		} else if int(binary.BigEndian.Uint16(seg[4:])) != len(seg)-40 {
			t.Fatalf("segment %d: IPv6 payload length %d for %d bytes", i, binary.BigEndian.Uint16(seg[4:]), len(seg))
		}
		l4 := seg[sp.l4:]
		if c := l4Checksum(src, dst, sp.proto, l4); c != 0 && c != 0xffff {
			t.Fatalf("segment %d: transport checksum off by %04x", i, c)
		}
		if sp.proto == 6 {
			if seq := binary.BigEndian.Uint32(l4[4:]); seq != binary.BigEndian.Uint32(orig[sp.l4+4:])+uint32(i*sp.gsoSize) {
				t.Fatalf("segment %d: sequence number %d", i, seq)
			}
			want := orig[sp.l4+13]
			if i != sp.segs-1 {
				want &^= tcpFIN | tcpPSH
			}
			if i != 0 {
				want &^= tcpCWR
			}
			if l4[13] != want {
				t.Fatalf("segment %d: flags %#02x, want %#02x", i, l4[13], want)
			}
			if !bytes.Equal(l4[14:16], orig[sp.l4+14:sp.l4+16]) || !bytes.Equal(l4[18:sp.hdrs-sp.l4], orig[sp.l4+18:sp.hdrs]) {
				t.Fatalf("segment %d: window, urgent pointer or options changed", i)
			}
		} else if int(binary.BigEndian.Uint16(l4[4:])) != len(l4) {
			t.Fatalf("segment %d: UDP length %d for %d bytes", i, binary.BigEndian.Uint16(l4[4:]), len(l4))
		}
		payload = append(payload, seg[sp.hdrs:]...)
	}
	if !bytes.Equal(payload, orig[sp.hdrs:]) {
		t.Fatalf("the segments' payloads are not the super-packet's")
	}
	return segs
}

func TestSegmentTCP(t *testing.T) {
	opts := []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2} // NOP NOP timestamps
	for _, v6 := range []bool{false, true} {
		for _, c := range []struct {
			payload, gso int
			flags        uint8
		}{
			{65000, 1448, tcpACK | tcpPSH},
			{4 * 1360, 1360, tcpACK},                    // whole segments only
			{1, 1360, tcpACK | tcpPSH | tcpFIN},         // one byte
			{1361, 1360, tcpACK | tcpFIN | tcpCWR},      // one byte over
			{7777, 1001, tcpACK | tcpPSH | tcpCWR},      // odd sizes, CWR on the first only
			{65535 - 80, 536, tcpACK | tcpPSH | tcpECE}, // small MSS, many segments
		} {
			t.Run(fmt.Sprintf("v6=%v/%d/%d", v6, c.payload, c.gso), func(t *testing.T) {
				p := testPacket{v6: v6, sport: 40000, dport: 5201, seq: 0xfffff000, ack: 77, flags: c.flags, window: 501,
					options: opts, id: 0xfffe, df: true, ttl: 63, tos: 0x10, payload: randomPayload(c.payload)}.build()
				l4 := 20
				gso := uint8(gsoTCPv4)
				if v6 {
					l4, gso = 40, gsoTCPv6
				}
				kernelPartial(p, l4, 6)
				sp, err := parseSuperPacket(vnetHdr{flags: vnetNeedsCsum, gsoType: gso, gsoSize: uint16(c.gso),
					hdrLen: uint16(l4 + 32), csumStart: uint16(l4), csumOffset: 16}, p)
				if err != nil {
					t.Fatal(err)
				}
				if want := (c.payload + c.gso - 1) / c.gso; sp.segs != want {
					t.Fatalf("%d segments, want %d", sp.segs, want)
				}
				checkSegments(t, sp) // includes a sequence number wrapping past 2^32
			})
		}
	}
}

func TestSegmentUDP(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		for _, c := range []struct{ payload, gso int }{{64000, 1400}, {3000, 1000}, {10, 1400}, {2801, 1400}} {
			p := testPacket{v6: v6, proto: 17, sport: 4500, dport: 4500, ttl: 64, payload: randomPayload(c.payload)}.build()
			l4 := 20
			if v6 {
				l4 = 40
			}
			kernelPartial(p, l4, 17)
			sp, err := parseSuperPacket(vnetHdr{flags: vnetNeedsCsum, gsoType: gsoUDPL4, gsoSize: uint16(c.gso),
				csumStart: uint16(l4), csumOffset: 6}, p)
			if err != nil {
				t.Fatalf("v6=%v %+v: %v", v6, c, err)
			}
			checkSegments(t, sp)
		}
	}
}

func TestSegmentRefuses(t *testing.T) {
	tcp4 := testPacket{flags: tcpACK, df: true, payload: randomPayload(3000)}.build()
	tcp6 := testPacket{v6: true, flags: tcpACK, payload: randomPayload(3000)}.build()
	frag := testPacket{flags: tcpACK, fragOffset: 0x2000, payload: randomPayload(3000)}.build() // MF
	opts := testPacket{flags: tcpACK, payload: randomPayload(3000), ipOptions: []byte{1, 1, 1, 0}}.build()
	ext := withIPv6Option(tcp6, 43) // a routing header before TCP
	noPayload := testPacket{flags: tcpACK}.build()
	udp4 := testPacket{proto: 17, payload: randomPayload(3000)}.build()
	good := vnetHdr{gsoType: gsoTCPv4, gsoSize: 1400}
	for _, c := range []struct {
		name string
		h    vnetHdr
		pkt  []byte
	}{
		{"TCPv4 type for IPv6", good, tcp6},
		{"TCPv6 type for IPv4", vnetHdr{gsoType: gsoTCPv6, gsoSize: 1400}, tcp4},
		{"TCP type for UDP", good, udp4},
		{"UDP type for TCP", vnetHdr{gsoType: gsoUDPL4, gsoSize: 1400}, tcp4},
		{"UFO", vnetHdr{gsoType: gsoUDP, gsoSize: 1400}, udp4},
		{"unknown type", vnetHdr{gsoType: 9, gsoSize: 1400}, tcp4},
		{"ECN on UDP", vnetHdr{gsoType: gsoUDPL4 | gsoECN, gsoSize: 1400}, udp4},
		{"segment size 0", vnetHdr{gsoType: gsoTCPv4}, tcp4},
		{"fragment", good, frag},
		{"IPv6 extension header", vnetHdr{gsoType: gsoTCPv6, gsoSize: 1400}, ext},
		{"no payload", good, noPayload},
		{"truncated TCP header", good, tcp4[:30]},
		{"truncated IP header", good, tcp4[:12]},
		{"empty", good, nil},
	} {
		if _, err := parseSuperPacket(c.h, c.pkt); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
	// IPv4 options, IPv6 hop-by-hop and destination options are carried
	// into every segment.
	sp, err := parseSuperPacket(good, opts)
	if err != nil || sp.l4 != 24 {
		t.Fatalf("IPv4 with options: %v, l4 %d", err, sp.l4)
	}
	checkSegments(t, sp)
	for _, next := range []byte{0, 60} {
		sp, err := parseSuperPacket(vnetHdr{gsoType: gsoTCPv6, gsoSize: 1000}, withIPv6Option(tcp6, next))
		if err != nil || sp.l4 != 48 {
			t.Fatalf("IPv6 with extension header %d: %v, l4 %d", next, err, sp.l4)
		}
		checkSegments(t, sp)
	}
}

// withIPv6Option puts an 8-byte extension header of type next (padding
// only) between an IPv6 header and its TCP segment.
func withIPv6Option(pkt []byte, next byte) []byte {
	out := append(bytes.Clone(pkt[:40]), pkt[6], 0, 1, 4, 0, 0, 0, 0) // PadN
	out = append(out, pkt[40:]...)
	out[6] = next
	binary.BigEndian.PutUint16(out[4:], uint16(len(out)-40))
	return out
}

// completeChecksum finishes what the kernel left partial, for TCP and UDP
// in both families; offsets outside the packet are refused.
func TestCompleteChecksum(t *testing.T) {
	for _, p := range []testPacket{
		{flags: tcpACK | tcpPSH, payload: randomPayload(999)},
		{v6: true, flags: tcpSYN},
		{proto: 17, payload: randomPayload(64)},
		{v6: true, proto: 17, payload: randomPayload(1)},
	} {
		pkt := p.build()
		proto := p.proto
		if proto == 0 {
			proto = 6
		}
		l4, at := 20, uint16(16)
		if p.v6 {
			l4 = 40
		}
		if proto == 17 {
			at = 6
		}
		kernelPartial(pkt, l4, proto)
		if !completeChecksum(vnetHdr{flags: vnetNeedsCsum, csumStart: uint16(l4), csumOffset: at}, pkt) {
			t.Fatalf("%+v: refused", p)
		}
		src, dst := addrsOf(pkt)
		if c := l4Checksum(src, dst, proto, pkt[l4:]); c != 0 && c != 0xffff {
			t.Errorf("%+v: checksum off by %04x", p, c)
		}
	}
	pkt := testPacket{payload: randomPayload(10)}.build()
	for _, h := range []vnetHdr{{csumStart: 20, csumOffset: 40}, {csumStart: 60000}, {csumStart: 20, csumOffset: 15}} {
		if completeChecksum(h, pkt) {
			t.Errorf("%+v: accepted", h)
		}
	}
}

func TestChecksumAdd(t *testing.T) {
	for n := range 300 {
		b := randomPayload(n)
		if got, want := checksumFold(checksumAdd(0, b)), uint16(sum16(b)); got != want && !(got|want == 0xffff && got&want == 0) {
			t.Fatalf("%d bytes: %04x, want %04x", n, got, want)
		}
		// Split at an even offset: the sums add.
		k := n / 2 &^ 1
		if got, want := checksumFold(checksumAdd(checksumAdd(0, b[:k]), b[k:])), uint16(sum16(b)); got != want && !(got|want == 0xffff && got&want == 0) {
			t.Fatalf("%d bytes split at %d: %04x, want %04x", n, k, got, want)
		}
	}
	// Carries out of 64 bits.
	ff := bytes.Repeat([]byte{0xff}, 4096)
	if got := checksumFold(checksumAdd(0, ff)); got != 0xffff {
		t.Errorf("all ones: %04x", got)
	}
}

func TestVnetHdrRoundTrip(t *testing.T) {
	h := vnetHdr{flags: vnetNeedsCsum, gsoType: gsoTCPv6 | gsoECN, hdrLen: 72, gsoSize: 1428, csumStart: 40, csumOffset: 16}
	b := make([]byte, vnetHdrLen)
	h.encode(b)
	got, err := parseVnetHdr(b)
	if err != nil || got != h {
		t.Fatalf("%+v, %v; want %+v", got, err, h)
	}
	if _, err := parseVnetHdr(b[:9]); err == nil {
		t.Error("short header accepted")
	}
}

func FuzzVnetHdr(f *testing.F) {
	b := make([]byte, vnetHdrLen)
	vnetHdr{flags: vnetNeedsCsum, gsoType: gsoTCPv4, hdrLen: 52, gsoSize: 1360, csumStart: 20, csumOffset: 16}.encode(b)
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := parseVnetHdr(in)
		if err != nil {
			if len(in) >= vnetHdrLen {
				t.Fatalf("%x refused: %v", in, err)
			}
			return
		}
		out := make([]byte, vnetHdrLen)
		h.encode(out)
		if !bytes.Equal(out, in[:vnetHdrLen]) {
			t.Fatalf("%x encodes back as %x", in[:vnetHdrLen], out)
		}
	})
}

// FuzzSegment feeds arbitrary virtio-net headers and packets to the
// segmentation: it must refuse or cut them into segments that are each
// well formed, with valid checksums, carrying the payload in order.
func FuzzSegment(f *testing.F) {
	seed := func(h vnetHdr, p []byte) {
		b := make([]byte, vnetHdrLen, vnetHdrLen+len(p))
		h.encode(b)
		f.Add(append(b, p...))
	}
	seed(vnetHdr{flags: vnetNeedsCsum, gsoType: gsoTCPv4, gsoSize: 100, csumStart: 20, csumOffset: 16},
		testPacket{flags: tcpACK | tcpPSH | tcpFIN, df: true, payload: randomPayload(450)}.build())
	seed(vnetHdr{flags: vnetNeedsCsum, gsoType: gsoTCPv6 | gsoECN, gsoSize: 64, csumStart: 40, csumOffset: 16},
		testPacket{v6: true, flags: tcpACK | tcpCWR, options: []byte{1, 1, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8}, payload: randomPayload(300)}.build())
	seed(vnetHdr{flags: vnetNeedsCsum, gsoType: gsoUDPL4, gsoSize: 33, csumStart: 20, csumOffset: 6},
		testPacket{proto: 17, payload: randomPayload(100)}.build())
	seed(vnetHdr{flags: vnetNeedsCsum, csumStart: 20, csumOffset: 16}, testPacket{flags: tcpSYN}.build())
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := parseVnetHdr(in)
		if err != nil {
			return
		}
		pkt := bytes.Clone(in[vnetHdrLen:])
		if h.gsoType == gsoNone {
			at := int(h.csumStart) + int(h.csumOffset)
			if at+2 > len(pkt) {
				if completeChecksum(h, pkt) {
					t.Fatalf("checksum at %d of %d bytes accepted", at, len(pkt))
				}
				return
			}
			// The field held the pseudo-header's sum: with it, the rest
			// from csumStart and the new checksum sum to zero.
			partial := uint32(binary.BigEndian.Uint16(pkt[at:]))
			if h.flags&vnetNeedsCsum != 0 && completeChecksum(h, pkt) {
				if s := sum16(pkt[h.csumStart:]) + partial; s != 0xffff && s != 0x1fffe {
					t.Fatalf("completed checksum: sum %04x with the pseudo-header", s)
				}
			}
			return
		}
		sp, err := parseSuperPacket(h, pkt)
		if err != nil {
			return
		}
		if sp.segs > 65535 {
			t.Fatalf("%d segments", sp.segs)
		}
		checkSegments(t, sp)
	})
}
