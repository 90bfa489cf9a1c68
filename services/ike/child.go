package ike

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/negotiate"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
	"github.com/gatehouse-vpn/gatehouse/services/session"
)

// childSA is one ESP SA pair of an IKE SA.
type childSA struct {
	inSPI, outSPI     uint32
	t                 suite.Transforms
	esn               bool
	mode              dataplane.Mode
	localTS, remoteTS []wire.TrafficSelector // ours and the peer's
	pfsGroup          int
	created           time.Time
	lifetime          time.Duration
	lifeKB            int64
	replayWindow      int
	lastInPackets     uint64 // DPD on-demand: ESP seen since the last check
	rekeying          bool   // our CREATE_CHILD_SA rekeying it is in flight
}

// acceptChild negotiates a child SA as responder: proposal from the IPsec
// profile, traffic selectors narrowed to the client's address, keys, and
// the data plane install. It returns the child and the response payloads
// (SA, TSi, TSr and notifications), or an error notification.
// tsi/tsr are the peer's (initiator's) and ours; gir is the PFS secret.
func (sa *ikeSA) acceptChild(offer *wire.SA, tsi, tsr *wire.TS, transport bool, gir []byte, ni, nr []byte, inAuth bool) []wire.Payload {
	c, ps, errN := sa.negotiateChild(offer, tsi, tsr, transport, gir, ni, nr, inAuth, nil)
	if errN != nil {
		sa.e.stats.childFailed.Add(1)
		sa.debugf("Child SA not created: %s", errN.NotifyType)
		return []wire.Payload{errN}
	}
	sa.children = append(sa.children, c)
	sa.e.stats.childCreated.Add(1)
	return ps
}

// replaces is the child SA a peer's rekey replaces: the data plane keeps
// sending on it until the peer uses the new one (make-before-break).
func (sa *ikeSA) negotiateChild(offer *wire.SA, tsi, tsr *wire.TS, transport bool, gir []byte, ni, nr []byte, inAuth bool, replaces *dataplane.SAID) (*childSA, []wire.Payload, *wire.Notify) {
	cfg := sa.e.cfg.Load()
	ipsecProf := cfg.ipsecProfileFor(sa.profile)
	pol, err := negotiate.ESPAcceptable(ipsecProf, cfg.transforms)
	if err != nil {
		return nil, nil, &wire.Notify{NotifyType: wire.NO_PROPOSAL_CHOSEN}
	}
	var chosen wire.Proposal
	var ok bool
	if inAuth {
		chosen, ok = negotiate.SelectESPInAuth(offer.Proposals, pol)
	} else {
		chosen, ok = negotiate.SelectESP(offer.Proposals, pol)
	}
	if !ok || len(chosen.SPI) != 4 {
		return nil, nil, &wire.Notify{NotifyType: wire.NO_PROPOSAL_CHOSEN}
	}
	if lim := sa.sess.flowLimit; lim >= 0 && len(sa.children) >= lim {
		return nil, nil, &wire.Notify{NotifyType: wire.NO_ADDITIONAL_SAS}
	}
	peerTS, ok := sa.narrowPeerTS(tsi.Selectors)
	if !ok {
		return nil, nil, &wire.Notify{NotifyType: wire.TS_UNACCEPTABLE}
	}
	ourTS := sameFamilies(tsr.Selectors, peerTS)
	if len(ourTS) == 0 {
		return nil, nil, &wire.Notify{NotifyType: wire.TS_UNACCEPTABLE}
	}
	t, _ := transformsOf(chosen)
	c := &childSA{outSPI: binary.BigEndian.Uint32(chosen.SPI), t: t, localTS: ourTS, remoteTS: peerTS,
		created: sa.e.now(), replayWindow: cfg.replayWindow(ipsecProf)}
	for _, tr := range chosen.Transforms {
		switch {
		case tr.Type == wire.TransformESN && tr.ID == wire.ESN_YES:
			c.esn = true
		case tr.Type == wire.TransformDH && tr.ID != wire.DH_NONE:
			c.pfsGroup = int(tr.ID)
		}
	}
	if transport && transportAllowed(pol) {
		// Transport mode protects what the two endpoints send each other:
		// selectors that do not cover them keep the child in tunnel mode,
		// as a responder that declines USE_TRANSPORT_MODE does (RFC 7296
		// section 1.3.1).
		if pts, ots, ok := sa.transportSelectors(peerTS, ourTS); ok {
			c.mode = dataplane.Transport
			peerTS, ourTS = pts, ots
			c.localTS, c.remoteTS = ourTS, peerTS
		}
	}
	secs, kb := cfg.childLifetime(ipsecProf)
	c.lifetime, c.lifeKB = time.Duration(secs)*time.Second, kb
	c.inSPI = sa.e.newChildSPI(sa)
	keys, err := suite.DeriveChildKeys(sa.prf, sa.keys.SKd, t, gir, ni, nr)
	if err != nil {
		sa.e.releaseChildSPI(c.inSPI)
		return nil, nil, &wire.Notify{NotifyType: wire.NO_PROPOSAL_CHOSEN}
	}
	if err := sa.install(c, keys, replaces, false); err != nil {
		sa.e.releaseChildSPI(c.inSPI)
		sa.e.log.Error("ike: installing child SA failed", "err", err)
		return nil, nil, &wire.Notify{NotifyType: wire.TEMPORARY_FAILURE}
	}
	chosen.SPI = binary.BigEndian.AppendUint32(nil, c.inSPI)
	ps := []wire.Payload{&wire.SA{Proposals: []wire.Proposal{chosen}},
		&wire.TS{Selectors: peerTS}, &wire.TS{Responder: true, Selectors: ourTS}}
	if c.mode == dataplane.Transport {
		ps = append(ps, &wire.Notify{NotifyType: wire.USE_TRANSPORT_MODE})
	}
	return c, ps, nil
}

