package pool

import (
	"encoding/binary"
	"fmt"
	"maps"
	"math/bits"
	"net/netip"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// u128 is an IPv6 address as two halves, for slot arithmetic.
type u128 struct{ hi, lo uint64 }

func from16(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (u u128) addr() netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], u.hi)
	binary.BigEndian.PutUint64(b[8:], u.lo)
	return netip.AddrFrom16(b)
}

// shiftOf is how many low bits a slot of the range spans.
func (r *range6) shift() uint { return uint(128 - r.assign) }

// prefixAt is slot i of the range.
func (r *range6) prefixAt(i uint64) netip.Prefix {
	base, sh := from16(r.prefix.Addr()), r.shift()
	var off u128
	if sh >= 64 {
		off.hi = i << (sh - 64)
	} else {
		off.lo, off.hi = i<<sh, i>>(64-sh)
	}
	lo := base.lo + off.lo
	carry := uint64(0)
	if lo < base.lo {
		carry = 1
	}
	return netip.PrefixFrom(u128{base.hi + off.hi + carry, lo}.addr(), r.assign)
}

// slotOf is the slot holding address a, which must be inside the range's
// prefix; ok is false beyond the tracked slots.
func (r *range6) slotOf(a netip.Addr) (uint64, bool) {
	x, base, sh := from16(a), from16(r.prefix.Addr()), r.shift()
	lo := x.lo - base.lo
	hi := x.hi - base.hi
	if x.lo < base.lo {
		hi--
	}
	var i uint64
	switch {
	case sh >= 64:
		i = hi >> (sh - 64)
	case sh == 0:
		if hi != 0 {
			return 0, false
		}
		i = lo
	default:
		if hi>>sh != 0 {
			return 0, false
		}
		i = lo>>sh | hi<<(64-sh)
	}
	return i, i < r.bm.size
}

// block marks the range's slots that overlap held prefix p.
func (r *range6) block(p netip.Prefix) {
	if !r.prefix.Overlaps(p) {
		return
	}
	switch {
	case p.Bits() >= r.assign: // inside one slot
		if i, ok := r.slotOf(p.Addr()); ok {
			r.bm.mark(i)
		}
	case p.Bits() <= r.prefix.Bits(): // covers the whole range
		for i := range r.bm.size {
			r.bm.mark(i)
		}
	default: // inside the range, several slots wide
		first, ok := r.slotOf(p.Addr())
		n := uint64(1) << uint(min(r.assign-p.Bits(), 63))
		for i := uint64(0); ok && i < n && first+i < r.bm.size; i++ {
			r.bm.mark(first + i)
		}
	}
}

func (st *state) setPool6(name string, cfg *schema.IPv6Pool) {
	p := st.v6[name]
	if p == nil {
		if cfg == nil {
			return
		}
		p = &pool6{name: name}
		st.v6[name] = p
	}
	p.configured = cfg != nil
	var want netip.Prefix
	if cfg != nil {
		pfx, err := netip.ParsePrefix(cfg.Prefix)
		if err != nil || !pfx.Addr().Is6() || cfg.AssignLength < pfx.Bits() || cfg.AssignLength > 128 {
			st.log.Error("pool: bad ipv6 local pool", "pool", name, "prefix", cfg.Prefix, "assign", cfg.AssignLength)
			p.configured = false
		} else {
			want = pfx.Masked()
		}
	}
	found := false
	for _, r := range p.ranges {
		was := r.retired
		r.retired = !(p.configured && r.prefix == want && r.assign == cfg.AssignLength)
		if was && !r.retired {
			r.rebuild(st.leases6) // revived: it missed marks while retired
		}
		found = found || !r.retired
	}
	if p.configured && !found {
		size := uint64(MaxRangeSize)
		if bits := cfg.AssignLength - want.Bits(); bits < 24 {
			size = 1 << bits
		} else if bits > 24 {
			st.log.Warn("pool: ipv6 pool too large; only its first prefixes are used", "pool", name, "used", MaxRangeSize)
		}
		r := &range6{prefix: want, assign: cfg.AssignLength, bm: newBitmap(size)}
		r.rebuild(st.leases6)
		p.ranges = append(p.ranges, r)
	}
	slices.SortStableFunc(p.ranges, func(x, y *range6) int {
		if x.retired == y.retired {
			return 0
		}
		if !x.retired {
			return -1
		}
		return 1
	})
	st.prune6(p)
}

