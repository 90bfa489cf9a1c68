package userspace

import (
	"errors"
	"fmt"
	"os"
	"runtime"

	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// inNamespace runs fn on a thread switched into ns (the current namespace
// when ns is not open) and switches back.
func inNamespace(ns netns.NsHandle, fn func() error) error {
	if !ns.IsOpen() {
		return fn()
	}
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	orig, err := netns.Get()
	if err != nil {
		return fmt.Errorf("current network namespace: %w", err)
	}
	defer orig.Close()
	if err := netns.Set(ns); err != nil {
		return fmt.Errorf("enter network namespace: %w", err)
	}
	defer netns.Set(orig)
	return fn()
}

// tunOffloads are the offloads asked of a TUN device, best first: with
// checksum offload and TSO the kernel hands over TCP super-packets of up
// to 64 KiB (and takes them), with USO (Linux 6.2) UDP ones too.
var tunOffloads = []int{
	unix.TUN_F_CSUM | unix.TUN_F_TSO4 | unix.TUN_F_TSO6 | unix.TUN_F_USO4 | unix.TUN_F_USO6,
	unix.TUN_F_CSUM | unix.TUN_F_TSO4 | unix.TUN_F_TSO6,
}

// errOffloadOff is why a device has no offloads when none were asked for.
var errOffloadOff = errors.New("offloads turned off")

// openTUN creates (or attaches to) the multi-queue TUN device name and
// opens queues file descriptors on it, non-blocking so that reads park in
// the Go scheduler, not in a thread. With offload it first tries the
// device with a virtio-net header on every packet and segmentation
// offloads (docs/dataplane.md, "The fast path"). A kernel that refuses
// them gets a plain device, and noOffload says why; it is nil when the
// device has them.
func openTUN(name string, queues int, offload bool) (files []*os.File, noOffload, err error) {
	noOffload = errOffloadOff
	if offload {
		if files, noOffload = openTUNQueues(name, queues, true); noOffload == nil {
			return files, nil, nil
		}
	}
	files, err = openTUNQueues(name, queues, false)
	return files, noOffload, err
}

// openTUNQueues opens the queues, with virtio-net headers and offloads
// when vnet is set.
func openTUNQueues(name string, queues int, vnet bool) ([]*os.File, error) {
	var files []*os.File
	fail := func(err error) ([]*os.File, error) {
		closeAll(files)
		return nil, err
	}
	for q := range queues {
		fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_CLOEXEC, 0)
		if err != nil {
			return fail(fmt.Errorf("open /dev/net/tun: %w", err))
		}
		if err := setupTUNQueue(fd, name, vnet && q == 0, vnet); err != nil {
			unix.Close(fd)
			return fail(err)
		}
		// Non-blocking before os.NewFile, which then uses the poller.
		files = append(files, os.NewFile(uintptr(fd), "/dev/net/tun:"+name))
	}
	return files, nil
}

// setupTUNQueue attaches fd to the device as a queue and makes it
// non-blocking; first sets the device's header size and offloads.
func setupTUNQueue(fd int, name string, first, vnet bool) error {
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return err
	}
	flags := uint16(unix.IFF_TUN | unix.IFF_NO_PI | unix.IFF_MULTI_QUEUE)
	if vnet {
		flags |= unix.IFF_VNET_HDR
	}
	ifr.SetUint16(flags)
	if err := unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
		return fmt.Errorf("TUNSETIFF %s: %w", name, err)
	}
	if first {
		// The header size and the offloads belong to the device: set
		// once, on the first queue.
		if err := unix.IoctlSetPointerInt(fd, unix.TUNSETVNETHDRSZ, vnetHdrLen); err != nil {
			return fmt.Errorf("TUNSETVNETHDRSZ %s: %w", name, err)
		}
		err := errors.New("no offload to ask for")
		for _, o := range tunOffloads {
			if err = unix.IoctlSetInt(fd, unix.TUNSETOFFLOAD, o); err == nil {
				break
			}
		}
		if err != nil {
			return fmt.Errorf("TUNSETOFFLOAD %s: %w", name, err)
		}
	}
	return unix.SetNonblock(fd, true)
}

func closeAll(files []*os.File) {
	for _, f := range files {
		f.Close()
	}
}

// setForwarding turns IPv4 and IPv6 forwarding on in the current thread's
// network namespace (a router forwards; the kernel default is off).
func setForwarding() error {
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
		return fmt.Errorf("enable IPv4 forwarding: %w", err)
	}
	// IPv6 may be disabled in the kernel: not an error.
	os.WriteFile("/proc/sys/net/ipv6/conf/all/forwarding", []byte("1\n"), 0o644)
	return nil
}
