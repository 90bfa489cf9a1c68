package userspace

import (
	"encoding/binary"
	"math/bits"
	"net/netip"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

// IP protocol numbers ESP carries in its next-header field (tunnel mode)
// and the dummy packet of RFC 4303 section 2.6.
const (
	protoIPv4  = 4
	protoIPv6  = 41
	protoNoNxt = 59
)

// header is what the data plane reads of an inner IP packet.
type header struct {
	src, dst   netip.Addr
	proto      uint8
	nextHeader uint8 // ESP next header for the packet: 4 or 41
}

// parseIP reads the addresses of an IPv4 or IPv6 packet. ok is false for
// anything too short or of another version.
func parseIP(b []byte) (h header, ok bool) {
	if len(b) < 1 {
		return h, false
	}
	switch b[0] >> 4 {
	case 4:
		if len(b) < 20 || int(b[0]&0x0f)*4 < 20 || int(b[0]&0x0f)*4 > len(b) {
			return h, false
		}
		h.src = netip.AddrFrom4([4]byte(b[12:16]))
		h.dst = netip.AddrFrom4([4]byte(b[16:20]))
		h.proto, h.nextHeader = b[9], protoIPv4
		return h, true
	case 6:
		if len(b) < 40 {
			return h, false
		}
		h.src = netip.AddrFrom16([16]byte(b[8:24]))
		h.dst = netip.AddrFrom16([16]byte(b[24:40]))
		h.proto, h.nextHeader = b[6], protoIPv6
		return h, true
	}
	return h, false
}

// inSelectors says whether addr is inside one of the selectors' address
// ranges (ports and protocols are not checked: the IKE engine narrows
// remote-access selectors to the client's addresses).
func inSelectors(ts []dataplane.TrafficSelector, addr netip.Addr) bool {
	for _, t := range ts {
		if t.Start.Is4() != addr.Is4() {
			continue
		}
		if !addr.Less(t.Start) && !t.End.Less(addr) {
			return true
		}
	}
	return false
}

// clampMSS lowers the maximum segment size option of a TCP SYN in an IPv4
// or IPv6 packet to mss ("ip tcp adjust-mss"), fixing the TCP checksum
// incrementally (RFC 1624). It returns whether it changed the packet;
// anything that is not a first-fragment TCP SYN with a larger MSS is left
// alone.
func clampMSS(pkt []byte, mss uint16) bool {
	if mss == 0 || len(pkt) < 1 {
		return false
	}
	var tcp []byte
	switch pkt[0] >> 4 {
	case 4:
		ihl := int(pkt[0]&0x0f) * 4
		if len(pkt) < 20 || ihl < 20 || len(pkt) < ihl || pkt[9] != 6 || binary.BigEndian.Uint16(pkt[6:8])&0x1fff != 0 {
			return false
		}
		tcp = pkt[ihl:]
	case 6:
		if len(pkt) < 40 || pkt[6] != 6 { // extension headers before TCP: left alone
			return false
		}
		tcp = pkt[40:]
	default:
		return false
	}
	if len(tcp) < 20 || tcp[13]&0x02 == 0 { // SYN
		return false
	}
	off := int(tcp[12]>>4) * 4
	if off < 20 || off > len(tcp) {
		return false
	}
	opts := tcp[20:off]
	for i := 0; i < len(opts); {
		switch kind := opts[i]; kind {
		case 0: // end of options
			return false
		case 1: // no-op
			i++
			continue
		}
		if i+1 >= len(opts) || opts[i+1] < 2 || i+int(opts[i+1]) > len(opts) {
			return false
		}
		if opts[i] == 2 && opts[i+1] == 4 {
			old := binary.BigEndian.Uint16(opts[i+2:])
			if old <= mss {
				return false
			}
			binary.BigEndian.PutUint16(opts[i+2:], mss)
			// The checksum sums 16-bit words from the start of the
			// segment: a value at an odd offset (after a single NOP)
			// straddles two words, and counts byte-swapped.
			oldW, newW := old, mss
			if (20+i+2)%2 == 1 {
				oldW, newW = bits.ReverseBytes16(old), bits.ReverseBytes16(mss)
			}
			sum := uint32(^binary.BigEndian.Uint16(tcp[16:18])) + uint32(^oldW) + uint32(newW)
			for sum > 0xffff {
				sum = sum>>16 + sum&0xffff
			}
			binary.BigEndian.PutUint16(tcp[16:18], ^uint16(sum))
			return true
		}
		i += int(opts[i+1])
	}
	return false
}
