package userspace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync/atomic"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// Transport mode (RFC 4303 section 3.1.1). A transport-mode SA protects
// the traffic between its own two endpoints: ESP goes between the IP
// header and the payload, and no inner IP header is carried.
//
// Outbound, the VRF's TUN device hands over a packet from our address to
// the peer's (the kernel routes it there, see steer); transportPayload
// checks that it is one the SA can carry, and the ESP packet carries its
// payload with the IP protocol as next header. The sockets then give it
// a new IP header, as for tunnel mode. Inbound, the decrypted payload
// gets its IP header back (transportHeader): the SA's endpoints as
// source and destination (the peer's as we see it, after any NAT), the
// ESP next header as protocol, and the lengths. When the SA is
// UDP-encapsulated a NAT may have changed the addresses the sender's
// TCP, UDP or ICMPv6 checksum covered, so that checksum is computed again
// (RFC 3948 section 3.1.2, its second option; the payload's integrity is
// ESP's).

// IP protocol numbers transport mode looks at: IPv6 extension headers,
// and ICMPv6, whose checksum covers the addresses.
const (
	protoHopByHop = 0
	protoRouting  = 43
	protoFragment = 44
	protoDstOpts  = 60
	protoICMPv6   = 58
)

// transportTTL is the TTL (hop limit) of a rebuilt packet: the sender's
// was not carried (its sockets sent the ESP packet with their own).
const transportTTL = 64

// transportPayload checks that pkt, an IP packet read from a TUN device,
// can go on a transport-mode SA from local to remote, and returns the
// ESP next header (the packet's protocol) and the length of the IP
// header ESP goes after. A transport SA carries whole datagrams from its
// local endpoint to its remote one (RFC 4303 section 3.3.4), and what
// the sockets that send ESP cannot reproduce in their own header is
// refused: IPv4 options; IPv6 hop-by-hop options, routing and fragment
// headers (destination options stay: they travel inside ESP after
// it); fragments; a length that disagrees with the header; a packet of
// the other family or between other addresses; and protocol 59, which
// in ESP marks a dummy packet.
func transportPayload(pkt []byte, local, remote netip.Addr) (next uint8, hdrLen int, ok bool) {
	if len(pkt) < 1 {
		return 0, 0, false
	}
	switch pkt[0] >> 4 {
	case 4:
		if !local.Is4() || len(pkt) < 20 || pkt[0]&0x0f != 5 || int(binary.BigEndian.Uint16(pkt[2:])) != len(pkt) ||
			binary.BigEndian.Uint16(pkt[6:])&0x3fff != 0 {
			return 0, 0, false
		}
		if [4]byte(pkt[12:16]) != local.As4() || [4]byte(pkt[16:20]) != remote.As4() {
			return 0, 0, false
		}
		next, hdrLen = pkt[9], 20
	case 6:
		if !local.Is6() || len(pkt) < 40 || int(binary.BigEndian.Uint16(pkt[4:]))+40 != len(pkt) {
			return 0, 0, false
		}
		if [16]byte(pkt[8:24]) != local.As16() || [16]byte(pkt[24:40]) != remote.As16() {
			return 0, 0, false
		}
		next, hdrLen = pkt[6], 40
		switch next {
		case protoHopByHop, protoRouting, protoFragment:
			return 0, 0, false
		}
	default:
		return 0, 0, false
	}
	if next == protoNoNxt {
		return 0, 0, false
	}
	return next, hdrLen, true
}

// transportHeaderLen is the length of the IP header a transport SA
// between addresses of local's family rebuilds.
func transportHeaderLen(local netip.Addr) int {
	if local.Is4() {
		return 20
	}
	return 40
}

