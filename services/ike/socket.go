package ike

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"

	"golang.org/x/net/ipv4"
	"golang.org/x/net/ipv6"
	"golang.org/x/sys/unix"

	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// socket is one IKE port (500, or 4500 with the non-ESP marker) on both
// address families. Packet info control messages give the destination
// address of each datagram, which NAT detection, identities and the
// source of the answer need when the socket is bound to a wildcard.
type socket struct {
	natT  bool
	port  uint16
	conn4 *net.UDPConn
	pc4   *ipv4.PacketConn
	conn6 *net.UDPConn
	pc6   *ipv6.PacketConn
	rc4   syscall.RawConn // of conn4 and conn6, for batch sends
	rc6   syscall.RawConn
	// srcOOB caches the marshalled source-address control message of
	// each local address we send from (netip.Addr -> []byte).
	srcOOB sync.Map
	// burstDone, when set, is called after the datagrams of each read
	// are handed on (a data plane that delivers ESP in bursts; set by
	// attachDataplane before the readers start).
	burstDone func()
	noGSO     atomic.Bool // a UDP GSO send was refused: sendBatch uses sendmmsg
}

// socketBuffer is the kernel buffer size asked for each socket: bursts of
// handshakes (a site coming back after an outage) must queue, not drop.
const socketBuffer = 4 << 20

// packet is one datagram as received, with the non-ESP marker removed.
type packet struct {
	sock     *socket
	from, to netip.AddrPort
	data     []byte
}

// listen opens the port on addr (an unspecified address listens on all
// addresses of that family; an invalid one on both families). port 0
// picks a free port, the same for both families where possible.
func listen(addr netip.Addr, port uint16, natT bool) (*socket, error) {
	s := &socket{natT: natT}
	if !addr.IsValid() || addr.Is4() {
		a := addr
		if !a.IsValid() {
			a = netip.IPv4Unspecified()
		}
		c, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, port)))
		if err != nil {
			return nil, err
		}
		c.SetReadBuffer(socketBuffer)
		c.SetWriteBuffer(socketBuffer)
		s.conn4, s.pc4 = c, ipv4.NewPacketConn(c)
		s.rc4, _ = c.SyscallConn()
		if err := s.pc4.SetControlMessage(ipv4.FlagDst|ipv4.FlagInterface, true); err != nil {
			c.Close()
			return nil, fmt.Errorf("IP_PKTINFO: %w", err)
		}
		port = uint16(c.LocalAddr().(*net.UDPAddr).Port)
	}
	if !addr.IsValid() || addr.Is6() {
		a := addr
		if !a.IsValid() {
			a = netip.IPv6Unspecified()
		}
		c, err := net.ListenUDP("udp6", net.UDPAddrFromAddrPort(netip.AddrPortFrom(a, port)))
		if err == nil {
			c.SetReadBuffer(socketBuffer)
			c.SetWriteBuffer(socketBuffer)
			s.conn6, s.pc6 = c, ipv6.NewPacketConn(c)
			s.rc6, _ = c.SyscallConn()
			if err := s.pc6.SetControlMessage(ipv6.FlagDst|ipv6.FlagInterface, true); err != nil {
				c.Close()
				s.conn6, s.pc6, s.rc6 = nil, nil, nil
			} else {
				port = uint16(c.LocalAddr().(*net.UDPAddr).Port)
			}
		} else if addr.IsValid() {
			s.close()
			return nil, err
		}
		// Without IPv6 on the host (or the port taken only there) the
		// IPv4 socket is enough.
	}
	s.port = port
	return s, nil
}

func (s *socket) close() {
	if s.conn4 != nil {
		s.conn4.Close()
	}
	if s.conn6 != nil {
		s.conn6.Close()
	}
}

// readBatch is how many datagrams one recvmmsg may return: under an ESP
// load the socket has many queued, and one system call per datagram is
// what the data plane's profile is made of.
const readBatch = 32

// batchBuffers are a reader's message slots. Each buffer takes the largest
// UDP datagram, but only the pages a datagram touches become resident.
func batchBuffers(oob int) ([]ipv4.Message, [][]byte) {
	msgs := make([]ipv4.Message, readBatch)
	bufs := make([][]byte, readBatch)
	for i := range msgs {
		bufs[i] = make([]byte, 65536)
		msgs[i].Buffers = [][]byte{bufs[i]}
		msgs[i].OOB = make([]byte, oob)
	}
	return msgs, bufs
}

