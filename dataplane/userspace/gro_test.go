package userspace

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
)

// groWrite is one write the coalescer asked for: its virtio-net header
// and the packet (the buffers concatenated).
type groWrite struct {
	hdr  vnetHdr
	pkt  []byte
	head int
	segs int
}

// coalesce runs one burst of packets through a coalescer and returns the
// writes.
func coalesce(t testing.TB, pkts [][]byte) []groWrite {
	t.Helper()
	var g coalescer
	for _, p := range pkts {
		buf := make([]byte, vnetHdrLen, vnetHdrLen+len(p))
		g.add(append(buf, p...))
	}
	var out []groWrite
	g.writeAll(func(iov [][]byte, head, segs int) error {
		b := bytes.Join(iov, nil)
		h, err := parseVnetHdr(b)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, groWrite{hdr: h, pkt: b[vnetHdrLen:], head: head, segs: segs})
		return nil
	})
	return out
}

// expand turns the writes back into the packets the wire carried: a
// super-packet is checked as the kernel would take it (its checksum, once
// completed, verifies over the whole super-packet) and cut again.
func expand(t testing.TB, writes []groWrite) [][]byte {
	t.Helper()
	var pkts [][]byte
	for _, w := range writes {
		if w.hdr.gsoType == gsoNone {
			if w.hdr != (vnetHdr{}) || w.segs != 1 {
				t.Fatalf("a lone packet written with %+v, %d segments", w.hdr, w.segs)
			}
			pkts = append(pkts, w.pkt)
			continue
		}
		if w.hdr.flags != vnetNeedsCsum || w.hdr.csumOffset != 16 {
			t.Fatalf("super-packet header %+v", w.hdr)
		}
		full := bytes.Clone(w.pkt)
		if !completeChecksum(w.hdr, full) {
			t.Fatalf("super-packet header %+v: checksum outside the packet", w.hdr)
		}
		src, dst := addrsOf(full)
		if c := tcpChecksum(src, dst, full[w.hdr.csumStart:]); c != 0 && c != 0xffff {
			t.Fatalf("super-packet: completed checksum off by %04x", c)
		}
		if full[0]>>4 == 4 && (!ipv4HeaderOK(full[:w.hdr.csumStart]) || int(binary.BigEndian.Uint16(full[2:])) != len(full)) {
			t.Fatal("super-packet: IPv4 length or header checksum wrong")
		}
		sp, err := parseSuperPacket(w.hdr, w.pkt)
		if err != nil {
			t.Fatalf("super-packet %+v refused when cut again: %v", w.hdr, err)
		}
		if sp.segs != w.segs || int(w.hdr.hdrLen) != sp.hdrs {
			t.Fatalf("super-packet of %d segments (headers %d) said to have %d (headers %d)", sp.segs, sp.hdrs, w.segs, w.hdr.hdrLen)
		}
		pkts = append(pkts, checkSegments(t, sp)...)
	}
	return pkts
}

// normalized blanks what re-segmentation may renumber: the IPv4 ID of a
// segment that may not be fragmented (its ID means nothing), and the
// header checksum covering it.
func normalized(p []byte) []byte {
	p = bytes.Clone(p)
	if len(p) >= 20 && p[0]>>4 == 4 && p[6]&0x40 != 0 {
		p[4], p[5], p[10], p[11] = 0, 0, 0, 0
	}
	return p
}

// checkRoundTrip checks that the writes carry exactly the packets of the
// burst, and each flow's in the order they came.
func checkRoundTrip(t testing.TB, in [][]byte, writes []groWrite) {
	t.Helper()
	out := expand(t, writes)
	if len(out) != len(in) {
		t.Fatalf("%d packets in, %d out", len(in), len(out))
	}
	// Each flow (or each packet that is not TCP) must come out as it went
	// in; flows may interleave differently.
	flow := func(p []byte) string {
		s, ok := parseTCP(p)
		if !ok {
			return fmt.Sprintf("other %x", p)
		}
		src, dst := ipAddrs(p)
		return fmt.Sprintf("%x %x %x", src, dst, p[s.l4:s.l4+4])
	}
	byFlow := func(pkts [][]byte) map[string][][]byte {
		m := map[string][][]byte{}
		for _, p := range pkts {
			m[flow(p)] = append(m[flow(p)], normalized(p))
		}
		return m
	}
	want, got := byFlow(in), byFlow(out)
	for f, ps := range want {
		g := got[f]
		if len(g) != len(ps) {
			t.Fatalf("flow %s: %d packets in, %d out", f, len(ps), len(g))
		}
		for i := range ps {
			if !bytes.Equal(ps[i], g[i]) {
				t.Fatalf("flow %s: packet %d differs:\nin  %x\nout %x", f, i, ps[i], g[i])
			}
		}
	}
}

