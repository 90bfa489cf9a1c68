package ike

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/auth"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// EAP pass-through on the responder (RFC 7296 2.16, seed 001 "EAP
// Authentication"). The peer leaves AUTH out of its first IKE_AUTH
// request; we answer with our identity, certificate and signature and the
// first EAP request, relay its EAP responses to the authentication server
// (Options.EAP) and the server's requests back, one IKE_AUTH exchange
// each, then send EAP-Success. The peer's last IKE_AUTH carries an AUTH
// keyed with the method's MSK (or SK_pi when the method made none); once
// it verifies, authorization and finishAuth complete the exchange as for
// any other peer, with our AUTH keyed the same way (MSK or SK_pr).
//
// The server may take its time: its answers arrive on a goroutine of
// their own, never holding a worker or the SA lock, while the request
// waits in flight (a retransmission of it is ignored, one already
// answered gets the cached answer). The profile's "timeout" bounds the
// whole conversation, from the first IKE_AUTH request to the peer's AUTH:
// the half-open timeout does not apply meanwhile, as a user may be typing
// a password.

// eapState is one conversation; all fields are guarded by the SA's lock.
type eapState struct {
	first  authRequest    // the first IKE_AUTH request: IDi, CP, SA and TS for finishAuth
	idr    *wire.ID       // our IDr, which our last AUTH covers
	lead   []wire.Payload // IDr, CERT, AUTH: they go with the first EAP packet
	req    EAPRequest
	ctx    context.Context // ends at the conversation's deadline, or when it is abandoned
	cancel context.CancelFunc

	conv          EAPConversation
	busy          bool // StartEAP or Step under way on its goroutine
	closed        bool // Close called, or no longer owed
	awaitIdentity bool // query-identity: our EAP-Request/Identity is out

	identity string // the EAP identity (Remote EAP id)
	success  bool
	msk      []byte
	username string
	attrs    *Attributes
	// Session-Timeout and Idle-Timeout of the Access-Accept apply
	// whether or not its attributes are cached.
	sessionTimeout, idleTimeout time.Duration
}

// eapTimeout is the profile's "authentication remote eap timeout".
func eapTimeout(ra *schema.RemoteAuth) time.Duration {
	if ra.Timeout > 0 {
		return time.Duration(ra.Timeout) * time.Second
	}
	return schema.DefaultEAPTimeout * time.Second
}