// read4 and read6 loop until the socket closes, handing each datagram to fn.
func (s *socket) read4(fn func(packet)) {
	var cm ipv4.ControlMessage
	s.readLoop(s.pc4.ReadBatch, len(ipv4.NewControlMessage(ipv4.FlagDst|ipv4.FlagInterface)), func(oob []byte) (netip.Addr, bool) {
		if cm.Parse(oob) != nil || cm.Dst == nil {
			return netip.Addr{}, false
		}
		return netip.AddrFromSlice(cm.Dst.To4())
	}, fn)
}

func (s *socket) read6(fn func(packet)) {
	var cm ipv6.ControlMessage
	s.readLoop(s.pc6.ReadBatch, len(ipv6.NewControlMessage(ipv6.FlagDst|ipv6.FlagInterface)), func(oob []byte) (netip.Addr, bool) {
		if cm.Parse(oob) != nil || cm.Dst == nil {
			return netip.Addr{}, false
		}
		a, ok := netip.AddrFromSlice(cm.Dst)
		return a.Unmap(), ok
	}, fn)
}

// readLoop reads batches with read until the socket closes; dst reads a
// datagram's destination address from its packet-info control message.
func (s *socket) readLoop(read func([]ipv4.Message, int) (int, error), oobLen int, dst func([]byte) (netip.Addr, bool), fn func(packet)) {
	msgs, bufs := batchBuffers(oobLen)
	for {
		for i := range msgs {
			msgs[i].Buffers[0], msgs[i].OOB = bufs[i], msgs[i].OOB[:cap(msgs[i].OOB)]
		}
		n, err := read(msgs, 0)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		for i := range n {
			m := &msgs[i]
			ua, ok := m.Addr.(*net.UDPAddr)
			if !ok {
				continue
			}
			to, ok := dst(m.OOB[:m.NN])
			if !ok {
				continue
			}
			s.deliver(bufs[i][:m.N], ua.AddrPort(), netip.AddrPortFrom(to, s.port), fn)
		}
		if s.burstDone != nil {
			s.burstDone()
		}
	}
}

// deliver copies the datagram out of the read buffer.
func (s *socket) deliver(b []byte, from, to netip.AddrPort, fn func(packet)) {
	from = netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	// No copy here: the receiver copies what it keeps (IKE messages for the
	// workers); ESP is handled before the buffer is reused.
	fn(packet{sock: s, from: from, to: to, data: b})
}

// send writes one IKE message from local to remote, adding the non-ESP
// marker on the NAT-T port.
func (s *socket) send(local, remote netip.AddrPort, msg []byte) error {
	if s.natT {
		msg = wire.AddNonESPMarker(msg)
	}
	return s.sendRaw(local, remote, msg)
}

// sendRaw writes a datagram as is (ESP for the data plane, keepalives).
func (s *socket) sendRaw(local, remote netip.AddrPort, b []byte) error {
	conn := s.conn4
	if !remote.Addr().Is4() {
		conn = s.conn6
	}
	if conn == nil {
		return fmt.Errorf("ike: no socket for %v", remote)
	}
	_, _, err := conn.WriteMsgUDPAddrPort(b, s.sourceOOB(local.Addr()), remote)
	return err
}

// sourceOOB is the control message that makes the kernel send from src
// (IP_PKTINFO / IPV6_PKTINFO), built once per address; nil lets the
// kernel choose.
func (s *socket) sourceOOB(src netip.Addr) []byte {
	if !src.IsValid() || src.IsUnspecified() {
		return nil
	}
	if oob, ok := s.srcOOB.Load(src); ok {
		return oob.([]byte)
	}
	var oob []byte
	if src.Is4() {
		oob = (&ipv4.ControlMessage{Src: src.AsSlice()}).Marshal()
	} else {
		oob = (&ipv6.ControlMessage{Src: src.AsSlice()}).Marshal()
	}
	s.srcOOB.Store(src, oob)
	return oob
}

// setKernelESPInUDP marks the socket UDP_ENCAP_ESPINUDP (RFC 3948): the
// kernel then decapsulates ESP-in-UDP arriving on it for its own XFRM
// states and passes only IKE (with the non-ESP marker) to the socket.
func (s *socket) setKernelESPInUDP() error {
	var errs []error
	for _, c := range []*net.UDPConn{s.conn4, s.conn6} {
		if c == nil {
			continue
		}
		raw, err := c.SyscallConn()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var serr error
		if err := raw.Control(func(fd uintptr) {
			serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_UDP, unix.UDP_ENCAP, unix.UDP_ENCAP_ESPINUDP)
		}); err != nil {
			errs = append(errs, err)
		}
		if serr != nil {
			errs = append(errs, fmt.Errorf("UDP_ENCAP_ESPINUDP: %w", serr))
		}
	}
	return errors.Join(errs...)
}
