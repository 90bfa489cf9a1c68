package ike

import (
	"encoding/binary"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// handleInformational answers an INFORMATIONAL request: deletes of the IKE
// SA or of child SAs, and the empty message of a liveness check.
func (sa *ikeSA) handleInformational(h wire.Header, ps []wire.Payload) {
	var ours []uint32
	for _, p := range ps {
		d, ok := p.(*wire.Delete)
		if !ok {
			continue
		}
		switch d.Protocol {
		case wire.ProtoIKE:
			sa.respond(h, nil)
			sa.e.stats.peerDeletes.Add(1)
			sa.end(CauseUserRequest, "peer deleted the IKE SA", false)
			return
		case wire.ProtoESP, wire.ProtoAH:
			for _, spi := range d.SPIs {
				if len(spi) != 4 {
					continue
				}
				out := binary.BigEndian.Uint32(spi)
				for i, c := range sa.children {
					if c.outSPI == out {
						ours = append(ours, c.inSPI)
						sa.removeChild(c)
						sa.children = append(sa.children[:i], sa.children[i+1:]...)
						sa.debugf("Deleted child SA in/out spi 0x%08X/0x%08X at the peer's request", c.inSPI, c.outSPI)
						break
					}
				}
			}
		}
	}
	var resp []wire.Payload
	if len(ours) > 0 {
		resp = append(resp, deleteESP(ours...))
	}
	sa.respond(h, resp)
}

// dpdConfig is the profile's "dpd" or the global one; nil when off.
func (sa *ikeSA) dpdConfig() *schema.IKEv2DPD {
	if sa.profile != nil && sa.profile.DPD != nil {
		return sa.profile.DPD
	}
	if sa.cfg != nil {
		return sa.cfg.global.DPD
	}
	return nil
}

// armDPD schedules the next liveness check (RFC 7296 2.4, IOS "dpd
// INTERVAL RETRY on-demand|periodic"). Periodic checks run every interval;
// on-demand checks only when nothing arrived from the peer (IKE or ESP)
// during the interval.
func (sa *ikeSA) armDPD() {
	d := sa.dpdConfig()
	if d == nil || d.Interval <= 0 {
		return
	}
	interval := time.Duration(d.Interval) * time.Second
	sa.dpdTimer = sa.after(interval, func() { sa.dpdCheck(d, interval) })
}

func (sa *ikeSA) dpdCheck(d *schema.IKEv2DPD, interval time.Duration) {
	if sa.state != stEstablished {
		return
	}
	quiet := sa.e.now().Sub(sa.lastHeard) >= interval && !sa.espArrived()
	if d.Mode == "periodic" || quiet {
		retry := time.Duration(max(d.Retry, 2)) * time.Second
		schedule := []time.Duration{retry, retry, retry, retry, retry}
		sa.e.stats.dpdSent.Add(1)
		sa.request(wire.INFORMATIONAL, nil, schedule, func(wire.Header, []wire.Payload) {}, func() {
			sa.e.stats.dpdFailed.Add(1)
			sa.end(CauseLostCarrier, "DPD: peer did not answer", false)
		})
	}
	sa.dpdTimer = sa.after(interval, func() { sa.dpdCheck(d, interval) })
}

// espArrived reports whether the data plane received ESP on any child SA
// since the last check.
func (sa *ikeSA) espArrived() bool {
	if sa.e.dp == nil {
		return false
	}
	arrived := false
	for _, c := range sa.children {
		k, err := sa.e.dp.SACounters(dataplane.SAID{SPI: c.inSPI})
		if err == nil && k.InPackets != c.lastInPackets {
			c.lastInPackets = k.InPackets
			arrived = true
		}
	}
	return arrived
}

// Delete tears the SA down with a delete sent to the peer.
func (sa *ikeSA) deleteWithNotify(reason string) { sa.teardown(reason, true) }

// natKeepalive is the profile's "nat keepalive" or the global one, in
// seconds; 0 when off.
func (sa *ikeSA) natKeepalive() int {
	if sa.profile != nil && sa.profile.NATKeepalive > 0 {
		return sa.profile.NATKeepalive
	}
	if sa.cfg != nil {
		return sa.cfg.global.NATKeepalive
	}
	return 0
}

// armKeepalive sends NAT keepalives (RFC 3948 section 2.3: one 0xFF byte on
// port 4500) while we are behind a NAT, so that its mapping stays open.
func (sa *ikeSA) armKeepalive() {
	n := sa.natKeepalive()
	if n <= 0 || !sa.natLocal {
		return
	}
	sa.keepaliveTimer = sa.after(time.Duration(n)*time.Second, func() {
		if sa.sock.natT && sa.sock.sendRaw(sa.local, sa.remote, []byte{0xff}) == nil {
			sa.e.stats.keepalivesOut.Add(1)
		}
		sa.armKeepalive()
	})
}
