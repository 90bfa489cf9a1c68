package ike

import (
	"bytes"
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/auth"
	"github.com/gatehouse-vpn/gatehouse/services/ike/negotiate"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// handleInitRequest answers an IKE_SA_INIT request (RFC 7296 1.2): it runs
// on a worker without any SA lock until the SA exists.
func (e *Engine) handleInitRequest(p packet, h wire.Header) {
	if h.ResponderSPI != 0 || h.MessageID != 0 {
		e.stats.malformed.Add(1)
		return
	}
	key := halfKey{h.InitiatorSPI, p.from}
	e.mu.RLock()
	old := e.halfOpen[key]
	e.mu.RUnlock()
	if old != nil {
		old.mu.Lock()
		if old.state == stInitDone && bytes.Equal(old.initI, p.data) {
			e.stats.retransmitsIn.Add(1)
			old.transmit([][]byte{old.initR})
		}
		old.mu.Unlock()
		return
	}
	m, err := wire.Parse(p.data)
	if err != nil {
		e.stats.malformed.Add(1)
		e.debugf("IKEv2:Dropping malformed IKE_SA_INIT from %s: %v", p.from, err)
		return
	}
	cfg := e.cfg.Load()
	e.stats.initIn.Add(1)
	var (
		saP   *wire.SA
		ke    *wire.KE
		nonce *wire.Nonce
		ck    []byte
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
			if v.NotifyType == wire.COOKIE {
				ck = v.Data
			}
		}
	}
	if saP == nil || ke == nil || nonce == nil || len(nonce.Data) < 16 || len(nonce.Data) > 256 {
		e.stats.malformed.Add(1)
		e.replyInitError(p, h, wire.INVALID_SYNTAX, nil)
		return
	}
	if lim := cfg.global.MaxInNegotiationSA; lim > 0 && e.nHalfOpen.Load() >= lim {
		e.stats.rejectedInNeg.Add(1)
		e.debugf("IKEv2:Dropping IKE_SA_INIT from %s: in-negotiation SA limit %d reached", p.from, lim)
		return
	}
	if lim := cfg.global.MaxSA; lim > 0 && int64(e.SessionCount()) >= lim {
		e.stats.rejectedMaxSA.Add(1)
		e.replyInitError(p, h, wire.NO_ADDITIONAL_SAS, nil)
		return
	}
	if cc := cfg.global.CookieChallenge; cc > 0 && e.nHalfOpen.Load() >= int64(cc) {
		if ck == nil || !e.validCookie(ck, nonce.Data, p.from, h.InitiatorSPI) {
			e.stats.cookiesSent.Add(1)
			if ck != nil {
				e.stats.cookiesRejected.Add(1)
			}
			e.replyInitError(p, h, wire.COOKIE, e.currentCookie(nonce.Data, p.from, h.InitiatorSPI))
			return
		}
		e.stats.cookiesAccepted.Add(1)
	}
	policy, suites := cfg.policies.Lookup("", p.to.Addr())
	chosen, ok := negotiate.SelectIKEWithKE(saP.Proposals, suites, ke.Group)
	if !ok {
		e.stats.noProposal.Add(1)
		e.debugf("IKEv2:(SA ID = 0):No proposal chosen from %s (policy %s)", p.from, policy)
		e.replyInitError(p, h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	t, group := transformsOf(chosen)
	if wire.TransformID(group) != ke.Group {
		e.stats.invalidKE.Add(1)
		var d [2]byte
		binary.BigEndian.PutUint16(d[:], uint16(group))
		e.replyInitError(p, h, wire.INVALID_KE_PAYLOAD, d[:])
		return
	}
	dh, err := suite.NewDH(group, e.rand)
	if err != nil {
		e.replyInitError(p, h, wire.NO_PROPOSAL_CHOSEN, nil)
		return
	}
	gir, err := dh.SharedSecret(ke.Data)
	if err != nil {
		e.stats.malformed.Add(1)
		e.replyInitError(p, h, wire.INVALID_SYNTAX, nil)
		return
	}
	sa := &ikeSA{e: e, spiI: h.InitiatorSPI, spiR: e.newSPI(), sock: p.sock, local: p.to, remote: p.from,
		state: stInitDone, created: e.now(), t: t, group: group, window: cfg.window(), peerNext: 1,
		nonceI: bytes.Clone(nonce.Data), initI: p.data}
	sa.nonceR = make([]byte, 32)
	io.ReadFull(e.rand, sa.nonceR)
	if err := sa.deriveKeys(gir, nil); err != nil {
		e.log.Error("ike: key derivation failed", "err", err)
		return
	}
	var sawFrag bool
	sa.natRemote, sa.natLocal, _ = natDetected(m.Payloads, h.InitiatorSPI, 0, p.from, p.to)
	for _, pl := range m.Payloads {
		if n, ok := pl.(*wire.Notify); ok {
			switch n.NotifyType {
			case wire.IKEV2_FRAGMENTATION_SUPPORTED:
				sawFrag = true
			case wire.SIGNATURE_HASH_ALGORITHMS:
				sa.peerHashes, _ = auth.DecodeHashAlgorithms(n.Data)
			}
		}
	}
	sa.fragOK = sawFrag && cfg.fragmentationMTU() > 0
	resp := []wire.Payload{
		&wire.SA{Proposals: []wire.Proposal{chosen}},
		&wire.KE{Group: wire.TransformID(group), Data: dh.PublicKey()},
		&wire.Nonce{Data: sa.nonceR},
		&wire.Notify{NotifyType: wire.NAT_DETECTION_SOURCE_IP, Data: natHash(sa.spiI, sa.spiR, p.to)},
		&wire.Notify{NotifyType: wire.NAT_DETECTION_DESTINATION_IP, Data: natHash(sa.spiI, sa.spiR, p.from)},
	}
	resp = append(resp, &wire.VendorID{Data: VendorID})
	if cas := cfg.allCAs(); len(cas) > 0 {
		resp = append(resp, &wire.CertReq{Encoding: wire.CertX509Signature, Data: auth.CertReqData(cas)})
	}
	if sa.fragOK {
		resp = append(resp, &wire.Notify{NotifyType: wire.IKEV2_FRAGMENTATION_SUPPORTED})
	}
	if sa.peerHashes != nil {
		resp = append(resp, &wire.Notify{NotifyType: wire.SIGNATURE_HASH_ALGORITHMS,
			Data: auth.EncodeHashAlgorithms(auth.SupportedHashes())})
	}
	out := &wire.Message{Header: sa.header(wire.IKE_SA_INIT, 0, true), Payloads: resp}
	b, err := out.Encode()
	if err != nil {
		e.log.Error("ike: encoding IKE_SA_INIT response", "err", err)
		return
	}
	sa.initR = b
	sa.mu.Lock()
	defer sa.mu.Unlock()
	e.mu.Lock()
	if _, dup := e.halfOpen[key]; dup {
		e.mu.Unlock()
		return // a concurrent retransmission won the race
	}
	e.nextSA++
	sa.tunnelID = e.nextSA
	e.halfOpen[key] = sa
	sa.halfKey = &key
	e.bySPI[sa.spiR] = sa
	e.mu.Unlock()
	e.nHalfOpen.Add(1)
	sa.packetDebug("Received Packet [From %s/To %s/VRF i0:f0]", p.from, p.to, h, m.Payloads)
	sa.packetDebug("Sending Packet [To %s/From %s/VRF i0:f0]", p.from, p.to, out.Header, resp)
	sa.transmit([][]byte{b})
	sa.halfOpenTimer = sa.after(e.opt.HalfOpenTimeout, func() {
		if sa.state < stEstablished {
			e.stats.halfOpenTimeouts.Add(1)
			sa.teardown("half-open timeout", false)
		}
	})
}

// VendorID identifies Gatehouse in IKE_SA_INIT: the first 16 bytes of
// SHA-1("Gatehouse IKEv2"), the form most implementations use.
var VendorID = func() []byte { h := sha1.Sum([]byte("Gatehouse IKEv2")); return h[:16] }()

// replyInitError answers an IKE_SA_INIT request with one unprotected
// notification (responder SPI zero, RFC 7296 2.6 and 1.2).
func (e *Engine) replyInitError(p packet, h wire.Header, t wire.NotifyType, data []byte) {
	m := &wire.Message{Header: wire.Header{InitiatorSPI: h.InitiatorSPI, MajorVersion: wire.MajorVersion,
		Exchange: wire.IKE_SA_INIT, Flags: wire.FlagResponse},
		Payloads: []wire.Payload{&wire.Notify{NotifyType: t, Data: data}}}
	b, err := m.Encode()
	if err != nil {
		return
	}
	e.debugf("IKEv2:Sending %s to %s", t, p.from)
	if p.sock.send(p.to, p.from, b) == nil {
		e.stats.packetsOut.Add(1)
	}
}

// transformsOf extracts the negotiated transforms of a chosen proposal.
func transformsOf(p wire.Proposal) (suite.Transforms, int) {
	var t suite.Transforms
	group := 0
	for _, tr := range p.Transforms {
		switch tr.Type {
		case wire.TransformENCR:
			t.Encr = int(tr.ID)
			if kl, ok := tr.KeyLength(); ok {
				t.EncrKeyBits = int(kl)
			}
		case wire.TransformPRF:
			t.PRF = int(tr.ID)
		case wire.TransformINTEG:
			t.Integ = int(tr.ID)
		case wire.TransformDH:
			group = int(tr.ID)
		}
	}
	if t.Encr == suite.EncrChaCha20Poly1305 && t.EncrKeyBits == 0 {
		t.EncrKeyBits = 256
	}
	if t.Encr == suite.Encr3DES && t.EncrKeyBits == 0 {
		t.EncrKeyBits = 192
	}
	return t, group
}

// deriveKeys computes SKEYSEED and the SK_* keys (oldSKd set for an IKE SA
// rekey) and keys the SA's ciphers for our role.
func (sa *ikeSA) deriveKeys(gir, oldSKd []byte) error {
	prf, err := suite.NewPRF(sa.t.PRF)
	if err != nil {
		return err
	}
	var seed []byte
	if oldSKd != nil {
		seed = suite.RekeySKEYSEED(prf, oldSKd, gir, sa.nonceI, sa.nonceR)
	} else {
		seed = suite.SKEYSEED(prf, sa.nonceI, sa.nonceR, gir)
	}
	k, err := suite.DeriveIKEKeys(sa.t, seed, sa.nonceI, sa.nonceR, sa.spiI, sa.spiR)
	if err != nil {
		return err
	}
	ci, err := suite.NewIdleCipher(sa.t, k.SKei, k.SKai)
	if err != nil {
		return err
	}
	cr, err := suite.NewIdleCipher(sa.t, k.SKer, k.SKar)
	if err != nil {
		return err
	}
	sa.prf, sa.keys = prf, k
	if sa.initiator {
		sa.in, sa.out = cr, ci
	} else {
		sa.in, sa.out = ci, cr
	}
	return nil
}

// authRequest is what an IKE_AUTH request carries.
type authRequest struct {
	idi, idr       *wire.ID
	certs          []*wire.Cert
	certReq        []byte
	auth           *wire.Auth
	cp             *wire.CP
	sa             *wire.SA
	tsi, tsr       *wire.TS
	initialContact bool
	transport      bool
	eap            *wire.EAP
}

func collectAuth(ps []wire.Payload) authRequest {
	var r authRequest
	for _, pl := range ps {
		switch v := pl.(type) {
		case *wire.ID:
			if v.Responder {
				r.idr = v
			} else {
				r.idi = v
			}
		case *wire.Cert:
			r.certs = append(r.certs, v)
		case *wire.CertReq:
			r.certReq = append(r.certReq, v.Data...)
		case *wire.Auth:
			r.auth = v
		case *wire.CP:
			r.cp = v
		case *wire.SA:
			r.sa = v
		case *wire.TS:
			if v.Responder {
				r.tsr = v
			} else {
				r.tsi = v
			}
		case *wire.EAP:
			r.eap = v
		case *wire.Notify:
			switch v.NotifyType {
			case wire.INITIAL_CONTACT:
				r.initialContact = true
			case wire.USE_TRANSPORT_MODE:
				r.transport = true
			}
		}
	}
	return r
}

// authFailed answers IKE_AUTH with AUTHENTICATION_FAILED and forgets the SA.
func (sa *ikeSA) authFailed(h wire.Header, why string) {
	sa.e.stats.authFailed.Add(1)
	sa.debugf("Verification of peer's authentication data FAILED: %s", why)
	sa.e.log.Info("ike: authentication failed", "peer", sa.remote, "reason", why)
	sa.respondNotify(h, wire.AUTHENTICATION_FAILED, nil)
	sa.teardown("authentication failed: "+why, false)
}

// handleAuth runs the FlexVPN server sequence for IKE_AUTH: authenticate
// the peer, authorize it, then (finishAuth) assign addresses, clone the
// virtual-access interface, install the child SA and answer.
func (sa *ikeSA) handleAuth(p packet, h wire.Header, ps []wire.Payload) {
	r := collectAuth(ps)
	if r.idi == nil {
		sa.authFailed(h, "no IDi payload")
		return
	}
	remote, err := identityOf(r.idi)
	if err != nil {
		sa.authFailed(h, err.Error())
		return
	}
	sa.remoteID = remote
	cfg := sa.e.cfg.Load()
	sa.debugf("Searching policy based on peer's identity '%s' of type '%s'", remote, idTypeName(remote.Type))
	prof := cfg.matchProfile(remote, sa.fvrf, sa.local.Addr())
	if prof == nil {
		sa.authFailed(h, "no IKEv2 profile matches identity "+remote.String())
		return
	}
	sa.cfg, sa.profile = cfg, prof
	if r.auth == nil {
		// No AUTH: the peer asks to authenticate with EAP (RFC 7296 2.16).
		sa.startEAP(h, r, cfg, prof, remote)
		return
	}
	var leaf *x509.Certificate
	if len(r.certs) > 0 && r.certs[0].Encoding == wire.CertX509Signature {
		leaf, _ = x509.ParseCertificate(r.certs[0].Data)
	}
	method := remoteMethod(r.auth.Method, leaf)
	sa.debugf("Peer's authentication method is '%s'", authName(method))
	if _, ok := allowsRemote(prof, method); !ok {
		sa.authFailed(h, fmt.Sprintf("profile %s does not allow %s from the peer", prof.Name, method))
		return
	}
	signed := auth.SignedOctets(sa.prf, sa.initI, sa.nonceR, sa.keys.SKpi, auth.IDBody(r.idi))
	var localKey []byte
	class := schema.AAAPSK
	switch method {
	case schema.AuthPreShare:
		sa.debugf("Get peer's preshared key for %s", remote)
		lk, pk, err := cfg.psks(prof, remote, sa.remote.Addr())
		if err != nil && prof.Keyring != nil && prof.Keyring.AAAList != "" {
			// "keyring aaa": the keys come from RADIUS, later (aaapsk.go).
			sa.lookupAAAPSK(h, r, cfg, prof, remote, signed)
			return
		}
		if err != nil {
			sa.authFailed(h, err.Error())
			return
		}
		if !auth.VerifyPSK(sa.prf, pk, signed, r.auth.Data) {
			sa.authFailed(h, "pre-shared key mismatch")
			return
		}
		localKey = lk
	default:
		class = schema.AAACert
		if err := sa.verifyCertAuth(cfg, prof, r, leaf, signed); err != nil {
			sa.authFailed(h, err.Error())
			return
		}
	}
	sa.debugf("Verification of peer's authentication data PASSED")
	sa.authVerify = authName(method)
	steps, err := cfg.authorizationSteps(prof, class, remote)
	if err != nil {
		sa.authFailed(h, err.Error())
		return
	}
	sa.aaa.class = class
	sa.authorizeThen(h, r, localKey, steps, nil)
}

// authorizeThen authorizes an authenticated peer and completes IKE_AUTH
// (finishAuth). cached, when set, are the user attributes AAA sent with
// the authentication ("aaa authorization user ... cached"). The SA waits
// in stAuthPending with the request in flight while RADIUS answers.
func (sa *ikeSA) authorizeThen(h wire.Header, r authRequest, localKey []byte, steps []authzStep, cached *Attributes) {
	cfg := sa.cfg
	if sa.aaa.user == "" {
		sa.aaa.user = sessionUser(steps, sa.remoteID)
	}
	if sa.inflight == nil {
		sa.inflight = map[uint32]bool{}
	}
	sa.inflight[h.MessageID] = true
	sa.state = stAuthPending
	remoteSteps := false
	for _, s := range steps {
		remoteSteps = remoteSteps || !s.local
	}
	if remoteSteps {
		// RADIUS requests carry the session's audit-session-id (seed 001,
		// PoD section) and our address (NAS-IP-Address): number the
		// session now.
		sa.newSession(nil)
		for i := range steps {
			steps[i].req.Peer, steps[i].req.Local, steps[i].req.AuditSessionID = sa.remote, sa.local, sa.aaa.auditID
		}
	}
	if !remoteSteps || sa.e.opt.Authorizer == nil {
		attrs, err := sa.e.authorizeWithCache(context.Background(), cfg, steps, cached)
		sa.finishAuth(h, r, localKey, attrs, err)
		return
	}
	// RADIUS answers arrive later; never hold a worker or the SA lock.
	go func() {
		ctx, cancel := context.WithTimeout(sa.e.ctx, 30*time.Second)
		defer cancel()
		attrs, err := sa.e.authorizeWithCache(ctx, cfg, steps, cached)
		sa.mu.Lock()
		defer sa.mu.Unlock()
		if sa.state == stAuthPending {
			sa.finishAuth(h, r, localKey, attrs, err)
		}
	}()
}

// verifyCertAuth checks a signature AUTH: certificate chain to a trusted
// CA, identity backed by the certificate, signature over the octets.
func (sa *ikeSA) verifyCertAuth(cfg *config, prof *schema.IKEv2Profile, r authRequest, leaf *x509.Certificate, signed []byte) error {
	if leaf == nil {
		return errors.New("signature authentication without an X.509 certificate")
	}
	var inter []*x509.Certificate
	for _, c := range r.certs[1:] {
		if c.Encoding == wire.CertX509Signature {
			if x, err := x509.ParseCertificate(c.Data); err == nil {
				inter = append(inter, x)
			}
		}
	}
	if err := auth.VerifyChain(leaf, inter, cfg.trustedCAs(prof), sa.e.now()); err != nil {
		return fmt.Errorf("certificate of %s: %w", leaf.Subject, err)
	}
	if !auth.IdentityMatchesCert(r.idi, leaf) {
		return fmt.Errorf("identity %s is not in certificate %s", sa.remoteID, leaf.Subject)
	}
	return auth.Verify(leaf.PublicKey, r.auth.Method, r.auth.Data, signed, nil)
}

// finishAuth completes IKE_AUTH once the attributes are known.
func (sa *ikeSA) finishAuth(h wire.Header, r authRequest, localKey []byte, attrs *Attributes, err error) {
	if err != nil {
		sa.e.stats.authFailed.Add(1)
		sa.debugf("Authorization failed: %v", err)
		sa.respondNotify(h, wire.AUTHENTICATION_FAILED, nil)
		sa.teardown("authorization failed: "+err.Error(), false)
		return
	}
	cfg, prof := sa.cfg, sa.profile
	sa.newSession(attrs)
	// Our identity and AUTH.
	var resp []wire.Payload
	var idr identity
	switch {
	case sa.eap != nil:
		// IDr, CERT and our signature went out with the first EAP
		// request; now a MAC keyed as the peer's was (RFC 7296 2.16).
		idr = sa.localID
		resp = append(resp, sa.eap.responderAuth(sa))
	case prof.LocalAuth != nil && schema.CertificateBased(prof.LocalAuth.Method):
		var err error
		if resp, idr, err = sa.signedLocalAuth(cfg, prof); err != nil {
			sa.signingFailed(h, err)
			return
		}
		sa.authSign = authName(prof.LocalAuth.Method)
	default:
		if localKey == nil {
			var err error
			localKey, _, err = cfg.psks(prof, sa.remoteID, sa.remote.Addr())
			if err != nil {
				sa.authFailed(h, "no local pre-shared key: "+err.Error())
				return
			}
		}
		idr = configuredIdentity(prof.LocalIdentity, sa.local.Addr(), nil)
		signed := auth.SignedOctets(sa.prf, sa.initR, sa.nonceI, sa.keys.SKpr, auth.IDBody(idr.payload(true)))
		resp = append(resp, idr.payload(true), &wire.Auth{Method: wire.AuthSharedKeyMIC, Data: auth.PSK(sa.prf, localKey, signed)})
		sa.authSign = "PSK"
	}
	sa.localID = idr
	// Configuration payload: address assignment failure ends the session.
	if r.cp != nil && r.cp.CfgType == wire.CFG_REQUEST && !prof.NoConfigExchangeRequest {
		reply, err := sa.configReply(r.cp, attrs)
		if err != nil {
			sa.e.stats.addressFailures.Add(1)
			sa.debugf("Failed to allocate an address: %v", err)
			sa.respondNotify(h, wire.INTERNAL_ADDRESS_FAILURE, nil)
			sa.teardown("address assignment failed: "+err.Error(), false)
			return
		}
		resp = append(resp, reply)
	}
	if err := sa.cloneVirtualAccess(); err != nil {
		sa.e.log.Error("ike: virtual-access clone failed", "err", err)
		sa.respondNotify(h, wire.INTERNAL_ADDRESS_FAILURE, nil)
		sa.teardown("virtual-access clone failed: "+err.Error(), false)
		return
	}
	// The first child SA: its failure leaves the IKE SA up (RFC 7296 2.21.3).
	if r.sa != nil && r.tsi != nil && r.tsr != nil {
		resp = append(resp, sa.acceptChild(r.sa, r.tsi, r.tsr, r.transport, nil, sa.nonceI, sa.nonceR, true)...)
	}
	if sa.window > 1 {
		var d [4]byte
		binary.BigEndian.PutUint32(d[:], uint32(sa.window))
		resp = append(resp, &wire.Notify{NotifyType: wire.SET_WINDOW_SIZE, Data: d[:]})
	}
	resp = append(resp, &wire.Notify{NotifyType: wire.ESP_TFC_PADDING_NOT_SUPPORTED},
		&wire.Notify{NotifyType: wire.NON_FIRST_FRAGMENTS_ALSO})
	sa.established(r.initialContact)
	sa.respond(h, resp)
}

// signedLocalAuth is our identity, certificate and signature AUTH for a
// certificate profile (RFC 7296 2.15, RFC 7427).
func (sa *ikeSA) signedLocalAuth(cfg *config, prof *schema.IKEv2Profile) ([]wire.Payload, identity, error) {
	cert, _, key, err := cfg.signingTrustpoint(prof)
	if err != nil {
		return nil, identity{}, err
	}
	idr := configuredIdentity(prof.LocalIdentity, sa.local.Addr(), cert.RawSubject)
	signer, err := auth.ParsePrivateKey(key.PKCS8)
	if err != nil {
		return nil, identity{}, err
	}
	signed := auth.SignedOctets(sa.prf, sa.initR, sa.nonceI, sa.keys.SKpr, auth.IDBody(idr.payload(true)))
	m, data, err := auth.Sign(signer, sa.peerHashes, signed, sa.e.rand)
	if err != nil {
		return nil, identity{}, err
	}
	return []wire.Payload{idr.payload(true), &wire.Cert{Encoding: wire.CertX509Signature, Data: cert.Raw},
		&wire.Auth{Method: m, Data: data}}, idr, nil
}

// signingFailed ends an SA whose profile cannot sign our AUTH.
func (sa *ikeSA) signingFailed(h wire.Header, err error) {
	sa.e.log.Error("ike: cannot sign AUTH", "profile", sa.profile.Name, "err", err)
	sa.debugf("Cannot sign our AUTH: %v", err)
	sa.respondNotify(h, wire.AUTHENTICATION_FAILED, nil)
	sa.teardown("no signing certificate: "+err.Error(), false)
}
