package ike

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
	"github.com/gatehouse-vpn/gatehouse/services/pool"
	"github.com/gatehouse-vpn/gatehouse/services/session"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// sessionState is what an authenticated IKE SA holds beyond the SA: the
// session number, its addresses and its virtual-access interface.
type sessionState struct {
	id    int
	owner string // pool owner key
	// flowLimit is the ipsec flow-limit from authorization (-1: none).
	flowLimit int
	addr4     netip.Addr
	addr6     netip.Prefix
	vaccess   string
	ivrf      string
	client    bool // vaccess is our own client interface, not a template clone
	// ifConfig are the AAA interface-config lines for the virtual-access
	// interface, in the order the authorizations were merged.
	ifConfig []string
	// localRoutes are the networks behind the peer ("route set local",
	// ipsec:route-set=local): static routes over its interface.
	localRoutes []LocalRoute
	// sessionTimeout ends the session (RADIUS Session-Timeout); 0: none.
	sessionTimeout time.Duration
	sessionTimer   *time.Timer
	final          dataplane.Counters // the interface's counters when the session ended
}

// newSession numbers the session (IOS numbers sessions from 1), once:
// EAP and AAA pre-shared keys number it early, for the audit-session-id
// of their RADIUS requests, and authorization completes it.
func (sa *ikeSA) newSession(attrs *Attributes) {
	e := sa.e
	if sa.sess == nil {
		e.mu.Lock()
		e.nextSess++
		id := e.nextSess
		e.nextConn++
		sa.connID = e.nextConn
		e.mu.Unlock()
		sa.sess = &sessionState{id: id, owner: fmt.Sprintf("ikev2:%d", id), flowLimit: -1}
		// IPv6 endpoints have none (session.AuditSessionID says why).
		sa.aaa.auditID, _ = session.AuditSessionID(sa.local, sa.remote, uint32(id))
	}
	if attrs != nil && attrs.FlowLimit != nil {
		sa.sess.flowLimit = *attrs.FlowLimit
	}
	if attrs != nil {
		sa.sess.ifConfig = attrs.InterfaceConfig
		sa.sess.sessionTimeout = attrs.SessionTimeout
		sa.sess.localRoutes = attrs.LocalRoutes
	}
	if sa.profile != nil {
		sa.sess.ivrf = sa.profile.IVRF
	}
}

