package userspace

import (
	"errors"
	"net/netip"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/gatehouse-vpn/gatehouse/internal/mmsg"
)

// Batches: the packet path moves packets in bursts so that a system call
// carries many of them. A TUN reader seals everything the device has
// queued into a txBatch and sends it with one sendmmsg per raw socket (or
// through the IKE engine's batch transmitter for ESP-in-UDP); an ESP
// reader decrypts a recvmmsg burst into an rxBatch and writes it to the
// TUN devices, coalesced into super-packets where the device takes them.

const (
	// batchArena is the room for one batch's packets, laid out back to
	// back: a few 64 KiB super-packets cut into segments.
	batchArena = 256 << 10
	// txMaxPackets bounds a sendmmsg.
	txMaxPackets = 128
	// rawReadBatch is how many datagrams one recvmmsg on a raw ESP socket
	// may return.
	rawReadBatch = 32
)

// txBatch is the ESP packets one TUN reader sealed and has not sent yet.
type txBatch struct {
	b     *Backend
	arena []byte
	used  int
	pkts  []txPacket
	msgs  []unix.Mmsghdr
	iovs  []unix.Iovec
	which []int // the packet each message carries
	udp   [][]byte
	out   mmsg.Sender
}

// txPacket is one sealed ESP packet and what counts it.
type txPacket struct {
	sa    *childSA
	va    *vaccess
	esp   []byte
	inner int // the inner packet's length
}

func (b *Backend) newTxBatch() *txBatch {
	return &txBatch{b: b, arena: make([]byte, batchArena), msgs: make([]unix.Mmsghdr, 0, txMaxPackets),
		iovs: make([]unix.Iovec, txMaxPackets), which: make([]int, 0, txMaxPackets)}
}

func (tx *txBatch) empty() bool { return len(tx.pkts) == 0 }

// reserve returns an empty slice with room for the ESP packet of an
// n-byte payload of sa, sending the batch first if it is full.
func (tx *txBatch) reserve(sa *childSA, n int) []byte {
	need := n + sa.out.Overhead(n)
	if tx.used+need > len(tx.arena) || len(tx.pkts) == txMaxPackets {
		tx.flush()
	}
	return tx.arena[tx.used:tx.used]
}

// add takes the packet just sealed into the slot reserve returned.
func (tx *txBatch) add(sa *childSA, va *vaccess, esp []byte, inner int) {
	tx.pkts = append(tx.pkts, txPacket{sa: sa, va: va, esp: esp, inner: inner})
	tx.used += len(esp)
}

// flush sends the batch: ESP-in-UDP in runs of one SA through the IKE
// engine, plain ESP per family in sendmmsg calls. The interface counts
// what left, and drops what could not.
func (tx *txBatch) flush() {
	if len(tx.pkts) == 0 {
		return
	}
	for i := 0; i < len(tx.pkts); {
		sa := tx.pkts[i].sa
		j := i + 1
		if sa.spec.Encap {
			for j < len(tx.pkts) && tx.pkts[j].sa == sa {
				j++
			}
			tx.sendUDP(tx.pkts[i:j])
		}
		i = j
	}
	tx.sendRaw(true)
	tx.sendRaw(false)
	clear(tx.pkts)
	tx.pkts, tx.used = tx.pkts[:0], 0
}

// counted counts packets sent, or dropped when err is set.
func (tx *txBatch) counted(p *txPacket, err error) {
	if err != nil {
		tx.b.sendErrors.Add(1)
		p.va.c.outDrops.Add(1)
		return
	}
	p.va.c.outPackets.Add(1)
	p.va.c.outBytes.Add(uint64(p.inner))
}

// sendUDP sends a run of ESP-in-UDP packets of one SA.
func (tx *txBatch) sendUDP(run []txPacket) {
	sa := run[0].sa
	if tb := tx.b.transmitBatch.Load(); tb != nil && len(run) > 1 {
		tx.udp = tx.udp[:0]
		for _, p := range run {
			tx.udp = append(tx.udp, p.esp)
		}
		n, err := (*tb)(sa.spec.FVRF, sa.spec.Local, sa.spec.Remote, tx.udp)
		clear(tx.udp)
		if err == nil && n < len(run) {
			err = errPartialBatch
		}
		for i := range run {
			if i < n {
				tx.counted(&run[i], nil)
			} else {
				tx.counted(&run[i], err)
			}
		}
		return
	}
	t := tx.b.transmit.Load()
	for i := range run {
		err := errNoTransmitter
		if t != nil {
			err = (*t)(sa.spec.FVRF, sa.spec.Local, sa.spec.Remote, run[i].esp)
		}
		tx.counted(&run[i], err)
	}
}

