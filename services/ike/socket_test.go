package ike

import (
	"net"
	"net/netip"
	"testing"
	"time"

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

// TestSendRawAllocatesNothing: the data plane sends every ESP-in-UDP
// packet through sendRaw; the source-address control message is built
// once per address, not per packet.
func TestSendRawAllocatesNothing(t *testing.T) {
	s, err := listen(netip.MustParseAddr("127.0.0.1"), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), s.port)
	remote := sink.LocalAddr().(*net.UDPAddr).AddrPort()
	pkt := make([]byte, 1400)
	if err := s.sendRaw(local, remote, pkt); err != nil {
		t.Fatal(err)
	}
	if n := testing.AllocsPerRun(100, func() { s.sendRaw(local, remote, pkt) }); n != 0 {
		t.Errorf("sendRaw allocates %v times per packet", n)
	}
	buf := make([]byte, 2000)
	sink.SetReadDeadline(time.Now().Add(time.Second))
	if n, from, err := sink.ReadFromUDPAddrPort(buf); err != nil || n != 1400 || from != local {
		t.Errorf("received %d bytes from %v: %v", n, from, err)
	}
}
