package frag

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// Sentinel errors; every error from this package wraps one of them, except
// those reporting a caller's mistake (an MTU too small to carry anything, a
// message that was not parsed from the bytes given with it).
var (
	// ErrIntegrity: the ICV or AEAD tag did not verify, or the body cannot
	// be a valid encryption. The message must be dropped silently.
	ErrIntegrity = errors.New("integrity check failed")
	// ErrNotProtected: the message carries neither SK nor SKF.
	ErrNotProtected = errors.New("message has no SK or SKF payload")
	// ErrFragment: Open was given an SKF message; it belongs to a
	// Reassembler.
	ErrFragment = errors.New("message is a fragment")
	// ErrBadFragment: a fragment that cannot join the collection (bad
	// numbering, over a limit, stale, another message).
	ErrBadFragment = errors.New("bad fragment")
)

// Reassembly limits used when NewReassembler is given zero or less.
// 64 KiB is the most one UDP datagram could have carried unfragmented.
const (
	DefaultMaxFragments = 64
	DefaultMaxBytes     = 64 << 10
)

// Per-datagram overheads for the RFC 7383 2.5.1 budget.
const (
	ipv4HeaderLen   = 20
	ipv6HeaderLen   = 40
	udpHeaderLen    = 8
	payloadHdrLen   = 4 // generic payload header
	skfNumberingLen = 4 // Fragment Number and Total Fragments
	maxTotal        = 0xffff
)

// Seal builds one protected message: hdr (NextPayload and Length are filled
// in) followed by an SK payload whose first inner payload has type first and
// whose plaintext is inner, the encoded inner chain (wire.EncodePayloads).
func Seal(hdr wire.Header, first wire.PayloadType, inner []byte, c suite.Cipher, rand io.Reader) ([]byte, error) {
	return seal(hdr, &wire.SK{FirstInner: first}, inner, c, rand)
}

