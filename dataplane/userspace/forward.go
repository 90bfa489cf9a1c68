package userspace

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/esp"
	"github.com/vishvananda/netns"
)

// tunReadSize takes the largest packet an offloading TUN hands over (a
// 64 KiB super-packet) and its virtio-net header.
const tunReadSize = vnetHdrLen + bufSize

// readTUN is one reader of a VRF's TUN queue: packets to clients, to be
// encrypted and sent. It reads until nothing is queued, sealing into one
// batch, and sends the batch before it waits for more.
func (b *Backend) readTUN(v *vrf, q int) {
	buf := make([]byte, tunReadSize)
	tx := b.newTxBatch()
	rc := v.tunRC[q]
	var r packetReader
	for {
		pkt := buf
		if !v.offload {
			pkt = buf[vnetHdrLen:]
		}
		n, err := r.read(rc, pkt, tx.empty())
		if errors.Is(err, errWouldBlock) {
			tx.flush()
			continue
		}
		if err != nil {
			if b.stopped() {
				return
			}
			continue
		}
		if v.offload {
			b.outboundOffloaded(v, pkt[:n], tx)
		} else {
			b.outbound(v, pkt[:n], tx)
		}
	}
}

// stopped says whether Close has begun.
func (b *Backend) stopped() bool {
	select {
	case <-b.stop:
		return true
	default:
		return false
	}
}

// outboundOffloaded handles one read from an offloading TUN: a
// virtio-net header and a packet, which may be a super-packet to cut into
// segments, or may need its checksum completed.
func (b *Backend) outboundOffloaded(v *vrf, buf []byte, tx *txBatch) {
	h, err := parseVnetHdr(buf)
	if err != nil {
		b.malformed.Add(1)
		return
	}
	pkt := buf[vnetHdrLen:]
	if h.gsoType == gsoNone {
		if h.flags&vnetNeedsCsum != 0 && !completeChecksum(h, pkt) {
			b.malformed.Add(1)
			return
		}
		b.outbound(v, pkt, tx)
		return
	}
	sp, err := parseSuperPacket(h, pkt)
	if err != nil {
		b.malformed.Add(1)
		return
	}
	b.gsoPackets.Add(1)
	b.gsoSegments.Add(uint64(sp.segs))
	ip, _ := parseIP(pkt) // parseSuperPacket checked the header
	va, sa, fwd := b.outboundSA(v, ip, uint64(sp.segs))
	if sa == nil {
		return
	}
	// Each segment is cut straight into its place in the batch, where
	// Seal encrypts it in place.
	hl := sa.out.HeaderLen()
	for i := range sp.segs {
		slot := tx.reserve(sa, sp.segmentLen(i))
		seg := sp.writeSegment(i, slot[hl:cap(slot)])
		b.seal(va, sa, fwd, ip.nextHeader, seg, slot, tx)
	}
}

// outbound encrypts one packet from the TUN for the client it is routed
// to.
func (b *Backend) outbound(v *vrf, pkt []byte, tx *txBatch) {
	h, ok := parseIP(pkt)
	if !ok {
		b.malformed.Add(1)
		return
	}
	va, sa, fwd := b.outboundSA(v, h, 1)
	if sa == nil {
		return
	}
	b.seal(va, sa, fwd, h.nextHeader, pkt, tx.reserve(sa, len(pkt)), tx)
}

// outboundSA finds the interface a packet to h.dst goes through (that of
// a transport-mode SA to h.dst, else the route's) and the SA it is sent
// on. sa is nil when the packet, of segs segments, is dropped (and
// counted).
func (b *Backend) outboundSA(v *vrf, h header, segs uint64) (*vaccess, *childSA, *forwarding) {
	va := v.transportLookup(h.dst)
	if va == nil {
		va = v.routes.lookup(h.dst)
	}
	if va == nil {
		v.noRoute.Add(segs)
		return nil, nil, nil
	}
	sa := va.out.Load()
	if sa == nil || sa.hard.Load() || va.removed.Load() {
		va.c.outDrops.Add(segs)
		return va, nil, nil
	}
	return va, sa, va.fwd.Load()
}

