package dataplane

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// ACL is a compiled IPv4 access list as a data plane enforces it on a
// virtual-access interface ("ip access-group NAME in|out"): the first rule
// that matches a packet decides, and a packet no rule matches is denied
// (IOS's implicit deny). Services compile configured lists into this form;
// backends only evaluate it.
type ACL struct {
	Name  string
	Rules []ACLRule
}

// ACLRule is one permit or deny entry.
type ACLRule struct {
	Permit bool
	// Proto is the IP protocol; ProtoAny (the "ip" keyword) matches all.
	Proto int
	// Src and Dst match an address under a wildcard: the address bits
	// where the wildcard is 0 must equal Addr's.
	Src, Dst AddrWildcard
	// SrcPorts and DstPorts (TCP and UDP only) are inclusive ranges; nil
	// matches every port. Neq inverts the range ("neq PORT").
	SrcPorts, DstPorts *PortRange
	// ICMPType and ICMPCode (ICMP only), -1 for any.
	ICMPType, ICMPCode int
	// Established matches TCP segments with ACK or RST set.
	Established bool
}

// ProtoAny matches every IP protocol.
const ProtoAny = -1

// AddrWildcard is an IPv4 address and IOS wildcard bits.
type AddrWildcard struct {
	Addr, Wildcard uint32
}

// AnyAddr matches every address.
var AnyAddr = AddrWildcard{Wildcard: 0xffffffff}

// Matches says whether a falls under the address and wildcard.
func (w AddrWildcard) Matches(a uint32) bool { return (a^w.Addr)&^w.Wildcard == 0 }

// PortRange is an inclusive port range, or everything outside it with Neq.
type PortRange struct {
	Lo, Hi uint16
	Neq    bool
}

func (r *PortRange) matches(p uint16) bool {
	if r == nil {
		return true
	}
	in := p >= r.Lo && p <= r.Hi
	return in != r.Neq
}

// Validate checks the rules a service compiled.
func (a *ACL) Validate() error {
	for i, r := range a.Rules {
		if r.Proto < ProtoAny || r.Proto > 255 {
			return fmt.Errorf("dataplane: ACL %s rule %d: protocol %d", a.Name, i+1, r.Proto)
		}
		for _, pr := range []*PortRange{r.SrcPorts, r.DstPorts} {
			if pr != nil && pr.Lo > pr.Hi {
				return fmt.Errorf("dataplane: ACL %s rule %d: port range %d-%d", a.Name, i+1, pr.Lo, pr.Hi)
			}
		}
	}
	return nil
}

// Permits evaluates the list against an IP packet. IPv4 only: IPv6
// packets and anything unparseable are denied, as IOS applies an IPv4
// list's implicit deny to what it cannot match. A nil list permits all.
func (a *ACL) Permits(pkt []byte) bool {
	if a == nil {
		return true
	}
	if len(pkt) < 20 || pkt[0]>>4 != 4 {
		return false
	}
	ihl := int(pkt[0]&0x0f) * 4
	if ihl < 20 || ihl > len(pkt) {
		return false
	}
	proto := int(pkt[9])
	src, dst := binary.BigEndian.Uint32(pkt[12:16]), binary.BigEndian.Uint32(pkt[16:20])
	// Ports, ICMP type and TCP flags are in the first fragment only.
	first := binary.BigEndian.Uint16(pkt[6:8])&0x1fff == 0
	l4 := pkt[ihl:]
	for i := range a.Rules {
		r := &a.Rules[i]
		if r.Proto != ProtoAny && r.Proto != proto {
			continue
		}
		if !r.Src.Matches(src) || !r.Dst.Matches(dst) {
			continue
		}
		if !r.matchL4(proto, first, l4) {
			continue
		}
		return r.Permit
	}
	return false
}

// matchL4 checks the rule's port, ICMP and TCP flag conditions.
func (r *ACLRule) matchL4(proto int, first bool, l4 []byte) bool {
	needsL4 := r.SrcPorts != nil || r.DstPorts != nil || r.ICMPType >= 0 || r.Established
	if !needsL4 {
		return true
	}
	if !first {
		return false
	}
	switch proto {
	case 6, 17:
		if len(l4) < 4 {
			return false
		}
		sp, dp := binary.BigEndian.Uint16(l4[0:2]), binary.BigEndian.Uint16(l4[2:4])
		if !r.SrcPorts.matches(sp) || !r.DstPorts.matches(dp) {
			return false
		}
		if r.Established {
			if proto != 6 || len(l4) < 14 || l4[13]&0x14 == 0 { // ACK or RST
				return false
			}
		}
		return r.ICMPType < 0
	case 1:
		if r.SrcPorts != nil || r.DstPorts != nil || r.Established || len(l4) < 2 {
			return false
		}
		return (r.ICMPType < 0 || int(l4[0]) == r.ICMPType) && (r.ICMPCode < 0 || int(l4[1]) == r.ICMPCode)
	}
	return false
}

// Addr4 converts an IPv4 address to the form AddrWildcard uses.
func Addr4(a netip.Addr) uint32 {
	b := a.As4()
	return binary.BigEndian.Uint32(b[:])
}
