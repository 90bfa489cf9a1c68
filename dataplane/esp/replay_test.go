package esp

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"testing"
)

// The ring window against the obvious model (every sequence number seen,
// and the highest), over random walks around the right edge, for window
// sizes on and off block boundaries.
func TestWindowModel(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, size := range []int{1, 2, 32, 63, 64, 65, 100, 128, 1000, 4096, 4097} {
		w := newWindow(size)
		seen := map[uint64]bool{}
		var top uint64
		modelFresh := func(seq uint64) bool {
			return seq != 0 && !seen[seq] && (seq > top || top-seq < uint64(size))
		}
		for i := range 20000 {
			var seq uint64
			switch r.IntN(10) {
			case 0: // far ahead
				seq = top + 1 + r.Uint64N(uint64(size)*3)
			case 1: // just behind the left edge
				seq = top - min(top, uint64(size)) + r.Uint64N(3)
			default: // in or near the window
				seq = top + 2 - min(top+2, r.Uint64N(uint64(size)+4))
			}
			if got, want := w.fresh(seq), modelFresh(seq); got != want {
				t.Fatalf("size %d step %d: fresh(%d) = %v with top %d, model says %v", size, i, seq, got, top, want)
			}
			if r.IntN(4) == 0 {
				continue // a packet that failed its integrity check
			}
			if got, want := w.accept(seq), modelFresh(seq); got != want {
				t.Fatalf("size %d step %d: accept(%d) = %v, model says %v", size, i, seq, got, want)
			}
			if modelFresh(seq) {
				seen[seq] = true
				top = max(top, seq)
			}
			if w.top != top {
				t.Fatalf("size %d: top %d, model %d", size, w.top, top)
			}
		}
	}
}

// RFC 4303 Appendix A2.2: the high half inferred in cases A and B.
func TestInferESN(t *testing.T) {
	const W = 64
	for _, tc := range []struct {
		top  uint64
		low  uint32
		want uint64
	}{
		// Case A: the window lies within subspace 5.
		{5<<32 | 1000, 1000, 5<<32 | 1000}, // the right edge
		{5<<32 | 1000, 937, 5<<32 | 937},   // the left edge
		{5<<32 | 1000, 936, 6<<32 | 936},   // below the window: next subspace
		{5<<32 | 1000, 5000, 5<<32 | 5000}, // ahead
		{5<<32 | 0xffffffff, 3, 6<<32 | 3}, // just across the boundary
		{5<<32 | 0xffffffff, 0xffffffc0, 5<<32 | 0xffffffc0},
		// Case B: the window spans the end of subspace 4.
		{5<<32 | 10, 0xfffffff0, 4<<32 | 0xfffffff0}, // in the old part of the window
		{5<<32 | 10, 0xffffffcb, 4<<32 | 0xffffffcb}, // its left edge
		{5<<32 | 10, 0xffffffca, 5<<32 | 0xffffffca}, // below it: far ahead in 5
		{5<<32 | 10, 5, 5<<32 | 5},                   // the new part
		{5<<32 | 10, 20, 5<<32 | 20},                 // ahead
		// No subspace before 0: at the start everything is in 0.
		{0, 1, 1},
		{3, 0xfffffff0, 0xfffffff0},
	} {
		w := newWindow(W)
		w.top = tc.top
		if got, ok := w.infer(tc.low, true); !ok || got != tc.want {
			t.Errorf("top %#x, low %#x: inferred %#x %v, want %#x", tc.top, tc.low, got, ok, tc.want)
		}
	}
	w := newWindow(W)
	w.top = math.MaxUint32<<32 | 1000
	if _, ok := w.infer(5, true); ok {
		t.Error("inferred a sequence number beyond 2^64-1")
	}
	// Without a window, ESN still infers, from half the space around T.
	w = newWindow(0)
	w.top = 7<<32 | 10
	for low, want := range map[uint32]uint64{5: 7<<32 | 5, 0x80000000: 7<<32 | 0x80000000, 0xfffffff0: 6<<32 | 0xfffffff0} {
		if got, _ := w.infer(low, true); got != want {
			t.Errorf("no window: low %#x inferred %#x, want %#x", low, got, want)
		}
	}
}

// opener opens packets from an Outbound on an Inbound and reports the
// error of each, by sequence number.
type opener struct {
	t    *testing.T
	o    *Outbound
	in   *Inbound
	pkts map[uint64][]byte
}

func newOpener(t *testing.T, esn bool, window int) *opener {
	o, in := suiteByName("aes128gcm16").pair(t, esn, window)
	return &opener{t: t, o: o, in: in, pkts: map[uint64][]byte{}}
}

// sealTo seals packets up to sequence number last.
func (p *opener) sealTo(last uint64) {
	for p.o.Seq() < last {
		pkt, err := p.o.Seal(nil, 4, []byte("x"))
		if err != nil {
			p.t.Fatal(err)
		}
		p.pkts[p.o.Seq()] = pkt
	}
}

func (p *opener) expect(seq uint64, want error) {
	p.t.Helper()
	pkt, ok := p.pkts[seq]
	if !ok {
		p.t.Fatalf("no packet %d sealed", seq)
	}
	if _, _, err := p.in.Open(nil, pkt); err != want {
		p.t.Fatalf("packet %d: %v, want %v", seq, err, want)
	}
}