// configReply assigns addresses and builds CFG_REPLY from the request and
// the authorization attributes.
func (sa *ikeSA) configReply(req *wire.CP, a *Attributes) (*wire.CP, error) {
	var want4, want6, wantVersion bool
	var requested netip.Addr
	for _, at := range req.Attributes {
		switch at.Type {
		case wire.INTERNAL_IP4_ADDRESS:
			want4 = true
			if len(at.Value) == 4 {
				if r := netip.AddrFrom4([4]byte(at.Value)); !r.IsUnspecified() {
					requested = r
				}
			}
		case wire.INTERNAL_IP6_ADDRESS:
			want6 = true
		case wire.APPLICATION_VERSION:
			wantVersion = true
		}
	}
	reply := &wire.CP{CfgType: wire.CFG_REPLY}
	add := func(t wire.CPAttributeType, v []byte) {
		reply.Attributes = append(reply.Attributes, wire.CPAttribute{Type: t, Value: v})
	}
	s := sa.sess
	if want4 {
		switch {
		case a.FramedIP.IsValid():
			s.addr4 = a.FramedIP
		case a.Pool != "" && sa.e.opt.Pools != nil:
			addr, err := sa.e.opt.Pools.Allocate(a.Pool, requested, s.owner)
			if errors.Is(err, pool.ErrInUse) {
				addr, err = sa.e.opt.Pools.Allocate(a.Pool, netip.Addr{}, s.owner)
			}
			if err != nil {
				return nil, fmt.Errorf("pool %s: %w", a.Pool, err)
			}
			s.addr4 = addr
		default:
			return nil, errors.New("the client asked for an IPv4 address and no pool is configured for it")
		}
		add(wire.INTERNAL_IP4_ADDRESS, s.addr4.AsSlice())
		if a.Netmask.IsValid() {
			add(wire.INTERNAL_IP4_NETMASK, a.Netmask.AsSlice())
		}
	}
	if want6 && a.IPv6Pool != "" && sa.e.opt.Pools != nil {
		p, err := sa.e.opt.Pools.AllocateIPv6(a.IPv6Pool, s.owner)
		if err != nil {
			return nil, fmt.Errorf("ipv6 pool %s: %w", a.IPv6Pool, err)
		}
		s.addr6 = p
		add(wire.INTERNAL_IP6_ADDRESS, append(p.Addr().AsSlice(), byte(p.Bits())))
	}
	for _, d := range a.DNS {
		if d.Is4() {
			add(wire.INTERNAL_IP4_DNS, d.AsSlice())
		}
	}
	for _, d := range a.IPv6DNS {
		add(wire.INTERNAL_IP6_DNS, d.AsSlice())
	}
	for _, w := range a.WINS {
		add(wire.INTERNAL_IP4_NBNS, w.AsSlice())
	}
	for _, p := range a.Subnets {
		if p.Addr().Is4() {
			mask := binary.BigEndian.AppendUint32(nil, ^uint32(0)<<(32-p.Bits()))
			if p.Bits() == 0 {
				mask = []byte{0, 0, 0, 0}
			}
			add(wire.INTERNAL_IP4_SUBNET, append(p.Addr().AsSlice(), mask...))
		} else {
			add(wire.INTERNAL_IP6_SUBNET, append(p.Addr().AsSlice(), byte(p.Bits())))
		}
	}
	if a.DefaultDomain != "" {
		add(wire.INTERNAL_DNS_DOMAIN, []byte(a.DefaultDomain))
	}
	if a.Banner != "" {
		add(wire.UNITY_BANNER, []byte(a.Banner))
	}
	if wantVersion {
		add(wire.APPLICATION_VERSION, []byte(sa.e.opt.Version))
	}
	return reply, nil
}

// cloneVirtualAccess gives the session its Virtual-Access interface, cloned
// from the profile's virtual template, with the access route to the
// client's address.
func (sa *ikeSA) cloneVirtualAccess() error {
	p, s, e := sa.profile, sa.sess, sa.e
	if p.VirtualTemplate == 0 || e.vt == nil {
		return nil
	}
	va, err := e.vt.Clone(vtemplate.Request{Template: p.VirtualTemplate, Owner: s.owner, VRF: p.IVRF,
		TunnelSource: sa.local.Addr(), TunnelDestination: sa.remote.Addr(), ModeAuto: p.VirtualTemplateModeAuto,
		InnerIPv6: s.addr6.IsValid() && !s.addr4.IsValid(), User: s.ifConfig})
	if err != nil {
		return err
	}
	s.vaccess, s.ivrf = va.Name, va.Spec.VRF
	var routes []dataplane.Route
	if s.addr4.IsValid() {
		routes = append(routes, dataplane.Route{Prefix: netip.PrefixFrom(s.addr4, 32), Interface: s.vaccess})
	}
	if s.addr6.IsValid() {
		routes = append(routes, dataplane.Route{Prefix: s.addr6, Interface: s.vaccess})
	}
	for _, r := range s.localRoutes {
		routes = append(routes, dataplane.Route{Prefix: r.Prefix, NextHop: r.NextHop, Interface: s.vaccess, Tag: uint32(r.Tag), Distance: r.Distance})
	}
	if len(routes) > 0 {
		return e.dp.SetRoutes(s.ivrf, s.vaccess, routes)
	}
	return nil
}

