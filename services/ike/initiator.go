package ike

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/auth"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// Identity is an IKE identity of the initiator's configuration.
type Identity struct {
	Type wire.IDType
	Data []byte
}

// FQDN, Email and KeyID build identities of those types; Address builds an
// ID_IPV4_ADDR or ID_IPV6_ADDR identity.
func FQDN(s string) Identity  { return Identity{wire.ID_FQDN, []byte(s)} }
func Email(s string) Identity { return Identity{wire.ID_RFC822_ADDR, []byte(s)} }
func KeyID(s string) Identity { return Identity{wire.ID_KEY_ID, []byte(s)} }
func Address(a netip.Addr) Identity {
	id := addrIdentity(a)
	return Identity{id.Type, id.Data}
}

// Proposal is one IKE SA proposal: transform IDs from the suite package.
type Proposal struct {
	Encr, EncrKeyBits, PRF, Integ, Group int
	// MoreGroups are offered after Group; the KE payload uses Group.
	MoreGroups []int
}

// ESPProposal is one child SA proposal; PFSGroup 0 means no PFS.
type ESPProposal struct{ Encr, EncrKeyBits, Integ, PFSGroup int }

// InitiatorConfig describes one IKE SA to set up.
type InitiatorConfig struct {
	Peer        netip.AddrPort // the responder's IKE port
	PeerNATPort uint16         // the responder's NAT-T port; 0 = 4500
	Local       netip.Addr     // source address; invalid = the route's
	LocalID     Identity
	RemoteID    Identity // empty: no IDr sent
	PSK         []byte
	IKE         Proposal
	ESP         ESPProposal
	// RequestAddress asks for an IPv4 address, DNS servers and subnets
	// in a CFG_REQUEST; RequestAddress6 for an IPv6 address.
	RequestAddress, RequestAddress6 bool
	TSi, TSr                        []netip.Prefix // nil: 0.0.0.0/0
	Transport                       bool           // ask for transport mode (see Connection.TransportMode)
	InitialContact                  bool
	Fragmentation                   bool
	Retransmits                     []time.Duration // nil: the default back-off
	// Tunnel makes the connection carry traffic through the engine's data
	// plane, as a remote-access client: an interface "ClientN" with the
	// assigned address, routes to the responder's traffic selectors
	// through it (except one covering the responder itself, which would
	// capture the IKE and ESP packets), and the child SAs on it.
	Tunnel bool
	// EAP authenticates us with EAP instead of PSK (RFC 7296 2.16): the
	// responder signs with a certificate and EAP answers its EAP
	// requests (initiator_eap.go). One EAPClient serves one Initiate.
	EAP EAPClient
	// ResponderCAs verify the chain of the responder's certificate; nil:
	// only its signature is checked, against the certificate it sent
	// (enough for tests and load generation, not for a real client).
	ResponderCAs []*x509.Certificate
}

// NotifyError is a failure the responder reported with a notification.
type NotifyError struct{ Type wire.NotifyType }

func (e *NotifyError) Error() string { return "ike: peer answered " + e.Type.String() }

// Connection is an IKE SA we initiated, once established.
type Connection struct {
	e        *Engine
	sa       *ikeSA
	Address  netip.Addr
	Address6 netip.Prefix
	DNS      []netip.Addr
	Subnets  []netip.Prefix
	Version  string
	ChildErr error // the first child SA failed (the IKE SA is up)
}

type initiatorState struct {
	cfg      InitiatorConfig
	done     chan struct{}
	err      error
	finished bool
	conn     *Connection
	cookie   []byte
	dh       suite.DH
	childIn  uint32
	childOut uint32
	eap      *initiatorEAP // InitiatorConfig.EAP: the conversation's state
}

func (st *initiatorState) finish(err error) {
	if st.finished {
		return
	}
	st.finished, st.err = true, err
	close(st.done)
}

