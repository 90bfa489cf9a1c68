package userspace

import (
	"net/netip"
	"slices"
	"sync"
)

// routeTable maps destinations to virtual-access interfaces for one VRF.
// Host routes (a client's assigned address, the common case) are a map
// lookup; other prefixes are few and searched longest first.
type routeTable struct {
	mu       sync.RWMutex
	hosts    map[netip.Addr]*vaccess
	prefixes []prefixRoute // longest first
}

type prefixRoute struct {
	prefix netip.Prefix
	va     *vaccess
}

func newRouteTable() *routeTable { return &routeTable{hosts: map[netip.Addr]*vaccess{}} }

// lookup returns the interface holding the longest route to dst.
func (t *routeTable) lookup(dst netip.Addr) *vaccess {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if va := t.hosts[dst]; va != nil {
		return va
	}
	for _, r := range t.prefixes {
		if r.prefix.Contains(dst) {
			return r.va
		}
	}
	return nil
}

// replace swaps the routes va holds from old to new.
func (t *routeTable) replace(va *vaccess, old, new []netip.Prefix) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, p := range old {
		if p.IsSingleIP() {
			if t.hosts[p.Addr()] == va {
				delete(t.hosts, p.Addr())
			}
			continue
		}
		t.prefixes = slices.DeleteFunc(t.prefixes, func(r prefixRoute) bool { return r.va == va && r.prefix == p })
	}
	for _, p := range new {
		if p.IsSingleIP() {
			t.hosts[p.Addr()] = va
			continue
		}
		t.prefixes = append(t.prefixes, prefixRoute{p, va})
	}
	slices.SortStableFunc(t.prefixes, func(a, b prefixRoute) int { return b.prefix.Bits() - a.prefix.Bits() })
}