// established makes the SA a live session: timers, the session table and
// INITIAL_CONTACT.
func (sa *ikeSA) established(initialContact bool) {
	e := sa.e
	sa.state = stEstablished
	sa.up = e.now()
	sa.lastHeard = sa.up
	if sa.halfOpenTimer != nil {
		sa.halfOpenTimer.Stop()
		sa.halfOpenTimer = nil
	}
	sa.initI, sa.initR, sa.dh, sa.nonceI, sa.nonceR = nil, nil, nil, nil, nil
	var stale []*ikeSA
	e.mu.Lock()
	if sa.halfKey != nil && e.halfOpen[*sa.halfKey] == sa {
		delete(e.halfOpen, *sa.halfKey)
		e.nHalfOpen.Add(-1)
	}
	sa.halfKey = nil
	if initialContact {
		for _, other := range e.sessions {
			if other != sa {
				stale = append(stale, other)
			}
		}
	}
	e.sessions[sa.sess.id] = sa
	e.mu.Unlock()
	e.stats.established.Add(1)
	life := time.Duration(schema.DefaultIKEv2Lifetime) * time.Second
	if sa.profile != nil && sa.profile.Lifetime > 0 {
		life = time.Duration(sa.profile.Lifetime) * time.Second
	}
	sa.lifetime = life
	sa.armLifetime()
	sa.armDPD()
	sa.armKeepalive()
	sa.debugf("Session with IKE ID PAIR (%s, %s) is UP", sa.remoteID, sa.localID)
	if e.opt.Logger != nil {
		e.log.Info("ike: session up", "session", sa.sess.id, "peer", sa.remote, "id", sa.remoteID.String(),
			"address", sa.sess.addr4, "interface", sa.sess.vaccess)
	}
	sa.sessionUp()
	if sa.sess != nil && sa.sess.sessionTimeout > 0 {
		sa.armSessionTimeout(sa.sess.sessionTimeout)
	}
	// INITIAL_CONTACT: the peer lost its state; its older SAs under the
	// same identity go, silently (RFC 7296 2.4).
	for _, other := range stale {
		other.mu.Lock()
		if other.state == stEstablished && other.profile == sa.profile && other.remoteID.Type == sa.remoteID.Type &&
			slices.Equal(other.remoteID.Data, sa.remoteID.Data) {
			other.end(CauseLostCarrier, "INITIAL_CONTACT from a new SA of the same peer", false)
		}
		other.mu.Unlock()
	}
}

// armSessionTimeout ends the session after d (RADIUS Session-Timeout,
// from the Access-Accept or a CoA), whatever its rekeys.
func (sa *ikeSA) armSessionTimeout(d time.Duration) {
	if sa.sess.sessionTimer != nil {
		sa.sess.sessionTimer.Stop()
	}
	id := sa.sess.id
	sa.sess.sessionTimer = time.AfterFunc(d, func() {
		// The session may have moved to a new IKE SA in a rekey.
		sa.e.mu.RLock()
		cur := sa.e.sessions[id]
		sa.e.mu.RUnlock()
		if cur == nil {
			return
		}
		cur.mu.Lock()
		defer cur.mu.Unlock()
		cur.debugf("Session-Timeout of %s expired", d)
		cur.end(CauseSessionTimeout, "RADIUS Session-Timeout expired", true)
	})
}

// armLifetime deletes the IKE SA when its lifetime passes without a rekey.
func (sa *ikeSA) armLifetime() {
	if sa.lifeTimer != nil {
		sa.lifeTimer.Stop()
	}
	sa.lifeTimer = sa.after(sa.lifetime, func() {
		sa.e.stats.lifetimeExpired.Add(1)
		sa.end(CauseSessionTimeout, "IKE SA lifetime expired without a rekey", true)
	})
}