func (st *state) prune6(p *pool6) {
	p.ranges = slices.DeleteFunc(p.ranges, func(r *range6) bool { return r.retired && r.bm.set == 0 })
	if !p.configured && len(p.ranges) == 0 {
		delete(st.v6, p.name)
	}
}

func (st *state) allocate6(pool, owner string) (netip.Prefix, error) {
	if owner == "" {
		return netip.Prefix{}, ErrNoOwner
	}
	p := st.v6[pool]
	if p == nil || !p.configured {
		return netip.Prefix{}, fmt.Errorf("%w: ipv6 local pool %q", ErrUnknownPool, pool)
	}
	for _, h := range st.owners[owner] {
		if h.pool == pool && h.prefix.IsValid() {
			return h.prefix, nil
		}
	}
	r := p.ranges[0] // the active one, sorted first
	i, ok := r.bm.lowestFree()
	if !ok {
		return netip.Prefix{}, fmt.Errorf("%w: ipv6 local pool %q is exhausted", ErrExhausted, pool)
	}
	pfx := r.prefixAt(i)
	st.leases6[pfx] = lease6{pool: pool, owner: owner}
	st.owners[owner] = append(st.owners[owner], holding{pool: pool, prefix: pfx})
	for _, q := range st.v6 {
		for _, r := range q.ranges {
			if !r.retired {
				r.block(pfx)
			}
		}
	}
	return pfx, nil
}

func (st *state) release6(pool string, pfx netip.Prefix) error {
	l, ok := st.leases6[pfx]
	if !ok || l.pool != pool {
		return fmt.Errorf("%w: %s in ipv6 local pool %q", ErrNotAllocated, pfx, pool)
	}
	delete(st.leases6, pfx)
	st.dropHolding(l.owner, holding{pool: pool, prefix: pfx})
	for _, q := range st.v6 {
		for _, r := range q.ranges {
			if !r.prefix.Overlaps(pfx) {
				continue
			}
			if pfx.Bits() == r.assign && r.prefix.Contains(pfx.Addr()) {
				if i, ok := r.slotOf(pfx.Addr()); ok {
					r.bm.clear(i) // the common case: exactly one slot
				}
				continue
			}
			// Slot sizes differ (the pool changed while in use): a slot
			// may still be partly held, so recount this range.
			if r.retired {
				r.rebuildRetired(st.leases6)
			} else {
				r.rebuild(st.leases6)
			}
		}
		st.prune6(q)
	}
	return nil
}

func (st *state) stats6() []IPv6PoolStats {
	var out []IPv6PoolStats
	for _, name := range slices.Sorted(maps.Keys(st.v6)) {
		for _, r := range st.v6[name].ranges {
			s := IPv6PoolStats{Name: name, Prefix: r.prefix, AssignLength: r.assign, InUse: int(r.bm.set), Retired: r.retired}
			if !r.retired {
				s.Free = int(r.bm.free())
			}
			out = append(out, s)
		}
	}
	return out
}

// rebuild sets the range's marks from the held prefixes.
func (r *range6) rebuild(leases map[netip.Prefix]lease6) {
	r.bm = newBitmap(r.bm.size)
	for held := range leases {
		r.block(held)
	}
}

// rebuildRetired recounts a retired range after a release without adding
// marks it did not have: a slot stays marked while a held prefix overlaps it.
func (r *range6) rebuildRetired(leases map[netip.Prefix]lease6) {
	old := r.bm
	r.rebuild(leases)
	for w := range r.bm.words {
		r.bm.words[w] &= old.words[w]
	}
	r.bm.set = 0
	for _, w := range r.bm.words {
		r.bm.set += uint64(bits.OnesCount64(w))
	}
	r.bm.hint = 0
}
