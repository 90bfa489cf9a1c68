package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"
)

// genericHeaderLen is the size of the generic payload header.
const genericHeaderLen = 4

// maxMessageLen bounds what Encode produces: the header length field is 32
// bits but nothing legitimate comes close; 64 KiB is the UDP limit.
const maxMessageLen = 0xffff

// Message is an IKE message: the header and its payloads in order. If the
// message is protected, the last payload is an *SK or *SKF.
type Message struct {
	Header
	Payloads []Payload
}

// Parse decodes a whole IKE message (non-ESP marker already stripped). Every
// byte must be accounted for: the header length must equal len(b) and the
// payload chain must end exactly at the end of b. The result aliases b.
func Parse(b []byte) (*Message, error) {
	h, err := ParseHeader(b)
	if err != nil {
		return nil, err
	}
	ps, err := parseChain(h.NextPayload, b, HeaderLen, false)
	if err != nil {
		return nil, err
	}
	return &Message{Header: h, Payloads: ps}, nil
}

// ParsePayloads decodes the plaintext of an SK payload (or a reassembled set
// of SKF fragments), whose first payload has type first. Offsets in errors
// are relative to b. SK and SKF inside are rejected with ErrNesting.
func ParsePayloads(first PayloadType, b []byte) ([]Payload, error) {
	return parseChain(first, b, 0, true)
}

func parseChain(next PayloadType, b []byte, off int, inner bool) ([]Payload, error) {
	var ps []Payload
	for next != NoNextPayload {
		if len(b)-off < genericHeaderLen {
			return nil, perr(next, off, fmt.Sprintf("%d bytes left, need a %d-byte payload header", len(b)-off, genericHeaderLen), ErrTruncated)
		}
		t := next
		next = PayloadType(b[off])
		critical := b[off+1]&0x80 != 0
		n := int(binary.BigEndian.Uint16(b[off+2:]))
		if n < genericHeaderLen {
			return nil, perr(t, off, fmt.Sprintf("payload length %d below %d", n, genericHeaderLen), ErrBadLength)
		}
		if n > len(b)-off {
			return nil, perr(t, off, fmt.Sprintf("payload length %d, %d bytes left", n, len(b)-off), ErrTruncated)
		}
		if inner && (t == PayloadSK || t == PayloadSKF) {
			return nil, perr(t, off, "encrypted payload inside an encrypted payload", ErrNesting)
		}
		p, err := parseBody(t, next, critical, b[off+genericHeaderLen:off+n], off)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
		off += n
		if t == PayloadSK || t == PayloadSKF {
			// Their next-payload field names the first inner payload, so
			// the outer chain ends here (RFC 7296 3.14: SK is last).
			break
		}
	}
	if off != len(b) {
		return nil, fmt.Errorf("ike wire: %d bytes after the last payload at offset %d: %w", len(b)-off, off, ErrTrailingBytes)
	}
	return ps, nil
}

func perr(t PayloadType, off int, what string, sentinel error) error {
	return fmt.Errorf("ike wire: %v payload at offset %d: %s: %w", t, off, what, sentinel)
}

func encErr(p Payload, what string, sentinel error) error {
	return fmt.Errorf("ike wire: encode %v payload: %s: %w", p.Type(), what, sentinel)
}

// putLen16 writes n as a big-endian 16-bit length at b[at:].
func putLen16(b []byte, at, n int) error {
	if n > 0xffff {
		return fmt.Errorf("length %d over 65535: %w", n, ErrTooLarge)
	}
	binary.BigEndian.PutUint16(b[at:], uint16(n))
	return nil
}

// need checks that a body has at least min bytes.
func need(t PayloadType, off int, body []byte, min int) error {
	if len(body) < min {
		return perr(t, off, fmt.Sprintf("body %d bytes, need at least %d", len(body), min), ErrBadLength)
	}
	return nil
}