// transportSelectors narrows the selectors of a transport-mode child to
// the IKE SA's endpoints: each side's to its own address. A side behind
// a NAT cannot know the address the other sees (RFC 7296 section
// 2.23.1), so its selectors stand when none covers that address; the
// data plane rebuilds inner headers from the endpoints anyway.
func (sa *ikeSA) transportSelectors(peer, ours []wire.TrafficSelector) (peerTS, ourTS []wire.TrafficSelector, ok bool) {
	peerTS, ok = narrowToEndpoint(peer, sa.remote.Addr().Unmap(), sa.natRemote)
	if !ok {
		return nil, nil, false
	}
	ourTS, ok = narrowToEndpoint(ours, sa.local.Addr().Unmap(), sa.natLocal)
	return peerTS, ourTS, ok
}

// narrowToEndpoint narrows the selectors that cover a to a alone; behind
// a NAT, selectors of a's family that do not cover it are kept as they
// are.
func narrowToEndpoint(ts []wire.TrafficSelector, a netip.Addr, nat bool) ([]wire.TrafficSelector, bool) {
	var out, kept []wire.TrafficSelector
	for _, t := range ts {
		switch {
		case tsContains(t, a):
			n := t
			n.Start, n.End = a, a
			out = append(out, n)
		case nat && t.Start.IsValid() && t.Start.Is4() == a.Is4():
			kept = append(kept, t)
		}
	}
	if len(out) == 0 {
		out = kept
	}
	return out, len(out) > 0
}

func transportAllowed(p negotiate.ESPPolicy) bool {
	for _, s := range p.Suites {
		if s.Mode == schema.ModeTransport {
			return true
		}
	}
	return false
}

// install hands the child SA to the data plane. Keys are named by
// direction: as responder we receive what the initiator sends.
func (sa *ikeSA) install(c *childSA, k suite.ChildKeys, replaces *dataplane.SAID, weInitiated bool) error {
	if sa.e.dp == nil {
		return nil
	}
	// KEYMAT is split by the direction relative to the exchange that
	// created the child (RFC 7296 section 2.17), not to the IKE SA.
	in := dataplane.Keys{Encr: k.EncrInitToResp, Integ: k.IntegInitToResp}
	out := dataplane.Keys{Encr: k.EncrRespToInit, Integ: k.IntegRespToInit}
	if weInitiated {
		in, out = out, in
	}
	soft := c.lifetime - c.lifetime/10 - time.Duration(rand.Int64N(int64(c.lifetime/20)+1))
	lt := dataplane.Lifetime{SoftSeconds: int64(soft / time.Second), HardSeconds: int64(c.lifetime / time.Second)}
	if c.lifeKB > 0 {
		lt.HardBytes = uint64(c.lifeKB) * 1024
		lt.SoftBytes = lt.HardBytes - lt.HardBytes/10
	}
	spec := dataplane.ChildSA{ID: dataplane.SAID{SPI: c.inSPI}, OutboundSPI: c.outSPI, Interface: sa.sess.vaccess,
		FVRF: sa.fvrf, Mode: c.mode, Local: sa.local, Remote: sa.remote, Encap: sa.natLocal || sa.natRemote || sa.sock.natT,
		Encr: c.t.Encr, EncrKeyBits: c.t.EncrKeyBits, Integ: c.t.Integ, ESN: c.esn, In: in, Out: out,
		LocalTS: dpSelectors(c.localTS), RemoteTS: dpSelectors(c.remoteTS), ReplayWindow: c.replayWindow,
		Lifetime: lt, Replaces: replaces}
	if spec.Interface == "" {
		spec.Interface = fmt.Sprintf("ikev2-session-%d", sa.sess.id)
	}
	return sa.e.dp.InstallSA(spec)
}

