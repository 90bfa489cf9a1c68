package ike

import (
	"encoding/binary"
	"errors"
	"io"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// rekeyChild rekeys a child SA whose soft lifetime ran out, whichever end
// started the IKE SA (RFC 7296 section 2.8): a CREATE_CHILD_SA with the
// child's own transforms (and a new DH exchange if it was created with
// PFS), its selectors and REKEY_SA. The new SA is installed as a
// replacement of the old, which is deleted once the peer has answered.
// If the peer refuses, the old SA runs on to its hard lifetime. mu held.
func (sa *ikeSA) rekeyChild(old *childSA) {
	if old.rekeying {
		return
	}
	old.rekeying = true
	e := sa.e
	ni := make([]byte, 32)
	io.ReadFull(e.rand, ni)
	newIn := e.newChildSPI(sa)
	ts := []wire.Transform{encrTransform(old.t.Encr, old.t.EncrKeyBits)}
	if old.t.Integ != 0 {
		ts = append(ts, wire.Transform{Type: wire.TransformINTEG, ID: wire.TransformID(old.t.Integ)})
	}
	var dh suite.DH
	ps := []wire.Payload{nil, &wire.Nonce{Data: ni}}
	if old.pfsGroup != 0 {
		var err error
		if dh, err = suite.NewDH(old.pfsGroup, e.rand); err == nil {
			ts = append(ts, wire.Transform{Type: wire.TransformDH, ID: wire.TransformID(old.pfsGroup)})
			ps = append(ps, &wire.KE{Group: wire.TransformID(old.pfsGroup), Data: dh.PublicKey()})
		}
	}
	esn := wire.ESN_NO
	if old.esn {
		esn = wire.ESN_YES
	}
	ts = append(ts, wire.Transform{Type: wire.TransformESN, ID: esn})
	ps[0] = &wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoESP,
		SPI: binary.BigEndian.AppendUint32(nil, newIn), Transforms: ts}}}
	ps = append(ps, &wire.TS{Selectors: old.localTS}, &wire.TS{Responder: true, Selectors: old.remoteTS},
		&wire.Notify{NotifyType: wire.REKEY_SA, Protocol: wire.ProtoESP, SPI: binary.BigEndian.AppendUint32(nil, old.inSPI)})
	if old.mode == dataplane.Transport {
		// The new SA keeps the mode only if asked again (RFC 7296 1.3.3).
		ps = append(ps, &wire.Notify{NotifyType: wire.USE_TRANSPORT_MODE})
	}
	sa.debugf("Rekeying child SA 0x%08X (soft lifetime expired)", old.inSPI)
	fail := func(why string) {
		old.rekeying = false
		e.releaseChildSPI(newIn)
		e.stats.childFailed.Add(1)
		sa.debugf("Child SA 0x%08X not rekeyed: %s", old.inSPI, why)
	}
	sa.request(wire.CREATE_CHILD_SA, ps, nil, func(_ wire.Header, rps []wire.Payload) {
		prop, nr, gir, _, _, err := childResponse(rps, dh)
		if err != nil {
			fail(err.Error())
			return
		}
		t, _ := transformsOf(prop)
		keys, err := suite.DeriveChildKeys(sa.prf, sa.keys.SKd, t, gir, ni, nr)
		if err != nil {
			fail(err.Error())
			return
		}
		c := &childSA{inSPI: newIn, outSPI: binary.BigEndian.Uint32(prop.SPI), t: t, esn: old.esn,
			mode: old.mode, localTS: old.localTS, remoteTS: old.remoteTS, pfsGroup: old.pfsGroup,
			created: e.now(), lifetime: old.lifetime, lifeKB: old.lifeKB, replayWindow: old.replayWindow}
		replaces := dataplane.SAID{SPI: old.inSPI}
		if err := sa.install(c, keys, &replaces, true); err != nil {
			fail(err.Error())
			return
		}
		sa.children = append(sa.children, c)
		for i, ch := range sa.children {
			if ch == old {
				sa.children = append(sa.children[:i], sa.children[i+1:]...)
				break
			}
		}
		e.stats.childRekeys.Add(1)
		sa.debugf("Rekeyed child SA 0x%08X -> 0x%08X", old.inSPI, c.inSPI)
		sa.removeChild(old)
		sa.request(wire.INFORMATIONAL, []wire.Payload{deleteESP(old.inSPI)}, nil, nil, nil)
	}, func() { fail("no answer") })
}

