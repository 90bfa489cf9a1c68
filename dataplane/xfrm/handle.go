//go:build linux

package xfrm

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// netlinkHandle is every kernel operation the backend makes, and nothing
// more: the seam between the backend's decisions and the kernel. The
// kernel implementation wraps a *netlink.Handle opened in one network
// namespace; the tests' implementation records each request as a line of
// text (recorder_test.go), so the requests are golden-tested on kernels
// without ESP or XFRM interfaces.
type netlinkHandle interface {
	LinkAdd(link netlink.Link) error
	LinkModify(link netlink.Link) error
	LinkDel(link netlink.Link) error
	LinkSetUp(link netlink.Link) error
	LinkSetMTU(link netlink.Link, mtu int) error
	LinkSetMaster(link, master netlink.Link) error
	LinkSetNoMaster(link netlink.Link) error
	LinkByName(name string) (netlink.Link, error)
	LinkList() ([]netlink.Link, error)

	AddrReplace(link netlink.Link, addr *netlink.Addr) error
	AddrDel(link netlink.Link, addr *netlink.Addr) error

	XfrmStateAdd(state *netlink.XfrmState) error
	XfrmStateDel(state *netlink.XfrmState) error
	XfrmStateGet(state *netlink.XfrmState) (*netlink.XfrmState, error)
	XfrmStateList(family int) ([]netlink.XfrmState, error)
	XfrmPolicyAdd(policy *netlink.XfrmPolicy) error
	XfrmPolicyUpdate(policy *netlink.XfrmPolicy) error
	XfrmPolicyDel(policy *netlink.XfrmPolicy) error
	XfrmPolicyList(family int) ([]netlink.XfrmPolicy, error)

	RouteReplace(route *netlink.Route) error
	RouteDel(route *netlink.Route) error

	// SubscribeExpire delivers the kernel's XFRM_MSG_EXPIRE notifications
	// until done is closed, then closes the channel. A receive error (the
	// socket buffer overflowed and notifications were lost) is delivered as
	// an expiry with Err set; the subscription goes on when it can.
	SubscribeExpire(done <-chan struct{}) (<-chan expiry, error)

	Close()
}

// expiry is one XFRM_MSG_EXPIRE: the state's destination and SPI, and
// whether its hard lifetime ran out (the kernel has then deleted it).
type expiry struct {
	Dst  netip.Addr
	SPI  uint32
	Hard bool
	Err  error
}

// kernelHandle is the netlinkHandle of a real kernel.
type kernelHandle struct {
	*netlink.Handle
	ns   netns.NsHandle // closed by Close when owned
	own  bool
	xfrm *nl.SocketHandle // for the requests netlink.Handle cannot express (XfrmStateAdd)
}

var _ netlinkHandle = (*kernelHandle)(nil)

// requestTimeout bounds every netlink request: a kernel that does not
// answer must not hang a service's call forever.
const requestTimeout = 10 * time.Second

// openKernelHandle opens route and XFRM netlink sockets in ns
// (netns.None(): the caller's namespace). The handle owns ns when own is
// set.
func openKernelHandle(ns netns.NsHandle, own bool) (*kernelHandle, error) {
	h, err := netlink.NewHandleAt(ns, unix.NETLINK_ROUTE, unix.NETLINK_XFRM)
	if err != nil {
		return nil, fmt.Errorf("netlink (route, xfrm): %w", err)
	}
	if err := h.SetSocketTimeout(requestTimeout); err != nil {
		h.Close()
		return nil, fmt.Errorf("netlink: %w", err)
	}
	s, err := nl.GetNetlinkSocketAt(ns, netns.None(), unix.NETLINK_XFRM)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("netlink (xfrm): %w", err)
	}
	tv := unix.NsecToTimeval(requestTimeout.Nanoseconds())
	if err := errors.Join(s.SetSendTimeout(&tv), s.SetReceiveTimeout(&tv)); err != nil {
		s.Close()
		h.Close()
		return nil, fmt.Errorf("netlink (xfrm): %w", err)
	}
	_ = s.SetExtAck(true) // kernels before 4.12 lack it; errors are then bare errnos
	return &kernelHandle{Handle: h, ns: ns, own: own, xfrm: &nl.SocketHandle{Socket: s}}, nil
}

