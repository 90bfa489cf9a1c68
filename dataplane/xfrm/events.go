//go:build linux

package xfrm

import (
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/vishvananda/netlink"
)

// watchExpiries turns the kernel's XFRM_MSG_EXPIRE notifications into
// Events until Close. It is the backend's only goroutine.
func (b *Backend) watchExpiries(exp <-chan expiry) {
	for e := range exp {
		if e.Err != nil {
			// Notifications were lost (ENOBUFS): find the expiries in a
			// dump instead.
			b.log.Warn("xfrm: expire notifications lost; reading the state table", "err", e.Err)
			b.resync()
			continue
		}
		b.expired(e)
	}
}

// expired reports the SA one of whose states expired, once per kind: both
// directions of an SA usually expire together.
func (b *Backend) expired(e expiry) {
	b.mu.Lock()
	defer b.mu.Unlock()
	id, ok := b.byState[stateID{e.Dst, e.SPI}]
	if !ok || b.closed {
		return // not ours, or already removed
	}
	b.report(id, b.sas[id], e.Hard)
}

// report sends one event; the caller holds mu.
func (b *Backend) report(id dataplane.SAID, sa *childSA, hard bool) {
	kind := dataplane.SoftExpire
	if hard {
		if sa.hard {
			return
		}
		sa.hard, sa.soft, kind = true, true, dataplane.HardExpire
	} else {
		if sa.soft {
			return
		}
		sa.soft = true
	}
	if !b.events.Emit(dataplane.Event{Kind: kind, SA: id}) {
		b.log.Warn("xfrm: event dropped, Events is full", "event", kind.String()+" "+id.String(), "dropped", b.events.Dropped())
	}
}

// resync compares the installed SAs with the kernel's state table: a state
// that is gone was hard-expired, one past a soft limit is due for rekey.
func (b *Backend) resync() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return
	}
	states, err := retryDump("dump xfrm states", func() ([]netlink.XfrmState, error) { return b.h.XfrmStateList(netlink.FAMILY_ALL) })
	if err != nil {
		b.log.Warn("xfrm: cannot read the state table; expiries may be late", "err", err)
		return
	}
	present := make(map[stateID]*netlink.XfrmState, len(states))
	for i := range states {
		st := &states[i]
		if ownedIfID(uint32(st.Ifid)) {
			present[stateIDOf(st)] = st
		}
	}
	now := uint64(b.now().Unix())
	for id, sa := range b.sas {
		in, out := present[stateIDOf(sa.in)], present[stateIDOf(sa.out)]
		switch {
		case in == nil || out == nil:
			b.report(id, sa, true)
		case pastSoft(in, sa.spec.Lifetime, now) || pastSoft(out, sa.spec.Lifetime, now):
			b.report(id, sa, false)
		}
	}
}

func stateIDOf(st *netlink.XfrmState) stateID {
	a, _ := netipAddr(st.Dst)
	return stateID{a, uint32(st.Spi)}
}

func pastSoft(st *netlink.XfrmState, l dataplane.Lifetime, now uint64) bool {
	s := st.Statistics
	return (l.SoftBytes != 0 && s.Bytes >= l.SoftBytes) ||
		(l.SoftPackets != 0 && s.Packets >= l.SoftPackets) ||
		(l.SoftSeconds != 0 && s.AddTime != 0 && now >= s.AddTime+uint64(l.SoftSeconds))
}