// stream is n segments of one TCP flow, following on from seq, with the
// given payload sizes (cycling) and flags on the last.
func stream(v6 bool, seq uint32, id uint16, sizes []int, n int, last uint8) [][]byte {
	var pkts [][]byte
	for i := range n {
		flags := uint8(tcpACK)
		if i == n-1 {
			flags |= last
		}
		size := sizes[i%len(sizes)]
		pkts = append(pkts, testPacket{v6: v6, sport: 5201, dport: 40000, seq: seq, ack: 1000, flags: flags, window: 1024,
			options: []byte{1, 1, 8, 10, 0, 0, 1, 0, 0, 0, 2, 0}, id: id + uint16(i), df: true, ttl: 62,
			payload: randomPayload(size)}.build())
		seq += uint32(size)
	}
	return pkts
}

func TestCoalesce(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		t.Run(fmt.Sprintf("v6=%v", v6), func(t *testing.T) {
			// A run of full segments, the last shorter and with PSH: one
			// super-packet with PSH.
			seq := uint32(0xffffff00) // wraps within the run
			in := stream(v6, seq, 1, []int{1348}, 10, 0)
			in = append(in, stream(v6, seq+10*1348, 11, []int{777}, 1, tcpPSH)...)
			w := coalesce(t, in)
			if len(w) != 1 || w[0].segs != 11 || w[0].hdr.gsoSize != 1348 || w[0].pkt[w[0].hdr.csumStart+13]&tcpPSH == 0 {
				t.Fatalf("writes %+v", w)
			}
			want := uint8(gsoTCPv4)
			if v6 {
				want = gsoTCPv6
			}
			if w[0].hdr.gsoType != want || int(w[0].hdr.hdrLen) != int(w[0].hdr.csumStart)+32 {
				t.Errorf("header %+v", w[0].hdr)
			}
			checkRoundTrip(t, in, w)
		})
	}
}

func TestCoalesceTwoFlowsInterleaved(t *testing.T) {
	a := stream(false, 100, 1, []int{1000}, 6, 0)
	b := stream(true, 5000, 1, []int{1200}, 6, 0)
	var in [][]byte
	for i := range a {
		in = append(in, a[i], b[i])
	}
	w := coalesce(t, in)
	if len(w) != 2 || w[0].segs != 6 || w[1].segs != 6 {
		t.Fatalf("%d writes: %+v", len(w), w)
	}
	checkRoundTrip(t, in, w)
}

// Packets that must not join a run: each case is a run of three segments
// and a fourth that differs, which must be written after the run, alone
// or heading a run of its own.
func TestCoalesceRefuses(t *testing.T) {
	base := testPacket{sport: 5201, dport: 40000, ack: 1000, flags: tcpACK, window: 1024, df: true, ttl: 62, id: 7}
	run := func(p testPacket) [][]byte {
		var pkts [][]byte
		for i := range 3 {
			q := p
			q.seq, q.id, q.payload = uint32(i*1000), p.id+uint16(i), randomPayload(1000)
			pkts = append(pkts, q.build())
		}
		return pkts
	}
	next := func(mod func(*testPacket)) []byte {
		q := base
		q.seq, q.id, q.payload = 3000, base.id+3, randomPayload(1000)
		mod(&q)
		return q.build()
	}
	for _, c := range []struct {
		name string
		pkt  []byte
	}{
		{"gap in sequence", next(func(q *testPacket) { q.seq += 1 })},
		{"retransmission", next(func(q *testPacket) { q.seq = 1000 })},
		{"FIN", next(func(q *testPacket) { q.flags |= tcpFIN })},
		{"SYN", next(func(q *testPacket) { q.flags = tcpSYN | tcpACK })},
		{"RST", next(func(q *testPacket) { q.flags |= tcpRST })},
		{"URG", next(func(q *testPacket) { q.flags |= tcpURG })},
		{"ECE", next(func(q *testPacket) { q.flags |= tcpECE })},
		{"CWR", next(func(q *testPacket) { q.flags |= tcpCWR })},
		{"pure ACK", next(func(q *testPacket) { q.payload = nil })},
		{"larger segment", next(func(q *testPacket) { q.payload = randomPayload(1001) })},
		{"other acknowledgement", next(func(q *testPacket) { q.ack++ })},
		{"other window", next(func(q *testPacket) { q.window++ })},
		{"other options", next(func(q *testPacket) { q.options = []byte{1, 1, 8, 10, 0, 0, 0, 1, 0, 0, 0, 2} })},
		{"other TTL", next(func(q *testPacket) { q.ttl-- })},
		{"other TOS (ECN CE)", next(func(q *testPacket) { q.tos = 3 })},
		{"DF cleared", next(func(q *testPacket) { q.df = false })},
		{"bad checksum", next(func(q *testPacket) { q.badCsum = true })},
		{"IPv4 options", next(func(q *testPacket) { q.ipOptions = []byte{1, 1, 1, 0} })},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := append(run(base), c.pkt)
			w := coalesce(t, in)
			if len(w) != 2 || w[0].segs != 3 || w[1].segs != 1 {
				t.Fatalf("writes: %d (%+v)", len(w), w)
			}
			checkRoundTrip(t, in, w)
		})
	}
	// Without DF, the IDs must follow on.
	nodf := base
	nodf.df = false
	in := append(run(nodf), next(func(q *testPacket) { q.df = false; q.id += 2 }))
	if w := coalesce(t, in); len(w) != 2 {
		t.Errorf("IDs not following on without DF: %d writes", len(w))
	}
	in = append(run(nodf), next(func(q *testPacket) { q.df = false }))
	w := coalesce(t, in)
	if len(w) != 1 || w[0].segs != 4 {
		t.Errorf("IDs following on without DF: %d writes", len(w))
	}
	checkRoundTrip(t, in, w)
	// A segment shorter than the run's size ends the run.
	short := append(run(base), next(func(q *testPacket) { q.payload = randomPayload(10) }))
	short = append(short, stream(false, 3010, 11, []int{1000}, 1, 0)...)
	if w := coalesce(t, short); len(w) != 2 || w[0].segs != 4 {
		t.Errorf("after a short segment: %d writes", len(w))
	}
}

