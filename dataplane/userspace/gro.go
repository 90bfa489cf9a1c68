package userspace

import (
	"bytes"
	"encoding/binary"
)

// Coalescing (GRO) of decrypted packets before they go to an offloading
// TUN device. A burst of ESP packets read in one system call usually
// holds runs of consecutive segments of one TCP stream; each run becomes
// one TCP super-packet written with a virtio-net header (GSO TCPv4 or
// TCPv6, checksum to be completed), so the kernel routes, forwards and
// delivers it once instead of once per segment, and re-segments it only
// if its path needs that. What may join a run is what the kernel's own
// TCP GRO accepts: the same flow, the next sequence number, identical IP
// and TCP headers but for lengths, IPv4 ID and checksums, only ACK (and
// PSH, which ends the run), every segment but the last of the run's
// segment size, and a valid checksum (the kernel trusts a GSO packet's
// checksum as one still to be computed, so a segment that arrived with a
// bad one is written alone, for the kernel to drop). Anything else is
// written as it came, and the order of each flow's packets is kept.

// groMaxSegs is the most segments one super-packet takes (the kernel's
// GRO stops at 64 too).
const groMaxSegs = 64

// groPacket is one packet of a burst: buf is vnetHdrLen bytes of headroom
// and then the packet. A packet that heads a super-packet also carries
// the run's state.
type groPacket struct {
	buf  []byte
	next int // the next segment of this packet's super-packet, -1 for none
	tail int // head only: the last segment

	open    bool // head only: a following segment may still join
	l4      int  // head only: offset of the TCP header
	hdrs    int  // head only: length of IP and TCP headers
	gsoSize int
	segs    int
	length  int    // IP packet length of the super-packet
	nextSeq uint32 // the sequence number a joining segment must have
	psh     bool   // the last segment has PSH
}

// coalescer groups one burst of packets for one TUN device. The zero
// value is ready; reset empties it for the next burst.
type coalescer struct {
	pkts  []groPacket
	heads []int // packets written first of their super-packet (or alone), in arrival order
	open  []int // heads that may still grow
	iov   [][]byte
}

func (g *coalescer) reset() {
	clear(g.pkts) // drop the references to the buffers
	g.pkts, g.heads, g.open = g.pkts[:0], g.heads[:0], g.open[:0]
}

// tcpSegment is what coalescing reads of a packet.
type tcpSegment struct {
	l4, hdrs int
	seq      uint32
	flags    uint8
	payload  int
}

// parseTCP reads a packet's TCP layout. ok is false for anything but a
// whole, unfragmented TCP segment in IPv4 or in IPv6 without extension
// headers whose IP length matches the packet.
func parseTCP(p []byte) (s tcpSegment, ok bool) {
	if len(p) < 20 {
		return s, false
	}
	switch p[0] >> 4 {
	case 4:
		s.l4 = int(p[0]&0x0f) * 4
		if s.l4 < 20 || len(p) < s.l4 || p[9] != 6 || binary.BigEndian.Uint16(p[6:])&0x3fff != 0 ||
			int(binary.BigEndian.Uint16(p[2:])) != len(p) {
			return s, false
		}
	case 6:
		s.l4 = 40
		if len(p) < 40 || p[6] != 6 || int(binary.BigEndian.Uint16(p[4:])) != len(p)-40 {
			return s, false
		}
	default:
		return s, false
	}
	if len(p) < s.l4+20 {
		return s, false
	}
	t := p[s.l4:]
	off := int(t[12]>>4) * 4
	if off < 20 || len(t) < off {
		return s, false
	}
	s.hdrs = s.l4 + off
	s.seq = binary.BigEndian.Uint32(t[4:])
	s.flags = t[13]
	s.payload = len(p) - s.hdrs
	return s, true
}

// checksumsValid verifies a TCP segment's checksums: the IPv4 header's
// and the TCP checksum over the pseudo-header.
func checksumsValid(p []byte, s tcpSegment) bool {
	if p[0]>>4 == 4 && checksumFold(checksumAdd(0, p[:s.l4])) != 0xffff {
		return false
	}
	src, dst := ipAddrs(p)
	return checksumFold(checksumAdd(pseudoHeaderSum(src, dst, 6, len(p)-s.l4), p[s.l4:])) == 0xffff
}

// sameFlow says whether two TCP packets of the same IP version have the
// same addresses and ports.
func sameFlow(a, b []byte, al4, bl4 int) bool {
	if a[0]>>4 != b[0]>>4 {
		return false
	}
	var addrs []byte
	if a[0]>>4 == 4 {
		addrs = a[12:20]
		if !bytes.Equal(addrs, b[12:20]) {
			return false
		}
	} else if !bytes.Equal(a[8:40], b[8:40]) {
		return false
	}
	return bytes.Equal(a[al4:al4+4], b[bl4:bl4+4])
}

// add appends a packet of the burst: buf is vnetHdrLen bytes of headroom
// and then the packet, and stays the caller's until the burst is written.
func (g *coalescer) add(buf []byte) {
	i := len(g.pkts)
	g.pkts = append(g.pkts, groPacket{buf: buf, next: -1, tail: i})
	p := buf[vnetHdrLen:]
	s, ok := parseTCP(p)
	if !ok {
		g.heads = append(g.heads, i)
		return
	}
	h := g.openFlow(p, s.l4)
	if h >= 0 && g.join(h, i, p, s) {
		return
	}
	if h >= 0 {
		// Whatever comes next in this flow goes after this packet.
		g.close(h)
	}
	g.heads = append(g.heads, i)
	if s.flags != tcpACK || s.payload == 0 || !checksumsValid(p, s) {
		return // written alone
	}
	head := &g.pkts[i]
	head.open, head.l4, head.hdrs, head.gsoSize = true, s.l4, s.hdrs, s.payload
	head.segs, head.length, head.nextSeq = 1, len(p), s.seq+uint32(s.payload)
	g.open = append(g.open, i)
}

