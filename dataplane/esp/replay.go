package esp

import "math"

// window is the anti-replay window of RFC 4303 section 3.4.3 over full
// (64-bit with ESN) sequence numbers. Its caller serialises access.
//
// The bitmap is a ring of 64-bit blocks indexed by seq/64 (RFC 6479):
// sliding the window clears the blocks it enters instead of shifting
// bits, so a jump costs at most one pass over the ring. The ring has a
// spare block so that the one holding the left edge is never cleared
// while in use.
type window struct {
	size uint64   // W in packets; 0 = replay check disabled
	top  uint64   // T: highest authenticated sequence number, 0 before any
	ring []uint64 // a power of two of blocks
}

// esnInferWidth is the window assumed for inferring the high half of a
// sequence number when the replay check is off (RFC 4303 section 3.3.3
// advises against ESN then, but IKEv2 can still negotiate it): half the
// low-order space on either side of T.
const esnInferWidth = 1 << 31

func newWindow(size int) window {
	w := window{size: uint64(size)}
	if size > 0 {
		blocks := (size+63)/64 + 1
		n := 1
		for n < blocks {
			n <<= 1
		}
		w.ring = make([]uint64, n)
	}
	return w
}

// infer returns the full sequence number of a packet carrying low, the
// high half chosen from where the window is (RFC 4303 Appendix A2.2).
// It reports false if that would be beyond 2^64-1.
func (w *window) infer(low uint32, esn bool) (uint64, bool) {
	if !esn {
		return uint64(low), true
	}
	width := w.size
	if width == 0 {
		width = esnInferWidth
	}
	tl, th := uint32(w.top), uint32(w.top>>32)
	bl := tl - uint32(width) + 1 // the window's left edge, mod 2^32
	hi := th
	if uint64(tl) >= width-1 {
		// Case A: the window lies within one subspace; anything below it
		// is from the next one.
		if low < bl {
			if th == math.MaxUint32 {
				return 0, false
			}
			hi = th + 1
		}
	} else if low >= bl && th > 0 {
		// Case B: the window spans the end of the previous subspace, and
		// low falls in that part of it. (With th 0 there is no previous
		// subspace: low is ahead in this one.)
		hi = th - 1
	}
	return uint64(hi)<<32 | uint64(low), true
}

// fresh is the replay check: seq is right of the window or a hole in it.
func (w *window) fresh(seq uint64) bool {
	if w.size == 0 {
		return true
	}
	if seq == 0 { // never sent: counters start at 1
		return false
	}
	if seq > w.top {
		return true
	}
	if w.top-seq >= w.size {
		return false
	}
	return w.ring[w.block(seq)]&(1<<(seq&63)) == 0
}

// accept records an authenticated seq, sliding the window right if it is
// ahead. It reports false, changing nothing, if seq is no longer fresh (a
// concurrent Open got there first or moved the window past it).
func (w *window) accept(seq uint64) bool {
	if w.size == 0 {
		w.top = max(w.top, seq) // still needed to infer ESN high halves
		return true
	}
	if !w.fresh(seq) {
		return false
	}
	if seq > w.top {
		from, to := w.top>>6, seq>>6
		if to-from >= uint64(len(w.ring)) {
			clear(w.ring)
		} else {
			for b := from + 1; b <= to; b++ {
				w.ring[b&uint64(len(w.ring)-1)] = 0
			}
		}
		w.top = seq
	}
	w.ring[w.block(seq)] |= 1 << (seq & 63)
	return true
}

func (w *window) block(seq uint64) uint64 { return (seq >> 6) & uint64(len(w.ring)-1) }