// Initiate sets up an IKE SA and its first child SA with a PSK and waits
// until it is established or has failed.
func (e *Engine) Initiate(ctx context.Context, c InitiatorConfig) (*Connection, error) {
	if c.PeerNATPort == 0 {
		c.PeerNATPort = 4500
	}
	local := c.Local
	if !local.IsValid() {
		conn, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(c.Peer))
		if err != nil {
			return nil, err
		}
		local = conn.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
		conn.Close()
	}
	e.stats.initiated.Add(1)
	st := &initiatorState{cfg: c, done: make(chan struct{})}
	sa := &ikeSA{e: e, initiator: true, spiI: e.newSPI(), sock: e.ike, local: netip.AddrPortFrom(local, e.ike.port),
		remote: c.Peer, state: stInitSent, created: e.now(), window: 1, ini: st}
	st.conn = &Connection{e: e, sa: sa}
	sa.mu.Lock()
	e.mu.Lock()
	e.nextSA++
	sa.tunnelID = e.nextSA
	e.bySPI[sa.spiI] = sa
	e.mu.Unlock()
	err := sa.sendInit(c.IKE.Group)
	sa.mu.Unlock()
	if err != nil {
		sa.mu.Lock()
		sa.teardown(err.Error(), false)
		sa.mu.Unlock()
		e.stats.initiatedFailed.Add(1)
		return nil, err
	}
	select {
	case <-st.done:
	case <-ctx.Done():
		sa.mu.Lock()
		st.finish(ctx.Err())
		sa.teardown("initiator gave up: "+ctx.Err().Error(), sa.state == stEstablished)
		sa.mu.Unlock()
	}
	if st.err != nil {
		e.stats.initiatedFailed.Add(1)
		return nil, st.err
	}
	e.stats.initiatedOK.Add(1)
	return st.conn, nil
}

// sendInit sends (or resends, after a cookie or INVALID_KE_PAYLOAD) the
// IKE_SA_INIT request.
func (sa *ikeSA) sendInit(group int) error {
	st := sa.ini
	dh, err := suite.NewDH(group, sa.e.rand)
	if err != nil {
		return err
	}
	st.dh, sa.group = dh, group
	if sa.nonceI == nil {
		sa.nonceI = make([]byte, 32)
		io.ReadFull(sa.e.rand, sa.nonceI)
	}
	p := st.cfg.IKE
	ts := []wire.Transform{encrTransform(p.Encr, p.EncrKeyBits), {Type: wire.TransformPRF, ID: wire.TransformID(p.PRF)}}
	if p.Integ != 0 {
		ts = append(ts, wire.Transform{Type: wire.TransformINTEG, ID: wire.TransformID(p.Integ)})
	}
	ts = append(ts, wire.Transform{Type: wire.TransformDH, ID: wire.TransformID(group)})
	for _, g := range p.MoreGroups {
		if g != group {
			ts = append(ts, wire.Transform{Type: wire.TransformDH, ID: wire.TransformID(g)})
		}
	}
	var ps []wire.Payload
	if st.cookie != nil {
		ps = append(ps, &wire.Notify{NotifyType: wire.COOKIE, Data: st.cookie})
	}
	ps = append(ps,
		&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoIKE, Transforms: ts}}},
		&wire.KE{Group: wire.TransformID(group), Data: dh.PublicKey()},
		&wire.Nonce{Data: sa.nonceI},
		&wire.Notify{NotifyType: wire.NAT_DETECTION_SOURCE_IP, Data: natHash(sa.spiI, 0, sa.local)},
		&wire.Notify{NotifyType: wire.NAT_DETECTION_DESTINATION_IP, Data: natHash(sa.spiI, 0, sa.remote)})
	if st.cfg.Fragmentation {
		ps = append(ps, &wire.Notify{NotifyType: wire.IKEV2_FRAGMENTATION_SUPPORTED})
	}
	m := &wire.Message{Header: sa.header(wire.IKE_SA_INIT, 0, false), Payloads: ps}
	b, err := m.Encode()
	if err != nil {
		return err
	}
	sa.initI = b
	if sa.pending != nil && sa.pending.timer != nil {
		sa.pending.timer.Stop()
	}
	r := &pendingReq{id: 0, exch: wire.IKE_SA_INIT, pkts: [][]byte{b}, schedule: st.cfg.Retransmits,
		onTimeout: func() { st.finish(errors.New("ike: no answer to IKE_SA_INIT")); sa.teardown("no answer", false) }}
	if r.schedule == nil {
		r.schedule = defaultRetransmits
	}
	sa.pending = r
	sa.packetDebug("Sending Packet [To %s/From %s/VRF i0:f0]", sa.remote, sa.local, m.Header, ps)
	sa.transmit(r.pkts)
	sa.armRetransmit(r)
	return nil
}

