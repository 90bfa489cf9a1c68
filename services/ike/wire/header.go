package wire

import (
	"encoding/binary"
	"errors"
	"fmt"
)

// Sentinel errors. Every error from Parse, ParseHeader and ParsePayloads
// wraps exactly one of them, so the engine can choose its answer with
// errors.Is while the message text says which payload and offset failed.
var (
	ErrTruncated                  = errors.New("truncated")
	ErrBadLength                  = errors.New("bad length")
	ErrBadVersion                 = errors.New("unsupported major version")
	ErrTrailingBytes              = errors.New("trailing bytes")
	ErrNesting                    = errors.New("bad nesting")
	ErrBadCount                   = errors.New("count does not match contents")
	ErrBadValue                   = errors.New("bad value")
	ErrUnsupportedCriticalPayload = errors.New("unsupported critical payload")
	ErrTooLarge                   = errors.New("too large to encode")
)

// UnsupportedCriticalPayloadError names an unknown payload whose critical
// bit was set; RFC 7296 2.5 requires rejecting the whole message with
// UNSUPPORTED_CRITICAL_PAYLOAD carrying Type as notification data.
type UnsupportedCriticalPayloadError struct {
	Type   PayloadType
	Offset int
}

func (e *UnsupportedCriticalPayloadError) Error() string {
	return fmt.Sprintf("ike wire: %v payload at offset %d: %v", e.Type, e.Offset, ErrUnsupportedCriticalPayload)
}

func (e *UnsupportedCriticalPayloadError) Unwrap() error { return ErrUnsupportedCriticalPayload }

// HeaderLen is the size of the fixed IKE header.
const HeaderLen = 28

// MajorVersion is the only major version this codec speaks.
const MajorVersion = 2

// Header is the fixed IKE header (RFC 7296 3.1). NextPayload and Length are
// filled by Encode.
type Header struct {
	InitiatorSPI uint64
	ResponderSPI uint64
	NextPayload  PayloadType
	MajorVersion uint8
	MinorVersion uint8
	Exchange     ExchangeType
	Flags        Flags
	MessageID    uint32
	Length       uint32
}

// IsInitiator reports the I flag: the sender is the original initiator.
func (h *Header) IsInitiator() bool { return h.Flags&FlagInitiator != 0 }

// IsResponse reports the R flag.
func (h *Header) IsResponse() bool { return h.Flags&FlagResponse != 0 }

// ParseHeader decodes the fixed header of the IKE message b (with any non-ESP
// marker already stripped) without looking at payloads. It checks that the
// major version is 2 and that the header's length is the datagram's length.
// On ErrBadVersion and ErrBadLength the returned header is still filled, so
// the dispatcher can answer INVALID_MAJOR_VERSION or drop by SPI.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < HeaderLen {
		return Header{}, fmt.Errorf("ike wire: header: %d bytes, need %d: %w", len(b), HeaderLen, ErrTruncated)
	}
	h := Header{
		InitiatorSPI: binary.BigEndian.Uint64(b[0:8]),
		ResponderSPI: binary.BigEndian.Uint64(b[8:16]),
		NextPayload:  PayloadType(b[16]),
		MajorVersion: b[17] >> 4,
		MinorVersion: b[17] & 0x0f,
		Exchange:     ExchangeType(b[18]),
		Flags:        Flags(b[19]),
		MessageID:    binary.BigEndian.Uint32(b[20:24]),
		Length:       binary.BigEndian.Uint32(b[24:28]),
	}
	if h.MajorVersion != MajorVersion {
		return h, fmt.Errorf("ike wire: header: major version %d: %w", h.MajorVersion, ErrBadVersion)
	}
	if h.Length != uint32(len(b)) {
		return h, fmt.Errorf("ike wire: header: length field %d, datagram %d bytes: %w", h.Length, len(b), ErrBadLength)
	}
	return h, nil
}

func (h *Header) append(b []byte) []byte {
	b = binary.BigEndian.AppendUint64(b, h.InitiatorSPI)
	b = binary.BigEndian.AppendUint64(b, h.ResponderSPI)
	b = append(b, byte(h.NextPayload), h.MajorVersion<<4|h.MinorVersion&0x0f, byte(h.Exchange), byte(h.Flags))
	b = binary.BigEndian.AppendUint32(b, h.MessageID)
	return binary.BigEndian.AppendUint32(b, h.Length)
}

// NonESPMarkerLen is the size of the zero marker that precedes IKE messages
// on UDP port 4500 (RFC 3948 2.2, RFC 7296 2.23).
const NonESPMarkerLen = 4

// StripNonESPMarker classifies a datagram received on UDP 4500. If it starts
// with the four-zero-byte non-ESP marker it is IKE, returned without the
// marker. Otherwise it is ESP (an SPI is never zero) and isIKE is false; a
// lone 0xff byte, the NAT-keepalive, is neither and also yields false with a
// nil slice.
func StripNonESPMarker(b []byte) (ike []byte, isIKE bool) {
	if len(b) == 1 && b[0] == 0xff {
		return nil, false
	}
	if len(b) < NonESPMarkerLen || binary.BigEndian.Uint32(b) != 0 {
		return b, false
	}
	return b[NonESPMarkerLen:], true
}

// AddNonESPMarker returns ike prefixed with the non-ESP marker, for sending
// on UDP 4500.
func AddNonESPMarker(ike []byte) []byte {
	out := make([]byte, NonESPMarkerLen, NonESPMarkerLen+len(ike))
	return append(out, ike...)
}