func TestReplay(t *testing.T) {
	p := newOpener(t, false, 64)
	p.sealTo(200)
	p.expect(10, nil)
	p.expect(10, ErrReplay) // duplicate
	p.expect(5, nil)        // out of order, inside the window
	p.expect(9, nil)
	p.expect(7, nil)
	p.expect(5, ErrReplay)
	p.expect(100, nil) // slides: left edge 37
	p.expect(36, ErrReplay)
	p.expect(37, nil)
	p.expect(37, ErrReplay)
	p.expect(99, nil)
	p.expect(200, nil) // a jump of more than the window clears it
	p.expect(137, nil)
	p.expect(136, ErrReplay)
	p.expect(100, ErrReplay)
}

func TestReplayBigWindow(t *testing.T) {
	p := newOpener(t, false, 4096)
	p.sealTo(9000)
	p.expect(5000, nil)
	p.expect(904, ErrReplay) // 5000-904 = 4096: just outside
	p.expect(905, nil)
	for seq := uint64(4999); seq > 905; seq -= 97 {
		p.expect(seq, nil)
	}
	p.expect(4999, ErrReplay)
	p.expect(9000, nil)
	p.expect(4905, nil)
	p.expect(4904, ErrReplay)
}

func TestReplayDisabled(t *testing.T) {
	p := newOpener(t, false, 0)
	p.sealTo(3)
	for range 3 {
		p.expect(2, nil)
	}
	p.expect(1, nil)
}

// Replay pre-check before integrity, window update only after it (RFC
// 4303 section 3.4.3).
func TestReplayOrder(t *testing.T) {
	p := newOpener(t, false, 64)
	p.sealTo(10)
	p.expect(5, nil)
	forged := append([]byte(nil), p.pkts[5]...)
	forged[len(forged)-1] ^= 1
	if _, _, err := p.in.Open(nil, forged); err != ErrReplay {
		t.Fatalf("forged replay: %v, want ErrReplay before the integrity check", err)
	}
	// A forgery far ahead must not move the window.
	forged = append([]byte(nil), p.pkts[6]...)
	binary.BigEndian.PutUint32(forged[4:], 1000)
	if _, _, err := p.in.Open(nil, forged); err != ErrAuth {
		t.Fatalf("forgery: %v, want ErrAuth", err)
	}
	if p.in.top() != 5 {
		t.Fatalf("a forgery moved the window to %d", p.in.top())
	}
	p.expect(6, nil)
	// Sequence number 0 is never sent.
	zero := append([]byte(nil), p.pkts[7]...)
	binary.BigEndian.PutUint32(zero[4:], 0)
	if _, _, err := p.in.Open(nil, zero); err != ErrReplay {
		t.Fatalf("sequence number 0: %v, want ErrReplay", err)
	}
}

// With ESN the window slides across 2^32 and the receiver follows the
// high half, with packets arriving out of order on both sides of the
// boundary.
func TestReplayESNAcross2to32(t *testing.T) {
	p := newOpener(t, true, 64)
	const boundary = uint64(1) << 32
	p.o.seq.Store(boundary - 40)
	p.sealTo(boundary + 100)
	order := []uint64{
		boundary - 30, boundary - 35, boundary - 1, boundary + 2, // across
		boundary - 2, boundary, boundary + 1, boundary - 20, // back into the old subspace
		boundary + 20, boundary - 10, boundary + 5, boundary + 40,
		boundary - 23, // still inside the window of 64 below boundary+40
	}
	for _, seq := range order {
		p.expect(seq, nil)
	}
	for _, seq := range []uint64{boundary + 2, boundary, boundary - 23, boundary - 1} {
		p.expect(seq, ErrReplay)
	}
	// Left of the window, a low half reads as the next subspace (Appendix
	// A2.2), so a packet that is too old fails its ICV rather than the
	// replay check.
	p.expect(boundary-24, ErrAuth)
	p.expect(boundary-30, ErrAuth)
	p.expect(boundary+100, nil)
	p.expect(boundary+37, nil)
	p.expect(boundary+36, ErrAuth)
	p.expect(boundary+37, ErrReplay)
	if p.in.top() != boundary+100 {
		t.Fatalf("top %#x, want %#x", p.in.top(), boundary+100)
	}
}

// After 2^32 lost packets the inferred high half is one too low and every
// packet fails its ICV; RFC 4303 Appendix A3 resynchronises.
func TestESNResync(t *testing.T) {
	p := newOpener(t, true, 64)
	p.sealTo(100)
	p.expect(100, nil)
	far := uint64(3)<<32 | 50 // two subspaces and a bit further on
	p.o.seq.Store(far - 1)
	p.sealTo(far + resyncAfter + 5)
	for i := range uint64(resyncAfter - 1) {
		p.expect(far+i, ErrAuth)
	}
	p.expect(far+resyncAfter-1, nil) // the resyncAfter-th failure is retried
	if p.in.top() != far+resyncAfter-1 {
		t.Fatalf("top %#x after resync", p.in.top())
	}
	p.expect(far+resyncAfter, nil)
	p.expect(far+3, nil) // earlier victims now open in the window
	p.expect(far+3, ErrReplay)
}

// Forgeries trigger resync attempts, which fail and change nothing.
func TestESNResyncForgeries(t *testing.T) {
	p := newOpener(t, true, 64)
	p.sealTo(3)
	p.expect(1, nil)
	forged := append([]byte(nil), p.pkts[2]...)
	forged[20] ^= 1
	for range 3 * resyncAfter {
		if _, _, err := p.in.Open(nil, forged); err != ErrAuth {
			t.Fatal(err)
		}
	}
	if p.in.top() != 1 {
		t.Fatalf("forgeries moved the window to %#x", p.in.top())
	}
	p.expect(2, nil)
}