func parseBody(t, next PayloadType, critical bool, body []byte, off int) (Payload, error) {
	switch t {
	case PayloadSA:
		return parseSA(critical, body, off)
	case PayloadKE:
		if err := need(t, off, body, 4); err != nil {
			return nil, err
		}
		return &KE{Critical: critical, Group: TransformID(binary.BigEndian.Uint16(body)), Data: body[4:]}, nil
	case PayloadIDi, PayloadIDr:
		if err := need(t, off, body, 4); err != nil {
			return nil, err
		}
		return &ID{Responder: t == PayloadIDr, Critical: critical, IDType: IDType(body[0]), Data: body[4:]}, nil
	case PayloadCERT:
		if err := need(t, off, body, 1); err != nil {
			return nil, err
		}
		return &Cert{Critical: critical, Encoding: CertEncoding(body[0]), Data: body[1:]}, nil
	case PayloadCERTREQ:
		if err := need(t, off, body, 1); err != nil {
			return nil, err
		}
		return &CertReq{Critical: critical, Encoding: CertEncoding(body[0]), Data: body[1:]}, nil
	case PayloadAUTH:
		if err := need(t, off, body, 4); err != nil {
			return nil, err
		}
		return &Auth{Critical: critical, Method: AuthMethod(body[0]), Data: body[4:]}, nil
	case PayloadNonce:
		return &Nonce{Critical: critical, Data: body}, nil
	case PayloadNotify:
		if err := need(t, off, body, 4); err != nil {
			return nil, err
		}
		spi := int(body[1])
		if err := need(t, off, body, 4+spi); err != nil {
			return nil, err
		}
		return &Notify{Critical: critical, Protocol: ProtocolID(body[0]), NotifyType: NotifyType(binary.BigEndian.Uint16(body[2:])),
			SPI: body[4 : 4+spi], Data: body[4+spi:]}, nil
	case PayloadDelete:
		return parseDelete(critical, body, off)
	case PayloadVendorID:
		return &VendorID{Critical: critical, Data: body}, nil
	case PayloadTSi, PayloadTSr:
		return parseTS(t, critical, body, off)
	case PayloadSK:
		return &SK{Critical: critical, FirstInner: next, Data: body}, nil
	case PayloadSKF:
		if err := need(t, off, body, 4); err != nil {
			return nil, err
		}
		f := &SKF{Critical: critical, FirstInner: next, Number: binary.BigEndian.Uint16(body), Total: binary.BigEndian.Uint16(body[2:]), Data: body[4:]}
		if f.Number == 0 || f.Number > f.Total {
			return nil, perr(t, off, fmt.Sprintf("fragment %d of %d", f.Number, f.Total), ErrBadValue)
		}
		return f, nil
	case PayloadCP:
		return parseCP(critical, body, off)
	case PayloadEAP:
		return &EAP{Critical: critical, Data: body}, nil
	}
	if critical {
		return nil, &UnsupportedCriticalPayloadError{Type: t, Offset: off}
	}
	return &Unknown{PayloadType: t, Critical: critical, Data: body}, nil
}