func encrTransform(id, bits int) wire.Transform {
	t := wire.Transform{Type: wire.TransformENCR, ID: wire.TransformID(id)}
	if id == suite.EncrAESCBC || id == suite.EncrAESGCM16 {
		t.Attributes = []wire.Attribute{{Type: wire.AttrKeyLength, TV: true, Value: uint16(bits)}}
	}
	return t
}

// initResponse handles the IKE_SA_INIT response.
func (sa *ikeSA) initResponse(p packet, h wire.Header) {
	st := sa.ini
	m, err := wire.Parse(p.data)
	if err != nil || h.MessageID != 0 {
		sa.e.stats.malformed.Add(1)
		return
	}
	var (
		saP   *wire.SA
		ke    *wire.KE
		nonce *wire.Nonce
	)
	for _, pl := range m.Payloads {
		switch v := pl.(type) {
		case *wire.SA:
			saP = v
		case *wire.KE:
			ke = v
		case *wire.Nonce:
			nonce = v
		case *wire.Notify:
			switch {
			case v.NotifyType == wire.COOKIE:
				st.cookie = bytes.Clone(v.Data)
				sa.sendInit(sa.group)
				return
			case v.NotifyType == wire.INVALID_KE_PAYLOAD && len(v.Data) == 2:
				g := int(binary.BigEndian.Uint16(v.Data))
				if g == sa.group {
					break
				}
				if err := sa.sendInit(g); err != nil {
					st.finish(err)
					sa.teardown(err.Error(), false)
				}
				return
			case v.NotifyType.IsError():
				st.finish(&NotifyError{v.NotifyType})
				sa.teardown("peer refused IKE_SA_INIT: "+v.NotifyType.String(), false)
				return
			case v.NotifyType == wire.IKEV2_FRAGMENTATION_SUPPORTED:
				sa.fragOK = st.cfg.Fragmentation
			}
		}
	}
	if saP == nil || len(saP.Proposals) != 1 || ke == nil || nonce == nil || h.ResponderSPI == 0 {
		sa.e.stats.malformed.Add(1)
		return
	}
	t, group := transformsOf(saP.Proposals[0])
	if group != sa.group || int(ke.Group) != group {
		st.finish(errors.New("ike: responder chose another DH group than our KE"))
		sa.teardown("bad IKE_SA_INIT response", false)
		return
	}
	gir, err := st.dh.SharedSecret(ke.Data)
	if err != nil {
		st.finish(err)
		sa.teardown("bad KE", false)
		return
	}
	sa.pending.timer.Stop()
	sa.pending = nil
	sa.packetDebug("Received Packet [From %s/To %s/VRF i0:f0]", p.from, p.to, h, m.Payloads)
	sa.spiR, sa.t, sa.nonceR, sa.initR = h.ResponderSPI, t, bytes.Clone(nonce.Data), p.data
	if err := sa.deriveKeys(gir, nil); err != nil {
		st.finish(err)
		sa.teardown("key derivation failed", false)
		return
	}
	sa.natRemote, sa.natLocal, _ = natDetected(m.Payloads, sa.spiI, sa.spiR, p.from, p.to)
	if sa.natLocal || sa.natRemote {
		// RFC 7296 2.23: float to the NAT-T port.
		sa.sock = sa.e.natt
		sa.local = netip.AddrPortFrom(sa.local.Addr(), sa.e.natt.port)
		sa.remote = netip.AddrPortFrom(sa.remote.Addr(), st.cfg.PeerNATPort)
	}
	sa.nextReq = 1
	sa.sendAuth()
}

