package userspace

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/esp"
)

// readTUN is one reader of a VRF's TUN queue: packets to clients, to be
// encrypted and sent.
func (b *Backend) readTUN(v *vrf, f *os.File) {
	in := b.bufs.Get().(*[bufSize]byte)
	out := b.bufs.Get().(*[bufSize]byte)
	defer b.bufs.Put(in)
	defer b.bufs.Put(out)
	for {
		n, err := f.Read(in[:])
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			continue
		}
		b.outbound(v, in[:n], out[:0])
	}
}

// outbound encrypts one packet from the TUN for the client it is routed to.
func (b *Backend) outbound(v *vrf, pkt, buf []byte) {
	h, ok := parseIP(pkt)
	if !ok {
		b.malformed.Add(1)
		return
	}
	va := v.routes.lookup(h.dst)
	if va == nil {
		v.noRoute.Add(1)
		return
	}
	sa := va.out.Load()
	if sa == nil || sa.hard.Load() || va.removed.Load() {
		va.c.outDrops.Add(1)
		return
	}
	fwd := va.fwd.Load()
	if len(pkt) > fwd.mtu {
		va.c.outDrops.Add(1)
		return
	}
	if !fwd.out.Permits(pkt) {
		va.c.aclDrops.Add(1)
		return
	}
	clampMSS(pkt, fwd.mss)
	esp, err := sa.out.Seal(buf, h.nextHeader, pkt)
	if err != nil {
		va.c.outDrops.Add(1)
		return
	}
	if err := b.send(sa, esp); err != nil {
		b.sendErrors.Add(1)
		va.c.outDrops.Add(1)
		return
	}
	n := uint64(len(pkt))
	va.c.outPackets.Add(1)
	va.c.outBytes.Add(n)
	sa.c.outPackets.Add(1)
	b.account(sa, sa.c.outBytes.Add(n), sa.c.outPackets.Load()+sa.c.inPackets.Load())
}

// send puts an ESP packet on the wire: in UDP through the IKE engine, or
// as IP protocol 50.
func (b *Backend) send(sa *childSA, pkt []byte) error {
	if sa.spec.Encap {
		t := b.transmit.Load()
		if t == nil {
			return errors.New("userspace: no UDP transmitter (IKE engine not started)")
		}
		return (*t)(sa.spec.FVRF, sa.spec.Local, sa.spec.Remote, pkt)
	}
	conn := b.raw4.Load()
	if !sa.spec.Remote.Addr().Is4() {
		conn = b.raw6.Load()
	}
	if conn == nil {
		return errors.New("userspace: no ESP socket")
	}
	_, err := conn.WriteToIP(pkt, sa.spec.remoteIP)
	return err
}

// ReceiveESP handles ESP-in-UDP from the IKE engine's NAT-T socket. It is
// done with pkt when it returns.
func (b *Backend) ReceiveESP(_ string, from, _ netip.AddrPort, pkt []byte) {
	buf := b.bufs.Get().(*[bufSize]byte)
	b.inbound(from.Addr(), pkt, buf[:0])
	b.bufs.Put(buf)
}

// inbound decrypts one ESP packet and writes the inner packet to the TUN
// of its interface's VRF.
func (b *Backend) inbound(_ netip.Addr, pkt, buf []byte) {
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
	payload, next, err := sa.in.Open(buf, pkt)
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
	h, ok := parseIP(payload)
	if !ok || h.nextHeader != next || !inSelectors(sa.spec.RemoteTS, h.src) {
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
	v := va.vrf
	if len(v.tun) == 0 {
		va.c.inDrops.Add(1)
		return
	}
	if _, err := v.tun[int(spi)%len(v.tun)].Write(payload); err != nil {
		va.c.inDrops.Add(1)
	}
}

// openRaw opens the raw IP protocol 50 socket of a family on first use and
// starts its reader.
func (b *Backend) openRaw(v4 bool) error {
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
	c, err := net.ListenIP(network, nil)
	if err != nil {
		return err
	}
	slot.Store(c)
	b.wg.Go(func() {
		buf := b.bufs.Get().(*[bufSize]byte)
		out := b.bufs.Get().(*[bufSize]byte)
		defer b.bufs.Put(buf)
		defer b.bufs.Put(out)
		for {
			n, from, err := c.ReadFromIP(buf[:])
			if err != nil {
				if errors.Is(err, net.ErrClosed) {
					return
				}
				continue
			}
			addr, _ := netip.AddrFromSlice(from.IP)
			b.inbound(addr.Unmap(), buf[:n], out[:0])
		}
	})
	return nil
}

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
