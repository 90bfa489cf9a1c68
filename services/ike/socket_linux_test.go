package ike

import (
	"bytes"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

func TestGSORun(t *testing.T) {
	sizes := func(n ...int) [][]byte {
		var p [][]byte
		for _, k := range n {
			p = append(p, make([]byte, k))
		}
		return p
	}
	for _, c := range []struct {
		in   [][]byte
		want int
	}{
		{sizes(1400, 1400, 1400, 700, 1400), 4}, // a shorter datagram ends the run
		{sizes(100, 200, 200), 1},               // a longer one cannot follow
		{sizes(1400), 1},
		{sizes(1400, 1400), 2},
		{sizes(1000, 0, 1000), 1},       // an empty datagram cannot be a segment
		{sizes(make([]int, 100)...), 1}, // zero-sized: alone
		{append(sizes(1450), sizes(make([]int, 99)...)...), 1},
	} {
		if got := gsoRun(c.in); got != c.want {
			t.Errorf("%d datagrams from %d bytes: run of %d, want %d", len(c.in), len(c.in[0]), got, c.want)
		}
	}
	many := make([][]byte, 100)
	for i := range many {
		many[i] = make([]byte, 500)
	}
	if got := gsoRun(many); got != gsoMaxSegments {
		t.Errorf("100 equal datagrams: run of %d", got)
	}
	big := make([][]byte, 60)
	for i := range big {
		big[i] = make([]byte, 1400)
	}
	if got := gsoRun(big); got*1400 > gsoMaxBytes || (got+1)*1400 <= gsoMaxBytes {
		t.Errorf("60 datagrams of 1400 bytes: run of %d", got)
	}
}

// TestSendBatch: a batch arrives as the datagrams it was made of, in
// order, whether the kernel segments runs (UDP GSO) or each goes alone
// (sendmmsg), from the local address asked for.
func TestSendBatch(t *testing.T) {
	for _, gso := range []bool{true, false} {
		t.Run(fmt.Sprintf("gso=%v", gso), func(t *testing.T) {
			s, err := listen(netip.MustParseAddr("127.0.0.1"), 0, true)
			if err != nil {
				t.Fatal(err)
			}
			defer s.close()
			s.noGSO.Store(!gso)
			sink, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				t.Fatal(err)
			}
			defer sink.Close()
			sink.SetReadBuffer(8 << 20)
			local := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), s.port)
			remote := sink.LocalAddr().(*net.UDPAddr).AddrPort()
			var pkts [][]byte
			for i, n := range []int{1400, 1400, 1400, 700, 90, 90, 1400, 5, 1400, 1400} {
				p := make([]byte, n)
				for k := range p {
					p[k] = byte(i)
				}
				pkts = append(pkts, p)
			}
			for range 70 { // more than one GSO send takes
				pkts = append(pkts, bytes.Repeat([]byte{0xee}, 300))
			}
			if n, err := s.sendBatch(local, remote, pkts); n != len(pkts) || err != nil {
				t.Fatalf("sent %d of %d: %v", n, len(pkts), err)
			}
			buf := make([]byte, 2000)
			sink.SetReadDeadline(time.Now().Add(5 * time.Second))
			for i, want := range pkts {
				n, from, err := sink.ReadFromUDPAddrPort(buf)
				if err != nil {
					t.Fatalf("datagram %d: %v", i, err)
				}
				if from != local || !bytes.Equal(buf[:n], want) {
					t.Fatalf("datagram %d: %d bytes from %v, want %d bytes from %v", i, n, from, len(want), local)
				}
			}
			if s.noGSO.Load() == gso {
				t.Logf("UDP GSO refused by this kernel")
			}
			// The data plane sends every ESP-in-UDP burst through
			// sendBatch: it allocates nothing (but with the race
			// detector, which makes sync.Pool drop items).
			burst := pkts[:8]
			if n := testing.AllocsPerRun(20, func() { s.sendBatch(local, remote, burst) }); n != 0 && !raceEnabled {
				t.Errorf("sendBatch allocates %v times per batch", n)
			}
		})
	}
}

// burstDataplane is a data plane that takes ESP in bursts and records
// the order of deliveries and burst ends.
type burstDataplane struct {
	dataplane.Dataplane
	events chan string
}

func (d *burstDataplane) ReceiveESP(_ string, _, _ netip.AddrPort, pkt []byte) {
	d.events <- fmt.Sprintf("esp %d", len(pkt))
}

func (d *burstDataplane) ReceiveESPInBursts() func() {
	return func() { d.events <- "done" }
}

// TestBurstDone: with a data plane that takes bursts, the reader calls it
// after handing over each read's datagrams.
func TestBurstDone(t *testing.T) {
	s, err := listen(netip.MustParseAddr("127.0.0.1"), 0, true)
	if err != nil {
		t.Fatal(err)
	}
	defer s.close()
	dp := &burstDataplane{events: make(chan string, 100)}
	s.attachDataplane(dp)
	go s.read4(func(p packet) { dp.ReceiveESP("", p.from, p.to, p.data) })
	c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), s.port)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write(make([]byte, 100))
	for _, want := range []string{"esp 100", "done"} {
		select {
		case got := <-dp.events:
			if got != want {
				t.Fatalf("%q, want %q", got, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no %q", want)
		}
	}
}