// openFlow returns the open head of p's flow, or -1.
func (g *coalescer) openFlow(p []byte, l4 int) int {
	for _, h := range g.open {
		head := &g.pkts[h]
		if sameFlow(head.buf[vnetHdrLen:], p, head.l4, l4) {
			return h
		}
	}
	return -1
}

func (g *coalescer) close(h int) {
	g.pkts[h].open = false
	for k, o := range g.open {
		if o == h {
			g.open = append(g.open[:k], g.open[k+1:]...)
			return
		}
	}
}

// join adds packet i (p, laid out as s) to the super-packet headed by h
// if it may; a segment shorter than the run's size, or with PSH, ends
// the run.
func (g *coalescer) join(h, i int, p []byte, s tcpSegment) bool {
	head := &g.pkts[h]
	hp := head.buf[vnetHdrLen:]
	if s.flags&^tcpPSH != tcpACK || s.seq != head.nextSeq || s.payload == 0 || s.payload > head.gsoSize ||
		s.hdrs != head.hdrs || s.l4 != head.l4 || head.segs >= groMaxSegs {
		return false
	}
	limit := 65535
	if hp[0]>>4 == 6 {
		limit += 40 // the IPv6 payload length excludes the fixed header
	}
	if head.length+s.payload > limit {
		return false
	}
	if hp[0]>>4 == 4 {
		// TOS, TTL, flags (DF) and any options equal; without DF (fragmentable
		// segments) the IDs must follow on, as re-segmentation numbers
		// them.
		if hp[1] != p[1] || hp[8] != p[8] || hp[6]&0xe0 != p[6]&0xe0 || !bytes.Equal(hp[20:s.l4], p[20:s.l4]) {
			return false
		}
		if p[6]&0x40 == 0 && binary.BigEndian.Uint16(p[4:]) != binary.BigEndian.Uint16(hp[4:])+uint16(head.segs) {
			return false
		}
	} else if !bytes.Equal(hp[:4], p[:4]) || hp[7] != p[7] { // traffic class, flow label, hop limit
		return false
	}
	ht, t := hp[head.l4:head.hdrs], p[s.l4:s.hdrs]
	// Acknowledgement, reserved bits, window, urgent pointer and options
	// equal.
	if !bytes.Equal(ht[8:13], t[8:13]) || !bytes.Equal(ht[14:16], t[14:16]) || !bytes.Equal(ht[18:], t[18:]) {
		return false
	}
	if !checksumsValid(p, s) {
		return false
	}
	g.pkts[head.tail].next = i
	head.tail = i
	head.segs++
	head.length += s.payload
	head.nextSeq += uint32(s.payload)
	if s.flags&tcpPSH != 0 || s.payload < head.gsoSize {
		head.psh = s.flags&tcpPSH != 0
		g.close(h)
	}
	return true
}

// writeAll hands each super-packet or lone packet of the burst to write,
// in order: the buffers of one write (a virtio-net header, then the
// packet), the index (in the order of add) of its first packet, and its
// number of segments. write must not keep the buffers.
func (g *coalescer) writeAll(write func(iov [][]byte, head, segs int) error) error {
	var first error
	for _, h := range g.heads {
		g.iov = g.build(h, g.iov[:0])
		if err := write(g.iov, h, max(g.pkts[h].segs, 1)); err != nil && first == nil {
			first = err
		}
	}
	clear(g.iov)
	return first
}

// build lays out the write for the packet h: alone with an empty
// virtio-net header, or as a super-packet whose head takes the run's
// lengths and a partial checksum, followed by the other segments'
// payloads.
func (g *coalescer) build(h int, iov [][]byte) [][]byte {
	head := &g.pkts[h]
	if head.next < 0 {
		vnetHdr{}.encode(head.buf)
		return append(iov, head.buf)
	}
	p := head.buf[vnetHdrLen:]
	gso := vnetHdr{flags: vnetNeedsCsum, gsoType: gsoTCPv4, hdrLen: uint16(head.hdrs), gsoSize: uint16(head.gsoSize),
		csumStart: uint16(head.l4), csumOffset: 16}
	if p[0]>>4 == 4 {
		binary.BigEndian.PutUint16(p[2:], uint16(head.length))
		ipv4HeaderChecksum(p[:head.l4])
	} else {
		gso.gsoType = gsoTCPv6
		binary.BigEndian.PutUint16(p[4:], uint16(head.length-40))
	}
	t := p[head.l4:]
	if head.psh {
		t[13] |= tcpPSH
	}
	// The checksum field holds the pseudo-header's sum over the whole
	// super-packet, for the kernel to complete (or to adjust per segment
	// if it cuts it again).
	src, dst := ipAddrs(p)
	binary.BigEndian.PutUint16(t[16:], checksumFold(pseudoHeaderSum(src, dst, 6, head.length-head.l4)))
	gso.encode(head.buf)
	iov = append(iov, head.buf)
	for n := head.next; n >= 0; n = g.pkts[n].next {
		iov = append(iov, g.pkts[n].buf[vnetHdrLen+head.hdrs:])
	}
	return iov
}