// sendAuth sends IKE_AUTH with PSK authentication and the first child SA.
func (sa *ikeSA) sendAuth() {
	st, c := sa.ini, sa.ini.cfg
	sa.localID = identity{Type: c.LocalID.Type, Data: c.LocalID.Data}
	idi := sa.localID.payload(false)
	signed := auth.SignedOctets(sa.prf, sa.initI, sa.nonceR, sa.keys.SKpi, auth.IDBody(idi))
	ps := []wire.Payload{idi}
	if c.RemoteID.Data != nil {
		ps = append(ps, &wire.ID{Responder: true, IDType: c.RemoteID.Type, Data: c.RemoteID.Data})
	}
	if c.InitialContact {
		ps = append(ps, &wire.Notify{NotifyType: wire.INITIAL_CONTACT})
	}
	if c.EAP == nil {
		ps = append(ps, &wire.Auth{Method: wire.AuthSharedKeyMIC, Data: auth.PSK(sa.prf, c.PSK, signed)})
	} else {
		st.eap = &initiatorEAP{idi: idi} // no AUTH: we ask for EAP
	}
	if c.RequestAddress || c.RequestAddress6 {
		cp := &wire.CP{CfgType: wire.CFG_REQUEST}
		if c.RequestAddress {
			cp.Attributes = append(cp.Attributes, wire.CPAttribute{Type: wire.INTERNAL_IP4_ADDRESS},
				wire.CPAttribute{Type: wire.INTERNAL_IP4_DNS}, wire.CPAttribute{Type: wire.INTERNAL_IP4_SUBNET})
		}
		if c.RequestAddress6 {
			cp.Attributes = append(cp.Attributes, wire.CPAttribute{Type: wire.INTERNAL_IP6_ADDRESS})
		}
		cp.Attributes = append(cp.Attributes, wire.CPAttribute{Type: wire.APPLICATION_VERSION})
		ps = append(ps, cp)
	}
	if c.Transport {
		ps = append(ps, &wire.Notify{NotifyType: wire.USE_TRANSPORT_MODE})
	}
	st.childIn = sa.e.newChildSPI(sa)
	ps = append(ps, sa.espOffer(st.childIn, false), &wire.TS{Selectors: selectors(c.TSi)},
		&wire.TS{Responder: true, Selectors: selectors(c.TSr)})
	sa.state = stAuthSent
	sa.request(wire.IKE_AUTH, ps, c.Retransmits, sa.authReply, func() {
		st.finish(errors.New("ike: no answer to IKE_AUTH"))
		sa.teardown("no answer to IKE_AUTH", false)
	})
}

// espOffer is our child SA proposal with our inbound SPI.
func (sa *ikeSA) espOffer(spi uint32, pfs bool) *wire.SA {
	p := sa.ini.cfg.ESP
	ts := []wire.Transform{encrTransform(p.Encr, p.EncrKeyBits)}
	if p.Integ != 0 {
		ts = append(ts, wire.Transform{Type: wire.TransformINTEG, ID: wire.TransformID(p.Integ)})
	}
	if pfs && p.PFSGroup != 0 {
		ts = append(ts, wire.Transform{Type: wire.TransformDH, ID: wire.TransformID(p.PFSGroup)})
	}
	ts = append(ts, wire.Transform{Type: wire.TransformESN, ID: wire.ESN_NO})
	return &wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoESP,
		SPI: binary.BigEndian.AppendUint32(nil, spi), Transforms: ts}}}
}

func selectors(ps []netip.Prefix) []wire.TrafficSelector {
	if ps == nil {
		ps = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0")}
	}
	out := make([]wire.TrafficSelector, 0, len(ps))
	for _, p := range ps {
		t := wire.TrafficSelector{Type: wire.TS_IPV4_ADDR_RANGE, EndPort: 65535, Start: p.Masked().Addr(), End: lastAddr(p.Masked())}
		if p.Addr().Is6() {
			t.Type = wire.TS_IPV6_ADDR_RANGE
		}
		out = append(out, t)
	}
	return out
}