func TestCoalesceLimits(t *testing.T) {
	// 64 KiB of IPv4: the run stops before the total length overflows.
	in := stream(false, 1, 1, []int{1448}, 50, 0)
	w := coalesce(t, in)
	for _, x := range w {
		if len(x.pkt) > 65535 {
			t.Fatalf("super-packet of %d bytes", len(x.pkt))
		}
	}
	if len(w) != 2 {
		t.Errorf("%d writes for 50 segments of 1448 bytes", len(w))
	}
	checkRoundTrip(t, in, w)
	// At most groMaxSegs segments.
	in = stream(true, 1, 1, []int{10}, groMaxSegs+5, 0)
	w = coalesce(t, in)
	if len(w) != 2 || w[0].segs != groMaxSegs {
		t.Errorf("%d writes, first of %d segments", len(w), w[0].segs)
	}
	checkRoundTrip(t, in, w)
	// Not TCP, or not whole: written as they came.
	udp := testPacket{proto: 17, payload: randomPayload(100)}.build()
	trailing := append(stream(false, 1, 1, []int{100}, 1, 0)[0], 0, 0) // IP length short of the packet
	frag := testPacket{flags: tcpACK, fragOffset: 0x2000, payload: randomPayload(100)}.build()
	in = [][]byte{udp, trailing, frag, {0x45}, {}}
	w = coalesce(t, in)
	if len(w) != len(in) {
		t.Fatalf("%d writes for %d odd packets", len(w), len(in))
	}
	for i := range in {
		if !bytes.Equal(w[i].pkt, in[i]) {
			t.Errorf("packet %d changed", i)
		}
	}
}

// FuzzCoalesce feeds bursts of arbitrary packets to the coalescer. The
// input is a list of packets, each a 2-byte length and its bytes; when
// the first byte is odd, the TCP and IPv4 header checksums of each packet
// are made right first, so that mutated segments can still join runs.
// Whatever the burst, the writes must carry exactly its packets, each
// flow in order, and every super-packet must be valid as the kernel
// takes it.
func FuzzCoalesce(f *testing.F) {
	enc := func(fix bool, pkts [][]byte) []byte {
		b := []byte{0}
		if fix {
			b[0] = 1
		}
		for _, p := range pkts {
			b = binary.BigEndian.AppendUint16(b, uint16(len(p)))
			b = append(b, p...)
		}
		return b
	}
	f.Add(enc(false, append(stream(false, 1, 1, []int{100, 100, 100, 50}, 6, tcpPSH), stream(true, 9, 1, []int{64}, 4, tcpFIN)...)))
	f.Add(enc(true, stream(false, 0xfffffff0, 1, []int{30}, 5, 0)))
	f.Add(enc(true, [][]byte{testPacket{proto: 17, payload: []byte("x")}.build()}))
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) < 1 {
			return
		}
		fix := in[0]&1 == 1
		var pkts [][]byte
		for rest := in[1:]; len(rest) >= 2 && len(pkts) < 200; {
			n := min(int(binary.BigEndian.Uint16(rest)), len(rest)-2)
			p := bytes.Clone(rest[2 : 2+n])
			rest = rest[2+n:]
			if s, ok := parseTCP(p); ok && fix {
				if p[0]>>4 == 4 {
					ipv4HeaderChecksum(p[:s.l4])
				}
				p[s.l4+16], p[s.l4+17] = 0, 0
				src, dst := addrsOf(p)
				binary.BigEndian.PutUint16(p[s.l4+16:], tcpChecksum(src, dst, p[s.l4:]))
			}
			pkts = append(pkts, p)
		}
		checkRoundTrip(t, pkts, coalesce(t, pkts))
	})
}
