package dynauth

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/binary"
	"net/netip"
	"time"

	"layeh.com/radius"
)

// Attribute types the server reads itself.
const (
	attrUserName             = 1
	attrNASIPAddress         = 4
	attrServiceType          = 6
	attrFramedIPAddress      = 8
	attrReplyMessage         = 18
	attrState                = 24
	attrSessionTimeout       = 27
	attrIdleTimeout          = 28
	attrVendorSpecific       = 26
	attrNASIdentifier        = 32
	attrProxyState           = 33
	attrAcctSessionID        = 44
	attrEventTimestamp       = 55
	attrMessageAuthenticator = 80
	attrNASIPv6Address       = 95
	attrErrorCause           = 101

	serviceTypeAuthorizeOnly = 17
)

const headerLen = 20

// request is a datagram that passed the checks of inspect: from a known
// client, well formed, authentic.
type request struct {
	kind    Kind
	id      byte
	auth    [16]byte
	packet  []byte // the packet, Length bytes (what follows is padding and ignored)
	attrs   radius.Attributes
	hasMA   bool
	hasTime bool
	time    time.Time // Event-Timestamp, when hasTime

	from   netip.AddrPort // source, IPv4 unmapped
	secret []byte
}

// inspect checks a datagram from a known client: RADIUS framing (RFC 2865
// section 3: a packet shorter than its Length is dropped, octets beyond it
// are padding), the code, the attributes' framing, the Request
// Authenticator (RFC 5176, as RFC 2866 for accounting: MD5 over the packet
// with a zero authenticator, then the secret) and the Message-Authenticator
// (RFC 5176 after RFC 3579: HMAC-MD5 under the secret over the packet with
// a zero authenticator and a zero Message-Authenticator). checkKey false skips
// the key checks ("ignore server-key"). b is copied.
func inspect(b []byte, secret []byte, checkKey bool) (*request, DropReason) {
	if len(b) < headerLen {
		return nil, DropMalformed
	}
	length := int(binary.BigEndian.Uint16(b[2:4]))
	if length < headerLen || length > radius.MaxPacketLength || length > len(b) {
		return nil, DropMalformed
	}
	b = append([]byte(nil), b[:length]...)
	req := &request{id: b[1], packet: b}
	switch radius.Code(b[0]) {
	case radius.CodeDisconnectRequest:
		req.kind = KindDisconnect
	case radius.CodeCoARequest:
		req.kind = KindCoA
	default:
		return nil, DropUnsupportedCode
	}
	copy(req.auth[:], b[4:headerLen])
	attrs, err := radius.ParseAttributes(b[headerLen:])
	if err != nil {
		return nil, DropMalformed
	}
	req.attrs = attrs
	maOffset, maCount := -1, 0
	off := headerLen
	for _, a := range attrs {
		switch a.Type {
		case attrMessageAuthenticator:
			maCount++
			if len(a.Attribute) != 16 {
				return nil, DropBadMessageAuthenticator
			}
			maOffset = off + 2
		case attrEventTimestamp:
			if len(a.Attribute) != 4 || req.hasTime {
				return nil, DropMalformed
			}
			req.hasTime = true
			req.time = time.Unix(int64(binary.BigEndian.Uint32(a.Attribute)), 0)
		}
		off += 2 + len(a.Attribute)
	}
	if maCount > 1 {
		return nil, DropBadMessageAuthenticator
	}
	req.hasMA = maCount == 1
	if !checkKey {
		return req, 0
	}
	if len(secret) == 0 {
		return nil, DropNoKey
	}
	if !hmac.Equal(requestAuthenticator(b, secret), b[4:headerLen]) {
		return nil, DropBadAuthenticator
	}
	if req.hasMA && !hmac.Equal(requestMessageAuthenticator(b, maOffset, secret), b[maOffset:maOffset+16]) {
		return nil, DropBadMessageAuthenticator
	}
	return req, 0
}

// requestAuthenticator is the Request Authenticator b should carry.
func requestAuthenticator(b, secret []byte) []byte {
	h := md5.New()
	h.Write(b[:4])
	var zero [16]byte
	h.Write(zero[:])
	h.Write(b[headerLen:])
	h.Write(secret)
	return h.Sum(nil)
}

// requestMessageAuthenticator is the Message-Authenticator (its value at
// offset off) that b should carry.
func requestMessageAuthenticator(b []byte, off int, secret []byte) []byte {
	c := append([]byte(nil), b...)
	clear(c[4:headerLen])
	clear(c[off : off+16])
	mac := hmac.New(md5.New, secret)
	mac.Write(c)
	return mac.Sum(nil)
}

// encodeResponse builds the ACK or NAK to req with attrs: the Response
// Authenticator is MD5 over the response with the request's authenticator
// in its place, then the secret (RFC 5176); a request that had
// a Message-Authenticator gets one (HMAC-MD5 over the response with the
// request's authenticator and a zero Message-Authenticator) as the last
// attribute.
func encodeResponse(req *request, code radius.Code, attrs radius.Attributes, secret []byte) ([]byte, error) {
	p := &radius.Packet{Code: code, Identifier: req.id, Authenticator: req.auth, Secret: secret}
	p.Attributes = append(p.Attributes, attrs...)
	if req.hasMA {
		ma := &radius.AVP{Type: attrMessageAuthenticator, Attribute: make(radius.Attribute, 16)}
		p.Attributes = append(p.Attributes, ma)
		raw, err := p.MarshalBinary()
		if err != nil {
			return nil, err
		}
		mac := hmac.New(md5.New, secret)
		mac.Write(raw)
		ma.Attribute = mac.Sum(nil)
	}
	return p.Encode()
}

// responseCode is the ACK or NAK code answering kind.
func responseCode(kind Kind, nak bool) radius.Code {
	switch {
	case kind == KindDisconnect && nak:
		return radius.CodeDisconnectNAK
	case kind == KindDisconnect:
		return radius.CodeDisconnectACK
	case nak:
		return radius.CodeCoANAK
	}
	return radius.CodeCoAACK
}