var (
	errNoTransmitter = errors.New("userspace: no UDP transmitter (IKE engine not started)")
	errPartialBatch  = errors.New("userspace: UDP transmitter sent part of a batch")
	errNoRawSocket   = errors.New("userspace: no ESP socket")
)

// sendRaw sends the batch's plain ESP packets of one family through the
// raw socket, as many per system call as sendmmsg takes.
func (tx *txBatch) sendRaw(v4 bool) {
	tx.msgs, tx.which = tx.msgs[:0], tx.which[:0]
	for i := range tx.pkts {
		p := &tx.pkts[i]
		if p.sa.spec.Encap || p.sa.spec.Remote.Addr().Is4() != v4 {
			continue
		}
		k := len(tx.msgs)
		tx.iovs[k] = unix.Iovec{Base: &p.esp[0]}
		tx.iovs[k].SetLen(len(p.esp))
		to := p.sa.spec.rawAddr
		m := unix.Mmsghdr{Hdr: unix.Msghdr{Name: &to.b[0], Namelen: uint32(to.n), Iov: &tx.iovs[k]}}
		m.Hdr.SetIovlen(1)
		tx.msgs = append(tx.msgs, m)
		tx.which = append(tx.which, i)
	}
	if len(tx.msgs) == 0 {
		return
	}
	r := tx.b.raw6.Load()
	if v4 {
		r = tx.b.raw4.Load()
	}
	if r == nil {
		for _, i := range tx.which {
			tx.counted(&tx.pkts[i], errNoRawSocket)
		}
		return
	}
	for off := 0; off < len(tx.msgs); {
		n, err := tx.out.Send(r.rc, tx.msgs[off:])
		for _, i := range tx.which[off : off+n] {
			tx.counted(&tx.pkts[i], nil)
		}
		off += n
		if err != nil && off < len(tx.msgs) {
			// The message at off failed; the rest may go.
			tx.counted(&tx.pkts[tx.which[off]], err)
			off++
		}
	}
	clear(tx.msgs)
}

// sockaddr is a socket address as the kernel takes it (struct
// sockaddr_in or sockaddr_in6): the destination of plain ESP.
type sockaddr struct {
	_ [0]uint32 // aligned as the kernel's structures are
	b [unix.SizeofSockaddrInet6]byte
	n uint8
}

// rawSockaddr is the destination of plain ESP to a.
func rawSockaddr(a netip.Addr) *sockaddr {
	s := new(sockaddr)
	if a.Is4() {
		*(*unix.RawSockaddrInet4)(unsafe.Pointer(&s.b)) = unix.RawSockaddrInet4{Family: unix.AF_INET, Addr: a.As4()}
		s.n = unix.SizeofSockaddrInet4
		return s
	}
	*(*unix.RawSockaddrInet6)(unsafe.Pointer(&s.b)) = unix.RawSockaddrInet6{Family: unix.AF_INET6, Addr: a.As16()}
	s.n = unix.SizeofSockaddrInet6
	return s
}

// rxBatch is the inner packets one reader decrypted from a burst and has
// not written to the TUN devices yet. Each packet sits in the arena
// behind vnetHdrLen bytes of room for its virtio-net header.
type rxBatch struct {
	b     *Backend
	arena []byte
	used  int
	pkts  []rxPacket
	gro   coalescer
	vas   []*vaccess // the interface of each packet given to gro
	w     packetWriter
	one   [1][]byte
	write func(bufs [][]byte, head, segs int) error // writeCoalesced, made once
	rc    syscall.RawConn                           // where writeCoalesced writes
}

type rxPacket struct {
	va  *vaccess
	spi uint32
	buf []byte // virtio-net header room, then the packet
}

func (b *Backend) newRxBatch() *rxBatch {
	rx := &rxBatch{b: b, arena: make([]byte, batchArena)}
	rx.write = rx.writeCoalesced
	return rx
}

// reserve returns the room for an inner packet decrypted from an n-byte
// ESP packet (with the header room before it), writing the batch first
// if it is full.
func (rx *rxBatch) reserve(n int) []byte {
	if rx.used+vnetHdrLen+n > len(rx.arena) {
		rx.flush()
	}
	if vnetHdrLen+n > len(rx.arena) {
		return make([]byte, vnetHdrLen+n) // larger than any ESP packet the readers take
	}
	return rx.arena[rx.used:]
}

