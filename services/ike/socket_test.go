package ike

import (
	"net"
	"net/netip"
	"testing"

	"golang.org/x/sys/unix"
)

// TestKernelESPInUDP: the NAT-T socket is marked for the kernel's ESP when
// the data plane is the kernel's.
func TestKernelESPInUDP(t *testing.T) {
	s, err := listen(netip.MustParseAddr("127.0.0.1"), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	encap := func(c *net.UDPConn) int {
		raw, _ := c.SyscallConn()
		var v int
		raw.Control(func(fd uintptr) { v, _ = unix.GetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_ENCAP) })
		return v
	}
	if v := encap(s.conn4); v != 0 {
		t.Fatalf("UDP_ENCAP %d before", v)
	}
	if err := s.setKernelESPInUDP(); err != nil {
		t.Fatal(err)
	}
	if v := encap(s.conn4); v != unix.UDP_ENCAP_ESPINUDP {
		t.Errorf("UDP_ENCAP %d, want ESPINUDP (%d)", v, unix.UDP_ENCAP_ESPINUDP)
	}
}
