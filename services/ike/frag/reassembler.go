package frag

import (
	"fmt"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// Reassembler collects the SKF fragments of one message, for one IKE SA and
// one direction (requests from the peer, or responses to ours). It holds at
// most one message at a time: the engine feeds it only fragments whose
// message ID it expects, and calls Reset when it gives up on a message.
// After Add reports done the Reassembler is empty again, so a retransmitted
// fragment of that message would start a new collection; the engine answers
// retransmissions before they get here.
type Reassembler struct {
	maxFragments, maxBytes int

	active   bool
	msgID    uint32
	exchange wire.ExchangeType
	total    uint16
	first    wire.PayloadType
	frags    [][]byte // plaintexts by Fragment Number - 1
	got      []bool
	have     int // fragments stored
	size     int // plaintext bytes stored
}

// NewReassembler returns an empty Reassembler accepting messages of at most
// maxFragments fragments and maxBytes of reassembled plaintext; zero or less
// selects DefaultMaxFragments or DefaultMaxBytes.
func NewReassembler(maxFragments, maxBytes int) *Reassembler {
	if maxFragments <= 0 {
		maxFragments = DefaultMaxFragments
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	return &Reassembler{maxFragments: maxFragments, maxBytes: maxBytes}
}

// MessageID reports the message being collected, if any.
func (r *Reassembler) MessageID() (uint32, bool) { return r.msgID, r.active }

// Reset drops any fragments collected so far.
func (r *Reassembler) Reset() {
	r.active, r.msgID, r.exchange, r.total, r.first = false, 0, 0, 0, 0
	r.frags, r.got, r.have, r.size = nil, nil, 0, 0
}

// Add verifies, decrypts and stores one fragment m, parsed by wire.Parse
// from raw (RFC 7383 2.6). When it completes the set, done is true and
// first and inner are the reassembled message's first inner payload type
// and chain, as Open returns them for an unfragmented one.
//
// A fragment that fails verification is dropped with ErrIntegrity and
// leaves the collection as it was. A verified fragment with a higher Total
// Fragments than the collection starts it over (the peer retransmitted
// with a smaller MTU, 2.6.1); one with a lower Total is stale and dropped.
// A duplicate is ignored (done false, nil error). Everything else that
// cannot join wraps ErrBadFragment.
func (r *Reassembler) Add(raw []byte, m *wire.Message, c suite.Cipher) (done bool, first wire.PayloadType, inner []byte, err error) {
	p, err := protected(m)
	if err != nil {
		return false, 0, nil, err
	}
	f, ok := p.(*wire.SKF)
	if !ok {
		return false, 0, nil, fmt.Errorf("ike frag: message %d: SK payload, not a fragment: %w", m.MessageID, ErrBadFragment)
	}
	if err := r.check(m, f); err != nil {
		return false, 0, nil, err
	}
	if r.active && f.Total == r.total && r.got[f.Number-1] {
		return false, 0, nil, nil
	}
	// Verify before storing or restarting, so that nothing unauthenticated
	// changes the collection.
	pt, err := open(raw, f.Data, c)
	if err != nil {
		return false, 0, nil, fmt.Errorf("ike frag: message %d: fragment %d of %d: %w", m.MessageID, f.Number, f.Total, err)
	}
	if !r.active || f.Total > r.total {
		r.start(m, f.Total)
	}
	if r.size+len(pt) > r.maxBytes {
		size := r.size + len(pt)
		r.Reset()
		return false, 0, nil, r.fragErr(m, f, fmt.Sprintf("reassembled message reaches %d bytes, limit %d", size, r.maxBytes))
	}
	i := int(f.Number) - 1
	r.frags[i], r.got[i] = pt, true
	r.have++
	r.size += len(pt)
	if f.Number == 1 {
		r.first = f.FirstInner
	}
	if r.have < int(r.total) {
		return false, 0, nil, nil
	}
	inner = make([]byte, 0, r.size)
	for _, b := range r.frags {
		inner = append(inner, b...)
	}
	first = r.first
	r.Reset()
	return true, first, inner, nil
}

// check applies the rules that need no decryption: numbering, the
// fragment limit, and belonging to the collection in progress.
func (r *Reassembler) check(m *wire.Message, f *wire.SKF) error {
	switch {
	case f.Number == 0 || f.Number > f.Total:
		return r.fragErr(m, f, "number outside 1..total")
	case int(f.Total) > r.maxFragments:
		return r.fragErr(m, f, fmt.Sprintf("more than %d fragments", r.maxFragments))
	case !r.active:
		return nil
	case m.MessageID != r.msgID:
		return r.fragErr(m, f, fmt.Sprintf("collecting message %d", r.msgID))
	case m.Exchange != r.exchange:
		return r.fragErr(m, f, fmt.Sprintf("exchange %v, collecting %v", m.Exchange, r.exchange))
	case f.Total < r.total:
		return r.fragErr(m, f, fmt.Sprintf("stale, collecting a set of %d", r.total))
	}
	return nil
}

func (r *Reassembler) fragErr(m *wire.Message, f *wire.SKF, what string) error {
	return fmt.Errorf("ike frag: message %d: fragment %d of %d: %s: %w", m.MessageID, f.Number, f.Total, what, ErrBadFragment)
}

func (r *Reassembler) start(m *wire.Message, total uint16) {
	r.Reset()
	r.active, r.msgID, r.exchange, r.total = true, m.MessageID, m.Exchange, total
	r.frags = make([][]byte, total)
	r.got = make([]bool, total)
}
