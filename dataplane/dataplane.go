package dataplane

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
)

// Errors every backend returns (wrapped, with the object named) so that
// callers can tell "already gone" from a real failure with errors.Is.
var (
	// ErrNotFound: the interface, SA or counters named do not exist.
	ErrNotFound = errors.New("not found")
	// ErrExists: an object with the same identity is already installed and
	// the call does not update in place (InstallSA of a known inbound SPI,
	// EnsureInterface reusing another interface's LinuxName).
	ErrExists = errors.New("already exists")
	// ErrClosed: the backend has been closed.
	ErrClosed = errors.New("data plane closed")
)

// DefaultMTU is the MTU of a virtual-access interface whose spec says 0.
const DefaultMTU = 1400

// MaxLinuxName is the longest Linux interface name (IFNAMSIZ less the NUL).
const MaxLinuxName = 15

// Dataplane is what the services program. Calls are cheap and never block on the network.
type Dataplane interface {
	Name() string                             // "fake", "userspace", "xfrm"
	EnsureInterface(spec InterfaceSpec) error // create or update a virtual-access interface (idempotent)
	RemoveInterface(name string) error
	InstallSA(sa ChildSA) error // install both directions of a child SA
	RemoveSA(id SAID) error
	SetRoutes(vrf, owner string, routes []Route) error // replace the routes `owner` (e.g. "Virtual-Access1") holds in vrf; nil removes them
	Counters(iface string) (Counters, error)
	SACounters(id SAID) (SACounters, error)
	Events() <-chan Event // soft/hard expiry of SAs, for the IKE engine (rekey / delete)
	Close() error
}

// ESPReceiver is implemented by backends that run ESP in userspace over the
// IKE sockets: the IKE engine hands them ESP-in-UDP that arrived on port
// 4500 (no non-ESP marker).
type ESPReceiver interface {
	ReceiveESP(fvrf string, from, to netip.AddrPort, pkt []byte)
}

// UDPTransmitter is implemented by backends that send ESP-in-UDP through
// the IKE engine's sockets, so that the NAT mapping the peer sees is the
// one IKE uses.
type UDPTransmitter interface {
	SetTransmit(func(fvrf string, from, to netip.AddrPort, pkt []byte) error)
}

// UDPBatchTransmitter is a UDPTransmitter that can hand over several
// ESP-in-UDP datagrams of one SA at once, for the IKE engine to send in
// one system call (UDP GSO or sendmmsg). The function returns how many
// of pkts were sent and, when not all were, why the others were not.
type UDPBatchTransmitter interface {
	SetTransmitBatch(func(fvrf string, from, to netip.AddrPort, pkts [][]byte) (int, error))
}

// ESPBatchReceiver is an ESPReceiver that delivers better in bursts.
// Once ReceiveESPInBursts is called, ReceiveESP may hold what it
// decrypted until the returned function is called, which the IKE engine
// does after each burst of datagrams it read (one recvmmsg), so that the
// backend can write a run of segments of one flow as one packet.
type ESPBatchReceiver interface {
	ESPReceiver
	ReceiveESPInBursts() (burstDone func())
}

// KernelESP is implemented by backends whose ESP runs in the kernel (xfrm):
// the IKE engine marks its NAT-T socket UDP_ENCAP_ESPINUDP so that the
// kernel decapsulates ESP-in-UDP for its states and hands the socket only
// IKE messages.
type KernelESP interface {
	KernelESP() bool
}

// InterfaceSpec is the desired state of one virtual-access interface.
type InterfaceSpec struct {
	Name          string // "Virtual-Access1"
	LinuxName     string // short name (<=15 chars), e.g. "va1"; "" = backend chooses
	VRF           string // inside VRF; "" = global table
	Template      int    // virtual-template number it was cloned from
	Addresses     []netip.Prefix
	Unnumbered    string // "ip unnumbered IFNAME"
	MTU           int    // 0 = default 1400
	TCPAdjustMSS  int    // clamp the MSS of TCP SYNs both ways to this; 0 = off
	InACL, OutACL string // ACL names/numbers; "" = none
	// InFilter and OutFilter are InACL and OutACL compiled, for backends
	// that enforce them (userspace); nil permits everything. "in" is
	// traffic from the client, "out" traffic to it.
	InFilter, OutFilter             *ACL
	TunnelSource, TunnelDestination netip.Addr
}

