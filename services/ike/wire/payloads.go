package wire

import (
	"encoding/binary"
	"net/netip"
)

// Payload is one typed payload. The set is closed: every implementation is
// in this package, and Unknown carries types the codec does not know.
type Payload interface {
	Type() PayloadType
	// isCritical reports the generic header's critical bit as received or
	// to be sent.
	isCritical() bool
	// appendBody appends the payload body (after the generic header).
	appendBody(b []byte) ([]byte, error)
}

// SA is the Security Association payload (RFC 7296 3.3).
type SA struct {
	Critical  bool
	Proposals []Proposal
}

// Proposal is a proposal substructure. SPI is empty for an IKE SA in
// IKE_SA_INIT, 8 bytes for an IKE SA rekey, 4 bytes for AH/ESP.
type Proposal struct {
	Number     uint8
	Protocol   ProtocolID
	SPI        []byte
	Transforms []Transform
}

// Transform is a transform substructure.
type Transform struct {
	Type       TransformType
	ID         TransformID
	Attributes []Attribute
}

// Attribute is a transform attribute. TV attributes (AF bit set) carry
// Value; TLV attributes carry Data.
type Attribute struct {
	Type  AttributeType
	TV    bool
	Value uint16
	Data  []byte
}

// KeyLength returns the Key Length attribute of t, if any.
func (t *Transform) KeyLength() (uint16, bool) {
	for _, a := range t.Attributes {
		if a.Type == AttrKeyLength && a.TV {
			return a.Value, true
		}
	}
	return 0, false
}

// KE is the Key Exchange payload (RFC 7296 3.4).
type KE struct {
	Critical bool
	Group    TransformID
	Data     []byte
}

// ID is the Identification payload (RFC 7296 3.5); Responder selects IDr
// over IDi.
type ID struct {
	Responder bool
	Critical  bool
	IDType    IDType
	Data      []byte
}

// Cert is the Certificate payload (RFC 7296 3.6).
type Cert struct {
	Critical bool
	Encoding CertEncoding
	Data     []byte
}

// CertReq is the Certificate Request payload (RFC 7296 3.7); for X.509 the
// data is a concatenation of SHA-1 hashes of CA public keys.
type CertReq struct {
	Critical bool
	Encoding CertEncoding
	Data     []byte
}

// Auth is the Authentication payload (RFC 7296 3.8).
type Auth struct {
	Critical bool
	Method   AuthMethod
	Data     []byte
}

// Nonce is the Nonce payload (RFC 7296 3.9).
type Nonce struct {
	Critical bool
	Data     []byte
}

// Notify is the Notify payload (RFC 7296 3.10).
type Notify struct {
	Critical   bool
	Protocol   ProtocolID
	SPI        []byte
	NotifyType NotifyType
	Data       []byte
}

// Delete is the Delete payload (RFC 7296 3.11). All SPIs have the same
// size; deleting the IKE SA uses no SPIs.
type Delete struct {
	Critical bool
	Protocol ProtocolID
	SPISize  uint8
	SPIs     [][]byte
}

// VendorID is the Vendor ID payload (RFC 7296 3.12).
type VendorID struct {
	Critical bool
	Data     []byte
}

// TS is a Traffic Selector payload (RFC 7296 3.13); Responder selects TSr
// over TSi.
type TS struct {
	Responder bool
	Critical  bool
	Selectors []TrafficSelector
}

// TrafficSelector is one selector. For the two address-range types Start
// and End hold the addresses; for other types Raw holds the bytes after the
// ports, unparsed.
type TrafficSelector struct {
	Type       TSType
	IPProtocol uint8
	StartPort  uint16
	EndPort    uint16
	Start      netip.Addr
	End        netip.Addr
	Raw        []byte
}

// SK is the Encrypted and Authenticated payload (RFC 7296 3.14). Data is
// IV, ciphertext and ICV as on the wire; FirstInner is the type of the
// first payload inside it, carried in SK's own next-payload field.
type SK struct {
	Critical   bool
	FirstInner PayloadType
	Data       []byte
}

// SKF is the Encrypted Fragment payload (RFC 7383 2.5). FirstInner is only
// meaningful (non-zero) in fragment 1.
type SKF struct {
	Critical   bool
	FirstInner PayloadType
	Number     uint16
	Total      uint16
	Data       []byte
}

// CP is the Configuration payload (RFC 7296 3.15).
type CP struct {
	Critical   bool
	CfgType    CPType
	Attributes []CPAttribute
}

// CPAttribute is one configuration attribute; an empty Value is a request.
type CPAttribute struct {
	Type  CPAttributeType
	Value []byte
}