// startEAP begins EAP pass-through for an IKE_AUTH request without AUTH.
func (sa *ikeSA) startEAP(h wire.Header, r authRequest, cfg *config, prof *schema.IKEv2Profile, remote identity) {
	e := sa.e
	sa.debugf("Peer's authentication method is 'EAP'")
	ra, ok := allowsRemote(prof, schema.AuthEAP)
	if !ok {
		sa.authFailed(h, fmt.Sprintf("profile %s does not allow EAP from the peer", prof.Name))
		return
	}
	if prof.LocalAuth == nil || !schema.CertificateBased(prof.LocalAuth.Method) {
		local := "none"
		if prof.LocalAuth != nil {
			local = prof.LocalAuth.Method
		}
		sa.authFailed(h, fmt.Sprintf("profile %s: for remote auth method to be EAP, the local auth method must be certificate-based (it is %s)",
			prof.Name, local))
		return
	}
	if e.opt.EAP == nil {
		sa.authFailed(h, "EAP authentication needs the AAA service, which is not running")
		return
	}
	if !ra.QueryIdentity && remote.Addr.IsValid() {
		// Seed 001: an address is no EAP identity; the peer must be asked.
		sa.authFailed(h, fmt.Sprintf("IKE identity %s of type '%s' cannot be the EAP identity without query-identity",
			remote, idTypeName(remote.Type)))
		return
	}
	lead, idr, err := sa.signedLocalAuth(cfg, prof)
	if err != nil {
		sa.signingFailed(h, err)
		return
	}
	sa.localID, sa.authSign, sa.authVerify = idr, authName(prof.LocalAuth.Method), authName(schema.AuthEAP)
	sa.aaa.class = schema.AAAEAP
	sa.newSession(nil)
	list := prof.AAAAuthenticationEAP
	if list == "" {
		list = schema.DefaultName
	}
	timeout := eapTimeout(ra)
	base := e.ctx
	if base == nil {
		base = context.Background()
	}
	st := &eapState{first: r, idr: idr.payload(true), lead: lead,
		req: EAPRequest{List: list, Identity: remote.String(), Peer: sa.remote, Local: sa.local, AuditSessionID: sa.aaa.auditID}}
	st.ctx, st.cancel = context.WithTimeout(base, timeout)
	sa.eap, sa.state = st, stEAP
	if sa.halfOpenTimer != nil {
		sa.halfOpenTimer.Stop()
	}
	sa.halfOpenTimer = sa.after(timeout, func() {
		if sa.state < stEstablished {
			e.stats.eapTimeouts.Add(1)
			sa.debugf("EAP authentication timed out after %d sec: deleting the SA", int(timeout/time.Second))
			sa.teardown("EAP timeout", false)
		}
	})
	if ra.QueryIdentity {
		var id [1]byte
		io.ReadFull(e.rand, id[:])
		st.awaitIdentity = true
		sa.debugf("Generating EAP request")
		sa.eapRespond(h, st, eapPacket{Code: eapRequest, ID: id[0], Type: eapTypeIdentity}.encode())
		return
	}
	// Without query-identity the IKE identity is the EAP identity: the
	// server gets the Response/Identity the peer would have sent.
	st.identity = remote.String()
	sa.aaa.eapID = st.identity
	e.debugf("IKEv2:Use authen method list %s", list)
	e.debugf("IKEv2:sending %s [IKE-Id] as username to AAA", st.identity)
	sa.eapStep(h, st, eapPacket{Code: eapResponse, Type: eapTypeIdentity, Data: []byte(st.identity)}.encode())
}

// handleEAP takes an IKE_AUTH request of the conversation: the peer's
// next EAP packet, or its AUTH once EAP succeeded.
func (sa *ikeSA) handleEAP(h wire.Header, ps []wire.Payload) {
	st := sa.eap
	if st.busy {
		// The peer sends one request at a time; this one waits for the
		// server like the last did.
		return
	}
	r := collectAuth(ps)
	switch {
	case r.auth != nil:
		sa.eapPeerAuth(h, st, r)
	case r.eap != nil:
		sa.eapFromPeer(h, st, r.eap.Data)
	default:
		sa.authFailed(h, "IKE_AUTH request with neither EAP nor AUTH during EAP")
	}
}

// eapFromPeer relays one EAP packet of the peer to the server.
func (sa *ikeSA) eapFromPeer(h wire.Header, st *eapState, data []byte) {
	if st.success {
		sa.authFailed(h, "EAP payload after EAP-Success, AUTH expected")
		return
	}
	p, err := parseEAP(data)
	if err != nil {
		sa.authFailed(h, "malformed EAP packet: "+err.Error())
		return
	}
	if p.Code != eapResponse {
		sa.authFailed(h, fmt.Sprintf("EAP code %d from the peer, which may only send responses", p.Code))
		return
	}
	sa.debugf("Processing EAP response")
	if st.awaitIdentity {
		if p.Type != eapTypeIdentity {
			sa.authFailed(h, fmt.Sprintf("EAP type %d in answer to our identity request", p.Type))
			return
		}
		st.awaitIdentity = false
		st.identity = string(p.Data)
		sa.aaa.eapID = st.identity
		sa.e.debugf("IKEv2:Use authen method list %s", st.req.List)
		sa.e.debugf("IKEv2:pre-AAA: client sent %s as EAP-Id response", st.identity)
		sa.e.debugf("IKEv2:sending %s [EAP-Id] as username to AAA", st.identity)
	}
	// A copy: the packet lives in the decrypted message, and the step
	// outlives this call.
	sa.eapStep(h, st, bytes.Clone(data))
}