// add takes a packet decrypted into the room reserve returned: buf is the
// header room and the packet.
func (rx *rxBatch) add(va *vaccess, spi uint32, buf []byte) {
	rx.pkts = append(rx.pkts, rxPacket{va: va, spi: spi, buf: buf})
	if len(buf) > 0 && rx.used < len(rx.arena) && &buf[0] == &rx.arena[rx.used] {
		rx.used += len(buf)
	}
}

// flush writes the batch, VRF by VRF: coalesced into super-packets where
// the TUN device has offloads, else packet by packet.
func (rx *rxBatch) flush() {
	for i := range rx.pkts {
		v := rx.pkts[i].va
		if v == nil {
			continue // written with an earlier VRF
		}
		rx.writeVRF(v.vrf, i)
	}
	clear(rx.pkts)
	rx.pkts, rx.used = rx.pkts[:0], 0
}

// writeVRF writes the packets from first on that go to vrf v, and marks
// them written.
func (rx *rxBatch) writeVRF(v *vrf, first int) {
	rcs := v.tunRC
	if len(rcs) == 0 {
		for k := first; k < len(rx.pkts); k++ {
			if p := &rx.pkts[k]; p.va != nil && p.va.vrf == v {
				p.va.c.inDrops.Add(1)
				p.va = nil
			}
		}
		return
	}
	rc := rcs[int(rx.pkts[first].spi%uint32(len(rcs)))]
	if !v.offload {
		for k := first; k < len(rx.pkts); k++ {
			p := &rx.pkts[k]
			if p.va == nil || p.va.vrf != v {
				continue
			}
			rx.one[0] = p.buf[vnetHdrLen:]
			if err := rx.w.write(rc, rx.one[:]); err != nil {
				p.va.c.inDrops.Add(1)
			}
			p.va = nil
		}
		rx.one[0] = nil
		return
	}
	rx.gro.reset()
	rx.vas = rx.vas[:0]
	for k := first; k < len(rx.pkts); k++ {
		p := &rx.pkts[k]
		if p.va == nil || p.va.vrf != v {
			continue
		}
		rx.gro.add(p.buf)
		rx.vas = append(rx.vas, p.va)
		p.va = nil
	}
	rx.rc = rc
	rx.gro.writeAll(rx.write)
	rx.rc = nil
	clear(rx.vas)
	rx.gro.reset()
}

// writeCoalesced writes one super-packet (or lone packet) of a burst and
// counts it.
func (rx *rxBatch) writeCoalesced(bufs [][]byte, head, segs int) error {
	err := rx.w.write(rx.rc, bufs)
	switch {
	case err != nil:
		rx.vas[head].c.inDrops.Add(uint64(segs))
	case segs > 1:
		rx.b.groPackets.Add(1)
		rx.b.groSegments.Add(uint64(segs))
	}
	return err
}

// readRaw reads a raw ESP socket in bursts until it is closed.
func (b *Backend) readRaw(r *rawESP) {
	msgs := make([]unix.Mmsghdr, rawReadBatch)
	iovs := make([]unix.Iovec, rawReadBatch)
	bufs := make([][]byte, rawReadBatch)
	for i := range bufs {
		// Only the pages a datagram touches become resident.
		bufs[i] = make([]byte, 65536)
	}
	rx := b.newRxBatch()
	var in mmsg.Receiver
	for {
		for i := range msgs {
			iovs[i] = unix.Iovec{Base: &bufs[i][0]}
			iovs[i].SetLen(len(bufs[i]))
			msgs[i] = unix.Mmsghdr{Hdr: unix.Msghdr{Iov: &iovs[i]}}
			msgs[i].Hdr.SetIovlen(1)
		}
		n, err := in.Receive(r.rc, msgs)
		if err != nil {
			if b.stopped() {
				return
			}
			continue
		}
		for i := range n {
			pkt := bufs[i][:msgs[i].Len]
			if msgs[i].Hdr.Flags&unix.MSG_TRUNC != 0 {
				b.malformed.Add(1)
				continue
			}
			if r.v4 {
				// An IPv4 raw socket hands over the IP header too.
				if len(pkt) < 20 || int(pkt[0]&0x0f)*4 < 20 || int(pkt[0]&0x0f)*4 > len(pkt) {
					b.malformed.Add(1)
					continue
				}
				pkt = pkt[int(pkt[0]&0x0f)*4:]
			}
			b.inbound(pkt, rx)
		}
		rx.flush()
	}
}