// Validate checks what every backend would reject anyway, before any of
// them touches the kernel.
func (s InterfaceSpec) Validate() error {
	if s.Name == "" {
		return errors.New("dataplane: interface: empty name")
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("dataplane: interface %q: %s", s.Name, fmt.Sprintf(format, args...))
	}
	if len(s.LinuxName) > MaxLinuxName {
		return fail("linux name %q longer than %d characters", s.LinuxName, MaxLinuxName)
	}
	if strings.ContainsAny(s.LinuxName, "/ \t\n:") || s.LinuxName == "." || s.LinuxName == ".." {
		return fail("invalid linux name %q", s.LinuxName)
	}
	if s.Template < 0 {
		return fail("negative virtual-template %d", s.Template)
	}
	for _, p := range s.Addresses {
		if !p.IsValid() {
			return fail("invalid address %v", p)
		}
	}
	if s.Unnumbered != "" && len(s.Addresses) > 0 {
		// IOS makes "ip address" and "ip unnumbered" replace each other.
		return fail("both addresses and unnumbered %s", s.Unnumbered)
	}
	if s.Unnumbered == s.Name {
		return fail("unnumbered to itself")
	}
	for _, f := range []*ACL{s.InFilter, s.OutFilter} {
		if f != nil {
			if err := f.Validate(); err != nil {
				return fail("%v", err)
			}
		}
	}
	if s.TCPAdjustMSS != 0 && (s.TCPAdjustMSS < 500 || s.TCPAdjustMSS > 1460) {
		return fail("tcp adjust-mss %d out of range 500-1460", s.TCPAdjustMSS)
	}
	if s.MTU != 0 && (s.MTU < 68 || s.MTU > 65535) {
		return fail("mtu %d out of range 68-65535", s.MTU)
	}
	if s.TunnelSource.IsValid() && s.TunnelDestination.IsValid() &&
		s.TunnelSource.Unmap().Is4() != s.TunnelDestination.Unmap().Is4() {
		return fail("tunnel source %v and destination %v of different families", s.TunnelSource, s.TunnelDestination)
	}
	return nil
}

// EffectiveMTU is the MTU the backend programs: DefaultMTU when MTU is 0.
func (s InterfaceSpec) EffectiveMTU() int {
	if s.MTU == 0 {
		return DefaultMTU
	}
	return s.MTU
}

// SAID names a child SA pair.
type SAID struct{ SPI uint32 } // our inbound SPI names the pair

// String is the SPI as "show crypto ipsec sa" prints it.
func (id SAID) String() string { return fmt.Sprintf("0x%08x", id.SPI) }

// Mode is the ESP mode of a child SA (RFC 4303 section 3.1): Tunnel
// carries whole IP packets between the networks of the traffic
// selectors; Transport carries what the two endpoints (Local and Remote)
// send each other, with ESP between the IP header and the payload, as
// the IKE engine negotiates it with USE_TRANSPORT_MODE.
type Mode uint8

const (
	Tunnel Mode = iota
	Transport
)

func (m Mode) String() string {
	switch m {
	case Tunnel:
		return "tunnel"
	case Transport:
		return "transport"
	}
	return fmt.Sprintf("mode(%d)", uint8(m))
}

// TrafficSelector is one IKEv2 traffic selector (RFC 7296 section 3.13.1).
type TrafficSelector struct {
	Proto              uint8
	StartPort, EndPort uint16
	Start, End         netip.Addr
}