// eapStep hands one packet of the peer to the server on a goroutine of
// its own (starting the conversation first); the answer comes back under
// the SA's lock.
func (sa *ikeSA) eapStep(h wire.Header, st *eapState, pkt []byte) {
	if sa.inflight == nil {
		sa.inflight = map[uint32]bool{}
	}
	sa.inflight[h.MessageID] = true
	st.busy = true
	e, conv, ctx, req := sa.e, st.conv, st.ctx, st.req
	if conv == nil {
		e.debugf("IKEv2:(SA ID = %d):[IKEv2 -> AAA] Authentication request sent", sa.tunnelID)
	}
	go func() {
		var err error
		if conv == nil {
			conv, err = e.opt.EAP.StartEAP(ctx, req)
		}
		var ans *EAPAnswer
		if err == nil {
			if ans, err = conv.Step(ctx, pkt); err == nil && ans == nil {
				err = errors.New("the EAP authenticator gave no answer")
			}
		}
		sa.mu.Lock()
		st.busy = false
		if st.conv == nil {
			st.conv = conv
		}
		if sa.state != stEAP || sa.eap != st {
			// Abandoned while the server answered: the Close owed is ours.
			c := st.take()
			sa.mu.Unlock()
			if c != nil {
				c.Close()
			}
			return
		}
		sa.eapAnswer(h, st, ans, err)
		sa.mu.Unlock()
	}()
}

// eapAnswer relays the server's answer to the peer.
func (sa *ikeSA) eapAnswer(h wire.Header, st *eapState, ans *EAPAnswer, err error) {
	if err != nil {
		sa.debugf("EAP authentication failed: %v", err)
		sa.authFailed(h, "EAP: "+err.Error())
		return
	}
	switch ans.Outcome {
	case EAPContinue:
		sa.debugf("Generating EAP request")
		sa.eapRespond(h, st, ans.Packet)
	case EAPSuccess:
		st.success = true
		st.msk, st.attrs, st.username = bytes.Clone(ans.MSK), ans.Attributes, ans.Username
		st.sessionTimeout, st.idleTimeout = ans.SessionTimeout, ans.IdleTimeout
		if st.username == "" {
			st.username = st.identity
		}
		// The conversation is over; the server has nothing more to say.
		if c := st.take(); c != nil {
			go c.Close()
		}
		sa.debugf("Sending EAP status message")
		sa.eapRespond(h, st, ans.Packet)
	default:
		sa.e.stats.authFailed.Add(1)
		sa.debugf("Sending EAP status message")
		sa.debugf("Verification of peer's authentication data FAILED: EAP authentication rejected (%s)", st.identity)
		sa.e.log.Info("ike: EAP authentication failed", "peer", sa.remote, "eap-id", st.identity)
		pkt := ans.Packet
		if len(pkt) == 0 {
			pkt = eapPacket{Code: eapFailure}.encode()
		}
		sa.eapRespond(h, st, pkt, &wire.Notify{NotifyType: wire.AUTHENTICATION_FAILED})
		sa.teardown("EAP authentication failed", false)
	}
}

// eapRespond answers an IKE_AUTH request with an EAP packet, after IDr,
// CERT and AUTH in the first answer.
func (sa *ikeSA) eapRespond(h wire.Header, st *eapState, pkt []byte, more ...wire.Payload) {
	ps := append(st.lead, &wire.EAP{Data: pkt})
	st.lead = nil
	sa.respond(h, append(ps, more...))
}