// authReply completes IKE_AUTH as initiator.
func (sa *ikeSA) authReply(h wire.Header, ps []wire.Payload) {
	st, cfg := sa.ini, sa.ini.cfg
	r := collectAuth(ps)
	if st.eap != nil {
		sa.eapAuthReply(r, ps)
		return
	}
	if r.auth == nil {
		err := orErr(notifyError(ps), errors.New("ike: IKE_AUTH response without AUTH"))
		st.finish(err)
		sa.teardown(err.Error(), false)
		return
	}
	if r.idr == nil {
		st.finish(errors.New("ike: IKE_AUTH response without IDr"))
		sa.teardown("no IDr", false)
		return
	}
	signed := auth.SignedOctets(sa.prf, sa.initR, sa.nonceI, sa.keys.SKpr, auth.IDBody(r.idr))
	if r.auth.Method != wire.AuthSharedKeyMIC || !auth.VerifyPSK(sa.prf, cfg.PSK, signed, r.auth.Data) {
		st.finish(errors.New("ike: responder's AUTH does not verify"))
		sa.teardown("responder authentication failed", true)
		return
	}
	sa.remoteID, _ = identityOf(r.idr)
	sa.authSign, sa.authVerify = "PSK", "PSK"
	sa.completeAuth(r, ps)
}

// completeAuth takes the addresses and the first child SA of the last
// IKE_AUTH response, once the responder is authenticated.
func (sa *ikeSA) completeAuth(r authRequest, ps []wire.Payload) {
	st, cfg := sa.ini, sa.ini.cfg
	sa.newSession(nil)
	conn := st.conn
	if r.cp != nil {
		for _, a := range r.cp.Attributes {
			switch {
			case a.Type == wire.INTERNAL_IP4_ADDRESS && len(a.Value) == 4:
				conn.Address = netip.AddrFrom4([4]byte(a.Value))
				sa.sess.addr4 = conn.Address
			case a.Type == wire.INTERNAL_IP6_ADDRESS && len(a.Value) == 17:
				conn.Address6 = netip.PrefixFrom(netip.AddrFrom16([16]byte(a.Value[:16])), int(a.Value[16]))
			case a.Type == wire.INTERNAL_IP4_DNS && len(a.Value) == 4:
				conn.DNS = append(conn.DNS, netip.AddrFrom4([4]byte(a.Value)))
			case a.Type == wire.INTERNAL_IP4_SUBNET && len(a.Value) == 8:
				bits := 0
				for _, b := range a.Value[4:] {
					for ; b&0x80 != 0; b <<= 1 {
						bits++
					}
				}
				conn.Subnets = append(conn.Subnets, netip.PrefixFrom(netip.AddrFrom4([4]byte(a.Value[:4])), bits))
			case a.Type == wire.APPLICATION_VERSION:
				conn.Version = string(a.Value)
			}
		}
	}
	if cfg.Tunnel && r.tsr != nil && sa.e.dp != nil {
		if err := sa.clientInterface(r.tsr.Selectors); err != nil {
			sa.e.log.Error("ike: client interface", "err", err)
			conn.ChildErr = err
		}
	}
	if r.sa != nil && len(r.sa.Proposals) == 1 && len(r.sa.Proposals[0].SPI) == 4 && r.tsi != nil && r.tsr != nil {
		c := sa.initiatorChild(st.childIn, r.sa.Proposals[0], r.tsi, r.tsr, nil, sa.nonceI, sa.nonceR, childMode(cfg.Transport, r.transport))
		if c == nil {
			conn.ChildErr = errors.New("ike: installing the child SA failed")
		}
	} else {
		sa.e.releaseChildSPI(st.childIn)
		conn.ChildErr = orErr(notifyError(ps), errors.New("ike: no child SA"))
	}
	sa.established(false)
	st.finish(nil)
}

// childMode is the mode of a child SA we asked for: transport when we
// asked for it and the responder's answer carries USE_TRANSPORT_MODE
// too (RFC 7296 section 1.3.1), tunnel otherwise.
func childMode(asked, answered bool) dataplane.Mode {
	if asked && answered {
		return dataplane.Transport
	}
	return dataplane.Tunnel
}

