package userspace

import (
	"fmt"
	"net/netip"
	"testing"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// The per-session kernel cost the logical virtual-access design avoids
// (docs/dataplane.md): a TUN link per session against one access route per
// session through a shared TUN. Both run in a throwaway namespace.

// BenchmarkTUNLinkPerSession creates, brings up and deletes one TUN
// device per op: the least a kernel link per virtual-access costs.
func BenchmarkTUNLinkPerSession(b *testing.B) {
	ns, err := netns.GetFromName(testNamespace(b))
	if err != nil {
		b.Fatal(err)
	}
	defer ns.Close()
	var nl *netlink.Handle
	if err := inNamespace(ns, func() error {
		nl, err = netlink.NewHandle(unix.NETLINK_ROUTE)
		return err
	}); err != nil {
		b.Fatal(err)
	}
	defer nl.Close()
	i := 0
	for b.Loop() {
		name := fmt.Sprintf("va%d", i)
		i++
		if err := inNamespace(ns, func() error {
			files, _, err := openTUN(name, 1, false)
			if err != nil {
				return err
			}
			defer closeAll(files)
			link, err := nl.LinkByName(name)
			if err != nil {
				return err
			}
			return nl.LinkSetUp(link)
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAccessRoutePerSession adds and deletes one host route through
// a shared TUN per op: what the userspace backend does per session.
func BenchmarkAccessRoutePerSession(b *testing.B) {
	v, err := openVRF("bench", testNamespace(b), "gh0", 1, 1400, false)
	if err != nil {
		b.Fatal(err)
	}
	defer v.close()
	i := 0
	for b.Loop() {
		p := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 16), byte(i >> 8), byte(i)}), 32)
		i++
		if err := v.addRoute(p); err != nil {
			b.Fatal(err)
		}
		if err := v.delRoute(p); err != nil {
			b.Fatal(err)
		}
	}
}