// EAP is the EAP payload (RFC 7296 3.16); Data is the whole EAP message.
type EAP struct {
	Critical bool
	Data     []byte
}

// Unknown is a payload of a type this codec does not know, kept as bytes.
// Parse only returns it when the critical bit is clear.
type Unknown struct {
	PayloadType PayloadType
	Critical    bool
	Data        []byte
}

func (*SA) Type() PayloadType        { return PayloadSA }
func (*KE) Type() PayloadType        { return PayloadKE }
func (*Cert) Type() PayloadType      { return PayloadCERT }
func (*CertReq) Type() PayloadType   { return PayloadCERTREQ }
func (*Auth) Type() PayloadType      { return PayloadAUTH }
func (*Nonce) Type() PayloadType     { return PayloadNonce }
func (*Notify) Type() PayloadType    { return PayloadNotify }
func (*Delete) Type() PayloadType    { return PayloadDelete }
func (*VendorID) Type() PayloadType  { return PayloadVendorID }
func (*SK) Type() PayloadType        { return PayloadSK }
func (*SKF) Type() PayloadType       { return PayloadSKF }
func (*CP) Type() PayloadType        { return PayloadCP }
func (*EAP) Type() PayloadType       { return PayloadEAP }
func (u *Unknown) Type() PayloadType { return u.PayloadType }

func (p *ID) Type() PayloadType {
	if p.Responder {
		return PayloadIDr
	}
	return PayloadIDi
}

func (p *TS) Type() PayloadType {
	if p.Responder {
		return PayloadTSr
	}
	return PayloadTSi
}

func (p *SA) isCritical() bool       { return p.Critical }
func (p *KE) isCritical() bool       { return p.Critical }
func (p *ID) isCritical() bool       { return p.Critical }
func (p *Cert) isCritical() bool     { return p.Critical }
func (p *CertReq) isCritical() bool  { return p.Critical }
func (p *Auth) isCritical() bool     { return p.Critical }
func (p *Nonce) isCritical() bool    { return p.Critical }
func (p *Notify) isCritical() bool   { return p.Critical }
func (p *Delete) isCritical() bool   { return p.Critical }
func (p *VendorID) isCritical() bool { return p.Critical }
func (p *TS) isCritical() bool       { return p.Critical }
func (p *SK) isCritical() bool       { return p.Critical }
func (p *SKF) isCritical() bool      { return p.Critical }
func (p *CP) isCritical() bool       { return p.Critical }
func (p *EAP) isCritical() bool      { return p.Critical }
func (p *Unknown) isCritical() bool  { return p.Critical }

// appendBody implementations: the generic header is written by the caller.

func (p *SA) appendBody(b []byte) ([]byte, error) {
	if len(p.Proposals) == 0 {
		return nil, encErr(p, "no proposals", ErrBadCount)
	}
	for i, pr := range p.Proposals {
		start := len(b)
		more := byte(2)
		if i == len(p.Proposals)-1 {
			more = 0
		}
		if len(pr.SPI) > 255 || len(pr.Transforms) > 255 {
			return nil, encErr(p, "proposal SPI or transform count over 255", ErrTooLarge)
		}
		b = append(b, more, 0, 0, 0, pr.Number, byte(pr.Protocol), byte(len(pr.SPI)), byte(len(pr.Transforms)))
		b = append(b, pr.SPI...)
		for j, t := range pr.Transforms {
			tstart := len(b)
			more := byte(3)
			if j == len(pr.Transforms)-1 {
				more = 0
			}
			b = append(b, more, 0, 0, 0, byte(t.Type), 0)
			b = binary.BigEndian.AppendUint16(b, uint16(t.ID))
			for _, a := range t.Attributes {
				if a.Type > 0x7fff {
					return nil, encErr(p, "attribute type over 15 bits", ErrTooLarge)
				}
				if a.TV {
					b = binary.BigEndian.AppendUint16(b, 0x8000|uint16(a.Type))
					b = binary.BigEndian.AppendUint16(b, a.Value)
					continue
				}
				if len(a.Data) > 0xffff {
					return nil, encErr(p, "attribute over 65535 bytes", ErrTooLarge)
				}
				b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
				b = binary.BigEndian.AppendUint16(b, uint16(len(a.Data)))
				b = append(b, a.Data...)
			}
			if err := putLen16(b, tstart+2, len(b)-tstart); err != nil {
				return nil, encErr(p, "transform", err)
			}
		}
		if err := putLen16(b, start+2, len(b)-start); err != nil {
			return nil, encErr(p, "proposal", err)
		}
	}
	return b, nil
}