func (k *kernelHandle) Close() {
	k.Handle.Close()
	k.xfrm.Close()
	if k.own {
		k.ns.Close()
	}
}

// XfrmStateAdd builds XFRM_MSG_NEWSA itself: netlink v1.3 sets neither
// XFRM_STATE_AF_UNSPEC (without it a tunnel-mode SA carries only the inner
// family of its outer addresses) nor a bitmap replay window without ESN
// (without it the kernel caps the window at 32 packets). What the request
// says is decided by stateFlags and replayOf, which the golden tests cover.
func (k *kernelHandle) XfrmStateAdd(st *netlink.XfrmState) error {
	req, err := newSARequest(st)
	if err != nil {
		return err
	}
	req.Sockets = map[int]*nl.SocketHandle{unix.NETLINK_XFRM: k.xfrm}
	_, err = req.Execute(unix.NETLINK_XFRM, 0)
	return err
}

// newSARequest encodes st as XFRM_MSG_NEWSA.
func newSARequest(st *netlink.XfrmState) (*nl.NetlinkRequest, error) {
	if st.Spi == 0 {
		return nil, errors.New("xfrm state with SPI 0")
	}
	req := nl.NewNetlinkRequest(nl.XFRM_MSG_NEWSA, unix.NLM_F_CREATE|unix.NLM_F_EXCL|unix.NLM_F_ACK)
	msg := &nl.XfrmUsersaInfo{}
	msg.Family = uint16(nl.GetIPFamily(st.Dst))
	msg.Id.Daddr.FromIP(st.Dst)
	msg.Id.Spi = nl.Swap32(uint32(st.Spi))
	msg.Id.Proto = uint8(st.Proto)
	msg.Saddr.FromIP(st.Src)
	msg.Mode = uint8(st.Mode)
	msg.Reqid = uint32(st.Reqid)
	msg.Flags = stateFlags(st)
	lft := &msg.Lft
	lft.SoftByteLimit, lft.HardByteLimit = orInfinite(st.Limits.ByteSoft), orInfinite(st.Limits.ByteHard)
	lft.SoftPacketLimit, lft.HardPacketLimit = orInfinite(st.Limits.PacketSoft), orInfinite(st.Limits.PacketHard)
	lft.SoftAddExpiresSeconds, lft.HardAddExpiresSeconds = st.Limits.TimeSoft, st.Limits.TimeHard
	r := replayOf(st)
	if r.mode == replayLegacy {
		msg.ReplayWindow = uint8(r.window)
	}
	req.AddData(msg)

	if a := st.Auth; a != nil {
		algo := nl.XfrmAlgoAuth{AlgKeyLen: uint32(len(a.Key) * 8), AlgTruncLen: uint32(a.TruncateLen), AlgKey: a.Key}
		copy(algo.AlgName[:], a.Name)
		req.AddData(nl.NewRtAttr(nl.XFRMA_ALG_AUTH_TRUNC, algo.Serialize()))
	}
	if a := st.Crypt; a != nil {
		algo := nl.XfrmAlgo{AlgKeyLen: uint32(len(a.Key) * 8), AlgKey: a.Key}
		copy(algo.AlgName[:], a.Name)
		req.AddData(nl.NewRtAttr(nl.XFRMA_ALG_CRYPT, algo.Serialize()))
	}
	if a := st.Aead; a != nil {
		algo := nl.XfrmAlgoAEAD{AlgKeyLen: uint32(len(a.Key) * 8), AlgICVLen: uint32(a.ICVLen), AlgKey: a.Key}
		copy(algo.AlgName[:], a.Name)
		req.AddData(nl.NewRtAttr(nl.XFRMA_ALG_AEAD, algo.Serialize()))
	}
	if e := st.Encap; e != nil {
		tmpl := &nl.XfrmEncapTmpl{EncapType: uint16(e.Type), EncapSport: nl.Swap16(uint16(e.SrcPort)), EncapDport: nl.Swap16(uint16(e.DstPort))}
		if e.OriginalAddress != nil {
			tmpl.EncapOa.FromIP(e.OriginalAddress)
		}
		req.AddData(nl.NewRtAttr(nl.XFRMA_ENCAP, tmpl.Serialize()))
	}
	if r.mode != replayLegacy {
		esn := &nl.XfrmReplayStateEsn{ReplayWindow: uint32(r.window), BmpLen: uint32((r.window + 31) / 32)}
		req.AddData(nl.NewRtAttr(nl.XFRMA_REPLAY_ESN_VAL, esn.Serialize()))
	}
	if st.Ifid != 0 {
		req.AddData(nl.NewRtAttr(nl.XFRMA_IF_ID, nl.Uint32Attr(uint32(st.Ifid))))
	}
	return req, nil
}

