package radius

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"strings"
	"testing"

	wire "layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

func TestEncodeAccessRequest(t *testing.T) {
	const pw = "a password of more than sixteen octets"
	req := accessRequest("alice", pw)
	req.Add(80, make(wire.Attribute, 16)) // the caller's is replaced
	before := len(req.Attributes)
	b, auth, err := encodeRequest(req, 42, []byte(secret), &lockedReader{})
	if err != nil {
		t.Fatal(err)
	}
	if len(req.Attributes) != before || string(req.Get(rfc2865.UserPassword_Type)) != pw {
		t.Fatal("encodeRequest modified the request")
	}
	if msg := checkRequestSecurity(b, []byte(secret)); msg != "" {
		t.Fatal(msg)
	}
	p, err := wire.Parse(b, []byte(secret))
	if err != nil {
		t.Fatal(err)
	}
	if p.Identifier != 42 || p.Authenticator != auth || auth == [16]byte{} {
		t.Fatalf("id %d authenticator %x / %x", p.Identifier, p.Authenticator, auth)
	}
	mas := 0
	for _, a := range p.Attributes {
		if a.Type == 80 {
			mas++
		}
	}
	if mas != 1 || p.Attributes[0].Type != 80 {
		t.Fatalf("%d Message-Authenticators, first attribute %d", mas, p.Attributes[0].Type)
	}
	hidden := p.Get(rfc2865.UserPassword_Type)
	if len(hidden) != 48 || bytes.Contains(b, []byte("password")) {
		t.Fatalf("User-Password not hidden: %x", hidden)
	}
	if got, err := wire.UserPassword(hidden, []byte(secret), auth[:]); err != nil || string(got) != pw {
		t.Fatalf("User-Password decrypts to %q, %v", got, err)
	}
}

func TestEncodeAccountingRequest(t *testing.T) {
	req := accountingRequest(1)
	req.Add(80, make(wire.Attribute, 16))
	b, auth, err := encodeRequest(req, 7, []byte(secret), &lockedReader{})
	if err != nil {
		t.Fatal(err)
	}
	if !wire.IsAuthenticRequest(b, []byte(secret)) || !bytes.Equal(auth[:], b[4:20]) {
		t.Fatal("accounting authenticator")
	}
	if p, _ := wire.Parse(b, nil); p.Get(80) != nil {
		t.Fatal("Message-Authenticator in an Accounting-Request")
	}
}

