package esp

import (
	"encoding/binary"
	"math"
	"sync"
	"sync/atomic"
)

// Re-synchronisation after a loss of 2^32 or more packets with ESN (RFC
// 4303 Appendix A3), both "local parameters" there. Every resyncAfter
// consecutive integrity failures, the failing packet is retried with the
// next resyncTries high halves above the inferred one. A stream of forged
// packets therefore costs at most resyncTries/resyncAfter extra
// decryptions each.
const (
	resyncAfter = 32
	resyncTries = 16
)

// Inbound opens packets of one inbound SA. It is safe for concurrent use.
type Inbound struct {
	esn   bool
	fails atomic.Uint32 // consecutive integrity failures, for resync

	mu  sync.Mutex // guards win; never held across cryptography
	win window

	t transform
}

// NewInbound keys an inbound SA with an empty replay window.
func NewInbound(c Config) (*Inbound, error) {
	if c.SPI == 0 {
		return nil, c.errorf("zero SPI")
	}
	if c.ReplayWindow < 0 || c.ReplayWindow > MaxReplayWindow {
		return nil, c.errorf("replay window %d out of range 0-%d", c.ReplayWindow, MaxReplayWindow)
	}
	in := newInbound(c)
	if err := in.t.init(c); err != nil {
		return nil, err
	}
	return in, nil
}

// newInbound is an inbound SA whose transform is still to be keyed.
func newInbound(c Config) *Inbound {
	return &Inbound{esn: c.ESN, win: newWindow(c.ReplayWindow)}
}

// Open verifies and decrypts one ESP packet (starting at the SPI) and
// appends its payload, without padding and trailer, to dst. nextHeader
// NoNextHeader marks a dummy packet, which the caller drops.
//
// The order is RFC 4303 section 3.4.3's: replay pre-check, integrity
// check, then window update; a packet whose integrity fails leaves the
// window as it was. The SPI is covered by the integrity check, not
// compared: a packet of another SA fails with ErrAuth. On error dst is
// returned as it was. dst's spare capacity must not overlap pkt.
func (in *Inbound) Open(dst, pkt []byte) (payload []byte, nextHeader byte, err error) {
	t := &in.t
	if !t.wellFormed(pkt) {
		return dst, 0, ErrMalformed
	}
	in.mu.Lock()
	seq, ok := in.win.infer(binary.BigEndian.Uint32(pkt[4:8]), in.esn)
	ok = ok && in.win.fresh(seq)
	in.mu.Unlock()
	if !ok {
		return dst, 0, ErrReplay
	}

	out, err := t.open(dst, pkt, seq, in.esn)
	if err != nil {
		if seq, out, err = in.resync(dst, pkt, seq); err != nil {
			return dst, 0, err
		}
	}
	if in.fails.Load() != 0 { // a load first: no shared write per packet
		in.fails.Store(0)
	}

	// The packet is authentic: record it even if its trailer turns out
	// bad, so that a replay of it is turned away before the cryptography.
	in.mu.Lock()
	ok = in.win.accept(seq)
	in.mu.Unlock()
	if !ok {
		clear(out[len(dst):])
		return dst, 0, ErrReplay
	}
	payload, nextHeader, ok = trailer(dst, out)
	if !ok {
		clear(out[len(dst):])
		return dst, 0, ErrMalformed
	}
	return payload, nextHeader, nil
}

// resync counts an integrity failure and, with ESN, every resyncAfter of
// them retries the packet in the following subspaces (RFC 4303 Appendix
// A3.2). It returns ErrAuth unless a retry authenticates.
func (in *Inbound) resync(dst, pkt []byte, seq uint64) (uint64, []byte, error) {
	if !in.esn || in.fails.Add(1) < resyncAfter {
		return seq, dst, ErrAuth
	}
	in.fails.Store(0)
	for range resyncTries {
		if seq>>32 == math.MaxUint32 {
			break
		}
		seq += 1 << 32
		if out, err := in.t.open(dst, pkt, seq, true); err == nil {
			return seq, out, nil
		}
	}
	return seq, dst, ErrAuth
}
