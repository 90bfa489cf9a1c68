package userspace

import (
	"encoding/binary"
	"net/netip"
	"testing"
)

// tcpChecksum computes a TCP checksum from scratch over the pseudo-header.
func tcpChecksum(src, dst netip.Addr, tcp []byte) uint16 {
	var sum uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			sum += uint32(binary.BigEndian.Uint16(b[i:]))
		}
		if len(b)%2 == 1 {
			sum += uint32(b[len(b)-1]) << 8
		}
	}
	add(src.AsSlice())
	add(dst.AsSlice())
	sum += 6 + uint32(len(tcp))
	add(tcp)
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// synPacket is a TCP SYN with options NOP, NOP, MSS mss, SACK-permitted.
func synPacket(v6 bool, mss uint16, flags byte) (pkt []byte, src, dst netip.Addr) {
	tcp := make([]byte, 28)
	binary.BigEndian.PutUint16(tcp[0:], 40000)
	binary.BigEndian.PutUint16(tcp[2:], 443)
	tcp[12], tcp[13] = 7<<4, flags
	copy(tcp[20:], []byte{1, 1, 2, 4, byte(mss >> 8), byte(mss), 4, 2})
	var ip []byte
	if v6 {
		src, dst = netip.MustParseAddr("2001:db8::10"), netip.MustParseAddr("2001:db8:1::2")
		ip = make([]byte, 40)
		ip[0], ip[6] = 0x60, 6
		binary.BigEndian.PutUint16(ip[4:], uint16(len(tcp)))
		copy(ip[8:], src.AsSlice())
		copy(ip[24:], dst.AsSlice())
	} else {
		src, dst = netip.MustParseAddr("10.10.0.10"), netip.MustParseAddr("172.16.0.2")
		ip = make([]byte, 20)
		ip[0], ip[9] = 0x45, 6
		binary.BigEndian.PutUint16(ip[2:], uint16(20+len(tcp)))
		copy(ip[12:], src.AsSlice())
		copy(ip[16:], dst.AsSlice())
	}
	binary.BigEndian.PutUint16(tcp[16:], tcpChecksum(src, dst, tcp))
	return append(ip, tcp...), src, dst
}

func TestClampMSS(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		pkt, src, dst := synPacket(v6, 1460, 0x02)
		hdr := 20
		if v6 {
			hdr = 40
		}
		if !clampMSS(pkt, 1360) {
			t.Fatalf("v6=%v: SYN with MSS 1460 not clamped", v6)
		}
		tcp := pkt[hdr:]
		if got := binary.BigEndian.Uint16(tcp[24:]); got != 1360 {
			t.Errorf("v6=%v: MSS %d after clamping to 1360", v6, got)
		}
		if tcpChecksum(src, dst, tcp) != 0 {
			t.Errorf("v6=%v: checksum wrong after clamping", v6)
		}
		// Already small enough, not a SYN, or clamping off: untouched.
		for _, c := range []struct {
			mss, clamp uint16
			flags      byte
		}{{1200, 1360, 0x02}, {1460, 1360, 0x10}, {1460, 0, 0x12}} {
			p, _, _ := synPacket(v6, c.mss, c.flags)
			before := string(p)
			if clampMSS(p, c.clamp) || string(p) != before {
				t.Errorf("v6=%v %+v: packet changed", v6, c)
			}
		}
	}
	// An MSS option after a single NOP sits at an odd offset, across two
	// checksum words.
	odd, src, dst := synPacket(false, 1460, 0x02)
	copy(odd[40:], []byte{1, 2, 4, 0x05, 0xb4, 1, 1, 1})
	binary.BigEndian.PutUint16(odd[36:], 0)
	binary.BigEndian.PutUint16(odd[36:], tcpChecksum(src, dst, odd[20:]))
	if !clampMSS(odd, 1360) || binary.BigEndian.Uint16(odd[43:]) != 1360 || tcpChecksum(src, dst, odd[20:]) != 0 {
		t.Error("MSS at an odd offset: not clamped, or checksum wrong")
	}
	// A SYN-ACK is clamped too (the server's MSS, on the way to the client).
	p, src, dst := synPacket(false, 1460, 0x12)
	if !clampMSS(p, 1300) || tcpChecksum(src, dst, p[20:]) != 0 {
		t.Error("SYN-ACK not clamped correctly")
	}
}

func FuzzClampMSS(f *testing.F) {
	p, _, _ := synPacket(false, 1460, 0x02)
	f.Add(p, uint16(1360))
	p6, _, _ := synPacket(true, 9000, 0x02)
	f.Add(p6, uint16(500))
	f.Fuzz(func(t *testing.T, in []byte, mss uint16) {
		b := append([]byte(nil), in...) // clampMSS rewrites in place
		h, ok := parseIP(b)
		if !ok || h.proto != 6 {
			clampMSS(b, mss) // must not panic on anything
			return
		}
		hdr := 40
		if b[0]>>4 == 4 {
			hdr = int(b[0]&0x0f) * 4
		}
		before := tcpChecksum(h.src, h.dst, b[hdr:])
		if !clampMSS(b, mss) {
			return
		}
		// The incremental update keeps the segment's one's-complement sum:
		// a checksum that verified before verifies after (0 and 0xffff are
		// the two zeros of one's complement).
		after := tcpChecksum(h.src, h.dst, b[hdr:])
		if before != after && !(before|after == 0xffff && before&after == 0) {
			t.Fatalf("checksum relation changed: %04x -> %04x", before, after)
		}
	})
}
