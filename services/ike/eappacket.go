package ike

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"
)

// EAP packets (RFC 3748 section 4). The responder relays them and looks
// only at what it must (the code, and the identity it asked for); the
// initiator answers them through an EAPClient.

// EAP codes.
const (
	eapRequest  = 1
	eapResponse = 2
	eapSuccess  = 3
	eapFailure  = 4
)

// EAP types (RFC 3748 section 5).
const (
	eapTypeIdentity     = 1
	eapTypeNotification = 2
	eapTypeNak          = 3 // legacy Nak: the types the peer wants instead
	eapTypeMD5          = 4 // MD5-Challenge
)

// eapPacket is one EAP packet; Type and Data only for requests and
// responses.
type eapPacket struct {
	Code, ID, Type byte
	Data           []byte
}

var errEAPShort = errors.New("EAP packet too short")

// parseEAP reads an EAP packet. Octets past the Length field are padding
// and ignored; a Length past the end is an error (RFC 3748 4.1). Data
// points into b.
func parseEAP(b []byte) (eapPacket, error) {
	if len(b) < 4 {
		return eapPacket{}, errEAPShort
	}
	p := eapPacket{Code: b[0], ID: b[1]}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n < 4 || n > len(b) {
		return eapPacket{}, fmt.Errorf("EAP length %d in a packet of %d bytes", n, len(b))
	}
	switch p.Code {
	case eapRequest, eapResponse:
		if n < 5 {
			return eapPacket{}, errEAPShort
		}
		p.Type, p.Data = b[4], b[5:n]
	case eapSuccess, eapFailure:
	default:
		return eapPacket{}, fmt.Errorf("EAP code %d", p.Code)
	}
	return p, nil
}

func (p eapPacket) encode() []byte {
	n := 4
	if p.Code == eapRequest || p.Code == eapResponse {
		n += 1 + len(p.Data)
	}
	b := make([]byte, 4, n)
	b[0], b[1] = p.Code, p.ID
	binary.BigEndian.PutUint16(b[2:], uint16(n))
	if n > 4 {
		b = append(append(b, p.Type), p.Data...)
	}
	return b
}

// EAPClient is the peer side of one EAP method for the initiator
// (InitiatorConfig.EAP). The engine answers Identity and Notification
// requests itself and hands every other request to Respond. One
// EAPClient serves one IKE SA.
type EAPClient interface {
	// Identity is sent in EAP-Response/Identity.
	Identity() string
	// Respond answers an EAP request (the whole packet) with the whole
	// EAP response; an error abandons the IKE SA.
	Respond(request []byte) ([]byte, error)
	// MSK is the master session key once the method succeeded, nil when
	// the method makes none (the AUTH payloads then use SK_pi and SK_pr).
	MSK() []byte
}

// EAPMD5 is an EAP-MD5 client (RFC 3748 5.4): it answers MD5-Challenge
// requests with MD5(identifier | password | challenge) and proposes MD5
// (legacy Nak) to anything else. It makes no key.
func EAPMD5(identity, password string) EAPClient {
	return &eapMD5{identity: identity, password: password}
}

type eapMD5 struct{ identity, password string }

func (m *eapMD5) Identity() string { return m.identity }
func (m *eapMD5) MSK() []byte      { return nil }

func (m *eapMD5) Respond(request []byte) ([]byte, error) {
	p, err := parseEAP(request)
	if err != nil {
		return nil, err
	}
	if p.Code != eapRequest {
		return nil, fmt.Errorf("EAP-MD5: code %d is not a request", p.Code)
	}
	if p.Type != eapTypeMD5 {
		return eapPacket{Code: eapResponse, ID: p.ID, Type: eapTypeNak, Data: []byte{eapTypeMD5}}.encode(), nil
	}
	challenge, err := md5Challenge(p.Data)
	if err != nil {
		return nil, err
	}
	v := eapMD5Value(p.ID, m.password, challenge)
	return eapPacket{Code: eapResponse, ID: p.ID, Type: eapTypeMD5, Data: append([]byte{byte(len(v))}, v...)}.encode(), nil
}

// md5Challenge is the Value of MD5-Challenge type data: Value-Size,
// Value, then an optional Name.
func md5Challenge(data []byte) ([]byte, error) {
	if len(data) < 1 || data[0] == 0 || int(data[0]) > len(data)-1 {
		return nil, errors.New("EAP-MD5: malformed challenge")
	}
	return data[1 : 1+int(data[0])], nil
}

// eapMD5Value is the MD5-Challenge response value (RFC 1994 4.1, as RFC
// 3748 5.4 uses it).
func eapMD5Value(id byte, password string, challenge []byte) []byte {
	h := md5.New()
	h.Write([]byte{id})
	h.Write([]byte(password))
	h.Write(challenge)
	return h.Sum(nil)
}