func parseSA(critical bool, b []byte, off int) (*SA, error) {
	const t = PayloadSA
	sa := &SA{Critical: critical}
	pos := 0
	for last := false; !last; {
		poff := off + genericHeaderLen + pos
		if len(b)-pos < 8 {
			return nil, perr(t, poff, fmt.Sprintf("proposal: %d bytes left, need 8", len(b)-pos), ErrTruncated)
		}
		more, n := b[pos], int(binary.BigEndian.Uint16(b[pos+2:]))
		spiSize, numT := int(b[pos+6]), int(b[pos+7])
		if n < 8+spiSize || n > len(b)-pos {
			return nil, perr(t, poff, fmt.Sprintf("proposal length %d (SPI %d bytes, %d bytes left)", n, spiSize, len(b)-pos), ErrBadLength)
		}
		switch more {
		case 0:
			last = true
		case 2:
		default:
			return nil, perr(t, poff, fmt.Sprintf("proposal last/more %d", more), ErrBadValue)
		}
		pb := b[pos : pos+n]
		pr := Proposal{Number: pb[4], Protocol: ProtocolID(pb[5]), SPI: pb[8 : 8+spiSize]}
		tpos := 8 + spiSize
		for tlast := numT == 0; !tlast; {
			toff := poff + tpos
			if len(pb)-tpos < 8 {
				return nil, perr(t, toff, fmt.Sprintf("transform: %d bytes left, need 8", len(pb)-tpos), ErrTruncated)
			}
			tmore, tn := pb[tpos], int(binary.BigEndian.Uint16(pb[tpos+2:]))
			if tn < 8 || tn > len(pb)-tpos {
				return nil, perr(t, toff, fmt.Sprintf("transform length %d, %d bytes left", tn, len(pb)-tpos), ErrBadLength)
			}
			switch tmore {
			case 0:
				tlast = true
			case 3:
			default:
				return nil, perr(t, toff, fmt.Sprintf("transform last/more %d", tmore), ErrBadValue)
			}
			tb := pb[tpos : tpos+tn]
			tr := Transform{Type: TransformType(tb[4]), ID: TransformID(binary.BigEndian.Uint16(tb[6:]))}
			for apos := 8; apos < len(tb); {
				aoff := toff + apos
				if len(tb)-apos < 4 {
					return nil, perr(t, aoff, "attribute shorter than 4 bytes", ErrBadLength)
				}
				at := binary.BigEndian.Uint16(tb[apos:])
				v := binary.BigEndian.Uint16(tb[apos+2:])
				if at&0x8000 != 0 {
					tr.Attributes = append(tr.Attributes, Attribute{Type: AttributeType(at & 0x7fff), TV: true, Value: v})
					apos += 4
					continue
				}
				if int(v) > len(tb)-apos-4 {
					return nil, perr(t, aoff, fmt.Sprintf("attribute length %d, %d bytes left", v, len(tb)-apos-4), ErrBadLength)
				}
				tr.Attributes = append(tr.Attributes, Attribute{Type: AttributeType(at), Data: tb[apos+4 : apos+4+int(v)]})
				apos += 4 + int(v)
			}
			pr.Transforms = append(pr.Transforms, tr)
			tpos += tn
		}
		if len(pr.Transforms) != numT {
			return nil, perr(t, poff, fmt.Sprintf("proposal says %d transforms, has %d", numT, len(pr.Transforms)), ErrBadCount)
		}
		if tpos != len(pb) {
			return nil, perr(t, poff+tpos, fmt.Sprintf("%d bytes after the last transform", len(pb)-tpos), ErrTrailingBytes)
		}
		sa.Proposals = append(sa.Proposals, pr)
		pos += n
	}
	if pos != len(b) {
		return nil, perr(t, off+genericHeaderLen+pos, fmt.Sprintf("%d bytes after the last proposal", len(b)-pos), ErrTrailingBytes)
	}
	return sa, nil
}

func parseDelete(critical bool, b []byte, off int) (*Delete, error) {
	const t = PayloadDelete
	if err := need(t, off, b, 4); err != nil {
		return nil, err
	}
	d := &Delete{Critical: critical, Protocol: ProtocolID(b[0]), SPISize: b[1]}
	num := int(binary.BigEndian.Uint16(b[2:]))
	size := int(d.SPISize)
	// Checked before allocating: with a zero SPI size the count alone
	// could otherwise ask for 65535 slice headers from an 8-byte payload.
	if size == 0 && num != 0 {
		return nil, perr(t, off, fmt.Sprintf("%d SPIs of size 0", num), ErrBadCount)
	}
	if num*size != len(b)-4 {
		return nil, perr(t, off, fmt.Sprintf("%d SPIs of %d bytes in %d bytes", num, size, len(b)-4), ErrBadCount)
	}
	d.SPIs = make([][]byte, num)
	for i := range d.SPIs {
		d.SPIs[i] = b[4+i*size : 4+(i+1)*size]
	}
	return d, nil
}

func parseTS(t PayloadType, critical bool, b []byte, off int) (*TS, error) {
	if err := need(t, off, b, 4); err != nil {
		return nil, err
	}
	ts := &TS{Responder: t == PayloadTSr, Critical: critical}
	num := int(b[0])
	pos := 4
	for pos < len(b) {
		soff := off + genericHeaderLen + pos
		if len(b)-pos < 8 {
			return nil, perr(t, soff, fmt.Sprintf("selector: %d bytes left, need 8", len(b)-pos), ErrTruncated)
		}
		n := int(binary.BigEndian.Uint16(b[pos+2:]))
		if n < 8 || n > len(b)-pos {
			return nil, perr(t, soff, fmt.Sprintf("selector length %d, %d bytes left", n, len(b)-pos), ErrBadLength)
		}
		sb := b[pos : pos+n]
		s := TrafficSelector{Type: TSType(sb[0]), IPProtocol: sb[1],
			StartPort: binary.BigEndian.Uint16(sb[4:]), EndPort: binary.BigEndian.Uint16(sb[6:])}
		switch s.Type {
		case TS_IPV4_ADDR_RANGE:
			if n != 16 {
				return nil, perr(t, soff, fmt.Sprintf("IPv4 selector length %d, want 16", n), ErrBadLength)
			}
			s.Start = netip.AddrFrom4([4]byte(sb[8:12]))
			s.End = netip.AddrFrom4([4]byte(sb[12:16]))
		case TS_IPV6_ADDR_RANGE:
			if n != 40 {
				return nil, perr(t, soff, fmt.Sprintf("IPv6 selector length %d, want 40", n), ErrBadLength)
			}
			s.Start = netip.AddrFrom16([16]byte(sb[8:24]))
			s.End = netip.AddrFrom16([16]byte(sb[24:40]))
		default:
			s.Raw = sb[8:]
		}
		ts.Selectors = append(ts.Selectors, s)
		pos += n
	}
	if len(ts.Selectors) != num {
		return nil, perr(t, off, fmt.Sprintf("says %d selectors, has %d", num, len(ts.Selectors)), ErrBadCount)
	}
	return ts, nil
}