// hasTransportMode says whether a response carries USE_TRANSPORT_MODE.
func hasTransportMode(ps []wire.Payload) bool {
	for _, p := range ps {
		if n, ok := p.(*wire.Notify); ok && n.NotifyType == wire.USE_TRANSPORT_MODE {
			return true
		}
	}
	return false
}

// initiatorChild records and installs a child SA the responder accepted.
func (sa *ikeSA) initiatorChild(in uint32, chosen wire.Proposal, tsi, tsr *wire.TS, gir, ni, nr []byte, mode dataplane.Mode) *childSA {
	t, _ := transformsOf(chosen)
	c := &childSA{inSPI: in, outSPI: binary.BigEndian.Uint32(chosen.SPI), t: t, mode: mode, localTS: tsi.Selectors,
		remoteTS: tsr.Selectors, created: sa.e.now(), lifetime: time.Hour, replayWindow: 64}
	keys, err := suite.DeriveChildKeys(sa.prf, sa.keys.SKd, t, gir, ni, nr)
	if err != nil {
		sa.e.releaseChildSPI(in)
		return nil
	}
	if err := sa.install(c, keys, nil, true); err != nil {
		sa.e.releaseChildSPI(in)
		return nil
	}
	sa.children = append(sa.children, c)
	return c
}

// clientInterface sets up the data plane of a tunnel we initiated
// (InitiatorConfig.Tunnel).
func (sa *ikeSA) clientInterface(remoteTS []wire.TrafficSelector) error {
	s, dp := sa.sess, sa.e.dp
	name := fmt.Sprintf("Client%d", s.id)
	spec := dataplane.InterfaceSpec{Name: name, TunnelSource: sa.local.Addr(), TunnelDestination: sa.remote.Addr()}
	if s.addr4.IsValid() {
		spec.Addresses = append(spec.Addresses, netip.PrefixFrom(s.addr4, 32))
	}
	if err := dp.EnsureInterface(spec); err != nil {
		return err
	}
	s.vaccess, s.client = name, true
	var routes []dataplane.Route
	for _, t := range remoteTS {
		p := tsPrefix(t)
		if !p.IsValid() || p.Contains(sa.remote.Addr()) {
			continue
		}
		routes = append(routes, dataplane.Route{Prefix: p.Masked(), Interface: name})
	}
	return dp.SetRoutes("", name, routes)
}

// Local and Remote are the IKE SA's current endpoints.
func (c *Connection) Local() netip.AddrPort {
	c.sa.mu.Lock()
	defer c.sa.mu.Unlock()
	return c.sa.local
}

// SPIs are the IKE SA's current SPIs (they change with an IKE rekey).
func (c *Connection) SPIs() (initiator, responder uint64) {
	c.sa.mu.Lock()
	defer c.sa.mu.Unlock()
	return c.sa.spiI, c.sa.spiR
}

// TransportMode says whether the first child SA runs in transport mode.
// InitiatorConfig.Transport asks for it (USE_TRANSPORT_MODE, RFC 7296
// section 1.3.1) for the traffic between the two IKE endpoints, which
// TSi and TSr should then cover; a responder that declines gives a
// tunnel-mode child, used as such. RekeyChild asks for the mode the child
// has.
func (c *Connection) TransportMode() bool {
	c.sa.mu.Lock()
	defer c.sa.mu.Unlock()
	return len(c.sa.children) > 0 && c.sa.children[0].mode == dataplane.Transport
}

// Children lists the child SAs' inbound and outbound SPIs.
func (c *Connection) Children() [][2]uint32 {
	c.sa.mu.Lock()
	defer c.sa.mu.Unlock()
	var out [][2]uint32
	for _, ch := range c.sa.children {
		out = append(out, [2]uint32{ch.inSPI, ch.outSPI})
	}
	return out
}