// Validate checks that the ranges are well formed.
func (ts TrafficSelector) Validate() error {
	if !ts.Start.IsValid() || !ts.End.IsValid() {
		return fmt.Errorf("traffic selector %v: invalid address", ts)
	}
	if ts.Start.Is4() != ts.End.Is4() {
		return fmt.Errorf("traffic selector %v: addresses of different families", ts)
	}
	if ts.End.Less(ts.Start) {
		return fmt.Errorf("traffic selector %v: end address before start", ts)
	}
	if ts.EndPort < ts.StartPort {
		return fmt.Errorf("traffic selector %v: end port before start", ts)
	}
	return nil
}

// String is "start-end proto/startport-endport", e.g.
// "10.0.0.0-10.0.0.255 0/0-65535".
func (ts TrafficSelector) String() string {
	return fmt.Sprintf("%v-%v %d/%d-%d", ts.Start, ts.End, ts.Proto, ts.StartPort, ts.EndPort)
}

// Keys is the keying material of one direction.
type Keys struct{ Encr, Integ []byte } // Encr includes the salt for AEAD ciphers

// Lifetime limits a child SA; 0 means no limit.
type Lifetime struct {
	SoftSeconds, HardSeconds int64 // 0 = none
	SoftBytes, HardBytes     uint64
	SoftPackets, HardPackets uint64
}

// Validate checks that no limit is negative and no soft limit comes after
// its hard one (the soft expiry would never fire).
func (l Lifetime) Validate() error {
	if l.SoftSeconds < 0 || l.HardSeconds < 0 {
		return fmt.Errorf("lifetime: negative seconds")
	}
	if l.HardSeconds != 0 && l.SoftSeconds > l.HardSeconds {
		return fmt.Errorf("lifetime: soft %d seconds after hard %d", l.SoftSeconds, l.HardSeconds)
	}
	if l.HardBytes != 0 && l.SoftBytes > l.HardBytes {
		return fmt.Errorf("lifetime: soft %d bytes after hard %d", l.SoftBytes, l.HardBytes)
	}
	if l.HardPackets != 0 && l.SoftPackets > l.HardPackets {
		return fmt.Errorf("lifetime: soft %d packets after hard %d", l.SoftPackets, l.HardPackets)
	}
	return nil
}

// ChildSA is both directions of one ESP child SA.
type ChildSA struct {
	ID                SAID // inbound SPI
	OutboundSPI       uint32
	Interface         string // virtual-access the SA protects
	FVRF              string // front-door VRF of the outer packets
	Mode              Mode
	Local, Remote     netip.AddrPort // outer addresses; ports are the UDP ports when Encap
	Encap             bool           // UDP encapsulation (RFC 3948)
	Encr              int            // IKEv2 transform type 1 ID (12 AES-CBC, 20 AES-GCM-16, 28 ChaCha20-Poly1305, 3 3DES)
	EncrKeyBits       int
	Integ             int // IKEv2 transform type 3 ID (0 for AEAD, 2 HMAC-SHA1-96, 12 SHA2-256-128, 13 SHA2-384-192, 14 SHA2-512-256)
	ESN               bool
	In, Out           Keys
	LocalTS, RemoteTS []TrafficSelector
	ReplayWindow      int // packets; 0 = disabled
	Lifetime          Lifetime
	Replaces          *SAID // make-before-break: the SA this one rekeys (kept until RemoveSA)
}

