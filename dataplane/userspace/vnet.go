package userspace

import (
	"encoding/binary"
	"errors"
)

// vnetHdrLen is the length of the virtio-net header (struct
// virtio_net_hdr, without num_buffers) a TUN device opened with
// IFF_VNET_HDR puts before every packet it reads and expects before
// every packet written to it.
const vnetHdrLen = 10

// virtio-net header values (include/uapi/linux/virtio_net.h).
const (
	vnetNeedsCsum = 1 // flags: the checksum at csumStart+csumOffset is to be completed

	gsoNone  = 0
	gsoTCPv4 = 1
	gsoUDP   = 3 // UFO, never negotiated here
	gsoTCPv6 = 4
	gsoUDPL4 = 5
	gsoECN   = 0x80 // with a TCP type: the segments carry ECN (CWR on the first)
)

// vnetHdr is a virtio-net header. The kernel writes it in the host's byte
// order for a TUN device that was not switched to little-endian
// (TUNSETVNETLE), which is how this package opens them.
type vnetHdr struct {
	flags      uint8
	gsoType    uint8
	hdrLen     uint16 // length of the headers before the first segment's payload (a hint: not trusted)
	gsoSize    uint16 // payload bytes per segment
	csumStart  uint16 // where checksumming starts (the transport header)
	csumOffset uint16 // where in the transport header the checksum goes
}

var errVnetHdr = errors.New("userspace: malformed virtio-net header")

// parseVnetHdr reads the header at the start of b.
func parseVnetHdr(b []byte) (vnetHdr, error) {
	if len(b) < vnetHdrLen {
		return vnetHdr{}, errVnetHdr
	}
	h := vnetHdr{
		flags:      b[0],
		gsoType:    b[1],
		hdrLen:     binary.NativeEndian.Uint16(b[2:]),
		gsoSize:    binary.NativeEndian.Uint16(b[4:]),
		csumStart:  binary.NativeEndian.Uint16(b[6:]),
		csumOffset: binary.NativeEndian.Uint16(b[8:]),
	}
	return h, nil
}

// encode writes h to the first vnetHdrLen bytes of b.
func (h vnetHdr) encode(b []byte) {
	_ = b[vnetHdrLen-1]
	b[0], b[1] = h.flags, h.gsoType
	binary.NativeEndian.PutUint16(b[2:], h.hdrLen)
	binary.NativeEndian.PutUint16(b[4:], h.gsoSize)
	binary.NativeEndian.PutUint16(b[6:], h.csumStart)
	binary.NativeEndian.PutUint16(b[8:], h.csumOffset)
}