// teardown ends the SA and its session: the data plane state, the
// addresses and the interface go, the tables forget it. notify sends an
// INFORMATIONAL delete to the peer first (best effort, not retransmitted).
func (sa *ikeSA) teardown(reason string, notify bool) {
	if sa.state == stDead {
		return
	}
	e := sa.e
	if notify && sa.state == stEstablished && sa.out != nil {
		hdr := sa.header(wire.INFORMATIONAL, sa.nextReq, false)
		sa.nextReq++
		if pkts, err := sa.protect(hdr, []wire.Payload{&wire.Delete{Protocol: wire.ProtoIKE}}); err == nil {
			sa.packetDebug("Sending Packet [To %s/From %s/VRF i0:f0]", sa.remote, sa.local, hdr, []wire.Payload{&wire.Delete{Protocol: wire.ProtoIKE}})
			sa.transmit(pkts)
		}
	}
	wasUp := sa.state == stEstablished
	sa.state = stDead
	for _, t := range []*time.Timer{sa.halfOpenTimer, sa.lifeTimer, sa.dpdTimer, sa.keepaliveTimer} {
		if t != nil {
			t.Stop()
		}
	}
	if sa.pending != nil && sa.pending.timer != nil {
		sa.pending.timer.Stop()
	}
	if sa.eap != nil {
		sa.eap.abandon()
	}
	e.mu.Lock()
	if e.bySPI[sa.ourSPI()] == sa {
		delete(e.bySPI, sa.ourSPI())
	}
	if sa.halfKey != nil && e.halfOpen[*sa.halfKey] == sa {
		delete(e.halfOpen, *sa.halfKey)
		e.nHalfOpen.Add(-1)
	}
	e.mu.Unlock()
	s := sa.sess
	for _, c := range sa.children {
		sa.removeChild(c)
	}
	sa.children = nil
	if s != nil {
		if wasUp && s.vaccess != "" && e.dp != nil {
			// Accounting's stop record needs them; the interface goes next.
			s.final, _ = e.dp.Counters(s.vaccess)
		}
		if e.opt.Pools != nil && (s.addr4.IsValid() || s.addr6.IsValid()) {
			e.opt.Pools.ReleaseOwner(s.owner)
		}
		if s.vaccess != "" && e.dp != nil {
			e.dp.SetRoutes(s.ivrf, s.vaccess, nil)
			remove := e.vt.Remove
			if s.client {
				remove = e.dp.RemoveInterface
			}
			if err := remove(s.vaccess); err != nil {
				e.log.Warn("ike: removing the virtual-access interface", "interface", s.vaccess, "err", err)
			}
		}
		// The session leaves the table only once its address and
		// interface are free, so that an empty table means a clean box.
		e.mu.Lock()
		if e.sessions[s.id] == sa {
			delete(e.sessions, s.id)
		}
		e.mu.Unlock()
	}
	if wasUp {
		e.stats.deleted.Add(1)
		sa.sessionDown()
	}
	sa.debugf("Deleting SA: %s", reason)
	if s != nil {
		e.log.Info("ike: session down", "session", s.id, "peer", sa.remote, "reason", reason)
	}
	if sa.ini != nil {
		sa.ini.finish(fmt.Errorf("ike: SA deleted: %s", reason))
	}
}

// SessionCount is the number of established sessions.
func (e *Engine) SessionCount() int {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return len(e.sessions)
}

// HalfOpen is the number of SAs waiting for IKE_AUTH.
func (e *Engine) HalfOpen() int { return int(e.nHalfOpen.Load()) }

// Sessions lists the crypto session table, established sessions by
// session ID and then the SAs still negotiating.
func (e *Engine) Sessions() []session.Session {
	e.mu.RLock()
	sas := make([]*ikeSA, 0, len(e.sessions)+len(e.halfOpen))
	for _, sa := range e.sessions {
		sas = append(sas, sa)
	}
	for _, sa := range e.halfOpen {
		sas = append(sas, sa)
	}
	e.mu.RUnlock()
	out := make([]session.Session, 0, len(sas))
	for _, sa := range sas {
		sa.mu.Lock()
		if sa.state != stDead {
			out = append(out, sa.snapshot())
		}
		sa.mu.Unlock()
	}
	slices.SortFunc(out, func(a, b session.Session) int {
		if (a.ID == 0) != (b.ID == 0) {
			if a.ID == 0 {
				return 1
			}
			return -1
		}
		if a.ID != b.ID {
			return a.ID - b.ID
		}
		return a.IKE.TunnelID - b.IKE.TunnelID
	})
	return out
}

