//go:build linux

package xfrm

import (
	"fmt"
	"hash/fnv"
	"net"
	"net/netip"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
)

// Identity of the kernel objects Gatehouse owns. The if_id of every XFRM
// interface, state and policy it creates lies in [IfIDBase+1,
// IfIDBase+MaxInterfaces]; VRF devices are named VRFPrefix+... with a table
// in [TableBase, TableBase+MaxTables). New and Close find leftovers by these
// marks alone, so a daemon killed with -9 leaves nothing the next one does
// not remove.
const (
	IfIDBase      = 0x47480000 // "GH"
	MaxInterfaces = 0xffff
	TableBase     = 0x47480000
	MaxTables     = 0x10000
	VRFPrefix     = "ghv-"
	// RouteProtocol marks the routes Gatehouse installs (rtm_protocol);
	// 71 is unassigned in iproute2's rt_protos.
	RouteProtocol = 71
	mainTable     = 254
)

func ownedIfID(ifid uint32) bool { return ifid > IfIDBase && ifid <= IfIDBase+MaxInterfaces }

func ownedTable(table uint32) bool { return table >= TableBase && table < TableBase+MaxTables }

// vrfDevice is the name of the VRF device of vrf: VRFPrefix and the name
// when that fits in IFNAMSIZ and is a valid link name, else VRFPrefix and
// a hash of the name.
func vrfDevice(vrf string) string {
	name := VRFPrefix + vrf
	if len(name) <= dataplane.MaxLinuxName && validLinkName(vrf) {
		return name
	}
	return fmt.Sprintf("%s%08x", VRFPrefix, fnv32(vrf))
}

func validLinkName(s string) bool {
	for _, r := range s {
		if r <= ' ' || r >= 0x7f || r == '/' || r == ':' {
			return false
		}
	}
	return s != ""
}

func fnv32(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}

// kernelAlgorithms maps an SA's IKEv2 transforms (RFC 7296 section 3.3.2)
// to the kernel's crypto API names, with one direction's keys. AEAD keys
// carry their 4-byte salt at the end, as the kernel's rfc4106 and
// rfc7539esp templates expect (RFC 4106 section 8.1, RFC 7634 section 2).
func kernelAlgorithms(encr, keyBits, integ int, keys dataplane.Keys) (crypt, auth, aead *netlink.XfrmStateAlgo, err error) {
	key := func(b []byte) []byte { return append([]byte(nil), b...) }
	switch encr {
	case suite.EncrAESGCM16:
		aead = &netlink.XfrmStateAlgo{Name: "rfc4106(gcm(aes))", Key: key(keys.Encr), ICVLen: 128}
	case suite.EncrChaCha20Poly1305:
		aead = &netlink.XfrmStateAlgo{Name: "rfc7539esp(chacha20,poly1305)", Key: key(keys.Encr), ICVLen: 128}
	case suite.EncrAESCBC:
		crypt = &netlink.XfrmStateAlgo{Name: "cbc(aes)", Key: key(keys.Encr)}
	case suite.Encr3DES:
		crypt = &netlink.XfrmStateAlgo{Name: "cbc(des3_ede)", Key: key(keys.Encr)}
	default:
		return nil, nil, nil, fmt.Errorf("encryption transform %d/%d has no kernel algorithm", encr, keyBits)
	}
	if aead != nil {
		if integ != suite.IntegNone {
			return nil, nil, nil, fmt.Errorf("AEAD transform %d with integrity transform %d", encr, integ)
		}
		return nil, nil, aead, nil
	}
	var name string
	var trunc int
	switch integ {
	case suite.IntegHMACSHA196:
		name, trunc = "hmac(sha1)", 96 // RFC 2404
	case suite.IntegHMACSHA2256128:
		name, trunc = "hmac(sha256)", 128 // RFC 4868
	case suite.IntegHMACSHA2384192:
		name, trunc = "hmac(sha384)", 192
	case suite.IntegHMACSHA2512256:
		name, trunc = "hmac(sha512)", 256
	default:
		return nil, nil, nil, fmt.Errorf("integrity transform %d has no kernel algorithm", integ)
	}
	return crypt, &netlink.XfrmStateAlgo{Name: name, Key: key(keys.Integ), TruncateLen: trunc}, nil, nil
}

