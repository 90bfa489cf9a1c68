package pool

import "math/bits"

// bitmap records which slots of a range are taken. Every slot below hint is
// taken, so the lowest free slot is found by scanning from hint, which in
// the common case (allocations in order, few releases) is the next word.
type bitmap struct {
	words []uint64
	size  uint64 // slots
	set   uint64 // slots taken
	hint  uint64
}

func newBitmap(size uint64) *bitmap {
	return &bitmap{words: make([]uint64, (size+63)/64), size: size}
}

func (b *bitmap) test(i uint64) bool { return b.words[i/64]&(1<<(i%64)) != 0 }

// mark takes slot i and reports whether it was free.
func (b *bitmap) mark(i uint64) bool {
	if b.test(i) {
		return false
	}
	b.words[i/64] |= 1 << (i % 64)
	b.set++
	if i == b.hint {
		b.hint++
	}
	return true
}

// clear frees slot i and reports whether it was taken.
func (b *bitmap) clear(i uint64) bool {
	if !b.test(i) {
		return false
	}
	b.words[i/64] &^= 1 << (i % 64)
	b.set--
	if i < b.hint {
		b.hint = i
	}
	return true
}

// lowestFree returns the lowest free slot, advancing hint past taken words.
func (b *bitmap) lowestFree() (uint64, bool) {
	for w := b.hint / 64; w < uint64(len(b.words)); w++ {
		word := b.words[w]
		if w == b.hint/64 {
			word |= 1<<(b.hint%64) - 1 // below hint is taken by definition
		}
		if word == ^uint64(0) {
			continue
		}
		i := w*64 + uint64(bits.TrailingZeros64(^word))
		if i >= b.size {
			break
		}
		b.hint = i
		return i, true
	}
	b.hint = b.size
	return 0, false
}

func (b *bitmap) free() uint64 { return b.size - b.set }