// peerRekeysChild answers, on an SA we initiated, the peer's rekey of one
// of its child SAs (a head-end rekeying on its soft lifetime). There is
// no profile here: the new child keeps the old one's transforms, and a
// request for anything else (a new child, other transforms) is refused.
func (sa *ikeSA) peerRekeysChild(h wire.Header, offer *wire.SA, ni []byte, ke *wire.KE, rekeySPI []byte) {
	var old *childSA
	if len(rekeySPI) == 4 {
		spi := binary.BigEndian.Uint32(rekeySPI)
		for _, c := range sa.children {
			if c.outSPI == spi {
				old = c
			}
		}
	}
	if old == nil {
		if rekeySPI != nil {
			sa.respondNotify(h, wire.CHILD_SA_NOT_FOUND, nil)
		} else {
			sa.respondNotify(h, wire.NO_ADDITIONAL_SAS, nil)
		}
		return
	}
	var chosen *wire.Proposal
	for i, p := range offer.Proposals {
		t, group := transformsOf(p)
		if p.Protocol == wire.ProtoESP && len(p.SPI) == 4 && t == old.t && group == old.pfsGroup {
			chosen = &offer.Proposals[i]
			break
		}
	}
	if chosen == nil {
		sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	var gir, kePub []byte
	if old.pfsGroup != 0 {
		if ke == nil || int(ke.Group) != old.pfsGroup {
			var d [2]byte
			binary.BigEndian.PutUint16(d[:], uint16(old.pfsGroup))
			sa.respondNotify(h, wire.INVALID_KE_PAYLOAD, d[:])
			return
		}
		dh, err := suite.NewDH(old.pfsGroup, sa.e.rand)
		if err == nil {
			gir, err = dh.SharedSecret(ke.Data)
		}
		if err != nil {
			sa.respondNotify(h, wire.INVALID_SYNTAX, nil)
			return
		}
		kePub = dh.PublicKey()
	}
	nr := make([]byte, 32)
	io.ReadFull(sa.e.rand, nr)
	keys, err := suite.DeriveChildKeys(sa.prf, sa.keys.SKd, old.t, gir, ni, nr)
	if err != nil {
		sa.respondNotify(h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	c := &childSA{inSPI: sa.e.newChildSPI(sa), outSPI: binary.BigEndian.Uint32(chosen.SPI), t: old.t, esn: old.esn,
		mode: old.mode, localTS: old.localTS, remoteTS: old.remoteTS, pfsGroup: old.pfsGroup,
		created: sa.e.now(), lifetime: old.lifetime, lifeKB: old.lifeKB, replayWindow: old.replayWindow}
	replaces := dataplane.SAID{SPI: old.inSPI}
	if err := sa.install(c, keys, &replaces, false); err != nil {
		sa.e.releaseChildSPI(c.inSPI)
		sa.respondNotify(h, wire.TEMPORARY_FAILURE, nil)
		return
	}
	sa.children = append(sa.children, c)
	sa.e.stats.childRekeys.Add(1)
	resp := *chosen
	resp.SPI = binary.BigEndian.AppendUint32(nil, c.inSPI)
	ps := []wire.Payload{&wire.SA{Proposals: []wire.Proposal{resp}}, &wire.Nonce{Data: nr}}
	if kePub != nil {
		ps = append(ps, &wire.KE{Group: wire.TransformID(old.pfsGroup), Data: kePub})
	}
	ps = append(ps, &wire.TS{Selectors: old.remoteTS}, &wire.TS{Responder: true, Selectors: old.localTS})
	if old.mode == dataplane.Transport {
		ps = append(ps, &wire.Notify{NotifyType: wire.USE_TRANSPORT_MODE})
	}
	sa.respond(h, ps)
}

// childResponse reads a CREATE_CHILD_SA response for a child SA: the one
// accepted proposal (with a 4-byte SPI), Nr, the PFS shared secret when dh
// is set, and the selectors (nil when absent). An error notification
// comes back as *NotifyError.
func childResponse(ps []wire.Payload, dh suite.DH) (prop wire.Proposal, nr, gir []byte, tsi, tsr *wire.TS, err error) {
	var saP *wire.SA
	var ke *wire.KE
	for _, p := range ps {
		switch v := p.(type) {
		case *wire.SA:
			saP = v
		case *wire.Nonce:
			nr = v.Data
		case *wire.KE:
			ke = v
		case *wire.TS:
			if v.Responder {
				tsr = v
			} else {
				tsi = v
			}
		case *wire.Notify:
			if v.NotifyType.IsError() {
				return prop, nil, nil, nil, nil, &NotifyError{v.NotifyType}
			}
		}
	}
	if saP == nil || len(nr) < 16 || len(saP.Proposals) != 1 || len(saP.Proposals[0].SPI) != 4 {
		return prop, nil, nil, nil, nil, errors.New("ike: malformed CREATE_CHILD_SA response")
	}
	if dh != nil {
		if ke == nil {
			return prop, nil, nil, nil, nil, errors.New("ike: PFS response without KE")
		}
		if gir, err = dh.SharedSecret(ke.Data); err != nil {
			return prop, nil, nil, nil, nil, err
		}
	}
	return saP.Proposals[0], nr, gir, tsi, tsr, nil
}
