package userspace

import (
	"encoding/binary"
	"errors"
)

// Segmentation of what an offloading TUN device hands over. With TSO (and
// USO) on, the kernel gives the data plane a TCP (or UDP) "super-packet"
// of up to 64 KiB: one IP header and one transport header for a run of
// segments the sender's stack has not cut yet, with a virtio-net header
// saying the segment size. ESP must protect each segment the wire would
// have carried, so the data plane cuts the super-packet here, as the
// kernel's GSO would have: each segment gets its own IP length (and
// IPv4 ID and header checksum), TCP sequence number and flags (FIN and
// PSH only on the last segment, CWR only on the first) or UDP length,
// and a full transport checksum. Without GSO, a packet may still leave
// its transport checksum to be completed (VIRTIO_NET_HDR_F_NEEDS_CSUM),
// which completeChecksum does.

var errOffload = errors.New("userspace: malformed offloaded packet")

// TCP flags the segmentation and coalescing look at.
const (
	tcpFIN = 0x01
	tcpSYN = 0x02
	tcpRST = 0x04
	tcpPSH = 0x08
	tcpACK = 0x10
	tcpURG = 0x20
	tcpECE = 0x40
	tcpCWR = 0x80
)

// superPacket is a GSO packet read from a TUN device, checked, with the
// layout its segments share.
type superPacket struct {
	pkt     []byte // IP header, transport header, payload of every segment
	l4      int    // offset of the transport header
	hdrs    int    // length of the IP and transport headers
	proto   uint8  // 6 (TCP) or 17 (UDP)
	gsoSize int    // payload bytes per segment (the last may have fewer)
	segs    int
}

// parseSuperPacket checks a GSO packet against its virtio-net header h.
// The header's hdrLen and csumStart are hints the kernel documents as
// unreliable; the layout is read from the packet itself. A GSO packet
// must be IPv4 without fragmentation or IPv6 with at most hop-by-hop and
// destination options, with the transport its GSO type says, and carry
// at least one byte of payload.
func parseSuperPacket(h vnetHdr, pkt []byte) (superPacket, error) {
	sp := superPacket{pkt: pkt, gsoSize: int(h.gsoSize)}
	var version byte
	switch h.gsoType &^ gsoECN {
	case gsoTCPv4:
		version, sp.proto = 4, 6
	case gsoTCPv6:
		version, sp.proto = 6, 6
	case gsoUDPL4:
		sp.proto = 17
		if h.gsoType&gsoECN != 0 {
			return sp, errOffload
		}
	default:
		return sp, errOffload
	}
	if len(pkt) < 1 || sp.gsoSize == 0 || (version != 0 && pkt[0]>>4 != version) {
		return sp, errOffload
	}
	switch pkt[0] >> 4 {
	case 4:
		sp.l4 = int(pkt[0]&0x0f) * 4
		if sp.l4 < 20 || len(pkt) < sp.l4 || pkt[9] != sp.proto || binary.BigEndian.Uint16(pkt[6:8])&0x3fff != 0 {
			return sp, errOffload // too short, another protocol, or a fragment (MF or an offset)
		}
	case 6:
		// Hop-by-hop and destination options may come before the
		// transport header; a routing header (whose last address is what
		// the checksum covers) or a fragment header may not.
		if len(pkt) < 40 {
			return sp, errOffload
		}
		next, off := pkt[6], 40
		for next == 0 || next == 60 {
			if len(pkt) < off+8 {
				return sp, errOffload
			}
			next, off = pkt[off], off+(int(pkt[off+1])+1)*8
		}
		if next != sp.proto {
			return sp, errOffload
		}
		sp.l4 = off
	default:
		return sp, errOffload
	}
	if sp.proto == 6 {
		if len(pkt) < sp.l4+20 {
			return sp, errOffload
		}
		off := int(pkt[sp.l4+12]>>4) * 4
		if off < 20 || len(pkt) < sp.l4+off {
			return sp, errOffload
		}
		sp.hdrs = sp.l4 + off
	} else {
		sp.hdrs = sp.l4 + 8
		if len(pkt) < sp.hdrs {
			return sp, errOffload
		}
	}
	payload := len(pkt) - sp.hdrs
	if payload == 0 {
		return sp, errOffload
	}
	sp.segs = (payload + sp.gsoSize - 1) / sp.gsoSize
	return sp, nil
}

// segmentLen is the length of segment i.
func (sp *superPacket) segmentLen(i int) int {
	return sp.hdrs + min(sp.gsoSize, len(sp.pkt)-sp.hdrs-i*sp.gsoSize)
}

// writeSegment writes segment i (0 <= i < segs) to dst, which has room
// for segmentLen(i) bytes and does not overlap the super-packet, and
// returns it.
func (sp *superPacket) writeSegment(i int, dst []byte) []byte {
	off := i * sp.gsoSize
	n := min(sp.gsoSize, len(sp.pkt)-sp.hdrs-off)
	seg := dst[:sp.hdrs+n]
	copy(seg, sp.pkt[:sp.hdrs])
	copy(seg[sp.hdrs:], sp.pkt[sp.hdrs+off:sp.hdrs+off+n])
	l4len := len(seg) - sp.l4
	if seg[0]>>4 == 4 {
		binary.BigEndian.PutUint16(seg[2:], uint16(len(seg)))
		// Segments of one super-packet take consecutive IDs, as the
		// kernel's TSO gives them.
		binary.BigEndian.PutUint16(seg[4:], binary.BigEndian.Uint16(sp.pkt[4:])+uint16(i))
		ipv4HeaderChecksum(seg[:sp.l4])
	} else {
		binary.BigEndian.PutUint16(seg[4:], uint16(len(seg)-40))
	}
	t := seg[sp.l4:]
	csum := 16
	if sp.proto == 6 {
		binary.BigEndian.PutUint32(t[4:], binary.BigEndian.Uint32(t[4:])+uint32(off))
		if i != sp.segs-1 {
			t[13] &^= tcpFIN | tcpPSH
		}
		if i != 0 {
			t[13] &^= tcpCWR
		}
	} else {
		csum = 6
		binary.BigEndian.PutUint16(t[4:], uint16(l4len))
	}
	t[csum], t[csum+1] = 0, 0
	src, dst2 := ipAddrs(seg)
	sum := checksumFold(checksumAdd(pseudoHeaderSum(src, dst2, sp.proto, l4len), t))
	c := ^sum
	if c == 0 && sp.proto == 17 {
		c = 0xffff // 0 means "no checksum" in UDP (RFC 768)
	}
	binary.BigEndian.PutUint16(t[csum:], c)
	return seg
}

// completeChecksum finishes the transport checksum of a packet the kernel
// left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM): the field holds the
// pseudo-header's sum, and the rest of the segment from csumStart is
// added to it. As the kernel does, a result of 0 is sent as 0xffff (the
// same in one's complement, and what UDP needs). It reports false for
// offsets outside the packet.
func completeChecksum(h vnetHdr, pkt []byte) bool {
	start, at := int(h.csumStart), int(h.csumStart)+int(h.csumOffset)
	if h.csumOffset%2 != 0 || at+2 > len(pkt) {
		return false
	}
	c := ^checksumFold(checksumAdd(0, pkt[start:]))
	if c == 0 {
		c = 0xffff
	}
	binary.BigEndian.PutUint16(pkt[at:], c)
	return true
}
