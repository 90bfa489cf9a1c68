//go:build !race

// Allocation tests: the race detector makes sync.Pool drop items, so
// these only build without it.

package userspace

import (
	"net/netip"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/esp"
)

// TestPacketPathAllocatesNothing: cutting a super-packet, sealing and
// sending its segments as plain ESP, and opening ESP and writing it to
// the TUN device allocate nothing once the batches exist.
func TestPacketPathAllocatesNothing(t *testing.T) {
	tn := newTunnel(t, dataplane.Lifetime{})
	udpIn(t, tn.ns, "172.16.0.1:9999") // no ICMP unreachable comes back
	plain := tn.sa
	plain.ID, plain.OutboundSPI = dataplane.SAID{SPI: 0xc0ffee10}, 0x0badf010
	plain.Encap = false
	plain.Local, plain.Remote = netip.MustParseAddrPort("127.0.0.1:0"), netip.MustParseAddrPort("127.0.0.2:0")
	if err := tn.b.RemoveSA(tn.sa.ID); err != nil {
		t.Fatal(err)
	}
	if err := tn.b.InstallSA(plain); err != nil {
		t.Fatal(err)
	}
	v := tn.b.vrfs[""]
	tx := tn.b.newTxBatch()
	buf, _ := superPacketToClient(t)
	if !v.offload {
		buf = buf[vnetHdrLen:]
	}
	out := func() {
		if v.offload {
			tn.b.outboundOffloaded(v, buf, tx)
		} else {
			tn.b.outbound(v, buf, tx)
		}
		tx.flush()
	}
	out()
	if n := testing.AllocsPerRun(50, out); n != 0 {
		t.Errorf("outbound: %v allocations per super-packet", n)
	}

	client, _ := esp.NewOutbound(esp.Config{SPI: plain.ID.SPI, Encr: 20, EncrKeyBits: 256, EncrKey: plain.In.Encr})
	inner := udpPacket(clientAddr, netip.MustParseAddrPort("172.16.0.1:9999"), make([]byte, 1200))
	pkt := make([]byte, 0, 1400)
	rx := tn.b.newRxBatch()
	in := func() {
		p, err := client.Seal(pkt, 4, inner)
		if err != nil {
			t.Fatal(err)
		}
		tn.b.inbound(p, rx)
		rx.flush()
	}
	in()
	if n := testing.AllocsPerRun(50, in); n != 0 {
		t.Errorf("inbound: %v allocations per packet", n)
	}
	// AllocsPerRun runs each once more than asked, after the first call.
	if c, _ := tn.b.Counters("Virtual-Access1"); c.InPackets != 52 || c.InDrops != 0 || c.OutPackets != 52*8 {
		t.Errorf("counters %+v", c)
	}
}

// The transport-mode packet path allocates nothing either: the steering
// lookup, taking the IP header off, and putting one back.
func TestTransportPathAllocatesNothing(t *testing.T) {
	tn := transportTunnel(t, dataplane.Lifetime{})
	udpIn(t, tn.ns, "172.16.0.1:9999") // no ICMP unreachable comes back
	tn.b.SetTransmit(func(string, netip.AddrPort, netip.AddrPort, []byte) error { return nil })
	v := tn.b.vrfs[""]
	tx := tn.b.newTxBatch()
	pkt := testPacket{proto: 17, src: tpHeadend.Addr(), dst: tpClient.Addr(), sport: 9999, dport: 5555, payload: make([]byte, 1200)}.build()
	out := func() {
		tn.b.outbound(v, pkt, tx)
		tx.flush()
	}
	out()
	if n := testing.AllocsPerRun(50, out); n != 0 {
		t.Errorf("outbound: %v allocations per packet", n)
	}
	inner := testPacket{proto: 17, src: tpPrivate, dst: tpHeadend.Addr(), sport: 5555, dport: 9999, payload: make([]byte, 1200)}.build()
	buf := make([]byte, 0, 1400)
	rx := tn.b.newRxBatch()
	in := func() {
		p, err := tn.client.Seal(buf, 17, inner[20:])
		if err != nil {
			t.Fatal(err)
		}
		tn.b.inbound(p, rx)
		rx.flush()
	}
	in()
	if n := testing.AllocsPerRun(50, in); n != 0 {
		t.Errorf("inbound: %v allocations per packet", n)
	}
	if c, _ := tn.b.Counters("Virtual-Access1"); c.InPackets != 52 || c.InDrops != 0 || c.OutPackets != 52 {
		t.Errorf("counters %+v", c)
	}
}
