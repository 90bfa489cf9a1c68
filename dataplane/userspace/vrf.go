package userspace

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"runtime"
	"sync/atomic"
	"syscall"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// tunQueueLen is the TUN devices' transmit queue length, in packets.
const tunQueueLen = 5000

// vrf is one routing table: a network namespace, its TUN device and the
// routes through it.
type vrf struct {
	name      string         // "" is the global table
	nsName    string         // network namespace, "" for the daemon's own
	ns        netns.NsHandle // open when nsName != ""
	createdNS bool           // this package created the namespace (and deletes it)
	nl        *netlink.Handle
	tunName   string
	tun       []*os.File
	tunRC     []syscall.RawConn // of each queue in tun
	offload   bool              // the queues carry virtio-net headers, with TSO (and USO)
	noOffload error             // why not, when not
	linkIndex int
	mtu       int
	routes    *routeTable
	noRoute   atomic.Uint64 // packets from the TUN with no route to a client
	transport transportSteering
}

// openVRF creates the VRF's TUN device in its namespace (creating the
// namespace when it does not exist), brings it up and turns forwarding on.
func openVRF(name, nsName, tunName string, queues, mtu int, offload bool) (*vrf, error) {
	v := &vrf{name: name, nsName: nsName, ns: netns.None(), tunName: tunName, mtu: mtu, routes: newRouteTable()}
	if nsName != "" {
		ns, err := netns.GetFromName(nsName)
		if err != nil {
			if ns, err = newNamedNS(nsName); err != nil {
				return nil, fmt.Errorf("VRF %s: network namespace %s: %w", name, nsName, err)
			}
			v.createdNS = true
		}
		v.ns = ns
	}
	err := inNamespace(v.ns, func() error {
		var err error
		if v.tun, v.noOffload, err = openTUN(tunName, queues, offload); err != nil {
			return err
		}
		v.offload = v.noOffload == nil
		for _, f := range v.tun {
			rc, err := f.SyscallConn()
			if err != nil {
				return fmt.Errorf("TUN %s: %w", tunName, err)
			}
			v.tunRC = append(v.tunRC, rc)
		}
		if v.nl, err = netlink.NewHandle(unix.NETLINK_ROUTE); err != nil {
			return fmt.Errorf("netlink: %w", err)
		}
		return setForwarding()
	})
	if err == nil {
		err = v.linkUp()
	}
	if err == nil {
		v.flushTransport()
	}
	if err != nil {
		v.close()
		return nil, fmt.Errorf("VRF %q: %w", displayVRF(name), err)
	}
	return v, nil
}

// newNamedNS creates a named network namespace (as "ip netns add" does).
// netns.NewNamed moves the calling thread into the new namespace, so it
// runs on a goroutine that keeps its thread locked: when the goroutine
// ends, the runtime discards the thread instead of reusing it.
func newNamedNS(name string) (netns.NsHandle, error) {
	type result struct {
		ns  netns.NsHandle
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		ns, err := netns.NewNamed(name)
		ch <- result{ns, err}
	}()
	r := <-ch
	return r.ns, r.err
}

func (v *vrf) linkUp() error {
	link, err := v.nl.LinkByName(v.tunName)
	if err != nil {
		return fmt.Errorf("TUN %s: %w", v.tunName, err)
	}
	v.linkIndex = link.Attrs().Index
	if err := v.nl.LinkSetMTU(link, v.mtu); err != nil {
		return fmt.Errorf("TUN %s: mtu %d: %w", v.tunName, v.mtu, err)
	}
	// The kernel queues packets for the TUN while a reader is busy; the
	// default 500 overflows under a TCP burst to one client.
	if err := v.nl.LinkSetTxQLen(link, tunQueueLen); err != nil {
		return fmt.Errorf("TUN %s: txqueuelen %d: %w", v.tunName, tunQueueLen, err)
	}
	if err := v.nl.LinkSetUp(link); err != nil {
		return fmt.Errorf("TUN %s: up: %w", v.tunName, err)
	}
	return nil
}

// raiseMTU grows the TUN's MTU to mtu when an interface needs more.
func (v *vrf) raiseMTU(mtu int) error {
	if mtu <= v.mtu {
		return nil
	}
	link, err := v.nl.LinkByIndex(v.linkIndex)
	if err != nil {
		return err
	}
	if err := v.nl.LinkSetMTU(link, mtu); err != nil {
		return err
	}
	v.mtu = mtu
	return nil
}

// kernelRoute is prefix through the VRF's TUN.
func (v *vrf) kernelRoute(p netip.Prefix) *netlink.Route {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &netlink.Route{LinkIndex: v.linkIndex, Scope: netlink.SCOPE_LINK,
		Dst: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}}
}

func (v *vrf) addRoute(p netip.Prefix) error {
	if err := v.nl.RouteReplace(v.kernelRoute(p)); err != nil {
		return fmt.Errorf("route %v dev %s: %w", p, v.tunName, err)
	}
	return nil
}

func (v *vrf) delRoute(p netip.Prefix) error {
	err := v.nl.RouteDel(v.kernelRoute(p))
	if err != nil && !errors.Is(err, unix.ESRCH) {
		return fmt.Errorf("delete route %v dev %s: %w", p, v.tunName, err)
	}
	return nil
}

// addr is an interface address on the VRF's TUN device: a client-side
// interface's virtual IP, the source of what it sends into the tunnel.
func (v *vrf) addr(p netip.Prefix) *netlink.Addr {
	bits := 32
	if p.Addr().Is6() {
		bits = 128
	}
	return &netlink.Addr{IPNet: &net.IPNet{IP: p.Addr().AsSlice(), Mask: net.CIDRMask(p.Bits(), bits)}}
}

func (v *vrf) addAddress(p netip.Prefix) error {
	link, err := v.nl.LinkByIndex(v.linkIndex)
	if err == nil {
		err = v.nl.AddrReplace(link, v.addr(p))
	}
	if err != nil {
		return fmt.Errorf("address %v on %s: %w", p, v.tunName, err)
	}
	return nil
}

func (v *vrf) delAddress(p netip.Prefix) error {
	link, err := v.nl.LinkByIndex(v.linkIndex)
	if err == nil {
		err = v.nl.AddrDel(link, v.addr(p))
	}
	if err != nil && !errors.Is(err, unix.EADDRNOTAVAIL) {
		return fmt.Errorf("delete address %v on %s: %w", p, v.tunName, err)
	}
	return nil
}

// close removes the TUN device (it goes with its last queue) and the
// namespace if this package made it.
func (v *vrf) close() {
	// The slices stay: the packet path may still hold them, and a closed
	// queue fails its reads and writes.
	if v.nl != nil {
		v.flushTransport()
	}
	closeAll(v.tun)
	if v.nl != nil {
		v.nl.Close()
	}
	if v.ns.IsOpen() {
		v.ns.Close()
	}
	if v.createdNS {
		netns.DeleteNamed(v.nsName)
	}
}

func displayVRF(name string) string {
	if name == "" {
		return "global"
	}
	return name
}
