package radius

import (
	"net"

	"golang.org/x/sys/unix"
)

// socketBuffer is the receive buffer of each socket: a socket may have 256
// requests in flight, and their answers can arrive in one burst. Small
// datagrams cost far more buffer than their size (about 768 bytes each in
// the kernel's accounting), so the default (about 208 KiB) fills up at
// around 270 answers; a burst must never be dropped, since the requests
// would then wait for a retransmission timer.
const socketBuffer = 4 << 20

// growReadBuffer enlarges a socket's receive buffer, beyond the system's
// rmem_max when the process may (SO_RCVBUFFORCE, CAP_NET_ADMIN), else up to
// it.
func growReadBuffer(c *net.UDPConn) {
	if rc, err := c.SyscallConn(); err == nil {
		var serr error
		rc.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, socketBuffer)
		})
		if serr == nil {
			return
		}
	}
	c.SetReadBuffer(socketBuffer)
}