// seal checks one packet (or segment) against the interface, encrypts it
// into slot (where it may already sit, HeaderLen bytes in) and adds it to
// the batch: all of it in tunnel mode, what follows its IP header in
// transport mode. Counters and lifetimes count each packet, the IP
// packet as the wire sees it, in both modes.
func (b *Backend) seal(va *vaccess, sa *childSA, fwd *forwarding, next uint8, pkt, slot []byte, tx *txBatch) {
	if sa.hard.Load() {
		va.c.outDrops.Add(1)
		return
	}
	if len(pkt) > fwd.mtu {
		va.c.outDrops.Add(1)
		return
	}
	payload := pkt
	if sa.spec.Mode == dataplane.Transport {
		proto, hl, ok := transportPayload(pkt, sa.spec.Local.Addr().Unmap(), sa.spec.Remote.Addr().Unmap())
		if !ok {
			b.transportRefused.Add(1)
			va.c.outDrops.Add(1)
			return
		}
		next, payload = proto, pkt[hl:]
	}
	if !fwd.out.Permits(pkt) {
		va.c.aclDrops.Add(1)
		return
	}
	clampMSS(pkt, fwd.mss)
	// In transport mode the payload may sit in slot after where the
	// ciphertext goes: Seal moves it into place first.
	esp, err := sa.out.Seal(slot, next, payload)
	if err != nil {
		va.c.outDrops.Add(1)
		return
	}
	tx.add(sa, va, esp, len(pkt))
	n := uint64(len(pkt))
	sa.c.outPackets.Add(1)
	b.account(sa, sa.c.outBytes.Add(n), sa.c.outPackets.Load()+sa.c.inPackets.Load())
}

// ReceiveESP handles ESP-in-UDP from the IKE engine's NAT-T socket. It is
// done with pkt when it returns. Unless the engine delivers in bursts
// (ReceiveESPInBursts), the packet is delivered before it returns.
func (b *Backend) ReceiveESP(_ string, _, _ netip.AddrPort, pkt []byte) {
	b.udpRx.Lock()
	if b.udpRx.batch == nil {
		b.udpRx.batch = b.newRxBatch()
	}
	b.inbound(pkt, b.udpRx.batch)
	if !b.udpRx.bursts {
		b.udpRx.batch.flush()
	}
	b.udpRx.Unlock()
}

// ReceiveESPInBursts lets ReceiveESP hold decrypted packets until the
// returned function is called (after each burst the engine read).
func (b *Backend) ReceiveESPInBursts() func() {
	b.udpRx.Lock()
	b.udpRx.bursts = true
	b.udpRx.Unlock()
	return b.udpBurstDone
}

func (b *Backend) udpBurstDone() {
	b.udpRx.Lock()
	if b.udpRx.batch != nil {
		b.udpRx.batch.flush()
	}
	b.udpRx.Unlock()
}

// udpReceiver is the burst ESP-in-UDP goes into. The engine's readers
// (one per address family) share it.
type udpReceiver struct {
	sync.Mutex
	bursts bool
	batch  *rxBatch
}

// inbound decrypts one ESP packet into the burst rx, for its interface's
// VRF.
func (b *Backend) inbound(pkt []byte, rx *rxBatch) {
	spi, ok := esp.SPI(pkt)
	if !ok {
		b.malformed.Add(1)
		return
	}
	b.saMu.RLock()
	sa := b.bySPI[spi]
	b.saMu.RUnlock()
	if sa == nil {
		b.unknownSPI.Add(1)
		return
	}
	va := sa.va
	if sa.hard.Load() || va.removed.Load() {
		va.c.inDrops.Add(1)
		return
	}
	// Transport mode: room before the payload for the IP header it gets
	// back.
	hl := 0
	transport := sa.spec.Mode == dataplane.Transport
	if transport {
		hl = transportHeaderLen(sa.spec.Local.Addr().Unmap())
	}
	slot := rx.reserve(hl + len(pkt))
	payload, next, err := sa.in.Open(slot[vnetHdrLen+hl:vnetHdrLen+hl], pkt)
	switch {
	case errors.Is(err, esp.ErrReplay):
		sa.c.replay.Add(1)
		va.c.inDrops.Add(1)
		return
	case errors.Is(err, esp.ErrAuth):
		sa.c.auth.Add(1)
		va.c.inDrops.Add(1)
		return
	case err != nil:
		sa.c.decrypt.Add(1)
		va.c.inDrops.Add(1)
		return
	}
	if sa.pending.Load() && sa.pending.CompareAndSwap(true, false) {
		// The peer uses the rekeyed SA: so do we.
		va.out.Store(sa)
	}
	if next == protoNoNxt {
		return // a dummy packet (traffic flow confidentiality)
	}
	if transport {
		// The packet's addresses are the SA's own endpoints, so the peer
		// cannot send from any other: no selector check is needed.
		payload = slot[vnetHdrLen : vnetHdrLen+hl+len(payload)]
		if !transportHeader(payload, next, sa.spec.Remote.Addr().Unmap(), sa.spec.Local.Addr().Unmap()) {
			va.c.inDrops.Add(1)
			return
		}
		if sa.spec.Encap {
			transportChecksum(payload)
		}
	} else if h, ok := parseIP(payload); !ok || h.nextHeader != next || !inSelectors(sa.spec.RemoteTS, h.src) {
		// Not IP, or a source the client was not given: spoofed.
		va.c.inDrops.Add(1)
		return
	}
	// Received and decrypted: the SA and the interface count it (as IOS
	// counts input before the inbound access list), then it is filtered
	// and delivered.
	n := uint64(len(payload))
	va.c.inPackets.Add(1)
	va.c.inBytes.Add(n)
	sa.c.inPackets.Add(1)
	b.account(sa, sa.c.inBytes.Add(n)+sa.c.outBytes.Load(), sa.c.inPackets.Load()+sa.c.outPackets.Load())
	fwd := va.fwd.Load()
	if !fwd.in.Permits(payload) {
		va.c.aclDrops.Add(1)
		return
	}
	clampMSS(payload, fwd.mss)
	if len(va.vrf.tun) == 0 {
		va.c.inDrops.Add(1)
		return
	}
	rx.add(va, spi, slot[:vnetHdrLen+len(payload)])
}

