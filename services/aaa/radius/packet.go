package radius

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/subtle"
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	wire "layeh.com/radius"
)

// The request encoding and response validation, with the BlastRADIUS
// (CVE-2024-3596) rules: every Access-Request carries a Message-Authenticator
// as its first attribute, and every answer to one must carry a valid
// Message-Authenticator as well as a valid Response Authenticator, or it is
// dropped.

// Attribute types this package handles itself.
const (
	typeUserPassword         wire.Type = 2
	typeVendorSpecific       wire.Type = 26
	typeState                wire.Type = 24
	typeAcctStatusType       wire.Type = 40
	typeTunnelPassword       wire.Type = 69
	typeEAPMessage           wire.Type = 79
	typeMessageAuthenticator wire.Type = 80
)

const (
	headerLen = 20
	maLen     = 16 // HMAC-MD5 output
)

// encodeRequest builds the bytes of req for one server: identifier id, the
// server's secret, a fresh Request Authenticator (Access-Request,
// Status-Server) or the RFC 2866 one (Accounting-Request), the cleartext
// User-Password hidden per RFC 2865 5.2, and a Message-Authenticator first
// in the attribute list of every Access-Request and Status-Server. It
// returns the Request Authenticator that answers are checked against.
func encodeRequest(req *wire.Packet, id byte, secret []byte, rnd io.Reader) ([]byte, [16]byte, error) {
	var auth [16]byte
	if len(secret) == 0 {
		return nil, auth, errors.New("no shared secret")
	}
	attrs := make(wire.Attributes, 0, len(req.Attributes)+1)
	signed := req.Code == wire.CodeAccessRequest || req.Code == wire.CodeStatusServer
	switch req.Code {
	case wire.CodeAccessRequest, wire.CodeStatusServer:
		if _, err := io.ReadFull(rnd, auth[:]); err != nil {
			return nil, auth, fmt.Errorf("request authenticator: %w", err)
		}
		attrs = append(attrs, &wire.AVP{Type: typeMessageAuthenticator, Attribute: make(wire.Attribute, maLen)})
	case wire.CodeAccountingRequest:
	default:
		return nil, auth, fmt.Errorf("cannot send %v", req.Code)
	}
	for _, a := range req.Attributes {
		switch {
		case a.Type == typeMessageAuthenticator:
			continue // ours replaces it
		case a.Type == typeUserPassword && req.Code == wire.CodeAccessRequest:
			if len(a.Attribute) > maxPasswordLength {
				return nil, auth, fmt.Errorf("User-Password longer than %d bytes", maxPasswordLength)
			}
			hidden, err := wire.NewUserPassword(a.Attribute, secret, auth[:])
			if err != nil {
				return nil, auth, fmt.Errorf("User-Password: %w", err)
			}
			attrs = append(attrs, &wire.AVP{Type: a.Type, Attribute: hidden})
		default:
			attrs = append(attrs, a)
		}
	}
	p := &wire.Packet{Code: req.Code, Identifier: id, Authenticator: auth, Attributes: attrs}
	b, err := p.MarshalBinary()
	if err != nil {
		return nil, auth, err
	}
	if signed {
		mac := hmac.New(md5.New, secret)
		mac.Write(b)
		mac.Sum(b[headerLen+2 : headerLen+2 : headerLen+2+maLen])
		return b, auth, nil
	}
	h := md5.New() // RFC 2866 3: MD5(Code+Identifier+Length+16 zero octets+Attributes+Secret)
	h.Write(b)
	h.Write(secret)
	h.Sum(b[4:4:headerLen])
	copy(auth[:], b[4:headerLen])
	return b, auth, nil
}

// dropReason says why a datagram that reached a server's socket was not
// taken as an answer.
type dropReason int

const (
	dropNone                    dropReason = iota
	dropMalformed                          // too short, bad lengths, bad attribute list
	dropBadAuthenticator                   // Response Authenticator does not match
	dropBadMessageAuthenticator            // missing (where required), repeated, or wrong
	dropWrongCode                          // authentic, but not an answer to this kind of request
	dropUnknownID                          // no request waits for this identifier (late, duplicate, forged)
	dropWrongSource                        // not from the server's address and port
)