// Validate checks a child SA before a backend installs it. Key lengths are
// those the IKE engine derives (suite.Transforms), so an SA keyed from
// KEYMAT with the negotiated transforms always passes.
func (sa ChildSA) Validate() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("dataplane: child SA %v: %s", sa.ID, fmt.Sprintf(format, args...))
	}
	if sa.ID.SPI == 0 {
		return fail("zero inbound SPI")
	}
	if sa.OutboundSPI == 0 {
		return fail("zero outbound SPI")
	}
	if sa.Interface == "" {
		return fail("no interface")
	}
	if sa.Mode != Tunnel && sa.Mode != Transport {
		return fail("invalid %v", sa.Mode)
	}
	if !sa.Local.Addr().IsValid() || !sa.Remote.Addr().IsValid() {
		return fail("invalid outer address (local %v, remote %v)", sa.Local, sa.Remote)
	}
	if sa.Local.Addr().Unmap().Is4() != sa.Remote.Addr().Unmap().Is4() {
		return fail("local %v and remote %v of different families", sa.Local, sa.Remote)
	}
	if sa.Encap && (sa.Local.Port() == 0 || sa.Remote.Port() == 0) {
		return fail("UDP encapsulation without ports (local %v, remote %v)", sa.Local, sa.Remote)
	}
	t := suite.Transforms{Encr: sa.Encr, EncrKeyBits: sa.EncrKeyBits, Integ: sa.Integ}
	encrLen, err := t.EncrKeyLen()
	if err != nil {
		return fail("%v", err)
	}
	integLen, err := t.IntegKeyLen()
	if err != nil {
		return fail("%v", err)
	}
	for _, d := range []struct {
		dir  string
		keys Keys
	}{{"inbound", sa.In}, {"outbound", sa.Out}} {
		if len(d.keys.Encr) != encrLen {
			return fail("%s encryption key is %d bytes, transform %d/%d needs %d", d.dir, len(d.keys.Encr), sa.Encr, sa.EncrKeyBits, encrLen)
		}
		if len(d.keys.Integ) != integLen {
			return fail("%s integrity key is %d bytes, transform %d needs %d", d.dir, len(d.keys.Integ), sa.Integ, integLen)
		}
	}
	for _, ts := range sa.LocalTS {
		if err := ts.Validate(); err != nil {
			return fail("local %v", err)
		}
	}
	for _, ts := range sa.RemoteTS {
		if err := ts.Validate(); err != nil {
			return fail("remote %v", err)
		}
	}
	if sa.ReplayWindow < 0 {
		return fail("negative replay window %d", sa.ReplayWindow)
	}
	if err := sa.Lifetime.Validate(); err != nil {
		return fail("%v", err)
	}
	if sa.Replaces != nil {
		if sa.Replaces.SPI == 0 {
			return fail("replaces zero SPI")
		}
		if *sa.Replaces == sa.ID {
			return fail("replaces itself")
		}
	}
	return nil
}

// Route is one route a service holds in a VRF.
type Route struct {
	Prefix    netip.Prefix
	NextHop   netip.Addr // invalid = on-link through Interface
	Interface string
	Tag       uint32
	Distance  int
}

// Validate checks that the route can be installed: a masked prefix, and a
// next hop or an interface to reach it by.
func (r Route) Validate() error {
	if !r.Prefix.IsValid() {
		return fmt.Errorf("dataplane: route %v: invalid prefix", r.Prefix)
	}
	if r.Prefix.Masked() != r.Prefix {
		return fmt.Errorf("dataplane: route %v: host bits set (want %v)", r.Prefix, r.Prefix.Masked())
	}
	if !r.NextHop.IsValid() && r.Interface == "" {
		return fmt.Errorf("dataplane: route %v: neither next hop nor interface", r.Prefix)
	}
	if r.Distance < 0 || r.Distance > 255 {
		return fmt.Errorf("dataplane: route %v: distance %d out of range 0-255", r.Prefix, r.Distance)
	}
	return nil
}

// Counters are an interface's traffic counters.
type Counters struct{ InPackets, InBytes, OutPackets, OutBytes, InDrops, OutDrops, ACLDrops uint64 }

// SACounters are a child SA's counters, both directions.
type SACounters struct {
	InPackets, InBytes, OutPackets, OutBytes uint64
	ReplayErrors, AuthErrors, DecryptErrors  uint64
}

// EventKind says which lifetime of an SA ran out.
type EventKind uint8

const (
	SoftExpire EventKind = iota + 1 // time to rekey
	HardExpire                      // the SA is unusable; delete it
)

func (k EventKind) String() string {
	switch k {
	case SoftExpire:
		return "soft-expire"
	case HardExpire:
		return "hard-expire"
	}
	return fmt.Sprintf("event(%d)", uint8(k))
}

// Event is an SA lifetime event delivered on Dataplane.Events.
type Event struct {
	Kind EventKind
	SA   SAID
}

func (e Event) String() string { return e.Kind.String() + " " + e.SA.String() }