// rawESP is a raw IP protocol 50 socket.
type rawESP struct {
	conn *net.IPConn
	rc   syscall.RawConn
	v4   bool
}

// openRaw opens the raw IP protocol 50 socket of a family on first use,
// in the network namespace of the front-door VRF fvrf (where the outer
// addresses are), and starts its reader.
func (b *Backend) openRaw(v4 bool, fvrf string) error {
	slot, network := &b.raw4, "ip4:50"
	if !v4 {
		slot, network = &b.raw6, "ip6:50"
	}
	if slot.Load() != nil {
		return nil
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if slot.Load() != nil {
		return nil
	}
	var c *net.IPConn
	err := b.inVRFNamespace(fvrf, func() error {
		var err error
		c, err = net.ListenIP(network, nil)
		return err
	})
	if err != nil {
		return err
	}
	// Bursts of ESP must queue, not drop, while the reader is busy.
	c.SetReadBuffer(rawSocketBuffer)
	c.SetWriteBuffer(rawSocketBuffer)
	rc, err := c.SyscallConn()
	if err != nil {
		c.Close()
		return err
	}
	r := &rawESP{conn: c, rc: rc, v4: v4}
	slot.Store(r)
	b.wg.Go(func() { b.readRaw(r) })
	return nil
}

// inVRFNamespace runs fn in the network namespace of VRF name: the
// caller's own for a VRF that Options.Namespace maps to "".
func (b *Backend) inVRFNamespace(name string, fn func() error) error {
	ns := b.opt.Namespace(name)
	if ns == "" {
		return fn()
	}
	h, err := netns.GetFromName(ns)
	if err != nil {
		return fmt.Errorf("VRF %s: network namespace %s: %w", displayVRF(name), ns, err)
	}
	defer h.Close()
	return inNamespace(h, fn)
}

// rawSocketBuffer is the kernel buffer size asked for the raw ESP
// sockets.
const rawSocketBuffer = 4 << 20

// account checks the byte and packet lifetimes after traffic.
func (b *Backend) account(sa *childSA, bytes, packets uint64) {
	lt := &sa.spec.Lifetime
	hard := (lt.HardBytes != 0 && bytes >= lt.HardBytes) || (lt.HardPackets != 0 && packets >= lt.HardPackets)
	soft := (lt.SoftBytes != 0 && bytes >= lt.SoftBytes) || (lt.SoftPackets != 0 && packets >= lt.SoftPackets)
	b.expire(sa, soft, hard)
}

// expire reports each expiry once.
func (b *Backend) expire(sa *childSA, soft, hard bool) {
	if (soft || hard) && sa.soft.CompareAndSwap(false, true) && !hard {
		b.emit(dataplane.SoftExpire, sa.id)
	}
	if hard && sa.hard.CompareAndSwap(false, true) {
		b.emit(dataplane.HardExpire, sa.id)
	}
}

// lifetimes checks the time-based lifetimes every Tick.
func (b *Backend) lifetimes() {
	t := time.NewTicker(b.opt.Tick)
	defer t.Stop()
	for {
		select {
		case <-b.stop:
			return
		case <-t.C:
		}
		now := b.opt.Now()
		b.saMu.RLock()
		for _, sa := range b.bySPI {
			lt := &sa.spec.Lifetime
			age := int64(now.Sub(sa.installed) / time.Second)
			b.expire(sa, lt.SoftSeconds != 0 && age >= lt.SoftSeconds, lt.HardSeconds != 0 && age >= lt.HardSeconds)
		}
		b.saMu.RUnlock()
	}
}
