package radius

import (
	"crypto/md5"
	"encoding/binary"
	"errors"
	"fmt"

	wire "layeh.com/radius"
)

// Attribute helpers for what the AAA service reads and writes: Cisco
// AV-pairs, EAP-Message and State for EAP pass-through, Tunnel-Password
// (AAA-based pre-shared keys) and the MS-MPPE keys that make the EAP MSK.

const maxAttrValue = 253

// vendorAttrs returns the values of the sub-attributes typ of vendor in
// p, in packet order. Vendor-Specific attributes that do not follow the
// RFC 2865 5.26 suggested format are skipped from the first bad
// sub-attribute on.
func vendorAttrs(p *wire.Packet, vendor uint32, typ byte) [][]byte {
	var out [][]byte
	for _, avp := range p.Attributes {
		v := avp.Attribute
		if avp.Type != typeVendorSpecific || len(v) < 4 || binary.BigEndian.Uint32(v) != vendor {
			continue
		}
		for sub := v[4:]; len(sub) >= 2 && sub[1] >= 2 && int(sub[1]) <= len(sub); sub = sub[sub[1]:] {
			if sub[0] == typ {
				out = append(out, sub[2:sub[1]])
			}
		}
	}
	return out
}

const ciscoAVPair = 1

// CiscoAVPairs returns every Cisco AV-pair (vendor 9, type 1) of p, in
// packet order, as the "protocol:attribute=value" strings the server sent.
func CiscoAVPairs(p *wire.Packet) []string {
	var out []string
	for _, v := range vendorAttrs(p, vendorCisco, ciscoAVPair) {
		out = append(out, string(v))
	}
	return out
}

// AddCiscoAVPair appends a Cisco AV-pair, one per Vendor-Specific
// attribute as IOS sends them.
func AddCiscoAVPair(p *wire.Packet, pair string) error {
	if len(pair) > maxAttrValue-6 {
		return fmt.Errorf("cisco-avpair %.20q...: longer than %d bytes", pair, maxAttrValue-6)
	}
	v := make(wire.Attribute, 6+len(pair))
	binary.BigEndian.PutUint32(v, vendorCisco)
	v[4], v[5] = ciscoAVPair, byte(2+len(pair))
	copy(v[6:], pair)
	p.Add(typeVendorSpecific, v)
	return nil
}

// SetEAPMessage replaces p's EAP-Message attributes with eap, split into
// attributes of 253 octets (RFC 3579 3.1).
func SetEAPMessage(p *wire.Packet, eap []byte) error {
	if len(eap) < 4 {
		return errors.New("EAP packet shorter than its header")
	}
	p.Del(typeEAPMessage)
	for len(eap) > 0 {
		n := min(len(eap), maxAttrValue)
		p.Add(typeEAPMessage, append(wire.Attribute(nil), eap[:n]...))
		eap = eap[n:]
	}
	return nil
}

// EAPMessage reassembles the EAP packet of p's EAP-Message attributes. It
// returns nil and no error when there is none, and an error when the
// pieces do not make one EAP packet (its length field must count exactly
// the octets received).
func EAPMessage(p *wire.Packet) ([]byte, error) {
	var eap []byte
	for _, avp := range p.Attributes {
		if avp.Type == typeEAPMessage {
			eap = append(eap, avp.Attribute...)
		}
	}
	if eap == nil {
		return nil, nil
	}
	if len(eap) < 4 {
		return nil, fmt.Errorf("EAP-Message: %d octets, shorter than an EAP header", len(eap))
	}
	if n := int(binary.BigEndian.Uint16(eap[2:4])); n != len(eap) {
		return nil, fmt.Errorf("EAP-Message: EAP length %d, %d octets received", n, len(eap))
	}
	return eap, nil
}

// State returns a copy of p's State attribute, or nil. An Access-Challenge's
// State goes back unchanged in the next Access-Request of the conversation.
func State(p *wire.Packet) []byte {
	v, ok := p.Lookup(typeState)
	if !ok {
		return nil
	}
	return append([]byte{}, v...)
}

// SetState sets p's State attribute (removing it when state is nil).
func SetState(p *wire.Packet, state []byte) error {
	p.Del(typeState)
	if state == nil {
		return nil
	}
	if len(state) > maxAttrValue {
		return fmt.Errorf("State: %d octets, more than %d", len(state), maxAttrValue)
	}
	p.Add(typeState, append(wire.Attribute(nil), state...))
	return nil
}

// TunnelPassword is one decrypted Tunnel-Password attribute. Tag groups
// the attributes of one tunnel (0: untagged).
type TunnelPassword struct {
	Tag      byte
	Password []byte
}

