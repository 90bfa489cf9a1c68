package auth

import (
	"crypto/subtle"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// keyPad is the fixed string RFC 7296 section 2.15 mixes into the shared
// secret so that the same secret used elsewhere does not yield AUTH values.
var keyPad = []byte("Key Pad for IKEv2")

// SignedOctets is RealMessage | NonceData | prf(SK_p, RestOfIDPayload)
// (RFC 7296 section 2.15): for the initiator, its IKE_SA_INIT request, the
// responder's nonce and prf(SK_pi, IDi'); for the responder, its
// IKE_SA_INIT response, the initiator's nonce and prf(SK_pr, IDr').
// idBody is the ID payload body: IDType(1) | RESERVED(3) | data (IDBody).
func SignedOctets(p *suite.PRF, realMessage, peerNonce, skp, idBody []byte) []byte {
	mac := p.Sum(skp, idBody)
	out := make([]byte, 0, len(realMessage)+len(peerNonce)+len(mac))
	out = append(out, realMessage...)
	out = append(out, peerNonce...)
	return append(out, mac...)
}

// IDBody is the ID payload without its generic header, as the PRF in
// SignedOctets covers it. The reserved octets are zero, which is what the
// wire codec sends; a peer that set them would fail authentication, but
// RFC 7296 says they MUST be zero.
func IDBody(id *wire.ID) []byte {
	b := make([]byte, 4, 4+len(id.Data))
	b[0] = byte(id.IDType)
	return append(b, id.Data...)
}

// PSK computes AUTH = prf(prf(secret, "Key Pad for IKEv2"), signed).
func PSK(p *suite.PRF, secret, signed []byte) []byte {
	return p.Sum(p.Sum(secret, keyPad), signed)
}

// VerifyPSK reports whether got is the AUTH value for secret and signed.
// The comparison is constant-time in the contents; a length mismatch
// returns at once, which reveals only the (public) PRF size.
func VerifyPSK(p *suite.PRF, secret, signed, got []byte) bool {
	return subtle.ConstantTimeCompare(PSK(p, secret, signed), got) == 1
}
