package userspace

import (
	"net/netip"
	"slices"
	"sync"
)

// routeTable maps destinations to virtual-access interfaces for one VRF.
// Host routes (a client's assigned address, the common case) are a map
// lookup; other prefixes are few and searched longest first. IPv4 hosts
// are keyed by their 4 bytes: a third of a netip.Addr key, at one entry
// per session.
type routeTable struct {
	mu       sync.RWMutex
	hosts4   map[[4]byte]*vaccess
	hosts6   map[netip.Addr]*vaccess // and IPv4-mapped IPv6 hosts
	prefixes []prefixRoute           // longest first
}

type prefixRoute struct {
	prefix netip.Prefix
	va     *vaccess
}

func newRouteTable() *routeTable {
	return &routeTable{hosts4: map[[4]byte]*vaccess{}, hosts6: map[netip.Addr]*vaccess{}}
}

// host is the host route to a, or nil.
func (t *routeTable) host(a netip.Addr) *vaccess {
	if a.Is4() {
		return t.hosts4[a.As4()]
	}
	return t.hosts6[a]
}

func (t *routeTable) setHost(a netip.Addr, va *vaccess) {
	if a.Is4() {
		t.hosts4[a.As4()] = va
	} else {
		t.hosts6[a] = va
	}
}

func (t *routeTable) deleteHost(a netip.Addr) {
	if a.Is4() {
		delete(t.hosts4, a.As4())
	} else {
		delete(t.hosts6, a)
	}
}

// lookup returns the interface holding the longest route to dst.
func (t *routeTable) lookup(dst netip.Addr) *vaccess {
	t.mu.RLock()
	defer t.mu.RUnlock()
	if va := t.host(dst); va != nil {
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
			if t.host(p.Addr()) == va {
				t.deleteHost(p.Addr())
			}
			continue
		}
		t.prefixes = slices.DeleteFunc(t.prefixes, func(r prefixRoute) bool { return r.va == va && r.prefix == p })
	}
	for _, p := range new {
		if p.IsSingleIP() {
			t.setHost(p.Addr(), va)
			continue
		}
		t.prefixes = append(t.prefixes, prefixRoute{p, va})
	}
	slices.SortStableFunc(t.prefixes, func(a, b prefixRoute) int { return b.prefix.Bits() - a.prefix.Bits() })
}