// DecryptTunnelPassword decrypts the value of a Tunnel-Password attribute
// (RFC 2868 3.5): an optional tag (0x00-0x1F; a first octet above 0x1F is
// the salt's, whose high bit is always set), a two-octet salt and the
// salted, MD5-chained ciphertext of a length octet, the password and
// padding. secret is the server's and reqAuth the Request Authenticator
// of the request the attribute answers.
func DecryptTunnelPassword(v, secret []byte, reqAuth [16]byte) (TunnelPassword, error) {
	var tp TunnelPassword
	if len(v) > 0 && v[0] <= 0x1F {
		tp.Tag, v = v[0], v[1:]
	}
	pw, err := saltDecrypt(v, secret, reqAuth)
	if err != nil {
		return TunnelPassword{}, fmt.Errorf("Tunnel-Password: %w", err)
	}
	tp.Password = pw
	return tp, nil
}

// DecryptMPPEKey decrypts the value of an MS-MPPE-Send-Key or
// MS-MPPE-Recv-Key sub-attribute (RFC 2548 2.4.2, 2.4.3), the same salted
// scheme as Tunnel-Password without a tag.
func DecryptMPPEKey(v, secret []byte, reqAuth [16]byte) ([]byte, error) {
	key, err := saltDecrypt(v, secret, reqAuth)
	if err != nil {
		return nil, fmt.Errorf("MS-MPPE key: %w", err)
	}
	return key, nil
}

// saltDecrypt undoes the salted hiding of RFC 2868 3.5 / RFC 2548 2.4.2:
// v is salt (2 octets, high bit set) then n*16 octets; the plaintext is a
// length octet, that many octets of data, and padding.
func saltDecrypt(v, secret []byte, reqAuth [16]byte) ([]byte, error) {
	switch {
	case len(secret) == 0:
		return nil, errors.New("no shared secret")
	case len(v) < 2+16 || (len(v)-2)%16 != 0:
		return nil, fmt.Errorf("%d octets, not a salt and whole 16-octet blocks", len(v))
	case v[0]&0x80 == 0:
		return nil, errors.New("salt without its high bit")
	}
	salt, ct := v[:2], v[2:]
	pt := make([]byte, len(ct))
	h := md5.New()
	var b [md5.Size]byte
	for i := 0; i < len(ct); i += 16 {
		h.Reset()
		h.Write(secret)
		if i == 0 {
			h.Write(reqAuth[:])
			h.Write(salt)
		} else {
			h.Write(ct[i-16 : i])
		}
		h.Sum(b[:0])
		for j := range 16 {
			pt[i+j] = ct[i+j] ^ b[j]
		}
	}
	n := int(pt[0])
	if n > len(pt)-1 {
		return nil, fmt.Errorf("length octet %d, only %d octets of data (wrong secret?)", n, len(pt)-1)
	}
	return pt[1 : 1+n], nil
}

// TunnelPasswords decrypts every Tunnel-Password of the answer.
func (r *Response) TunnelPasswords() ([]TunnelPassword, error) {
	var out []TunnelPassword
	for _, avp := range r.Packet.Attributes {
		if avp.Type != typeTunnelPassword {
			continue
		}
		tp, err := DecryptTunnelPassword(avp.Attribute, r.Packet.Secret, r.RequestAuthenticator)
		if err != nil {
			return nil, err
		}
		out = append(out, tp)
	}
	return out, nil
}

// MS-MPPE key sub-attributes of vendor 311.
const (
	msMPPESendKey = 16
	msMPPERecvKey = 17
)

// ErrNoMSK means an Access-Accept carries no MS-MPPE keys: the EAP method
// generates none, or the server does not send them.
var ErrNoMSK = errors.New("no MS-MPPE-Recv-Key and MS-MPPE-Send-Key")

// MSK is the EAP Master Session Key of an Access-Accept: MS-MPPE-Recv-Key
// then MS-MPPE-Send-Key (RFC 5216 2.3: 32 octets each for the TLS-based
// methods), the key IKEv2 EAP authentication signs with (RFC 7296 2.16).
func (r *Response) MSK() ([]byte, error) {
	return msk(r.Packet, r.RequestAuthenticator)
}

func msk(p *wire.Packet, reqAuth [16]byte) ([]byte, error) {
	recv, send := vendorAttrs(p, vendorMicrosoft, msMPPERecvKey), vendorAttrs(p, vendorMicrosoft, msMPPESendKey)
	if len(recv) == 0 || len(send) == 0 {
		return nil, ErrNoMSK
	}
	rk, err := DecryptMPPEKey(recv[0], p.Secret, reqAuth)
	if err != nil {
		return nil, fmt.Errorf("MS-MPPE-Recv-Key: %w", err)
	}
	sk, err := DecryptMPPEKey(send[0], p.Secret, reqAuth)
	if err != nil {
		return nil, fmt.Errorf("MS-MPPE-Send-Key: %w", err)
	}
	return append(append(make([]byte, 0, len(rk)+len(sk)), rk...), sk...), nil
}