// exchange runs one request on the connection's SA and waits for the
// answer.
func (c *Connection) exchange(ctx context.Context, build func(sa *ikeSA) (wire.ExchangeType, []wire.Payload, func(wire.Header, []wire.Payload) error)) error {
	done := make(chan error, 1)
	sa := c.sa
	sa.mu.Lock()
	if sa.state != stEstablished {
		sa.mu.Unlock()
		return errors.New("ike: SA not established")
	}
	exch, ps, onReply := build(sa)
	sa.request(exch, ps, []time.Duration{time.Second, 2 * time.Second, 4 * time.Second},
		func(h wire.Header, ps []wire.Payload) { done <- onReply(h, ps) },
		func() { done <- errors.New("ike: no answer") })
	sa.mu.Unlock()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Close deletes the IKE SA (and its children) at the peer and here.
func (c *Connection) Close(ctx context.Context) error {
	return c.exchange(ctx, func(sa *ikeSA) (wire.ExchangeType, []wire.Payload, func(wire.Header, []wire.Payload) error) {
		return wire.INFORMATIONAL, []wire.Payload{&wire.Delete{Protocol: wire.ProtoIKE}}, func(wire.Header, []wire.Payload) error {
			sa.teardown("closed by the initiator", false)
			return nil
		}
	})
}

// Ping sends an empty INFORMATIONAL request (a liveness check).
func (c *Connection) Ping(ctx context.Context) error {
	return c.exchange(ctx, func(sa *ikeSA) (wire.ExchangeType, []wire.Payload, func(wire.Header, []wire.Payload) error) {
		return wire.INFORMATIONAL, nil, func(wire.Header, []wire.Payload) error { return nil }
	})
}

// RekeyChild rekeys the first child SA (with PFS when the ESP proposal
// names a group) and deletes the old one, make-before-break.
func (c *Connection) RekeyChild(ctx context.Context) error {
	var ni []byte
	var dh suite.DH
	var newIn uint32
	err := c.exchange(ctx, func(sa *ikeSA) (wire.ExchangeType, []wire.Payload, func(wire.Header, []wire.Payload) error) {
		old := sa.children[0]
		ni = make([]byte, 32)
		io.ReadFull(sa.e.rand, ni)
		newIn = sa.e.newChildSPI(sa)
		ps := []wire.Payload{sa.espOffer(newIn, true), &wire.Nonce{Data: ni}}
		if g := sa.ini.cfg.ESP.PFSGroup; g != 0 {
			dh, _ = suite.NewDH(g, sa.e.rand)
			ps = append(ps, &wire.KE{Group: wire.TransformID(g), Data: dh.PublicKey()})
		}
		ps = append(ps, &wire.TS{Selectors: old.localTS}, &wire.TS{Responder: true, Selectors: old.remoteTS},
			&wire.Notify{NotifyType: wire.REKEY_SA, Protocol: wire.ProtoESP, SPI: binary.BigEndian.AppendUint32(nil, old.inSPI)})
		// The rekeyed child asks for the mode the old one has (RFC 7296
		// section 1.3.3).
		transport := old.mode == dataplane.Transport
		if transport {
			ps = append(ps, &wire.Notify{NotifyType: wire.USE_TRANSPORT_MODE})
		}
		return wire.CREATE_CHILD_SA, ps, func(h wire.Header, ps []wire.Payload) error {
			prop, nr, gir, tsi, tsr, err := childResponse(ps, dh)
			var notify *NotifyError
			if errors.As(err, &notify) {
				sa.e.releaseChildSPI(newIn)
			}
			if err != nil {
				return err
			}
			if tsi == nil || tsr == nil {
				return errors.New("ike: malformed CREATE_CHILD_SA response")
			}
			if sa.initiatorChild(newIn, prop, tsi, tsr, gir, ni, nr, childMode(transport, hasTransportMode(ps))) == nil {
				return errors.New("ike: installing the rekeyed child failed")
			}
			for i, ch := range sa.children {
				if ch == old {
					sa.children = append(sa.children[:i], sa.children[i+1:]...)
					break
				}
			}
			sa.removeChild(old)
			sa.request(wire.INFORMATIONAL, []wire.Payload{deleteESP(old.inSPI)}, nil, nil, nil)
			return nil
		}
	})
	return err
}

// RekeyIKE rekeys the IKE SA; the connection moves to the new SA and the
// old one is deleted.
func (c *Connection) RekeyIKE(ctx context.Context) error {
	var n *ikeSA
	err := c.exchange(ctx, func(sa *ikeSA) (wire.ExchangeType, []wire.Payload, func(wire.Header, []wire.Payload) error) {
		ni := make([]byte, 32)
		io.ReadFull(sa.e.rand, ni)
		newSPI := sa.e.newSPI()
		p := sa.ini.cfg.IKE
		dh, _ := suite.NewDH(p.Group, sa.e.rand)
		ts := []wire.Transform{encrTransform(p.Encr, p.EncrKeyBits), {Type: wire.TransformPRF, ID: wire.TransformID(p.PRF)}}
		if p.Integ != 0 {
			ts = append(ts, wire.Transform{Type: wire.TransformINTEG, ID: wire.TransformID(p.Integ)})
		}
		ts = append(ts, wire.Transform{Type: wire.TransformDH, ID: wire.TransformID(p.Group)})
		ps := []wire.Payload{&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoIKE,
			SPI: binary.BigEndian.AppendUint64(nil, newSPI), Transforms: ts}}},
			&wire.Nonce{Data: ni}, &wire.KE{Group: wire.TransformID(p.Group), Data: dh.PublicKey()}}
		return wire.CREATE_CHILD_SA, ps, func(h wire.Header, ps []wire.Payload) error {
			var saP *wire.SA
			var nr []byte
			var ke *wire.KE
			for _, pl := range ps {
				switch v := pl.(type) {
				case *wire.SA:
					saP = v
				case *wire.Nonce:
					nr = v.Data
				case *wire.KE:
					ke = v
				case *wire.Notify:
					if v.NotifyType.IsError() {
						return &NotifyError{v.NotifyType}
					}
				}
			}
			if saP == nil || ke == nil || nr == nil || len(saP.Proposals) != 1 || len(saP.Proposals[0].SPI) != 8 {
				return errors.New("ike: malformed IKE rekey response")
			}
			gir, err := dh.SharedSecret(ke.Data)
			if err != nil {
				return err
			}
			e := sa.e
			t, group := transformsOf(saP.Proposals[0])
			n = &ikeSA{e: e, initiator: true, spiI: newSPI, spiR: binary.BigEndian.Uint64(saP.Proposals[0].SPI),
				sock: sa.sock, local: sa.local, remote: sa.remote, created: e.now(), t: t, group: group, window: 1,
				nonceI: ni, nonceR: nr, natLocal: sa.natLocal, natRemote: sa.natRemote, fragOK: sa.fragOK,
				localID: sa.localID, remoteID: sa.remoteID, authSign: sa.authSign, authVerify: sa.authVerify,
				tunnelID: sa.tunnelID, connID: sa.connID, ini: sa.ini, state: stEstablished, up: e.now(),
				lastHeard: e.now(), lifetime: sa.lifetime}
			if err := n.deriveKeys(gir, sa.keys.SKd); err != nil {
				return err
			}
			n.nonceI, n.nonceR = nil, nil
			n.sess, n.children = sa.sess, sa.children
			sa.sess, sa.children, sa.ini = nil, nil, nil
			e.mu.Lock()
			e.bySPI[n.spiI] = n
			if n.sess != nil {
				e.sessions[n.sess.id] = n
			}
			for _, ch := range n.children {
				e.childSPIs[ch.inSPI] = n
			}
			e.mu.Unlock()
			e.stats.ikeRekeys.Add(1)
			// Delete the old IKE SA; it owns nothing any more.
			sa.request(wire.INFORMATIONAL, []wire.Payload{&wire.Delete{Protocol: wire.ProtoIKE}}, nil,
				func(wire.Header, []wire.Payload) { sa.teardown("rekeyed", false) },
				func() { sa.teardown("rekeyed (delete unanswered)", false) })
			return nil
		}
	})
	if err == nil && n != nil {
		c.sa = n
	}
	return err
}

// String describes the connection for logs.
func (c *Connection) String() string {
	i, r := c.SPIs()
	return fmt.Sprintf("IKE SA %016X/%016X address %s", i, r, c.Address)
}