// transportHeader writes the IP header of a packet received on a
// transport-mode SA into the first transportHeaderLen(dst) bytes of pkt,
// whose rest is the decrypted payload: src and dst are the SA's remote
// and local endpoints, next the ESP next header. It reports false when
// the packet would be longer than IP allows.
func transportHeader(pkt []byte, next uint8, src, dst netip.Addr) bool {
	if dst.Is4() {
		if len(pkt) < 20 || len(pkt) > 0xffff {
			return false
		}
		h := pkt[:20]
		h[0], h[1] = 0x45, 0
		binary.BigEndian.PutUint16(h[2:], uint16(len(pkt)))
		// A whole datagram (the sender applied ESP to no fragment): DF,
		// and ID 0 as RFC 6864 allows for it.
		h[4], h[5], h[6], h[7] = 0, 0, 0x40, 0
		h[8], h[9] = transportTTL, next
		s, d := src.As4(), dst.As4()
		copy(h[12:16], s[:])
		copy(h[16:20], d[:])
		ipv4HeaderChecksum(h)
		return true
	}
	if len(pkt) < 40 || len(pkt)-40 > 0xffff {
		return false
	}
	h := pkt[:40]
	h[0], h[1], h[2], h[3] = 0x60, 0, 0, 0
	binary.BigEndian.PutUint16(h[4:], uint16(len(pkt)-40))
	h[6], h[7] = next, transportTTL
	s, d := src.As16(), dst.As16()
	copy(h[8:24], s[:])
	copy(h[24:40], d[:])
	return true
}

// transportChecksum computes again the TCP, UDP or ICMPv6 checksum of a
// rebuilt transport-mode packet, whose pseudo-header now has the
// addresses as this end sees them. An IPv4 UDP datagram without a
// checksum (0) is left without; IPv6 destination options before the
// transport header are skipped; a transport header too short to hold
// its checksum, or a UDP length that disagrees with the packet, is left
// alone for the kernel to drop.
func transportChecksum(pkt []byte) {
	if len(pkt) < 1 {
		return
	}
	var proto uint8
	var l4 int
	v4 := pkt[0]>>4 == 4
	if v4 {
		if len(pkt) < 20 {
			return
		}
		proto, l4 = pkt[9], int(pkt[0]&0x0f)*4
	} else {
		if len(pkt) < 40 {
			return
		}
		proto, l4 = pkt[6], 40
		for proto == protoDstOpts {
			if len(pkt) < l4+8 {
				return
			}
			proto, l4 = pkt[l4], l4+(int(pkt[l4+1])+1)*8
		}
	}
	if l4 > len(pkt) {
		return
	}
	seg := pkt[l4:]
	var at int
	switch {
	case proto == 6 && len(seg) >= 20:
		at = 16
	case proto == 17 && len(seg) >= 8:
		if int(binary.BigEndian.Uint16(seg[4:])) != len(seg) || (v4 && seg[6] == 0 && seg[7] == 0) {
			return
		}
		at = 6
	case proto == protoICMPv6 && !v4 && len(seg) >= 4:
		at = 2
	default:
		return
	}
	seg[at], seg[at+1] = 0, 0
	src, dst := ipAddrs(pkt)
	c := ^checksumFold(checksumAdd(pseudoHeaderSum(src, dst, proto, len(seg)), seg))
	if c == 0 && proto == 17 {
		c = 0xffff // 0 would mean "no checksum" (RFC 768)
	}
	binary.BigEndian.PutUint16(seg[at:], c)
}

// Steering. Packets for a transport-mode peer come from this host's own
// stack, addressed to the same address as the ESP and IKE packets that
// must reach the peer in the clear. So the backend steers them with
// policy routing, as XFRM's policies and its per-socket bypass would:
//
//	ip rule pref 4303 to PEER ipproto esp goto 4305
//	ip rule pref 4303 to PEER ipproto udp sport LPORT dport RPORT goto 4305   (the SA's IKE / NAT-T ports)
//	ip rule pref 4304 iif lo lookup 4303
//	ip rule pref 4305 nop
//	ip route add PEER dev gh0 src LOCAL table 4303
//
// The bypass rules jump over the steering rule (a "lookup main" there
// would fall through to it when the main table has no route to the
// peer) to a rule that does nothing, so those packets are routed as if
// the backend were not there. The steering rule sends only locally
// generated packets (iif lo) to table 4303, which holds a host route per
// peer, so traffic the VRF forwards to the peer's address is routed as
// before, and a lookup table 4303 cannot answer goes on to the next
// rules. The routes and per-peer rules live while an SA needs them; the
// steering and landing rules from the first transport SA of a VRF until
// Close, which (as opening a VRF does, after a crash) removes everything
// at these preferences and in that table.
const (
	transportTable      = 4303
	transportBypassPref = 4303
	transportSteerPref  = 4304
	transportLandPref   = 4305
)