func TestEncodeRequestErrors(t *testing.T) {
	long := accessRequest("u", strings.Repeat("x", 129))
	huge := accessRequest("u", "p")
	for range 20 {
		huge.Add(25, make(wire.Attribute, 250))
	}
	for name, tc := range map[string]struct {
		req    *wire.Packet
		secret string
	}{
		"no secret":     {accessRequest("u", "p"), ""},
		"long password": {long, secret},
		"not a request": {wire.New(wire.CodeAccessAccept, nil), secret},
		"too large":     {huge, secret},
	} {
		if _, _, err := encodeRequest(tc.req, 1, []byte(tc.secret), &lockedReader{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// response builds an answer to a request with authenticator reqAuth;
// edit changes the packet before the Message-Authenticator (when ma) and
// the Response Authenticator are computed.
func response(code wire.Code, reqAuth [16]byte, ma bool, edit func(p *wire.Packet)) []byte {
	req := &wire.Packet{Code: wire.CodeAccessRequest, Identifier: 9, Authenticator: reqAuth, Secret: []byte(secret)}
	return buildReply(req, code, []byte(secret), ma, edit)
}

func TestVerifyResponse(t *testing.T) {
	reqAuth := [16]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	accept := response(wire.CodeAccessAccept, reqAuth, true, func(p *wire.Packet) { rfc2865.ReplyMessage_SetString(p, "hi") })
	flip := func(b []byte, i int) []byte { c := append([]byte(nil), b...); c[i] ^= 0x40; return c }
	for _, tc := range []struct {
		name    string
		b       []byte
		reqCode wire.Code
		want    dropReason
	}{
		{"accept", accept, wire.CodeAccessRequest, dropNone},
		{"accept with padding", append(append([]byte(nil), accept...), 0, 0, 0), wire.CodeAccessRequest, dropNone},
		{"reject", response(wire.CodeAccessReject, reqAuth, true, nil), wire.CodeAccessRequest, dropNone},
		{"challenge", response(wire.CodeAccessChallenge, reqAuth, true, nil), wire.CodeAccessRequest, dropNone},
		{"accounting response", response(wire.CodeAccountingResponse, reqAuth, false, nil), wire.CodeAccountingRequest, dropNone},
		{"accounting response with MA", response(wire.CodeAccountingResponse, reqAuth, true, nil), wire.CodeAccountingRequest, dropNone},
		{"status-server answer", accept, wire.CodeStatusServer, dropNone},
		{"short", accept[:19], wire.CodeAccessRequest, dropMalformed},
		{"length beyond datagram", accept[:len(accept)-1], wire.CodeAccessRequest, dropMalformed},
		{"response authenticator", flip(accept, 5), wire.CodeAccessRequest, dropBadAuthenticator},
		{"attribute", flip(accept, len(accept)-1), wire.CodeAccessRequest, dropBadAuthenticator},
		{"no MA", response(wire.CodeAccessAccept, reqAuth, false, nil), wire.CodeAccessRequest, dropBadMessageAuthenticator},
		{"reject without MA", response(wire.CodeAccessReject, reqAuth, false, nil), wire.CodeAccessRequest, dropBadMessageAuthenticator},
		{"zero MA", response(wire.CodeAccessAccept, reqAuth, false, func(p *wire.Packet) { p.Add(80, make(wire.Attribute, 16)) }),
			wire.CodeAccessRequest, dropBadMessageAuthenticator},
		{"short MA", response(wire.CodeAccessAccept, reqAuth, false, func(p *wire.Packet) { p.Add(80, make(wire.Attribute, 15)) }),
			wire.CodeAccessRequest, dropBadMessageAuthenticator},
		{"two MAs", response(wire.CodeAccessAccept, reqAuth, true, func(p *wire.Packet) { p.Add(80, make(wire.Attribute, 16)) }),
			wire.CodeAccessRequest, dropBadMessageAuthenticator},
		{"bad MA on accounting", response(wire.CodeAccountingResponse, reqAuth, false, func(p *wire.Packet) { p.Add(80, make(wire.Attribute, 16)) }),
			wire.CodeAccountingRequest, dropBadMessageAuthenticator},
		{"accept to accounting", accept, wire.CodeAccountingRequest, dropWrongCode},
		{"accounting response to access", response(wire.CodeAccountingResponse, reqAuth, true, nil), wire.CodeAccessRequest, dropWrongCode},
	} {
		p, got := verifyResponse(tc.b, tc.reqCode, reqAuth, []byte(secret))
		if got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
			continue
		}
		if got == dropNone && (p == nil || !bytes.Equal(p.Secret, []byte(secret)) || p.Authenticator != [16]byte(tc.b[4:20])) {
			t.Errorf("%s: packet %+v", tc.name, p)
		}
	}
	// The same answer under another secret, or to another request, fails.
	if _, got := verifyResponse(accept, wire.CodeAccessRequest, reqAuth, []byte("other")); got != dropBadAuthenticator {
		t.Errorf("other secret: %v", got)
	}
	if _, got := verifyResponse(accept, wire.CodeAccessRequest, [16]byte{}, []byte(secret)); got != dropBadAuthenticator {
		t.Errorf("other request: %v", got)
	}
}

// TestResponseMACKnownAnswer checks the Message-Authenticator against a
// value computed by hand from RFC 3579 3.2's definition.
func TestResponseMACKnownAnswer(t *testing.T) {
	reqAuth := [16]byte{0xA5}
	b := response(wire.CodeAccessReject, reqAuth, true, nil) // header + MA only
	c := append([]byte(nil), b...)
	copy(c[4:20], reqAuth[:])
	clear(c[22:38])
	m := hmac.New(md5.New, []byte(secret))
	m.Write(c)
	if want := m.Sum(nil); !bytes.Equal(responseMAC(b, reqAuth, 22, []byte(secret)), want) || !bytes.Equal(b[22:38], want) {
		t.Fatal("Message-Authenticator differs from RFC 3579's definition")
	}
}
