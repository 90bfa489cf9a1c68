package ike

import (
	"crypto/x509"
	"errors"
	"fmt"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/auth"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// EAP as the initiator (RFC 7296 2.16), for tests and the load generator:
// the first IKE_AUTH request goes without AUTH; the responder answers
// with its identity, certificate, signature and the first EAP request;
// each EAP request is answered in a new IKE_AUTH request; after
// EAP-Success both ends send an AUTH keyed with the MSK (or SK_pi and
// SK_pr when the method made none).

// ErrEAPFailure is returned by Initiate when the EAP server refused us
// (EAP-Failure); the error also matches the responder's notification.
var ErrEAPFailure = errors.New("ike: EAP authentication failed")

// initiatorEAP is the initiator's side of the conversation.
type initiatorEAP struct {
	idi  *wire.ID // our IDi, which our AUTH covers
	idr  *wire.ID // the responder's, from its first answer
	done bool     // EAP-Success came; our AUTH is out
	msk  []byte
}

// eapAuthReply handles one IKE_AUTH response of an EAP exchange.
func (sa *ikeSA) eapAuthReply(r authRequest, ps []wire.Payload) {
	st, c := sa.ini, sa.ini.cfg
	ie := st.eap
	fail := func(err error) {
		st.finish(err)
		sa.teardown(err.Error(), false)
	}
	refused := notifyError(ps)
	switch {
	case ie.done:
		// The last answer: the responder's AUTH, then what finishes the
		// exchange as with a PSK.
		if r.auth == nil {
			fail(orErr(refused, errors.New("ike: last IKE_AUTH response without AUTH")))
			return
		}
		key := ie.msk
		if len(key) == 0 {
			key = sa.keys.SKpr
		}
		signed := auth.SignedOctets(sa.prf, sa.initR, sa.nonceI, sa.keys.SKpr, auth.IDBody(ie.idr))
		if r.auth.Method != wire.AuthSharedKeyMIC || !auth.VerifyPSK(sa.prf, key, signed, r.auth.Data) {
			fail(errors.New("ike: responder's AUTH after EAP does not verify"))
			return
		}
		ie.msk = nil
		sa.completeAuth(r, ps)
		return
	case ie.idr == nil:
		// The first answer: the responder proves itself with a signature.
		if r.idr == nil || r.auth == nil {
			fail(orErr(refused, errors.New("ike: first IKE_AUTH response of EAP without IDr or AUTH")))
			return
		}
		method, err := sa.verifyResponderSignature(r, c.ResponderCAs)
		if err != nil {
			fail(fmt.Errorf("ike: responder authentication failed: %w", err))
			return
		}
		ie.idr = r.idr
		sa.remoteID, _ = identityOf(r.idr)
		sa.authSign, sa.authVerify = authName(schema.AuthEAP), authName(method)
	}
	if r.eap == nil {
		fail(orErr(refused, errors.New("ike: IKE_AUTH response without EAP during EAP")))
		return
	}
	p, err := parseEAP(r.eap.Data)
	if err != nil {
		fail(fmt.Errorf("ike: responder sent a malformed EAP packet: %w", err))
		return
	}
	var next []wire.Payload
	switch p.Code {
	case eapRequest:
		resp, err := answerEAP(c.EAP, p, r.eap.Data)
		if err != nil {
			fail(fmt.Errorf("ike: EAP: %w", err))
			return
		}
		next = []wire.Payload{&wire.EAP{Data: resp}}
	case eapSuccess:
		ie.done, ie.msk = true, c.EAP.MSK()
		key := ie.msk
		if len(key) == 0 {
			key = sa.keys.SKpi
		}
		signed := auth.SignedOctets(sa.prf, sa.initI, sa.nonceR, sa.keys.SKpi, auth.IDBody(ie.idi))
		next = []wire.Payload{&wire.Auth{Method: wire.AuthSharedKeyMIC, Data: auth.PSK(sa.prf, key, signed)}}
	case eapFailure:
		err := ErrEAPFailure
		if refused != nil {
			err = errors.Join(ErrEAPFailure, refused)
		}
		fail(err)
		return
	default:
		fail(fmt.Errorf("ike: EAP code %d from the responder", p.Code))
		return
	}
	sa.request(wire.IKE_AUTH, next, c.Retransmits, sa.authReply, func() {
		st.finish(errors.New("ike: no answer to IKE_AUTH"))
		sa.teardown("no answer to IKE_AUTH", false)
	})
}

// answerEAP answers an EAP request: Identity and Notification here, the
// method's requests by the client.
func answerEAP(c EAPClient, p eapPacket, raw []byte) ([]byte, error) {
	switch p.Type {
	case eapTypeIdentity:
		return eapPacket{Code: eapResponse, ID: p.ID, Type: eapTypeIdentity, Data: []byte(c.Identity())}.encode(), nil
	case eapTypeNotification:
		return eapPacket{Code: eapResponse, ID: p.ID, Type: eapTypeNotification}.encode(), nil
	}
	return c.Respond(raw)
}

// verifyResponderSignature checks the responder's certificate AUTH: the
// signature over its octets, the identity against the certificate, and
// with roots the chain. It returns the profile name of the method.
func (sa *ikeSA) verifyResponderSignature(r authRequest, roots []*x509.Certificate) (string, error) {
	var leaf *x509.Certificate
	var inter []*x509.Certificate
	for i, c := range r.certs {
		if c.Encoding != wire.CertX509Signature {
			continue
		}
		x, err := x509.ParseCertificate(c.Data)
		if err != nil {
			return "", fmt.Errorf("certificate: %w", err)
		}
		if i == 0 {
			leaf = x
		} else {
			inter = append(inter, x)
		}
	}
	if leaf == nil {
		return "", errors.New("no certificate")
	}
	if roots != nil {
		if err := auth.VerifyChain(leaf, inter, roots, sa.e.now()); err != nil {
			return "", err
		}
	}
	if !auth.IdentityMatchesCert(r.idr, leaf) {
		return "", fmt.Errorf("identity %s is not in the certificate of %s", r.idr.Data, leaf.Subject)
	}
	signed := auth.SignedOctets(sa.prf, sa.initR, sa.nonceI, sa.keys.SKpr, auth.IDBody(r.idr))
	if err := auth.Verify(leaf.PublicKey, r.auth.Method, r.auth.Data, signed, nil); err != nil {
		return "", err
	}
	return remoteMethod(r.auth.Method, leaf), nil
}

// notifyError is the last error notification of a message, nil if none.
func notifyError(ps []wire.Payload) error {
	var err error
	for _, p := range ps {
		if n, ok := p.(*wire.Notify); ok && n.NotifyType.IsError() {
			err = &NotifyError{n.NotifyType}
		}
	}
	return err
}

func orErr(err, otherwise error) error {
	if err != nil {
		return err
	}
	return otherwise
}
