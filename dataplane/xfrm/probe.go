//go:build linux

package xfrm

import (
	"errors"
	"fmt"
	"net"
	"runtime"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// Probe says whether this kernel can run the xfrm backend: it creates an
// XFRM interface, a VRF device and an ESP state of each family, and
// deletes them. With no argument it works in a network namespace of its
// own, which it creates and lets go; given a namespace, it works there.
// The error names everything missing, e.g. "xfrm: kernel lacks XFRM
// interfaces: operation not supported; no esp4 module: ...". No packet is
// sent.
func Probe(ns ...netns.NsHandle) error {
	var h *kernelHandle
	var err error
	switch len(ns) {
	case 0:
		var n netns.NsHandle
		if n, err = throwawayNamespace(); err != nil {
			return fmt.Errorf("xfrm: cannot create a network namespace to probe in: %w", err)
		}
		if h, err = openKernelHandle(n, true); err != nil {
			n.Close()
		}
	case 1:
		h, err = openKernelHandle(ns[0], false)
	default:
		return errors.New("xfrm: Probe takes at most one namespace")
	}
	if err != nil {
		return fmt.Errorf("xfrm: kernel lacks XFRM netlink: %w", err)
	}
	defer h.Close()
	if err := probe(h); err != nil {
		return fmt.Errorf("xfrm: %w", err)
	}
	return nil
}

// throwawayNamespace creates a network namespace on a thread of its own
// that is never unlocked, so the thread dies with its goroutine and no
// other goroutine ever runs in the new namespace.
func throwawayNamespace() (netns.NsHandle, error) {
	type result struct {
		ns  netns.NsHandle
		err error
	}
	ch := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		n, err := netns.New()
		ch <- result{n, err}
	}()
	r := <-ch
	return r.ns, r.err
}

// probe runs the checks through h, removing what it created.
func probe(h netlinkHandle) error {
	const probeIfID = IfIDBase + MaxInterfaces // owned, so a crashed probe's leftovers are cleaned by New
	var errs []error
	xi := &netlink.Xfrmi{LinkAttrs: netlink.LinkAttrs{Name: "ghprobe0"}, Ifid: probeIfID}
	if err := h.LinkAdd(xi); err != nil {
		errs = append(errs, fmt.Errorf("kernel lacks XFRM interfaces: %w", err))
	} else {
		_ = h.LinkDel(xi)
	}
	v := &netlink.Vrf{LinkAttrs: netlink.LinkAttrs{Name: VRFPrefix + "probe"}, Table: TableBase + MaxTables - 1}
	if err := h.LinkAdd(v); err != nil {
		errs = append(errs, fmt.Errorf("kernel lacks VRF devices: %w", err))
	} else {
		_ = h.LinkDel(v)
	}
	for _, f := range []struct {
		module   string
		src, dst net.IP
	}{
		{"esp4", net.ParseIP("192.0.2.1").To4(), net.ParseIP("192.0.2.2").To4()},
		{"esp6", net.ParseIP("2001:db8::1"), net.ParseIP("2001:db8::2")},
	} {
		st := &netlink.XfrmState{
			Src: f.src, Dst: f.dst, Proto: netlink.XFRM_PROTO_ESP, Mode: netlink.XFRM_MODE_TUNNEL,
			Spi: 0x100, Reqid: probeIfID, Ifid: probeIfID,
			Crypt: &netlink.XfrmStateAlgo{Name: "cbc(aes)", Key: make([]byte, 16)},
			Auth:  &netlink.XfrmStateAlgo{Name: "hmac(sha256)", Key: make([]byte, 32), TruncateLen: 128},
		}
		err := h.XfrmStateAdd(st)
		switch {
		case err == nil:
			_ = h.XfrmStateDel(stateKey(st))
		case errors.Is(err, unix.ENOSYS):
			// xfrm_user answers ENOSYS for an algorithm the crypto API lacks.
			errs = append(errs, fmt.Errorf("kernel lacks cbc(aes) or hmac(sha256) for %s: %w", f.module, err))
		default:
			errs = append(errs, fmt.Errorf("no %s module: %w", f.module, err))
		}
	}
	return joinSemicolon(errs)
}

// joinSemicolon joins errors on one line, as a log line or skip message
// wants them, keeping each for errors.Is.
func joinSemicolon(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return lineErrors(errs)
}

type lineErrors []error

func (e lineErrors) Error() string {
	s := ""
	for i, err := range e {
		if i > 0 {
			s += "; "
		}
		s += err.Error()
	}
	return s
}

func (e lineErrors) Unwrap() []error { return e }