// snapshot renders the SA for show commands (mu held).
func (sa *ikeSA) snapshot() session.Session {
	now := sa.e.now()
	ike := &session.IKESA{TunnelID: sa.tunnelID, ConnID: sa.connID, Local: sa.local, Remote: sa.remote,
		DHGroup: sa.group, AuthSign: sa.authSign, AuthVerify: sa.authVerify, Lifetime: sa.lifetime,
		LocalSPI: sa.ourSPI(), RemoteSPI: sa.spiI, LocalID: sa.localID.String(), RemoteID: sa.remoteID.String(),
		Status: session.IKENegotiating}
	if sa.initiator {
		ike.RemoteSPI = sa.spiR
	}
	ike.Encr, ike.KeySize, ike.PRF, ike.Hash = displayNames(sa.t)
	s := session.Session{Peer: sa.remote, Status: session.DownNegotiating, IKE: ike}
	if sa.profile != nil {
		s.Profile = sa.profile.Name
	}
	if sa.localID.Data == nil {
		ike.LocalID = ""
	}
	if sa.remoteID.Data == nil {
		ike.RemoteID = ""
	}
	ike.RemoteEAPID, s.Username = sa.aaa.eapID, sa.aaa.user
	if sa.sess != nil {
		s.ID, ike.SessionID = sa.sess.id, sa.sess.id
		s.Interface = sa.sess.vaccess
		s.IVRF, ike.IVRF = sa.sess.ivrf, sa.sess.ivrf
	}
	if sa.state == stEstablished {
		ike.Status = session.IKEReady
		ike.Active = now.Sub(sa.up).Truncate(time.Second)
		s.Uptime = ike.Active
		s.Status = session.UpIdle
		ike.Caps = session.CapConfigMode
		if sa.natLocal || sa.natRemote {
			ike.Caps |= session.CapNATT
		}
		if sa.natLocal && sa.natKeepalive() > 0 {
			ike.Caps |= session.CapKeepalives
		}
		if sa.dpdConfig() != nil {
			ike.Caps |= session.CapDPD
		}
		if sa.fragOK {
			ike.Caps |= session.CapFragmentation
		}
	}
	for _, c := range sa.children {
		s.Status = session.UpActive
		s.Flows = append(s.Flows, c.flows()...)
		s.Children = append(s.Children, c.snapshot(sa, now))
	}
	return s
}

// displayNames are IOS's names of the IKE SA's algorithms.
func displayNames(t suite.Transforms) (encr string, keySize int, prf, hash string) {
	switch t.Encr {
	case 3:
		encr = "3DES"
	case 12:
		encr, keySize = "AES-CBC", t.EncrKeyBits
	case 20:
		encr, keySize = "AES-GCM", t.EncrKeyBits
	case 28:
		encr, keySize = "CHACHA20-POLY1305", 256
	}
	prf = map[int]string{2: "SHA1", 5: "SHA256", 6: "SHA384", 7: "SHA512"}[t.PRF]
	hash = map[int]string{0: "None", 2: "SHA96", 12: "SHA256", 13: "SHA384", 14: "SHA512"}[t.Integ]
	return
}

// Clear implements "clear crypto session" and "clear crypto ikev2 sa":
// matching SAs are deleted (the peer is told) and their sessions torn
// down. "clear crypto ikev2 stats" zeroes the counters. It returns the
// number of SAs deleted.
func (e *Engine) Clear(req session.ClearRequest) int {
	if req.Stats {
		e.stats.reset()
		return 0
	}
	e.mu.RLock()
	var sas []*ikeSA
	for _, sa := range e.bySPI {
		sas = append(sas, sa)
	}
	e.mu.RUnlock()
	n := 0
	for _, sa := range sas {
		sa.mu.Lock()
		match := sa.state != stDead &&
			(!req.Remote.IsValid() || sa.remote.Addr() == req.Remote) &&
			(!req.Local.IsValid() || sa.local.Addr() == req.Local) &&
			(!req.HasFVRF || sa.fvrf == req.FVRF)
		if match {
			what := "clear crypto session"
			if req.IKE {
				what = "clear crypto ikev2 sa"
			}
			sa.end(CauseAdminReset, what, true)
			n++
		}
		sa.mu.Unlock()
	}
	return n
}

