package esp

import (
	"math"
	"sync/atomic"
)

// Outbound seals packets for one outbound SA. It is safe for concurrent
// use.
type Outbound struct {
	spi   uint32
	esn   bool
	limit uint64        // last sequence number that may be sent
	seq   atomic.Uint64 // last sequence number handed out
	t     transform
}

// NewOutbound keys an outbound SA. Its first packet has sequence number 1.
func NewOutbound(c Config) (*Outbound, error) {
	if c.SPI == 0 {
		return nil, c.errorf("zero SPI")
	}
	o := newOutbound(c)
	if err := o.t.init(c); err != nil {
		return nil, err
	}
	return o, nil
}

// newOutbound is an outbound SA whose transform is still to be keyed.
func newOutbound(c Config) *Outbound {
	o := &Outbound{spi: c.SPI, esn: c.ESN, limit: math.MaxUint32}
	if c.ESN {
		o.limit = math.MaxUint64
	}
	return o
}

// Seal appends one ESP packet (SPI | Seq | IV | ciphertext of payload,
// padding, pad length, next header | ICV) carrying payload to dst and
// returns it. nextHeader is 4 (IPv4) or 41 (IPv6) in tunnel mode, the
// transport protocol in transport mode, NoNextHeader for a dummy packet.
//
// Each call takes a new sequence number, never reused; after 2^32-1
// (2^64-1 with ESN) Seal returns ErrSequenceExhausted. dst's spare
// capacity must not overlap payload unless payload starts HeaderLen() or
// more bytes after len(dst): at exactly HeaderLen() Seal encrypts it in
// place; further on (a transport-mode payload behind the IP header it
// came with) Seal first moves it there.
func (o *Outbound) Seal(dst []byte, nextHeader byte, payload []byte) ([]byte, error) {
	seq, err := o.next()
	if err != nil {
		return dst, err
	}
	return o.t.seal(dst, o.spi, seq, o.esn, nil, nextHeader, payload)
}

// next takes the next sequence number. It compares and swaps rather than
// adds so that the counter stops at the limit instead of wrapping, which
// with ESN would hand out sequence numbers (and GCM IVs) again.
func (o *Outbound) next() (uint64, error) {
	for {
		cur := o.seq.Load()
		if cur >= o.limit {
			return 0, ErrSequenceExhausted
		}
		if o.seq.CompareAndSwap(cur, cur+1) {
			return cur + 1, nil
		}
	}
}

// Overhead is the number of bytes Seal adds to a payload of payloadLen
// bytes: header, IV, padding, pad length, next header and ICV. The
// padding depends on the length, so the overhead does too.
func (o *Outbound) Overhead(payloadLen int) int { return o.t.overhead(payloadLen) }

// HeaderLen is the length of SPI, sequence number and IV: where the
// ciphertext starts in a packet.
func (o *Outbound) HeaderLen() int { return o.t.headerLen() }

// Seq is the last sequence number sent (0 before the first packet), for
// rekeying before the space runs out.
func (o *Outbound) Seq() uint64 { return o.seq.Load() }
