package ike

import (
	"bytes"
	"encoding/binary"
	"io"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/negotiate"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// handleCreateChild answers CREATE_CHILD_SA (RFC 7296 1.3): a new or
// rekeyed child SA, or a rekey of the IKE SA itself.
func (sa *ikeSA) handleCreateChild(h wire.Header, ps []wire.Payload) {
	var (
		offer    *wire.SA
		ni       *wire.Nonce
		ke       *wire.KE
		tsi, tsr *wire.TS
		rekeySPI []byte
		trans    bool
	)
	for _, p := range ps {
		switch v := p.(type) {
		case *wire.SA:
			offer = v
		case *wire.Nonce:
			ni = v
		case *wire.KE:
			ke = v
		case *wire.TS:
			if v.Responder {
				tsr = v
			} else {
				tsi = v
			}
		case *wire.Notify:
			switch v.NotifyType {
			case wire.REKEY_SA:
				rekeySPI = v.SPI
			case wire.USE_TRANSPORT_MODE:
				trans = true
			}
		}
	}
	if offer == nil || ni == nil || len(ni.Data) < 16 || len(ni.Data) > 256 {
		sa.respondNotify(h, wire.INVALID_SYNTAX, nil)
		return
	}
	if len(offer.Proposals) > 0 && offer.Proposals[0].Protocol == wire.ProtoIKE {
		if sa.ini != nil {
			// Our own initiator SAs rekey themselves (Connection.RekeyIKE).
			sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
			return
		}
		sa.rekeyIKE(h, offer, ni.Data, ke)
		return
	}
	if tsi == nil || tsr == nil {
		sa.respondNotify(h, wire.INVALID_SYNTAX, nil)
		return
	}
	if sa.ini != nil {
		sa.peerRekeysChild(h, offer, ni.Data, ke, rekeySPI)
		return
	}
	var old *childSA
	if rekeySPI != nil {
		if len(rekeySPI) == 4 {
			out := binary.BigEndian.Uint32(rekeySPI)
			for _, c := range sa.children {
				if c.outSPI == out { // the sender's inbound SPI
					old = c
				}
			}
		}
		if old == nil {
			sa.respondNotify(h, wire.CHILD_SA_NOT_FOUND, nil)
			return
		}
	}
	nr := make([]byte, 32)
	io.ReadFull(sa.e.rand, nr)
	var gir, kePub []byte
	var group wire.TransformID
	if ke != nil {
		// PFS: the group must be the one the chosen proposal names; an
		// acceptable proposal in another group gets INVALID_KE_PAYLOAD.
		group = ke.Group
		pol, _ := negotiate.ESPAcceptable(sa.e.cfg.Load().ipsecProfileFor(sa.profile), sa.e.cfg.Load().transforms)
		if chosen, ok := negotiate.SelectESP(offer.Proposals, pol); ok {
			if g, ok := negotiate.PreferredGroup(chosen); ok && g != wire.DH_NONE && g != ke.Group {
				var d [2]byte
				binary.BigEndian.PutUint16(d[:], uint16(g))
				sa.respondNotify(h, wire.INVALID_KE_PAYLOAD, d[:])
				return
			}
		}
		dh, err := suite.NewDH(int(ke.Group), sa.e.rand)
		if err != nil {
			sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
			return
		}
		if gir, err = dh.SharedSecret(ke.Data); err != nil {
			sa.respondNotify(h, wire.INVALID_SYNTAX, nil)
			return
		}
		kePub = dh.PublicKey()
	}
	var replaces *dataplane.SAID
	if old != nil {
		replaces = &dataplane.SAID{SPI: old.inSPI}
	}
	c, cps, errN := sa.negotiateChild(offer, tsi, tsr, trans, gir, ni.Data, nr, false, replaces)
	if errN != nil {
		sa.e.stats.childFailed.Add(1)
		sa.respond(h, []wire.Payload{errN})
		return
	}
	if ke == nil && c.pfsGroup != 0 {
		// The profile requires PFS and the peer sent no KE payload.
		sa.removeChild(c)
		sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	sa.children = append(sa.children, c)
	if old != nil {
		sa.e.stats.childRekeys.Add(1)
		sa.debugf("Rekeyed child SA 0x%08X -> 0x%08X", old.inSPI, c.inSPI)
	} else {
		sa.e.stats.childCreated.Add(1)
	}
	resp := []wire.Payload{cps[0], &wire.Nonce{Data: nr}}
	if kePub != nil {
		resp = append(resp, &wire.KE{Group: group, Data: kePub})
	}
	resp = append(resp, cps[1:]...)
	sa.respond(h, resp)
}

// rekeyIKE answers an IKE SA rekey: a new IKE SA keyed from the old SK_d
// takes over the session and its children; the peer then deletes the old
// one, which by then owns nothing.
func (sa *ikeSA) rekeyIKE(h wire.Header, offer *wire.SA, ni []byte, ke *wire.KE) {
	if ke == nil {
		sa.respondNotify(h, wire.INVALID_SYNTAX, nil)
		return
	}
	cfg := sa.e.cfg.Load()
	_, suites := cfg.policies.Lookup(sa.fvrf, sa.local.Addr())
	chosen, ok := negotiate.SelectIKEWithKE(offer.Proposals, suites, ke.Group)
	if !ok || len(chosen.SPI) != 8 {
		sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	t, group := transformsOf(chosen)
	if wire.TransformID(group) != ke.Group {
		var d [2]byte
		binary.BigEndian.PutUint16(d[:], uint16(group))
		sa.respondNotify(h, wire.INVALID_KE_PAYLOAD, d[:])
		return
	}
	dh, err := suite.NewDH(group, sa.e.rand)
	if err != nil {
		sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	gir, err := dh.SharedSecret(ke.Data)
	if err != nil {
		sa.respondNotify(h, wire.INVALID_SYNTAX, nil)
		return
	}
	e := sa.e
	n := &ikeSA{e: e, initiator: false, spiI: binary.BigEndian.Uint64(chosen.SPI), spiR: e.newSPI(),
		sock: sa.sock, local: sa.local, remote: sa.remote, fvrf: sa.fvrf, created: e.now(), t: t, group: group,
		window: sa.window, peerNext: 0, nonceI: bytes.Clone(ni), natLocal: sa.natLocal, natRemote: sa.natRemote,
		fragOK: sa.fragOK, peerHashes: sa.peerHashes, cfg: sa.cfg, profile: sa.profile, localID: sa.localID,
		remoteID: sa.remoteID, authSign: sa.authSign, authVerify: sa.authVerify, tunnelID: sa.tunnelID,
		connID: sa.connID, aaa: sa.aaa}
	n.nonceR = make([]byte, 32)
	io.ReadFull(e.rand, n.nonceR)
	if err := n.deriveKeys(gir, sa.keys.SKd); err != nil {
		sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	// The new SA is the rekeyed IKE SA of the same session (RFC 7296
	// 2.18): the session, its children and the tunnel ID move over.
	n.sess, n.children = sa.sess, sa.children
	sa.sess, sa.children = nil, nil
	n.mu.Lock()
	e.mu.Lock()
	e.bySPI[n.spiR] = n
	if n.sess != nil {
		e.sessions[n.sess.id] = n
	}
	for _, c := range n.children {
		e.childSPIs[c.inSPI] = n
	}
	e.mu.Unlock()
	n.state = stEstablished
	n.up, n.lastHeard = e.now(), e.now()
	n.lifetime = sa.lifetime
	n.armLifetime()
	n.armDPD()
	nr := n.nonceR
	n.nonceI, n.nonceR, n.dh = nil, nil, nil
	n.mu.Unlock()
	e.stats.ikeRekeys.Add(1)
	sa.debugf("IKE SA rekeyed: new SPIs %016X/%016X", n.spiI, n.spiR)
	chosen.SPI = binary.BigEndian.AppendUint64(nil, n.spiR)
	sa.respond(h, []wire.Payload{&wire.SA{Proposals: []wire.Proposal{chosen}},
		&wire.Nonce{Data: nr}, &wire.KE{Group: wire.TransformID(group), Data: dh.PublicKey()}})
	// The old SA lives until the peer deletes it; it carries nothing now.
	if sa.lifeTimer != nil {
		sa.lifeTimer.Stop()
	}
	if sa.dpdTimer != nil {
		sa.dpdTimer.Stop()
	}
}