func (p *KE) appendBody(b []byte) ([]byte, error) {
	b = binary.BigEndian.AppendUint16(b, uint16(p.Group))
	return append(append(b, 0, 0), p.Data...), nil
}

func (p *ID) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.IDType), 0, 0, 0), p.Data...), nil
}

func (p *Cert) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Encoding)), p.Data...), nil
}

func (p *CertReq) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Encoding)), p.Data...), nil
}

func (p *Auth) appendBody(b []byte) ([]byte, error) {
	return append(append(b, byte(p.Method), 0, 0, 0), p.Data...), nil
}

func (p *Nonce) appendBody(b []byte) ([]byte, error) { return append(b, p.Data...), nil }

func (p *Notify) appendBody(b []byte) ([]byte, error) {
	if len(p.SPI) > 255 {
		return nil, encErr(p, "SPI over 255 bytes", ErrTooLarge)
	}
	b = append(b, byte(p.Protocol), byte(len(p.SPI)))
	b = binary.BigEndian.AppendUint16(b, uint16(p.NotifyType))
	return append(append(b, p.SPI...), p.Data...), nil
}

func (p *Delete) appendBody(b []byte) ([]byte, error) {
	if len(p.SPIs) > 0xffff {
		return nil, encErr(p, "over 65535 SPIs", ErrTooLarge)
	}
	b = append(b, byte(p.Protocol), p.SPISize)
	b = binary.BigEndian.AppendUint16(b, uint16(len(p.SPIs)))
	for _, s := range p.SPIs {
		if len(s) != int(p.SPISize) {
			return nil, encErr(p, "SPI size differs from SPISize", ErrBadLength)
		}
		b = append(b, s...)
	}
	return b, nil
}

func (p *VendorID) appendBody(b []byte) ([]byte, error) { return append(b, p.Data...), nil }

func (p *TS) appendBody(b []byte) ([]byte, error) {
	if len(p.Selectors) > 255 {
		return nil, encErr(p, "over 255 selectors", ErrTooLarge)
	}
	b = append(b, byte(len(p.Selectors)), 0, 0, 0)
	for _, s := range p.Selectors {
		start := len(b)
		b = append(b, byte(s.Type), s.IPProtocol, 0, 0)
		b = binary.BigEndian.AppendUint16(b, s.StartPort)
		b = binary.BigEndian.AppendUint16(b, s.EndPort)
		switch s.Type {
		case TS_IPV4_ADDR_RANGE:
			if !s.Start.Is4() || !s.End.Is4() {
				return nil, encErr(p, "IPv4 range selector without IPv4 addresses", ErrBadValue)
			}
			a, e := s.Start.As4(), s.End.As4()
			b = append(append(b, a[:]...), e[:]...)
		case TS_IPV6_ADDR_RANGE:
			if !s.Start.Is6() || !s.End.Is6() {
				return nil, encErr(p, "IPv6 range selector without IPv6 addresses", ErrBadValue)
			}
			a, e := s.Start.As16(), s.End.As16()
			b = append(append(b, a[:]...), e[:]...)
		default:
			b = append(b, s.Raw...)
		}
		if err := putLen16(b, start+2, len(b)-start); err != nil {
			return nil, encErr(p, "selector", err)
		}
	}
	return b, nil
}

func (p *SK) appendBody(b []byte) ([]byte, error) { return append(b, p.Data...), nil }

func (p *SKF) appendBody(b []byte) ([]byte, error) {
	if p.Number == 0 || p.Number > p.Total {
		return nil, encErr(p, "fragment number outside 1..total", ErrBadValue)
	}
	b = binary.BigEndian.AppendUint16(b, p.Number)
	b = binary.BigEndian.AppendUint16(b, p.Total)
	return append(b, p.Data...), nil
}

func (p *CP) appendBody(b []byte) ([]byte, error) {
	b = append(b, byte(p.CfgType), 0, 0, 0)
	for _, a := range p.Attributes {
		if a.Type > 0x7fff || len(a.Value) > 0xffff {
			return nil, encErr(p, "attribute type over 15 bits or value over 65535 bytes", ErrTooLarge)
		}
		b = binary.BigEndian.AppendUint16(b, uint16(a.Type))
		b = binary.BigEndian.AppendUint16(b, uint16(len(a.Value)))
		b = append(b, a.Value...)
	}
	return b, nil
}

func (p *EAP) appendBody(b []byte) ([]byte, error)     { return append(b, p.Data...), nil }
func (p *Unknown) appendBody(b []byte) ([]byte, error) { return append(b, p.Data...), nil }
