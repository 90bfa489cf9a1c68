package userspace

import (
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