// IKEv2Stats fills "show crypto ikev2 stats".
func (e *Engine) IKEv2Stats() session.IKEv2Stats {
	st := e.Stats()
	var out session.IKEv2Stats
	e.mu.RLock()
	for _, sa := range e.bySPI {
		// Reading state without the SA lock: a counter may be one off.
		if sa.initiator {
			out.OutSAs++
		} else {
			out.InSAs++
		}
	}
	e.mu.RUnlock()
	out.InNego = st.HalfOpen
	out.InActive = out.InSAs - out.InNego
	if out.InActive < 0 {
		out.InActive = 0
	}
	out.OutActive = int(st.InitiatedOK)
	if out.OutActive > out.OutSAs {
		out.OutActive = out.OutSAs
	}
	out.OutNego = out.OutSAs - out.OutActive
	out.InRequests = st.InitRequests
	out.InRejected = st.NoProposal + st.InvalidKE + st.RejectedInNegotiation + st.RejectedMaxSA + st.AuthFailed
	if st.InitRequests > out.InRejected {
		out.InAccepted = st.InitRequests - out.InRejected
	}
	out.OutRequests, out.OutAccepted, out.OutRejected = st.Initiated, st.InitiatedOK, st.InitiatedFailed
	out.Rejected = out.InRejected
	out.RejectedSALimit = st.RejectedMaxSA + st.RejectedInNegotiation
	out.DroppedAtDispatch = st.Malformed + st.UnknownSPI + st.IntegrityFailures
	out.DroppedLowQ = st.Dropped
	out.CookieChallenged, out.CookieAccepted, out.CookieRejected = st.CookiesSent, st.CookiesAccepted, st.CookiesRejected
	out.CookieRejectedNoCookie = st.CookiesSent - st.CookiesRejected
	return out
}

// session returns the live SA of a session number, or nil.
func (e *Engine) session(id int) *ikeSA {
	e.mu.RLock()
	defer e.mu.RUnlock()
	return e.sessions[id]
}

// ClearSession deletes one session (IKE DELETE sent), as a RADIUS
// Disconnect-Request asks; it reports whether the session was live.
func (e *Engine) ClearSession(id int, cause TerminateCause) bool {
	sa := e.session(id)
	if sa == nil {
		return false
	}
	sa.mu.Lock()
	defer sa.mu.Unlock()
	if sa.state != stEstablished {
		return false
	}
	sa.debugf("Delete all IKE SAs")
	sa.end(cause, "RADIUS Disconnect-Request", true)
	return true
}

// ApplyInterfaceConfig applies interface-config lines to a session's
// virtual-access interface (RADIUS CoA).
func (e *Engine) ApplyInterfaceConfig(id int, lines []string) error {
	name, err := e.sessionVAccess(id)
	if err != nil {
		return err
	}
	re, ok := e.vt.(interface{ Reapply(string, []string) error })
	if !ok {
		return errors.New("the virtual-template service cannot reapply configuration")
	}
	return re.Reapply(name, lines)
}

// ApplySessionACLs installs per-session access lists on a session's
// virtual-access interface with the interface-config lines that apply
// them (RADIUS CoA inacl/outacl), all or none.
func (e *Engine) ApplySessionACLs(id int, lines []string, acls []*schema.ACL) error {
	name, err := e.sessionVAccess(id)
	if err != nil {
		return err
	}
	re, ok := e.vt.(interface {
		ApplySessionACLs(string, []string, []*schema.ACL) error
	})
	if !ok {
		return errors.New("the virtual-template service cannot apply per-session access lists")
	}
	return re.ApplySessionACLs(name, lines, acls)
}

// sessionVAccess is the virtual-access interface of a responder session.
func (e *Engine) sessionVAccess(id int) (string, error) {
	sa := e.session(id)
	if sa == nil {
		return "", fmt.Errorf("session %d not found", id)
	}
	sa.mu.Lock()
	name := ""
	if sa.sess != nil && !sa.sess.client {
		name = sa.sess.vaccess
	}
	sa.mu.Unlock()
	if name == "" {
		return "", fmt.Errorf("session %d has no virtual-access interface", id)
	}
	return name, nil
}

// SetSessionTimeout ends a session seconds from now (RADIUS CoA
// Session-Timeout).
func (e *Engine) SetSessionTimeout(id int, seconds uint32) error {
	sa := e.session(id)
	if sa == nil {
		return fmt.Errorf("session %d not found", id)
	}
	sa.mu.Lock()
	defer sa.mu.Unlock()
	if sa.state != stEstablished || sa.sess == nil {
		return fmt.Errorf("session %d is not up", id)
	}
	sa.armSessionTimeout(time.Duration(seconds) * time.Second)
	return nil
}
