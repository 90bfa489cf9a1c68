package userspace

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System calls of the packet path that move many packets at once:
// sendmmsg and recvmmsg on the raw ESP sockets, writev and draining reads
// on the TUN devices. Each goes through the descriptor's syscall.RawConn,
// so that it waits in the Go poller when the kernel says EAGAIN and never
// touches a descriptor that has been closed. Each is a value its one
// user keeps: the function the RawConn calls is made once, not per call,
// so the packet path allocates nothing.

// mmsgSender sends a vector of messages with sendmmsg.
type mmsgSender struct {
	msgs []unix.Mmsghdr
	sent int
	err  error
	fn   func(uintptr) bool
}

// send sends msgs, returning how many were sent before the first that
// failed and that failure (nil when all went).
func (s *mmsgSender) send(rc syscall.RawConn, msgs []unix.Mmsghdr) (int, error) {
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

func (s *mmsgSender) do(fd uintptr) bool {
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

// mmsgReceiver reads a burst of datagrams with recvmmsg.
type mmsgReceiver struct {
	msgs []unix.Mmsghdr
	n    int
	err  error
	fn   func(uintptr) bool
}

// receive reads as many datagrams as are queued, up to len(msgs), waiting
// for the first.
func (r *mmsgReceiver) receive(rc syscall.RawConn, msgs []unix.Mmsghdr) (int, error) {
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

func (r *mmsgReceiver) do(fd uintptr) bool {
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

// errWouldBlock is what packetReader.read returns when nothing is queued
// and it was told not to wait.
var errWouldBlock = errors.New("userspace: nothing queued")

// packetReader reads one packet at a time from a TUN queue.
type packetReader struct {
	buf  []byte
	wait bool
	n    int
	err  error
	fn   func(uintptr) bool
}

// read reads one packet into buf. With wait false it returns
// errWouldBlock instead of waiting when nothing is queued, so that the
// caller can first send what it holds.
func (r *packetReader) read(rc syscall.RawConn, buf []byte, wait bool) (int, error) {
	if r.fn == nil {
		r.fn = r.do
	}
	r.buf, r.wait, r.n, r.err = buf, wait, 0, nil
	err := rc.Read(r.fn)
	r.buf = nil
	if err == nil {
		err = r.err
	}
	return r.n, err
}

func (r *packetReader) do(fd uintptr) bool {
	for {
		n, _, e := unix.Syscall(unix.SYS_READ, fd, uintptr(unsafe.Pointer(&r.buf[0])), uintptr(len(r.buf)))
		switch e {
		case 0:
			r.n = int(n)
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			if r.wait {
				return false
			}
			r.err = errWouldBlock
		default:
			r.err = e
		}
		return true
	}
}

// packetWriter writes one packet, gathered from buffers, with writev.
type packetWriter struct {
	iov []unix.Iovec
	err error
	fn  func(uintptr) bool
}

// write writes the buffers of one packet.
func (w *packetWriter) write(rc syscall.RawConn, bufs [][]byte) error {
	if w.fn == nil {
		w.fn = w.do
	}
	w.iov = w.iov[:0]
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		v := unix.Iovec{Base: &b[0]}
		v.SetLen(len(b))
		w.iov = append(w.iov, v)
	}
	if len(w.iov) == 0 {
		return nil
	}
	w.err = nil
	err := rc.Write(w.fn)
	clear(w.iov) // no references to the buffers kept
	if err == nil {
		err = w.err
	}
	return err
}

func (w *packetWriter) do(fd uintptr) bool {
	for {
		_, _, e := unix.Syscall(unix.SYS_WRITEV, fd, uintptr(unsafe.Pointer(&w.iov[0])), uintptr(len(w.iov)))
		switch e {
		case 0:
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			w.err = e
		}
		return true
	}
}