// eapPeerAuth verifies the peer's AUTH after EAP-Success and goes on to
// authorization and finishAuth.
func (sa *ikeSA) eapPeerAuth(h wire.Header, st *eapState, r authRequest) {
	if !st.success {
		sa.authFailed(h, "AUTH before EAP succeeded")
		return
	}
	if r.auth.Method != wire.AuthSharedKeyMIC {
		sa.authFailed(h, fmt.Sprintf("AUTH method %d after EAP, shared key MIC expected", r.auth.Method))
		return
	}
	key := st.msk
	if len(key) == 0 {
		key = sa.keys.SKpi
	}
	signed := auth.SignedOctets(sa.prf, sa.initI, sa.nonceR, sa.keys.SKpi, auth.IDBody(st.first.idi))
	if !auth.VerifyPSK(sa.prf, key, signed, r.auth.Data) {
		what := "the MSK"
		if len(st.msk) == 0 {
			what = "SK_pi"
		}
		sa.authFailed(h, "AUTH after EAP does not verify with "+what)
		return
	}
	sa.debugf("Verification of peer's authentication data PASSED")
	sa.aaa.user, sa.aaa.eapID = st.username, st.identity
	cfg, prof := sa.cfg, sa.profile
	steps, err := cfg.eapAuthorizationSteps(prof, sa.remoteID, st.username)
	if err != nil {
		sa.authFailed(h, err.Error())
		return
	}
	var cached *Attributes
	if cachesUser(prof, schema.AAAEAP) {
		cached = &Attributes{}
		cached.merge(st.attrs)
	}
	if st.sessionTimeout > 0 || st.idleTimeout > 0 {
		if cached == nil {
			cached = &Attributes{}
		}
		cached.merge(&Attributes{SessionTimeout: st.sessionTimeout, IdleTimeout: st.idleTimeout})
	}
	sa.authorizeThen(h, st.first, nil, steps, cached)
}

// responderAuth is our last AUTH: a MAC over our signed octets keyed with
// the MSK, or SK_pr when the method made no key (RFC 7296 2.16).
func (st *eapState) responderAuth(sa *ikeSA) *wire.Auth {
	key := st.msk
	if len(key) == 0 {
		key = sa.keys.SKpr
	}
	signed := auth.SignedOctets(sa.prf, sa.initR, sa.nonceI, sa.keys.SKpr, auth.IDBody(st.idr))
	return &wire.Auth{Method: wire.AuthSharedKeyMIC, Data: auth.PSK(sa.prf, key, signed)}
}

// take hands over the conversation for Close, once.
func (st *eapState) take() EAPConversation {
	if st.closed || st.conv == nil {
		return nil
	}
	st.closed = true
	return st.conv
}

// abandon ends the conversation with the SA: the server's pending answer
// is cancelled and the conversation closed, by the step's goroutine when
// one is under way (it owns the conversation until it returns).
func (st *eapState) abandon() {
	st.cancel()
	st.msk = nil
	if st.busy {
		return
	}
	if c := st.take(); c != nil {
		go c.Close()
	}
}

// cachesUser reports "aaa authorization user CLASS cached".
func cachesUser(p *schema.IKEv2Profile, class string) bool {
	return slices.ContainsFunc(p.AAAAuthorizationUser, func(a schema.AAAAuthorization) bool {
		return a.Class == class && a.Cached
	})
}

// eapAuthorizationSteps are the authorization steps of an EAP peer: the
// user name is the one the EAP server authenticated (through the name
// mangler's eap rule), not the IKE identity.
func (c *config) eapAuthorizationSteps(p *schema.IKEv2Profile, remote identity, user string) ([]authzStep, error) {
	steps, err := c.authorizationSteps(p, schema.AAAEAP, remote)
	if err != nil {
		return nil, err
	}
	var lines []schema.AAAAuthorization // in authorizationSteps' order
	for _, l := range [][]schema.AAAAuthorization{p.AAAAuthorizationGroup, p.AAAAuthorizationUser} {
		for _, a := range l {
			if a.Class == schema.AAAEAP && !a.Cached {
				lines = append(lines, a)
			}
		}
	}
	if len(lines) != len(steps) {
		return steps, nil
	}
	for i, a := range lines {
		if a.Username != "" {
			continue
		}
		name := user
		if m, ok := c.manglers[a.NameMangler]; ok && m.EAP != nil {
			name = mangleEAP(m.EAP, user)
		}
		steps[i].req.Username = name
	}
	return steps, nil
}

// mangleEAP applies a name mangler's eap rule to an EAP identity: the part
// before (prefix) or after (suffix) the delimiter. The dn rule is not
// supported yet and keeps the whole identity.
func mangleEAP(m *schema.EAPMangler, id string) string {
	if m.Delimiter == "" {
		return id
	}
	before, after, ok := strings.Cut(id, m.Delimiter)
	if !ok {
		return id
	}
	switch m.Part {
	case "prefix":
		return before
	case "suffix":
		return after
	}
	return id
}
