package frag

import (
	"bytes"
	"crypto/rand"
	"errors"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// adder feeds fragments to a Reassembler and keeps the last result.
type adder struct {
	t     *testing.T
	r     *Reassembler
	c     suite.Cipher
	done  bool
	first wire.PayloadType
	inner []byte
}

func (a *adder) add(raw []byte) error {
	a.t.Helper()
	done, first, inner, err := a.r.Add(raw, mustParse(a.t, raw), a.c)
	if done {
		a.done, a.first, a.inner = true, first, inner
	}
	return err
}

func (a *adder) mustAdd(raw ...[]byte) {
	a.t.Helper()
	for _, f := range raw {
		if err := a.add(f); err != nil {
			a.t.Fatal(err)
		}
	}
}

func (a *adder) wantDone(first wire.PayloadType, inner []byte) {
	a.t.Helper()
	if !a.done || a.first != first || !bytes.Equal(a.inner, inner) {
		a.t.Fatalf("done=%v first=%v %d bytes; want done, %v, %d bytes equal to the input", a.done, a.first, len(a.inner), first, len(inner))
	}
}

func newAdder(t *testing.T, maxFragments, maxBytes int) *adder {
	return &adder{t: t, r: NewReassembler(maxFragments, maxBytes), c: newCipher(t, testSuites[1].tr, 0)}
}

func TestReassemblerDuplicatesIgnored(t *testing.T) {
	a := newAdder(t, 0, 0)
	first, chain := innerChain(t, 3000)
	frags := sealFrags(t, 5, first, chain, a.c, 576)
	a.mustAdd(frags[1], frags[1], frags[0], frags[1], frags[0])
	if id, ok := a.r.MessageID(); !ok || id != 5 {
		t.Fatalf("MessageID = %d, %v; want 5, true", id, ok)
	}
	a.mustAdd(frags[2:]...)
	a.wantDone(first, chain)
	if _, ok := a.r.MessageID(); ok {
		t.Error("still collecting after the message completed")
	}
}

func TestReassemblerBadICVDoesNotSpoilSet(t *testing.T) {
	a := newAdder(t, 0, 0)
	first, chain := innerChain(t, 3000)
	frags := sealFrags(t, 5, first, chain, a.c, 576)
	a.mustAdd(frags[0])
	forged := flip(frags[1], len(frags[1])-1)
	if err := a.add(forged); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("forged fragment: %v, want ErrIntegrity", err)
	}
	// A forged fragment of a larger set must not restart the collection.
	more := sealFrags(t, 5, first, chain, a.c, 400)
	if len(more) <= len(frags) {
		t.Fatalf("MTU 400 gave %d fragments, MTU 576 %d", len(more), len(frags))
	}
	if err := a.add(flip(more[0], 40)); !errors.Is(err, ErrIntegrity) {
		t.Fatalf("forged fragment of a larger set: %v, want ErrIntegrity", err)
	}
	a.mustAdd(frags[1:]...)
	a.wantDone(first, chain)
}

// RFC 7383 2.6.1: a retransmission with a smaller MTU has more fragments;
// it replaces the collection, and the old set's fragments become stale.
func TestReassemblerRestartsOnLargerTotal(t *testing.T) {
	a := newAdder(t, 0, 0)
	first, chain := innerChain(t, 3000)
	big := sealFrags(t, 5, first, chain, a.c, 1280)
	small := sealFrags(t, 5, first, chain, a.c, 576)
	if len(small) <= len(big) {
		t.Fatalf("MTU 576 gave %d fragments, MTU 1280 %d", len(small), len(big))
	}
	a.mustAdd(big[0], big[1])
	a.mustAdd(small[len(small)-1])
	for _, f := range big[2:] {
		if err := a.add(f); !errors.Is(err, ErrBadFragment) {
			t.Fatalf("stale fragment: %v, want ErrBadFragment", err)
		}
	}
	if a.done {
		t.Fatal("done from a mix of two sets")
	}
	a.mustAdd(small[:len(small)-1]...)
	a.wantDone(first, chain)
}

func TestReassemblerLimits(t *testing.T) {
	first, chain := innerChain(t, 3000)
	t.Run("fragments", func(t *testing.T) {
		a := newAdder(t, 4, 0)
		frags := sealFrags(t, 5, first, chain, a.c, 576)
		if len(frags) <= 4 {
			t.Fatalf("only %d fragments", len(frags))
		}
		if err := a.add(frags[0]); !errors.Is(err, ErrBadFragment) {
			t.Fatalf("set of %d with limit 4: %v, want ErrBadFragment", len(frags), err)
		}
		if _, ok := a.r.MessageID(); ok {
			t.Error("collecting a set over the limit")
		}
	})
	t.Run("bytes", func(t *testing.T) {
		a := newAdder(t, 0, 2048)
		frags := sealFrags(t, 5, first, chain, a.c, 576)
		var err error
		for _, f := range frags {
			if err = a.add(f); err != nil {
				break
			}
		}
		if !errors.Is(err, ErrBadFragment) || a.done {
			t.Fatalf("%d bytes with limit 2048: err %v, done %v; want ErrBadFragment", len(chain), err, a.done)
		}
		if _, ok := a.r.MessageID(); ok {
			t.Error("still collecting a message over the byte limit")
		}
	})
	t.Run("defaults", func(t *testing.T) {
		r := NewReassembler(0, -1)
		if r.maxFragments != DefaultMaxFragments || r.maxBytes != DefaultMaxBytes {
			t.Fatalf("limits %d, %d", r.maxFragments, r.maxBytes)
		}
	})
}

func TestReassemblerRejectsNumbering(t *testing.T) {
	a := newAdder(t, 0, 0)
	for _, nt := range [][2]uint16{{0, 3}, {4, 3}, {0, 0}} {
		// The codec refuses to encode or parse these, so the message is
		// built by hand: a Reassembler must not rely on its caller.
		m := &wire.Message{Header: testHeader(5), Payloads: []wire.Payload{
			&wire.SKF{Number: nt[0], Total: nt[1], Data: make([]byte, 64)}}}
		raw := make([]byte, wire.HeaderLen+8+64)
		if _, _, _, err := a.r.Add(raw, m, a.c); !errors.Is(err, ErrBadFragment) {
			t.Errorf("fragment %d of %d: %v, want ErrBadFragment", nt[0], nt[1], err)
		}
	}
	if _, ok := a.r.MessageID(); ok {
		t.Error("collecting after only bad fragments")
	}
}

func TestReassemblerRejectsOtherMessages(t *testing.T) {
	a := newAdder(t, 0, 0)
	first, chain := innerChain(t, 3000)
	frags := sealFrags(t, 5, first, chain, a.c, 576)
	a.mustAdd(frags[0])
	other := sealFrags(t, 6, first, chain, a.c, 576)
	if err := a.add(other[1]); !errors.Is(err, ErrBadFragment) {
		t.Errorf("fragment of message 6 while collecting 5: %v, want ErrBadFragment", err)
	}
	whole, err := Seal(testHeader(5), first, chain[:100], a.c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.add(whole); !errors.Is(err, ErrBadFragment) {
		t.Errorf("SK message: %v, want ErrBadFragment", err)
	}
	a.r.Reset()
	if _, ok := a.r.MessageID(); ok {
		t.Fatal("collecting after Reset")
	}
	a.mustAdd(other...)
	a.wantDone(first, chain)
}