// SealFragments is Seal for a path with IP MTU mtu: if the message would
// not fit one datagram it is split into SKF fragments (RFC 7383 2.5) that
// each do. The budget for the IKE message is mtu less the IPv4 or IPv6
// header, the UDP header and, when natT (port 4500), the non-ESP marker,
// which the caller still prepends. A message that fits is returned as one
// ordinary SK message. Fragments are numbered from 1, all carry the same
// header and Total Fragments, and only fragment 1 names the first inner
// payload.
func SealFragments(hdr wire.Header, first wire.PayloadType, inner []byte, c suite.Cipher, rand io.Reader, mtu int, ipv6, natT bool) ([][]byte, error) {
	budget := mtu - udpHeaderLen
	if ipv6 {
		budget -= ipv6HeaderLen
	} else {
		budget -= ipv4HeaderLen
	}
	if natT {
		budget -= wire.NonESPMarkerLen
	}
	if wire.HeaderLen+payloadHdrLen+c.SealedLen(len(inner)) <= budget {
		m, err := Seal(hdr, first, inner, c, rand)
		if err != nil {
			return nil, err
		}
		return [][]byte{m}, nil
	}
	room := budget - wire.HeaderLen - payloadHdrLen - skfNumberingLen
	// SealedLen only grows with n, so the largest chunk that fits is found
	// by bisection whatever the cipher's block size and ICV length.
	chunk := sort.Search(max(room+1, 0), func(n int) bool { return c.SealedLen(n) > room }) - 1
	if chunk < 1 {
		return nil, fmt.Errorf("ike frag: message %d: MTU %d leaves no room for fragment data", hdr.MessageID, mtu)
	}
	total := (len(inner) + chunk - 1) / chunk
	if total > maxTotal {
		return nil, fmt.Errorf("ike frag: message %d: %d bytes need %d fragments at MTU %d, over %d", hdr.MessageID, len(inner), total, mtu, maxTotal)
	}
	out := make([][]byte, 0, total)
	for i := range total {
		p := &wire.SKF{Number: uint16(i + 1), Total: uint16(total)}
		if i == 0 {
			p.FirstInner = first
		}
		m, err := seal(hdr, p, inner[i*chunk:min((i+1)*chunk, len(inner))], c, rand)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// seal encodes hdr and p (an *wire.SK or *wire.SKF) with a body of the
// sealed length, so the codec writes every length field, and then seals
// into that body. The associated data is then exactly the bytes before the
// body, which is also how Open finds it in a received datagram.
func seal(hdr wire.Header, p wire.Payload, pt []byte, c suite.Cipher, rand io.Reader) ([]byte, error) {
	n := c.SealedLen(len(pt))
	switch p := p.(type) {
	case *wire.SK:
		p.Data = make([]byte, n)
	case *wire.SKF:
		p.Data = make([]byte, n)
	}
	m := wire.Message{Header: hdr, Payloads: []wire.Payload{p}}
	out, err := m.Encode()
	if err != nil {
		return nil, fmt.Errorf("ike frag: message %d: %w", hdr.MessageID, err)
	}
	at := len(out) - n
	// Seal appends to dst, so it writes only out[at:]; the associated
	// data out[:at] shares the array but is never written.
	sealed, err := c.Seal(out[:at], out[:at], pt, rand)
	if err != nil {
		return nil, fmt.Errorf("ike frag: message %d: %w", hdr.MessageID, err)
	}
	if len(sealed) != len(out) {
		return nil, fmt.Errorf("ike frag: message %d: cipher sealed %d bytes, SealedLen said %d", hdr.MessageID, len(sealed)-at, n)
	}
	return sealed, nil
}

// Open verifies and decrypts the received message m, parsed by wire.Parse
// from raw, and returns the first inner payload type and the inner chain
// for wire.ParsePayloads. An SKF message yields an error wrapping
// ErrFragment without being decrypted: give it to a Reassembler.
func Open(raw []byte, m *wire.Message, c suite.Cipher) (first wire.PayloadType, inner []byte, err error) {
	p, err := protected(m)
	if err != nil {
		return 0, nil, err
	}
	if f, ok := p.(*wire.SKF); ok {
		return 0, nil, fmt.Errorf("ike frag: message %d: fragment %d of %d: %w", m.MessageID, f.Number, f.Total, ErrFragment)
	}
	sk := p.(*wire.SK) // protected returns only SK or SKF
	pt, err := open(raw, sk.Data, c)
	if err != nil {
		return 0, nil, fmt.Errorf("ike frag: message %d: %w", m.MessageID, err)
	}
	return sk.FirstInner, pt, nil
}

// protected returns the SK or SKF payload of m; wire.Parse has already
// checked that it ends the message.
func protected(m *wire.Message) (wire.Payload, error) {
	if m == nil || len(m.Payloads) == 0 {
		return nil, fmt.Errorf("ike frag: empty message: %w", ErrNotProtected)
	}
	switch p := m.Payloads[len(m.Payloads)-1].(type) {
	case *wire.SK, *wire.SKF:
		return p, nil
	default:
		return nil, fmt.Errorf("ike frag: message %d: last payload is %v: %w", m.MessageID, p.Type(), ErrNotProtected)
	}
}

// open checks that body is the tail of raw, so that raw before it is the
// associated data, and decrypts it.
func open(raw, body []byte, c suite.Cipher) ([]byte, error) {
	at := len(raw) - len(body)
	if at < wire.HeaderLen+payloadHdrLen || !sameTail(raw, body) {
		return nil, fmt.Errorf("encrypted body is not the end of the %d raw bytes given", len(raw))
	}
	pt, err := c.Open(nil, raw[:at], body)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrIntegrity, err)
	}
	return pt, nil
}

func sameTail(raw, body []byte) bool {
	at := len(raw) - len(body)
	if len(body) > 0 && &raw[at] == &body[0] {
		return true // parsed from raw, the usual case
	}
	return bytes.Equal(raw[at:], body)
}
