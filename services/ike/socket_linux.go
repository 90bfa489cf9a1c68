package ike

import (
	"net"
	"net/netip"
	"sync"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/internal/mmsg"
)

// The NAT-T socket's batch paths for a userspace data plane: runs of
// ESP-in-UDP datagrams of one SA leave in one system call, and ESP read
// in one recvmmsg is delivered as one burst.

// attachDataplane gives dp the socket's batch paths where it takes them:
// a batch transmitter, and a call after each burst read (set before the
// readers start).
func (s *socket) attachDataplane(dp dataplane.Dataplane) {
	if t, ok := dp.(dataplane.UDPBatchTransmitter); ok {
		t.SetTransmitBatch(func(_ string, from, to netip.AddrPort, pkts [][]byte) (int, error) {
			return s.sendBatch(from, to, pkts)
		})
	}
	if r, ok := dp.(dataplane.ESPBatchReceiver); ok {
		s.burstDone = r.ReceiveESPInBursts()
	}
}

// udpSegmentCmsg is room for a UDP_SEGMENT control message.
var udpSegmentCmsg = make([]byte, unix.CmsgSpace(2))

const (
	// gsoMaxSegments is the most datagrams one UDP GSO send carries (the
	// kernel's UDP_MAX_SEGMENTS was 64 before Linux 6.9).
	gsoMaxSegments = 64
	// gsoMaxBytes keeps a GSO send within one IP datagram's length.
	gsoMaxBytes = 65000
)

// sendScratch is one batch send's system call arguments and results.
// The functions the RawConn calls are made once per scratch, so that a
// send allocates nothing.
type sendScratch struct {
	iovs [gsoMaxSegments]unix.Iovec
	msgs [gsoMaxSegments]unix.Mmsghdr
	msg  unix.Msghdr           // a GSO send
	name unix.RawSockaddrInet6 // large enough for either family
	oob  []byte
	err  error
	mmsg mmsg.Sender

	sendmsgFn func(uintptr) bool
}

var sendScratchPool = sync.Pool{New: func() any {
	sc := new(sendScratch)
	sc.sendmsgFn = sc.doSendmsg
	return sc
}}

// sendBatch sends datagrams from local to remote as is, in order: with UDP
// GSO (one sendmsg per run of equal-sized datagrams, the last of a run
// possibly shorter) where the kernel takes it, else with sendmmsg. It
// returns how many were sent before the first failure.
func (s *socket) sendBatch(local, remote netip.AddrPort, pkts [][]byte) (int, error) {
	rc := s.rc4
	if !remote.Addr().Is4() {
		rc = s.rc6
	}
	if rc == nil {
		return 0, errNoSocket(remote)
	}
	var err error
	sc := sendScratchPool.Get().(*sendScratch)
	defer sendScratchPool.Put(sc)
	nameLen := sc.setName(remote)
	src := s.sourceOOB(local.Addr())
	sent := 0
	for sent < len(pkts) {
		run := gsoRun(pkts[sent:])
		var n int
		if run > 1 && !s.noGSO.Load() {
			n, err = sc.sendGSO(rc, nameLen, src, pkts[sent:sent+run])
			if err == unix.EINVAL {
				// Not this run (larger than the path's MTU, say): one
				// datagram each.
				n, err = sc.sendmmsg(rc, nameLen, src, pkts[sent:sent+run])
			} else if err != nil && gsoRefused(err) {
				// The kernel cannot segment UDP here: sendmmsg from now on.
				s.noGSO.Store(true)
				continue
			}
		} else {
			n, err = sc.sendmmsg(rc, nameLen, src, pkts[sent:min(len(pkts), sent+gsoMaxSegments)])
		}
		sent += n
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}

// gsoRun is how many datagrams from the start of pkts one GSO send can
// carry: all of the first one's size, but for a shorter last one.
func gsoRun(pkts [][]byte) int {
	size := len(pkts[0])
	if size == 0 {
		return 1
	}
	total, n := 0, 0
	for _, p := range pkts {
		if n == gsoMaxSegments || total+len(p) > gsoMaxBytes || len(p) > size || len(p) == 0 {
			break
		}
		total += len(p)
		n++
		if len(p) < size {
			break
		}
	}
	return n
}

// gsoRefused says whether a GSO send failed because the socket cannot
// segment UDP at all (no checksum offload on the way, no UDP_SEGMENT).
func gsoRefused(err error) bool {
	return err == unix.EIO || err == unix.ENOPROTOOPT || err == unix.EOPNOTSUPP
}

func errNoSocket(remote netip.AddrPort) error {
	return &net.OpError{Op: "write", Net: "udp", Addr: net.UDPAddrFromAddrPort(remote), Err: net.ErrClosed}
}

// setName writes remote as the scratch's destination and returns its
// length.
func (sc *sendScratch) setName(remote netip.AddrPort) uint32 {
	port := remote.Port()
	if remote.Addr().Is4() {
		sa := (*unix.RawSockaddrInet4)(unsafe.Pointer(&sc.name))
		*sa = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: remote.Addr().As4()}
		p := (*[2]byte)(unsafe.Pointer(&sa.Port))
		p[0], p[1] = byte(port>>8), byte(port)
		return unix.SizeofSockaddrInet4
	}
	sc.name = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: remote.Addr().As16()}
	p := (*[2]byte)(unsafe.Pointer(&sc.name.Port))
	p[0], p[1] = byte(port>>8), byte(port)
	return unix.SizeofSockaddrInet6
}