func orInfinite(limit uint64) uint64 {
	if limit == 0 {
		return nl.XFRM_INF
	}
	return limit
}

// SubscribeExpire listens on XFRMNLGRP_EXPIRE in the handle's namespace.
func (k *kernelHandle) SubscribeExpire(done <-chan struct{}) (<-chan expiry, error) {
	s, err := nl.SubscribeAt(k.ns, netns.None(), unix.NETLINK_XFRM, nl.XFRMNLGRP_EXPIRE)
	if err != nil {
		return nil, fmt.Errorf("subscribe to xfrm expire notifications: %w", err)
	}
	// A short receive timeout lets the loop notice done: closing a netlink
	// socket does not wake a thread blocked in recvfrom.
	tv := unix.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
	if err := s.SetReceiveTimeout(&tv); err != nil {
		s.Close()
		return nil, fmt.Errorf("xfrm expire socket: %w", err)
	}
	_ = s.SetReceiveBufferSize(1<<20, false) // best effort: a larger burst of expiries before ENOBUFS
	ch := make(chan expiry, 64)
	go func() {
		defer close(ch)
		defer s.Close()
		send := func(e expiry) bool {
			select {
			case ch <- e:
				return true
			case <-done:
				return false
			}
		}
		for {
			select {
			case <-done:
				return
			default:
			}
			msgs, from, err := s.Receive()
			switch {
			case errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
				continue
			case err != nil:
				if !send(expiry{Err: err}) || !errors.Is(err, unix.ENOBUFS) {
					return
				}
				continue
			case from.Pid != nl.PidKernel:
				continue
			}
			for _, m := range msgs {
				if m.Header.Type != nl.XFRM_MSG_EXPIRE || len(m.Data) < nl.SizeofXfrmUserExpire {
					continue
				}
				ue := nl.DeserializeXfrmUserExpire(m.Data)
				dst, _ := netip.AddrFromSlice(ue.XfrmUsersaInfo.Id.Daddr.ToIP())
				e := expiry{Dst: dst.Unmap(), SPI: nl.Swap32(ue.XfrmUsersaInfo.Id.Spi), Hard: ue.Hard != 0}
				if !send(e) {
					return
				}
			}
		}
	}()
	return ch, nil
}

// ipOf and ipNetOf convert to the net types the netlink package takes.
func ipOf(a netip.Addr) net.IP { return net.IP(a.Unmap().AsSlice()) }

func ipNetOf(p netip.Prefix) *net.IPNet {
	a := p.Addr()
	return &net.IPNet{IP: net.IP(a.AsSlice()), Mask: net.CIDRMask(p.Bits(), a.BitLen())}
}

func netipAddr(ip net.IP) (netip.Addr, bool) {
	a, ok := netip.AddrFromSlice(ip)
	return a.Unmap(), ok
}