func dpSelectors(ts []wire.TrafficSelector) []dataplane.TrafficSelector {
	out := make([]dataplane.TrafficSelector, len(ts))
	for i, t := range ts {
		out[i] = dataplane.TrafficSelector{Proto: t.IPProtocol, StartPort: t.StartPort, EndPort: t.EndPort, Start: t.Start, End: t.End}
	}
	return out
}

// narrowPeerTS narrows the initiator's selectors to the addresses the
// session was given (RFC 7296 2.9): a client with a virtual IP may only
// send from it. Without assigned addresses the selectors stand.
func (sa *ikeSA) narrowPeerTS(in []wire.TrafficSelector) ([]wire.TrafficSelector, bool) {
	s := sa.sess
	if !s.addr4.IsValid() && !s.addr6.IsValid() {
		var out []wire.TrafficSelector
		for _, t := range in {
			if t.Type == wire.TS_IPV4_ADDR_RANGE || t.Type == wire.TS_IPV6_ADDR_RANGE {
				out = append(out, t)
			}
		}
		return out, len(out) > 0
	}
	var out []wire.TrafficSelector
	for _, t := range in {
		for _, a := range []netip.Addr{s.addr4, s.addr6.Addr()} {
			if !a.IsValid() || !tsContains(t, a) {
				continue
			}
			n := t
			n.Start, n.End = a, a
			out = append(out, n)
		}
	}
	return out, len(out) > 0
}

func tsContains(t wire.TrafficSelector, a netip.Addr) bool {
	if !t.Start.IsValid() || t.Start.Is4() != a.Is4() {
		return false
	}
	return t.Start.Compare(a) <= 0 && a.Compare(t.End) <= 0
}

// sameFamilies keeps our selectors of the address families the peer's
// narrowed selectors use.
func sameFamilies(ours, peer []wire.TrafficSelector) []wire.TrafficSelector {
	var v4, v6 bool
	for _, t := range peer {
		v4 = v4 || t.Type == wire.TS_IPV4_ADDR_RANGE
		v6 = v6 || t.Type == wire.TS_IPV6_ADDR_RANGE
	}
	var out []wire.TrafficSelector
	for _, t := range ours {
		if (t.Type == wire.TS_IPV4_ADDR_RANGE && v4) || (t.Type == wire.TS_IPV6_ADDR_RANGE && v6) {
			out = append(out, t)
		}
	}
	return out
}

// removeChild takes a child SA out of the data plane.
func (sa *ikeSA) removeChild(c *childSA) {
	if sa.e.dp != nil {
		sa.e.dp.RemoveSA(dataplane.SAID{SPI: c.inSPI})
	}
	sa.e.releaseChildSPI(c.inSPI)
}

// remoteMoved reinstalls nothing yet: the data plane learns the peer's new
// NAT mapping from the ESP it receives (userspace) or from a new install.
func (c *childSA) remoteMoved(sa *ikeSA) {}

// childExpired handles data plane lifetime events: the initiator of the
// IKE SA rekeys before our soft limit in practice; at the hard limit the
// child is deleted and the peer told.
func (sa *ikeSA) childExpired(ev dataplane.Event) {
	if ev.Kind == dataplane.SoftExpire {
		for _, c := range sa.children {
			if c.inSPI == ev.SA.SPI && sa.state == stEstablished {
				sa.rekeyChild(c)
			}
		}
		return
	}
	for i, c := range sa.children {
		if c.inSPI != ev.SA.SPI {
			continue
		}
		sa.children = append(sa.children[:i], sa.children[i+1:]...)
		sa.removeChild(c)
		sa.request(wire.INFORMATIONAL, []wire.Payload{deleteESP(c.inSPI)}, nil, nil, nil)
		return
	}
}

func deleteESP(spis ...uint32) *wire.Delete {
	d := &wire.Delete{Protocol: wire.ProtoESP, SPISize: 4}
	for _, s := range spis {
		d.SPIs = append(d.SPIs, binary.BigEndian.AppendUint32(nil, s))
	}
	return d
}

