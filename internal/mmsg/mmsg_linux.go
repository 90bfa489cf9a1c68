// Package mmsg moves many datagrams per system call: sendmmsg and
// recvmmsg through a descriptor's syscall.RawConn, so that a call waits in
// the Go poller on EAGAIN and never touches a closed descriptor.
//
// # What it owns
//
// The two system-call loops (EINTR retried, EAGAIN handed to the poller,
// partial sends resumed). A Sender or Receiver is a value its one user
// keeps: the function the RawConn calls is made once, so the packet paths
// of the data plane and the IKE sockets allocate nothing.
//
// # What it must not do
//
// Build messages or interpret packets: callers fill the Mmsghdr vectors.
package mmsg

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Sender sends a vector of messages with sendmmsg.
type Sender struct {
	msgs []unix.Mmsghdr
	sent int
	err  error
	fn   func(uintptr) bool
}

// Send sends msgs, returning how many were sent before the first that
// failed and that failure (nil when all went).
func (s *Sender) Send(rc syscall.RawConn, msgs []unix.Mmsghdr) (int, error) {
	if s.fn == nil {
		s.fn = s.do
	}
	s.msgs, s.sent, s.err = msgs, 0, nil
	err := rc.Write(s.fn)
	s.msgs = nil
	if err == nil {
		err = s.err
	}
	return s.sent, err
}

func (s *Sender) do(fd uintptr) bool {
	for s.sent < len(s.msgs) {
		n, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&s.msgs[s.sent])), uintptr(len(s.msgs)-s.sent),
			unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			s.sent += int(n)
		case unix.EINTR:
		case unix.EAGAIN:
			return false
		default:
			s.err = e
			return true
		}
	}
	return true
}

// Receiver reads a burst of datagrams with recvmmsg.
type Receiver struct {
	msgs []unix.Mmsghdr
	n    int
	err  error
	fn   func(uintptr) bool
}

// Receive reads as many datagrams as are queued, up to len(msgs), waiting
// for the first.
func (r *Receiver) Receive(rc syscall.RawConn, msgs []unix.Mmsghdr) (int, error) {
	if r.fn == nil {
		r.fn = r.do
	}
	r.msgs, r.n, r.err = msgs, 0, nil
	err := rc.Read(r.fn)
	r.msgs = nil
	if err == nil {
		err = r.err
	}
	return r.n, err
}

func (r *Receiver) do(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&r.msgs[0])), uintptr(len(r.msgs)),
			unix.MSG_DONTWAIT, 0, 0)
		switch e {
		case 0:
			r.n = int(n)
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			r.err = e
		}
		return true
	}
}