func parseCP(critical bool, b []byte, off int) (*CP, error) {
	const t = PayloadCP
	if err := need(t, off, b, 4); err != nil {
		return nil, err
	}
	cp := &CP{Critical: critical, CfgType: CPType(b[0])}
	for pos := 4; pos < len(b); {
		aoff := off + genericHeaderLen + pos
		if len(b)-pos < 4 {
			return nil, perr(t, aoff, fmt.Sprintf("attribute: %d bytes left, need 4", len(b)-pos), ErrTruncated)
		}
		at := binary.BigEndian.Uint16(b[pos:]) & 0x7fff // R bit reserved
		n := int(binary.BigEndian.Uint16(b[pos+2:]))
		if n > len(b)-pos-4 {
			return nil, perr(t, aoff, fmt.Sprintf("attribute length %d, %d bytes left", n, len(b)-pos-4), ErrBadLength)
		}
		cp.Attributes = append(cp.Attributes, CPAttribute{Type: CPAttributeType(at), Value: b[pos+4 : pos+4+n]})
		pos += 4 + n
	}
	return cp, nil
}

// Encode serialises m, filling m.Header.NextPayload and m.Header.Length
// from the payloads. An SK or SKF payload must be the last one.
func (m *Message) Encode() ([]byte, error) {
	first, body, err := encodeChain(m.Payloads, false)
	if err != nil {
		return nil, err
	}
	if HeaderLen+len(body) > maxMessageLen {
		return nil, fmt.Errorf("ike wire: encode message: %d bytes: %w", HeaderLen+len(body), ErrTooLarge)
	}
	m.Header.NextPayload = first
	m.Header.Length = uint32(HeaderLen + len(body))
	out := make([]byte, 0, HeaderLen+len(body))
	out = m.Header.append(out)
	return append(out, body...), nil
}

// EncodePayloads serialises the payloads that go inside an SK payload,
// returning the type of the first (for SK's FirstInner) and the plaintext.
// SK and SKF are rejected with ErrNesting.
func EncodePayloads(ps []Payload) (first PayloadType, b []byte, err error) {
	return encodeChain(ps, true)
}

func encodeChain(ps []Payload, inner bool) (PayloadType, []byte, error) {
	b := make([]byte, 0, 256)
	for i, p := range ps {
		if p == nil {
			return 0, nil, fmt.Errorf("ike wire: encode: payload %d is nil: %w", i, ErrBadValue)
		}
		t := p.Type()
		if t == NoNextPayload {
			return 0, nil, fmt.Errorf("ike wire: encode: payload %d has type 0: %w", i, ErrBadValue)
		}
		next := NoNextPayload
		switch pp := p.(type) {
		case *SK:
			next = pp.FirstInner
		case *SKF:
			next = pp.FirstInner
		}
		if t == PayloadSK || t == PayloadSKF {
			if inner {
				return 0, nil, encErr(p, "encrypted payload inside an encrypted payload", ErrNesting)
			}
			if i != len(ps)-1 {
				return 0, nil, encErr(p, "must be the last payload", ErrNesting)
			}
		} else if i+1 < len(ps) && ps[i+1] != nil {
			next = ps[i+1].Type()
		}
		start := len(b)
		var crit byte
		if p.isCritical() {
			crit = 0x80
		}
		b = append(b, byte(next), crit, 0, 0)
		var err error
		if b, err = p.appendBody(b); err != nil {
			return 0, nil, err
		}
		if err := putLen16(b, start+2, len(b)-start); err != nil {
			return 0, nil, encErr(p, "payload", err)
		}
	}
	if len(ps) == 0 {
		return NoNextPayload, b, nil
	}
	return ps[0].Type(), b, nil
}