// flows are the session's IPsec flows for show crypto session.
func (c *childSA) flows() []session.Flow {
	var out []session.Flow
	for _, l := range c.localTS {
		for _, r := range c.remoteTS {
			out = append(out, session.Flow{Proto: int(l.IPProtocol), Local: tsPrefix(l), Remote: tsPrefix(r),
				ActiveSAs: 2, Origin: "crypto-map"})
		}
	}
	return out
}

// tsPrefix is the smallest prefix covering a selector's range.
func tsPrefix(t wire.TrafficSelector) netip.Prefix {
	if !t.Start.IsValid() {
		return netip.Prefix{}
	}
	bits := t.Start.BitLen()
	for b := 0; b <= bits; b++ {
		p := netip.PrefixFrom(t.Start, b).Masked()
		if p.Addr() == t.Start && p.Contains(t.End) && lastAddr(p) == t.End {
			return p
		}
	}
	return netip.PrefixFrom(t.Start, bits)
}

func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 0x80 >> (i % 8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// snapshot is the child as "show crypto ipsec sa" shows it.
func (c *childSA) snapshot(sa *ikeSA, now time.Time) session.ChildSA {
	out := session.ChildSA{Interface: sa.sess.vaccess, Local: sa.local, Remote: sa.remote, FVRF: sa.fvrf,
		IVRF: sa.sess.ivrf, InboundSPI: c.inSPI, OutboundSPI: c.outSPI, Transform: espTransformName(c.t),
		Mode: "Tunnel", UDPEncap: sa.natLocal || sa.natRemote || sa.sock.natT, PFS: c.pfsGroup,
		ConnIDIn: 2*sa.connID - 1, ConnIDOut: 2 * sa.connID, Lifetime: c.lifetime, LifetimeKB: uint64(c.lifeKB),
		ReplayWindow: c.replayWindow, Status: "ACTIVE(ACTIVE)"}
	if c.mode == dataplane.Transport {
		out.Mode = "Transport"
	}
	if len(c.localTS) > 0 {
		out.Proto, out.LocalTS = int(c.localTS[0].IPProtocol), tsPrefix(c.localTS[0])
	}
	if len(c.remoteTS) > 0 {
		out.RemoteTS = tsPrefix(c.remoteTS[0])
	}
	if rem := c.lifetime - now.Sub(c.created); rem > 0 {
		out.Remaining = rem.Truncate(time.Second)
	}
	out.RemainingKB = uint64(c.lifeKB)
	if sa.e.dp != nil {
		if k, err := sa.e.dp.SACounters(dataplane.SAID{SPI: c.inSPI}); err == nil {
			out.PktsEncaps, out.PktsEncrypt, out.PktsDigest = k.OutPackets, k.OutPackets, k.OutPackets
			out.PktsDecaps, out.PktsDecrypt, out.PktsVerify = k.InPackets, k.InPackets, k.InPackets
			out.RecvErrors = k.ReplayErrors + k.AuthErrors + k.DecryptErrors
			out.VerifyFailed, out.ReplayFailed = k.AuthErrors, k.ReplayErrors
			used := (k.InBytes + k.OutBytes) / 1024
			if out.RemainingKB > used {
				out.RemainingKB -= used
			} else if c.lifeKB > 0 {
				out.RemainingKB = 0
			}
		}
	}
	return out
}

// espTransformName is the IOS transform string ("esp-gcm 256 ,").
func espTransformName(t suite.Transforms) string {
	var s string
	switch t.Encr {
	case suite.EncrAESGCM16:
		s = fmt.Sprintf("esp-gcm %d", t.EncrKeyBits)
		if t.EncrKeyBits == 128 {
			s = "esp-gcm"
		}
	case suite.EncrChaCha20Poly1305:
		s = "esp-chacha20-poly1305"
	case suite.EncrAESCBC:
		s = fmt.Sprintf("esp-%d-aes", t.EncrKeyBits)
		if t.EncrKeyBits == 128 {
			s = "esp-aes"
		}
	case suite.Encr3DES:
		s = "esp-3des"
	}
	switch t.Integ {
	case suite.IntegHMACSHA196:
		s += " esp-sha-hmac"
	case suite.IntegHMACSHA2256128:
		s += " esp-sha256-hmac"
	case suite.IntegHMACSHA2384192:
		s += " esp-sha384-hmac"
	case suite.IntegHMACSHA2512256:
		s += " esp-sha512-hmac"
	}
	return s + " ,"
}
