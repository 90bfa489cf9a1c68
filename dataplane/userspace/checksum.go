package userspace

import (
	"encoding/binary"
	"math/bits"
)

// The Internet checksum (RFC 1071) of the segments the offload paths
// build and check. A sum is kept unfolded in 64 bits while bytes are
// added, eight at a time: a one's-complement sum of big-endian 64-bit
// words folds to the same 16 bits as the sum of the 16-bit words, and it
// is what makes checksumming a 64 KiB super-packet cheap next to the
// encryption.

// checksumAdd adds b to sum. b is taken to start on a 16-bit boundary of
// what is summed: an odd length is padded with a zero byte, so only the
// last piece of a sum may have one.
func checksumAdd(sum uint64, b []byte) uint64 {
	var carry uint64
	for len(b) >= 32 {
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(b), carry)
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(b[8:]), carry)
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(b[16:]), carry)
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(b[24:]), carry)
		b = b[32:]
	}
	for len(b) >= 8 {
		sum, carry = bits.Add64(sum, binary.BigEndian.Uint64(b), carry)
		b = b[8:]
	}
	sum, carry = bits.Add64(sum, carry, 0)
	if len(b) >= 4 {
		sum, carry = bits.Add64(sum, uint64(binary.BigEndian.Uint32(b)), carry)
		b = b[4:]
	}
	if len(b) >= 2 {
		sum, carry = bits.Add64(sum, uint64(binary.BigEndian.Uint16(b)), carry)
		b = b[2:]
	}
	if len(b) == 1 {
		sum, carry = bits.Add64(sum, uint64(b[0])<<8, carry)
	}
	return sum + carry // cannot carry again: the last addend was at most 0xffff
}

// checksumFold folds a sum to 16 bits, not inverted.
func checksumFold(sum uint64) uint16 {
	s := sum>>32 + sum&0xffffffff // at most 33 bits
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return uint16(s)
}

// pseudoHeaderSum is the sum of the TCP/UDP pseudo-header (RFC 793, RFC
// 8200 section 8.1) for addresses src and dst of one family, protocol
// proto and transport length n.
func pseudoHeaderSum(src, dst []byte, proto uint8, n int) uint64 {
	sum := checksumAdd(0, src)
	sum = checksumAdd(sum, dst)
	return sum + uint64(proto) + uint64(n)
}

// ipAddrs returns the source and destination address bytes of an IPv4 or
// IPv6 header (the caller has checked the version and the length).
func ipAddrs(pkt []byte) (src, dst []byte) {
	if pkt[0]>>4 == 4 {
		return pkt[12:16], pkt[16:20]
	}
	return pkt[8:24], pkt[24:40]
}

// ipv4HeaderChecksum recomputes the header checksum of an IPv4 header in
// place.
func ipv4HeaderChecksum(h []byte) {
	h[10], h[11] = 0, 0
	binary.BigEndian.PutUint16(h[10:], ^checksumFold(checksumAdd(0, h)))
}
