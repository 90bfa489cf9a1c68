package userspace

import (
	"errors"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// System calls of the packet path that move many packets at once on the
// TUN devices: writev and draining reads (sendmmsg and recvmmsg on the raw
// ESP sockets are internal/mmsg's). Each goes through the descriptor's syscall.RawConn,
// so that it waits in the Go poller when the kernel says EAGAIN and never
// touches a descriptor that has been closed. Each is a value its one
// user keeps: the function the RawConn calls is made once, not per call,
// so the packet path allocates nothing.

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