func (d dropReason) String() string {
	return [...]string{"ok", "malformed packet", "bad Response Authenticator", "missing or bad Message-Authenticator",
		"unexpected code", "no request with this id", "wrong source address"}[d]
}

// checkLength validates the header of a datagram and returns the packet
// without the padding RFC 2865 3 says to ignore, or nil.
func checkLength(b []byte) []byte {
	if len(b) < headerLen {
		return nil
	}
	n := int(binary.BigEndian.Uint16(b[2:4]))
	if n < headerLen || n > len(b) || n > wire.MaxPacketLength {
		return nil
	}
	return b[:n]
}

// verifyResponse checks an answer to a request of code reqCode that carried
// the Request Authenticator reqAuth, and parses it. The checks run before
// the attributes are trusted: length, Response Authenticator (RFC 2865 3),
// attribute list, Message-Authenticator (RFC 3579 3.2: required in every
// answer to an Access-Request or Status-Server, checked wherever present),
// then the code. The returned packet's Secret is secret and its
// Authenticator the Response Authenticator.
func verifyResponse(b []byte, reqCode wire.Code, reqAuth [16]byte, secret []byte) (*wire.Packet, dropReason) {
	b = checkLength(b)
	if b == nil {
		return nil, dropMalformed
	}
	h := md5.New()
	h.Write(b[:4])
	h.Write(reqAuth[:])
	h.Write(b[headerLen:])
	h.Write(secret)
	var sum [md5.Size]byte
	if subtle.ConstantTimeCompare(h.Sum(sum[:0]), b[4:headerLen]) != 1 {
		return nil, dropBadAuthenticator
	}
	attrs, err := wire.ParseAttributes(b[headerLen:])
	if err != nil {
		return nil, dropMalformed
	}
	maOff, count := -1, 0
	for off := headerLen; off < len(b); off += int(b[off+1]) { // lengths validated by ParseAttributes
		if wire.Type(b[off]) == typeMessageAuthenticator {
			count++
			if int(b[off+1]) != 2+maLen {
				return nil, dropBadMessageAuthenticator
			}
			maOff = off + 2
		}
	}
	required := reqCode == wire.CodeAccessRequest || reqCode == wire.CodeStatusServer
	switch {
	case count > 1, count == 0 && required:
		return nil, dropBadMessageAuthenticator
	case count == 1:
		if !hmac.Equal(responseMAC(b, reqAuth, maOff, secret), b[maOff:maOff+maLen]) {
			return nil, dropBadMessageAuthenticator
		}
	}
	if !answers(reqCode, wire.Code(b[0])) {
		return nil, dropWrongCode
	}
	p := &wire.Packet{Code: wire.Code(b[0]), Identifier: b[1], Secret: secret, Attributes: attrs}
	copy(p.Authenticator[:], b[4:headerLen])
	return p, dropNone
}

// responseMAC is the Message-Authenticator of an answer: HMAC-MD5 over the
// packet with the Request Authenticator in place of the Response
// Authenticator and the Message-Authenticator value zeroed (RFC 3579 3.2).
func responseMAC(b []byte, reqAuth [16]byte, maOff int, secret []byte) []byte {
	mac := hmac.New(md5.New, secret)
	mac.Write(b[:4])
	mac.Write(reqAuth[:])
	mac.Write(b[headerLen:maOff])
	var zero [maLen]byte
	mac.Write(zero[:])
	mac.Write(b[maOff+maLen:])
	return mac.Sum(nil)
}

// answers says whether code is a valid answer to a request of reqCode.
func answers(reqCode, code wire.Code) bool {
	switch reqCode {
	case wire.CodeAccessRequest:
		return code == wire.CodeAccessAccept || code == wire.CodeAccessReject || code == wire.CodeAccessChallenge
	case wire.CodeAccountingRequest:
		return code == wire.CodeAccountingResponse
	case wire.CodeStatusServer: // RFC 5997: Access-Accept from an auth port, Accounting-Response from an acct port
		return code == wire.CodeAccessAccept || code == wire.CodeAccountingResponse
	}
	return false
}