// sendGSO sends one run as a UDP GSO datagram: the kernel cuts it into
// datagrams of the first one's size.
func (sc *sendScratch) sendGSO(rc syscall.RawConn, nameLen uint32, src []byte, run [][]byte) (int, error) {
	sc.oob = append(sc.oob[:0], src...)
	h := len(sc.oob)
	sc.oob = append(sc.oob, udpSegmentCmsg...)
	cm := (*unix.Cmsghdr)(unsafe.Pointer(&sc.oob[h]))
	cm.Level, cm.Type = unix.SOL_UDP, unix.UDP_SEGMENT
	cm.SetLen(unix.CmsgLen(2))
	*(*uint16)(unsafe.Pointer(&sc.oob[h+unix.CmsgLen(0)])) = uint16(len(run[0]))
	for i, p := range run {
		sc.iovs[i] = unix.Iovec{Base: &p[0]}
		sc.iovs[i].SetLen(len(p))
	}
	sc.msg = unix.Msghdr{Name: (*byte)(unsafe.Pointer(&sc.name)), Namelen: nameLen, Iov: &sc.iovs[0],
		Control: &sc.oob[0]}
	sc.msg.SetIovlen(len(run))
	sc.msg.SetControllen(len(sc.oob))
	sc.err = nil
	err := rc.Write(sc.sendmsgFn)
	clear(sc.iovs[:len(run)])
	if err == nil {
		err = sc.err
	}
	if err != nil {
		return 0, err
	}
	return len(run), nil
}

func (sc *sendScratch) doSendmsg(fd uintptr) bool {
	for {
		_, _, e := unix.Syscall(unix.SYS_SENDMSG, fd, uintptr(unsafe.Pointer(&sc.msg)), unix.MSG_DONTWAIT)
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			sc.err = e
		}
		return true
	}
}

// sendmmsg sends pkts (at most gsoMaxSegments) one datagram each.
func (sc *sendScratch) sendmmsg(rc syscall.RawConn, nameLen uint32, src []byte, pkts [][]byte) (int, error) {
	var ctrl *byte
	if len(src) > 0 {
		ctrl = &src[0]
	}
	for i, p := range pkts {
		sc.iovs[i] = unix.Iovec{}
		if len(p) > 0 {
			sc.iovs[i].Base = &p[0]
		}
		sc.iovs[i].SetLen(len(p))
		sc.msgs[i] = unix.Mmsghdr{Hdr: unix.Msghdr{Name: (*byte)(unsafe.Pointer(&sc.name)), Namelen: nameLen,
			Iov: &sc.iovs[i], Control: ctrl}}
		sc.msgs[i].Hdr.SetIovlen(1)
		sc.msgs[i].Hdr.SetControllen(len(src))
	}
	n, err := sc.mmsg.Send(rc, sc.msgs[:len(pkts)])
	clear(sc.iovs[:len(pkts)])
	clear(sc.msgs[:len(pkts)])
	return n, err
}