// transportPeer is one remote endpoint the VRF steers to its TUN device.
type transportPeer struct {
	local netip.Addr
	sas   []*childSA        // the transport SAs to it, oldest first
	ports map[[2]uint16]int // SAs per (local, remote) UDP port pair with a bypass rule
}

// transportSteering is a VRF's transport peers (Backend.mu) and what
// the packet path reads of them.
type transportSteering struct {
	peers  map[netip.Addr]*transportPeer
	steer4 bool // the steering rule of the family is in place
	steer6 bool
	// byPeer maps a peer's address to the interface whose SA carries
	// its traffic; replaced whole when it changes, nil while there are
	// no transport SAs in the VRF.
	byPeer atomic.Pointer[map[netip.Addr]*vaccess]
}

// transportLookup is the interface a packet to dst goes through when dst
// is a transport peer of the VRF.
func (v *vrf) transportLookup(dst netip.Addr) *vaccess {
	m := v.transport.byPeer.Load()
	if m == nil {
		return nil
	}
	return (*m)[dst]
}

func hostIPNet(a netip.Addr) *net.IPNet {
	return &net.IPNet{IP: a.AsSlice(), Mask: net.CIDRMask(a.BitLen(), a.BitLen())}
}

func ruleFamily(a netip.Addr) int {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

// bypassRule takes the packets of protocol proto (and, for UDP, the port
// pair) to remote past the steering rule.
func bypassRule(remote netip.Addr, proto int, sport, dport uint16) *netlink.Rule {
	r := netlink.NewRule()
	r.Family, r.Priority, r.Goto = ruleFamily(remote), transportBypassPref, transportLandPref
	r.Dst, r.IPProto = hostIPNet(remote), proto
	if proto == unix.IPPROTO_UDP {
		r.Sport, r.Dport = netlink.NewRulePortRange(sport, sport), netlink.NewRulePortRange(dport, dport)
	}
	return r
}

// steerRule sends what this host sends to the transport table.
func steerRule(family int) *netlink.Rule {
	r := netlink.NewRule()
	r.Family, r.Priority, r.Table, r.IifName = family, transportSteerPref, transportTable, "lo"
	return r
}

// landRule is where the bypass rules jump to: it does nothing, and the
// lookup goes on with the next rule.
func landRule(family int) *netlink.Rule {
	r := netlink.NewRule()
	r.Family, r.Priority, r.Type = family, transportLandPref, nl.FR_ACT_NOP
	return r
}

func (v *vrf) transportRoute(local, remote netip.Addr) *netlink.Route {
	return &netlink.Route{LinkIndex: v.linkIndex, Scope: netlink.SCOPE_LINK, Dst: hostIPNet(remote), Src: local.AsSlice(),
		Table: transportTable}
}

func (v *vrf) ruleAdd(r *netlink.Rule) error {
	if err := v.nl.RuleAdd(r); err != nil && !errors.Is(err, unix.EEXIST) {
		return err
	}
	return nil
}

// steer makes the VRF's kernel hand the packets this host sends to the
// remote endpoint of sa, a transport-mode SA, to the TUN device, and
// records sa as carrying them (Backend.mu held).
func (v *vrf) steer(sa *childSA) error {
	local, remote := sa.spec.Local.Addr().Unmap(), sa.spec.Remote.Addr().Unmap()
	ports := [2]uint16{sa.spec.Local.Port(), sa.spec.Remote.Port()}
	t := &v.transport
	if t.peers == nil {
		t.peers = map[netip.Addr]*transportPeer{}
	}
	p := t.peers[remote]
	if p == nil {
		fail := func(what string, err error) error {
			return fmt.Errorf("transport mode to %v: %s: %w", remote, what, err)
		}
		steered := &t.steer4
		if remote.Is6() {
			steered = &t.steer6
		}
		if !*steered {
			// The landing rule first: a goto to a missing rule is skipped.
			if err := v.ruleAdd(landRule(ruleFamily(remote))); err != nil {
				return fail("landing rule", err)
			}
			if err := v.ruleAdd(steerRule(ruleFamily(remote))); err != nil {
				return fail("steering rule", err)
			}
			*steered = true
		}
		if err := v.ruleAdd(bypassRule(remote, unix.IPPROTO_ESP, 0, 0)); err != nil {
			return fail("ESP bypass rule", err)
		}
		if err := v.nl.RouteReplace(v.transportRoute(local, remote)); err != nil {
			v.nl.RuleDel(bypassRule(remote, unix.IPPROTO_ESP, 0, 0))
			return fail(fmt.Sprintf("route dev %s src %v table %d (is %v an address of VRF %s?)", v.tunName, local, transportTable,
				local, displayVRF(v.name)), err)
		}
		p = &transportPeer{local: local, ports: map[[2]uint16]int{}}
		t.peers[remote] = p
	}
	if ports[0] != 0 && ports[1] != 0 {
		if p.ports[ports] == 0 {
			if err := v.ruleAdd(bypassRule(remote, unix.IPPROTO_UDP, ports[0], ports[1])); err != nil {
				if len(p.sas) == 0 {
					v.dropPeer(remote, p)
				}
				return fmt.Errorf("transport mode to %v: UDP %d-%d bypass rule: %w", remote, ports[0], ports[1], err)
			}
		}
		p.ports[ports]++
	}
	p.sas = append(p.sas, sa)
	v.publishTransport()
	return nil
}

// unsteer forgets sa, and removes what only it needed (Backend.mu held).
func (v *vrf) unsteer(sa *childSA) {
	remote := sa.spec.Remote.Addr().Unmap()
	p := v.transport.peers[remote]
	if p == nil {
		return
	}
	n := len(p.sas)
	for i, s := range p.sas {
		if s == sa {
			p.sas = append(p.sas[:i], p.sas[i+1:]...)
			break
		}
	}
	if len(p.sas) == n {
		return
	}
	ports := [2]uint16{sa.spec.Local.Port(), sa.spec.Remote.Port()}
	if c, ok := p.ports[ports]; ok {
		if c <= 1 {
			delete(p.ports, ports)
			v.nl.RuleDel(bypassRule(remote, unix.IPPROTO_UDP, ports[0], ports[1]))
		} else {
			p.ports[ports] = c - 1
		}
	}
	if len(p.sas) == 0 {
		v.dropPeer(remote, p)
	}
	v.publishTransport()
}

// dropPeer removes a peer's route and rules.
func (v *vrf) dropPeer(remote netip.Addr, p *transportPeer) {
	for ports := range p.ports {
		v.nl.RuleDel(bypassRule(remote, unix.IPPROTO_UDP, ports[0], ports[1]))
	}
	v.nl.RouteDel(v.transportRoute(p.local, remote))
	v.nl.RuleDel(bypassRule(remote, unix.IPPROTO_ESP, 0, 0))
	delete(v.transport.peers, remote)
}

// publishTransport gives the packet path the interface of each peer: the
// one of its newest SA.
func (v *vrf) publishTransport() {
	if len(v.transport.peers) == 0 {
		v.transport.byPeer.Store(nil)
		return
	}
	m := make(map[netip.Addr]*vaccess, len(v.transport.peers))
	for a, p := range v.transport.peers {
		m[a] = p.sas[len(p.sas)-1].va
	}
	v.transport.byPeer.Store(&m)
}

// flushTransport removes every rule at the transport preferences and
// every route in the transport table: at Close, and when a VRF opens
// (what a daemon that died left behind).
func (v *vrf) flushTransport() {
	for _, family := range []int{unix.AF_INET, unix.AF_INET6} {
		for _, pref := range []int{transportBypassPref, transportSteerPref, transportLandPref} {
			r := netlink.NewRule()
			r.Family, r.Priority = family, pref
			// Each delete takes one rule at the preference; a bound
			// keeps a kernel that does not say ENOENT from looping.
			for range 1 << 16 {
				if v.nl.RuleDel(r) != nil {
					break
				}
			}
		}
		routes, _ := v.nl.RouteListFiltered(family, &netlink.Route{Table: transportTable}, netlink.RT_FILTER_TABLE)
		for i := range routes {
			v.nl.RouteDel(&routes[i])
		}
	}
	v.transport.peers, v.transport.steer4, v.transport.steer6 = nil, false, false
	v.transport.byPeer.Store(nil)
}