// replay says how a state's anti-replay window is encoded.
type replay struct {
	mode   replayMode
	window int
}

type replayMode uint8

const (
	replayLegacy replayMode = iota // xfrm_usersa_info.replay_window: at most 32 packets
	replayBitmap                   // XFRMA_REPLAY_ESN_VAL without the ESN flag: any size
	replayESN                      // XFRMA_REPLAY_ESN_VAL with XFRM_STATE_ESN
)

func (r replay) String() string {
	switch r.mode {
	case replayBitmap:
		return fmt.Sprintf("bmp/%d", r.window)
	case replayESN:
		return fmt.Sprintf("esn/%d", r.window)
	}
	return fmt.Sprintf("legacy/%d", r.window)
}

// legacyReplayMax is the largest window the kernel keeps in
// xfrm_usersa_info's replay_window (copy_from_user_state caps it at the
// bits of its 32-bit bitmap).
const legacyReplayMax = 32

func replayOf(st *netlink.XfrmState) replay {
	switch {
	case st.ESN:
		return replay{replayESN, st.ReplayWindow}
	case st.ReplayWindow > legacyReplayMax:
		return replay{replayBitmap, st.ReplayWindow}
	}
	return replay{replayLegacy, st.ReplayWindow}
}

// stateFlags are the xfrm_usersa_info flags of st. A tunnel-mode state
// gets XFRM_STATE_AF_UNSPEC so that its empty selector stays family-free:
// one child SA carries IPv4 and IPv6 inside (copy_from_user_state would
// otherwise pin the selector to the outer family).
func stateFlags(st *netlink.XfrmState) uint8 {
	var f uint8
	if st.Mode == netlink.XFRM_MODE_TUNNEL {
		f |= nl.XFRM_STATE_AF_UNSPEC
	}
	if st.ESN {
		f |= nl.XFRM_STATE_ESN
	}
	return f
}

// saStates builds the inbound and outbound XFRM states of sa on the
// interface with if_id ifid. Both carry the if_id and the interface's
// reqid, and no mark.
func saStates(sa dataplane.ChildSA, ifid uint32) (in, out *netlink.XfrmState, err error) {
	local, remote := sa.Local.Addr().Unmap(), sa.Remote.Addr().Unmap()
	mode := netlink.XFRM_MODE_TUNNEL
	if sa.Mode == dataplane.Transport {
		mode = netlink.XFRM_MODE_TRANSPORT
	}
	window := sa.ReplayWindow
	if sa.ESN && window == 0 {
		// The kernel has no ESN without anti-replay (xfrm_init_replay).
		return nil, nil, fmt.Errorf("child SA %v: ESN needs a replay window on Linux XFRM", sa.ID)
	}
	limits := netlink.XfrmStateLimits{
		ByteSoft: sa.Lifetime.SoftBytes, ByteHard: sa.Lifetime.HardBytes,
		PacketSoft: sa.Lifetime.SoftPackets, PacketHard: sa.Lifetime.HardPackets,
		TimeSoft: uint64(sa.Lifetime.SoftSeconds), TimeHard: uint64(sa.Lifetime.HardSeconds),
	}
	build := func(src, dst netip.AddrPort, spi uint32, keys dataplane.Keys, window int) (*netlink.XfrmState, error) {
		crypt, auth, aead, err := kernelAlgorithms(sa.Encr, sa.EncrKeyBits, sa.Integ, keys)
		if err != nil {
			return nil, fmt.Errorf("child SA %v: %w", sa.ID, err)
		}
		st := &netlink.XfrmState{
			Src: ipOf(src.Addr()), Dst: ipOf(dst.Addr()), Proto: netlink.XFRM_PROTO_ESP, Mode: mode,
			Spi: int(spi), Reqid: int(ifid), Ifid: int(ifid), ReplayWindow: window, ESN: sa.ESN,
			Limits: limits, Crypt: crypt, Auth: auth, Aead: aead,
		}
		if sa.Encap {
			st.Encap = &netlink.XfrmStateEncap{Type: netlink.XFRM_ENCAP_ESPINUDP, SrcPort: int(src.Port()), DstPort: int(dst.Port())}
		}
		return st, nil
	}
	in, err = build(netip.AddrPortFrom(remote, sa.Remote.Port()), netip.AddrPortFrom(local, sa.Local.Port()), sa.ID.SPI, sa.In, window)
	if err != nil {
		return nil, nil, err
	}
	// Outbound the window only sizes the bitmap the kernel allocates; the
	// ESN encoding needs one.
	outWindow := 0
	if sa.ESN {
		outWindow = window
	}
	out, err = build(netip.AddrPortFrom(local, sa.Local.Port()), netip.AddrPortFrom(remote, sa.Remote.Port()), sa.OutboundSPI, sa.Out, outWindow)
	return in, out, err
}

