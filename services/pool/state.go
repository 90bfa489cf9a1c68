package pool

import (
	"cmp"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// state is the allocation state; only the service goroutine touches it.
//
// Invariant: a held address has its bit set in every active range, of any
// pool, that contains it; a retired range keeps only the bits it had when it
// was retired (it hands nothing out, so it needs no new ones) and drops out
// once they are all released. So a new range over a still-held address never
// hands it out again, and a range's in-use count is its number of set bits.
type state struct {
	log     *slog.Logger
	v4      map[string]*pool4
	v6      map[string]*pool6
	leases4 map[netip.Addr]lease4
	leases6 map[netip.Prefix]lease6
	owners  map[string][]holding
}

type pool4 struct {
	name       string
	configured bool
	ranges     []*range4 // by first address
}

type range4 struct {
	start, end netip.Addr
	lo         uint32
	bm         *bitmap
	retired    bool
}

type lease4 struct{ pool, owner string }

type pool6 struct {
	name       string
	configured bool
	ranges     []*range6 // at most one active, then retired ones
}

type range6 struct {
	prefix  netip.Prefix
	assign  int
	bm      *bitmap
	retired bool
}

type lease6 struct{ pool, owner string }

// holding is one address or prefix an owner holds.
type holding struct {
	pool   string
	addr   netip.Addr   // IPv4
	prefix netip.Prefix // IPv6
}

func newState(log *slog.Logger) *state {
	return &state{
		log:     log,
		v4:      map[string]*pool4{},
		v6:      map[string]*pool6{},
		leases4: map[netip.Addr]lease4{},
		leases6: map[netip.Prefix]lease6{},
		owners:  map[string][]holding{},
	}
}

// apply is one configdb change.
func (st *state) apply(c configdb.Change) {
	switch c.Kind {
	case schema.KindIPPool:
		var cfg *schema.IPPool
		if c.Op != configdb.Delete {
			cfg = st.decode4(c.Name, c.Value)
		}
		st.setPool4(c.Name, cfg)
	case schema.KindIPv6Pool:
		var cfg *schema.IPv6Pool
		if c.Op != configdb.Delete {
			cfg = st.decode6(c.Name, c.Value)
		}
		st.setPool6(c.Name, cfg)
	}
}

// reconcile4 makes the IPv4 pools match a complete set of objects.
func (st *state) reconcile4(objs map[string][]byte) {
	for name := range st.v4 {
		if _, ok := objs[name]; !ok {
			st.setPool4(name, nil)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(objs)) {
		st.setPool4(name, st.decode4(name, objs[name]))
	}
}

func (st *state) reconcile6(objs map[string][]byte) {
	for name := range st.v6 {
		if _, ok := objs[name]; !ok {
			st.setPool6(name, nil)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(objs)) {
		st.setPool6(name, st.decode6(name, objs[name]))
	}
}

// decode4 returns nil (the pool is treated as removed) for an object that
// does not decode; the CLI never writes one.
func (st *state) decode4(name string, b []byte) *schema.IPPool {
	var p schema.IPPool
	if err := json.Unmarshal(b, &p); err != nil {
		st.log.Error("pool: bad ip local pool object", "pool", name, "err", err)
		return nil
	}
	return &p
}

func (st *state) decode6(name string, b []byte) *schema.IPv6Pool {
	var p schema.IPv6Pool
	if err := json.Unmarshal(b, &p); err != nil {
		st.log.Error("pool: bad ipv6 local pool object", "pool", name, "err", err)
		return nil
	}
	return &p
}

// ---- IPv4 ----

func a4(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func u4(u uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(u >> 24), byte(u >> 16), byte(u >> 8), byte(u)})
}

func (r *range4) contains(a netip.Addr) bool {
	return a.Is4() && r.start.Compare(a) <= 0 && a.Compare(r.end) <= 0 && uint64(a4(a)-r.lo) < r.bm.size
}

func (r *range4) slot(a netip.Addr) uint64 { return uint64(a4(a) - r.lo) }

// setPool4 applies one pool's configuration (nil: removed) as a diff.
func (st *state) setPool4(name string, cfg *schema.IPPool) {
	p := st.v4[name]
	if p == nil {
		if cfg == nil {
			return
		}
		p = &pool4{name: name}
		st.v4[name] = p
	}
	p.configured = cfg != nil
	want := map[[2]netip.Addr]bool{}
	var order [][2]netip.Addr
	if cfg != nil {
		for _, rg := range cfg.Ranges {
			s, err1 := netip.ParseAddr(rg.Start)
			e, err2 := netip.ParseAddr(rg.End)
			if err1 != nil || err2 != nil || !s.Is4() || !e.Is4() || e.Less(s) {
				st.log.Error("pool: bad range", "pool", name, "start", rg.Start, "end", rg.End)
				continue
			}
			k := [2]netip.Addr{s, e}
			if !want[k] {
				want[k] = true
				order = append(order, k)
			}
		}
	}
	for _, r := range p.ranges {
		k := [2]netip.Addr{r.start, r.end}
		if r.retired && want[k] {
			r.rebuild(st.leases4) // revived: it missed marks while retired
		}
		r.retired = !want[k]
		delete(want, k)
	}
	for _, k := range order {
		if !want[k] {
			continue // already there
		}
		size := uint64(a4(k[1])-a4(k[0])) + 1
		if size > MaxRangeSize {
			st.log.Warn("pool: range too large; only its first addresses are used", "pool", name, "start", k[0], "end", k[1], "used", MaxRangeSize)
			size = MaxRangeSize
		}
		r := &range4{start: k[0], end: k[1], lo: a4(k[0]), bm: newBitmap(size)}
		r.rebuild(st.leases4)
		p.ranges = append(p.ranges, r)
	}
	slices.SortFunc(p.ranges, func(x, y *range4) int {
		return cmp.Or(x.start.Compare(y.start), x.end.Compare(y.end))
	})
	st.prune4(p)
}

// prune4 drops retired ranges nobody uses any more, and the pool once it
// is neither configured nor in use.
func (st *state) prune4(p *pool4) {
	p.ranges = slices.DeleteFunc(p.ranges, func(r *range4) bool { return r.retired && r.bm.set == 0 })
	if !p.configured && len(p.ranges) == 0 {
		delete(st.v4, p.name)
	}
}

func (st *state) allocate4(pool string, req netip.Addr, owner string) (netip.Addr, error) {
	if owner == "" {
		return netip.Addr{}, ErrNoOwner
	}
	p := st.v4[pool]
	if p == nil || !p.configured {
		return netip.Addr{}, fmt.Errorf("%w: ip local pool %q", ErrUnknownPool, pool)
	}
	for _, h := range st.owners[owner] {
		if h.pool == pool && h.addr.IsValid() {
			return h.addr, nil
		}
	}
	req = req.Unmap()
	if req.IsValid() {
		if l, ok := st.leases4[req]; ok {
			return netip.Addr{}, &InUseError{Pool: pool, Addr: req, Owner: l.owner}
		}
		for _, r := range p.ranges {
			if !r.retired && r.contains(req) && !r.bm.test(r.slot(req)) {
				st.take4(pool, req, owner)
				return req, nil
			}
		}
	}
	for _, r := range p.ranges {
		if r.retired {
			continue
		}
		if i, ok := r.bm.lowestFree(); ok {
			a := u4(r.lo + uint32(i))
			st.take4(pool, a, owner)
			return a, nil
		}
	}
	return netip.Addr{}, fmt.Errorf("%w: ip local pool %q is exhausted", ErrExhausted, pool)
}

func (st *state) take4(pool string, a netip.Addr, owner string) {
	st.leases4[a] = lease4{pool: pool, owner: owner}
	st.owners[owner] = append(st.owners[owner], holding{pool: pool, addr: a})
	for _, q := range st.v4 {
		for _, r := range q.ranges {
			if !r.retired && r.contains(a) {
				r.bm.mark(r.slot(a))
			}
		}
	}
}

// rebuild sets the range's marks from the held addresses.
func (r *range4) rebuild(leases map[netip.Addr]lease4) {
	r.bm = newBitmap(r.bm.size)
	for a := range leases {
		if r.contains(a) {
			r.bm.mark(r.slot(a))
		}
	}
}

func (st *state) release4(pool string, a netip.Addr) error {
	a = a.Unmap()
	l, ok := st.leases4[a]
	if !ok || l.pool != pool {
		return fmt.Errorf("%w: %s in ip local pool %q", ErrNotAllocated, a, pool)
	}
	delete(st.leases4, a)
	st.dropHolding(l.owner, holding{pool: pool, addr: a})
	for _, q := range st.v4 {
		for _, r := range q.ranges {
			if r.contains(a) {
				r.bm.clear(r.slot(a))
			}
		}
		st.prune4(q)
	}
	return nil
}

func (st *state) dropHolding(owner string, h holding) {
	hs := slices.DeleteFunc(st.owners[owner], func(x holding) bool { return x == h })
	if len(hs) == 0 {
		delete(st.owners, owner)
	} else {
		st.owners[owner] = hs
	}
}

func (st *state) releaseOwner(owner string) int {
	hs := slices.Clone(st.owners[owner])
	for _, h := range hs {
		if h.addr.IsValid() {
			st.release4(h.pool, h.addr)
		} else {
			st.release6(h.pool, h.prefix)
		}
	}
	return len(hs)
}

func (st *state) stats4() []PoolStats {
	var out []PoolStats
	for _, name := range slices.Sorted(maps.Keys(st.v4)) {
		ps := PoolStats{Name: name}
		for _, r := range st.v4[name].ranges {
			rs := RangeStats{Start: r.start, End: r.end, InUse: int(r.bm.set), Retired: r.retired}
			if !r.retired {
				rs.Free = int(r.bm.free())
			}
			ps.Ranges = append(ps.Ranges, rs)
		}
		out = append(out, ps)
	}
	return out
}