// policyTemplate is what an interface's policies say: the outer addresses
// and mode of its SAs. It changes only when a peer moves.
type policyTemplate struct {
	local, remote netip.Addr
	mode          netlink.Mode
}

func templateOf(sa dataplane.ChildSA) policyTemplate {
	t := policyTemplate{local: sa.Local.Addr().Unmap(), remote: sa.Remote.Addr().Unmap(), mode: netlink.XFRM_MODE_TUNNEL}
	if sa.Mode == dataplane.Transport {
		t.mode = netlink.XFRM_MODE_TRANSPORT
	}
	return t
}

var (
	any4 = netip.MustParsePrefix("0.0.0.0/0")
	any6 = netip.MustParsePrefix("::/0")
)

// interfacePolicies are the wide policies of one XFRM interface: for each
// inner family, out, in and fwd with selector any-to-any and the
// interface's if_id. See doc.go, "Policies".
func interfacePolicies(ifid uint32, t policyTemplate) []*netlink.XfrmPolicy {
	families := []netip.Prefix{any4, any6}
	if t.mode == netlink.XFRM_MODE_TRANSPORT {
		// Inner and outer are one packet: only the outer family exists.
		families = []netip.Prefix{any6}
		if t.local.Is4() {
			families = []netip.Prefix{any4}
		}
	}
	var out []*netlink.XfrmPolicy
	for _, sel := range families {
		for _, dir := range []netlink.Dir{netlink.XFRM_DIR_OUT, netlink.XFRM_DIR_IN, netlink.XFRM_DIR_FWD} {
			src, dst := t.local, t.remote
			if dir != netlink.XFRM_DIR_OUT {
				src, dst = dst, src
			}
			out = append(out, &netlink.XfrmPolicy{
				Src: ipNetOf(sel), Dst: ipNetOf(sel), Dir: dir, Ifid: int(ifid),
				Tmpls: []netlink.XfrmPolicyTmpl{{Src: ipOf(src), Dst: ipOf(dst), Proto: netlink.XFRM_PROTO_ESP, Mode: t.mode, Reqid: int(ifid)}},
			})
		}
	}
	return out
}

// policyKey is what the kernel identifies a policy by when deleting it.
func policyKey(p *netlink.XfrmPolicy) *netlink.XfrmPolicy {
	return &netlink.XfrmPolicy{Src: p.Src, Dst: p.Dst, Dir: p.Dir, Ifid: p.Ifid, Proto: p.Proto, SrcPort: p.SrcPort, DstPort: p.DstPort}
}

func stateKey(st *netlink.XfrmState) *netlink.XfrmState {
	return &netlink.XfrmState{Src: st.Src, Dst: st.Dst, Proto: st.Proto, Spi: st.Spi}
}

// ipNet is a netip.Prefix as a *net.IPNet, kept in the address's own
// family (a v4-mapped prefix becomes IPv4).
func ipNet(p netip.Prefix) *net.IPNet {
	if p.Addr().Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
	}
	return ipNetOf(p)
}
