package esp

import (
	"os"
	"os/exec"
	"runtime"
	"testing"
)

// idlePairs is how many SA pairs the memory measurement holds: a
// head-end's worth, so that per-pair costs dwarf the noise.
const idlePairs = 10_000

// pairMemory is the live heap one Inbound+Outbound pair costs, in bytes.
type pairMemory struct {
	idle float64 // keyed, no packet yet
	used float64 // after one packet each way
}

// measurePairMemory keys idlePairs AES-GCM-256 pairs with a 64-packet
// window, as the userspace data plane does for each child SA, and
// measures the live heap they hold after a collection: first idle, then
// after one packet each way. One collection, not two, after the packets:
// a sync.Pool used since the last cycle keeps its per-P arrays until the
// next one, as an SA carrying traffic always does.
func measurePairMemory(tb testing.TB) pairMemory {
	tb.Helper()
	s := suiteByName("aes256gcm16")
	outs := make([]*Outbound, idlePairs)
	ins := make([]*Inbound, idlePairs)
	before := liveHeap()
	for i := range outs {
		c := s.config(uint32(i+1), false, 64)
		c.EncrKey[0], c.EncrKey[1] = byte(i), byte(i>>8) // keys differ, as they would
		var err error
		if outs[i], err = NewOutbound(c); err != nil {
			tb.Fatal(err)
		}
		if ins[i], err = NewInbound(c); err != nil {
			tb.Fatal(err)
		}
	}
	idle := liveHeap()
	payload := payloadOf(64)
	pkt := make([]byte, 0, 256)
	plain := make([]byte, 0, 256)
	for i := range outs {
		p, err := outs[i].Seal(pkt, 4, payload)
		if err != nil {
			tb.Fatal(err)
		}
		if _, _, err := ins[i].Open(plain, p); err != nil {
			tb.Fatal(err)
		}
	}
	used := liveHeap()
	runtime.KeepAlive(outs)
	runtime.KeepAlive(ins)
	return pairMemory{
		idle: float64(idle-before) / idlePairs,
		used: float64(used-before) / idlePairs,
	}
}

// liveHeap is the heap left after a full collection.
func liveHeap() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc)
}

// BenchmarkIdleSAMemory reports the live heap per SA pair, idle and after
// one packet each way. One iteration says it all: -benchtime 1x.
func BenchmarkIdleSAMemory(b *testing.B) {
	var m pairMemory
	for b.Loop() {
		m = measurePairMemory(b)
	}
	b.ReportMetric(m.idle, "B/idle-pair")
	b.ReportMetric(m.used, "B/used-pair")
}

// The live heap of an SA pair stays within a ceiling: an idle pair holds
// its keys, not their schedule, and a used one no per-P pool arrays, so
// its cost does not grow with the number of CPUs. (Before the keys were
// scheduled lazily, a pair cost about 1950 bytes idle and 2770 used on 2
// CPUs, more on more.)
func TestIdleSAMemory(t *testing.T) {
	const idleCeiling, usedCeiling = 320, 2048
	m := measurePairMemory(t)
	t.Logf("%.0f B/idle-pair, %.0f B/used-pair", m.idle, m.used)
	if m.idle > idleCeiling {
		t.Errorf("an idle SA pair holds %.0f bytes of heap, ceiling %d", m.idle, idleCeiling)
	}
	if m.used > usedCeiling {
		t.Errorf("an SA pair after one packet each way holds %.0f bytes of heap, ceiling %d", m.used, usedCeiling)
	}
}

// Keys are scheduled by the first packet of each direction, and not by
// what only asks about the layout.
func TestKeysScheduledOnFirstPacket(t *testing.T) {
	for _, s := range suites {
		o, in := s.pair(t, false, 64)
		_ = o.Overhead(100) + o.HeaderLen()
		if _, _, err := in.Open(nil, make([]byte, 3)); err != ErrMalformed {
			t.Fatalf("%s: short packet: %v", s.name, err)
		}
		if o.t.sched.Load() != nil || in.t.sched.Load() != nil {
			t.Fatalf("%s: keys scheduled before the first packet", s.name)
		}
		pkt, err := o.Seal(nil, 4, payloadOf(10))
		if err != nil {
			t.Fatal(err)
		}
		if o.t.sched.Load() == nil || in.t.sched.Load() != nil {
			t.Fatalf("%s: Seal scheduled the outbound keys %v, the inbound ones %v; want only outbound",
				s.name, o.t.sched.Load() != nil, in.t.sched.Load() != nil)
		}
		if _, _, err := in.Open(nil, pkt); err != nil {
			t.Fatal(err)
		}
		if in.t.sched.Load() == nil {
			t.Fatalf("%s: Open did not schedule the inbound keys", s.name)
		}
	}
}

// Goroutines racing on the first packets of a fresh SA all seal and open
// with one schedule. Run with -race.
func TestFirstPacketRace(t *testing.T) {
	for _, name := range []string{"aes256gcm16", "aes256cbc-sha256"} {
		o, in := suiteByName(name).pair(t, false, 64)
		// The inbound SA's packets come from a twin of o, so that its first
		// Open races with o's first Seal.
		twin, _ := suiteByName(name).pair(t, false, 0)
		const workers = 8
		pkts := make([][]byte, workers)
		for i := range pkts {
			var err error
			if pkts[i], err = twin.Seal(nil, 4, payloadOf(i)); err != nil {
				t.Fatal(err)
			}
		}
		start := make(chan struct{})
		errs := make(chan error, 2*workers)
		var scheds [2 * workers]*schedule
		for i := range workers {
			go func() {
				<-start
				_, err := o.Seal(nil, 4, payloadOf(i))
				scheds[i] = o.t.sched.Load()
				errs <- err
			}()
			go func() {
				<-start
				_, _, err := in.Open(nil, pkts[i])
				scheds[workers+i] = in.t.sched.Load()
				errs <- err
			}()
		}
		close(start)
		for range 2 * workers {
			if err := <-errs; err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		for i, k := range scheds {
			if want := scheds[i/workers*workers]; k != want {
				t.Fatalf("%s: goroutine %d used schedule %p, another %p", name, i, k, want)
			}
		}
	}
}

// A cipher the process refuses is refused by NewInbound and NewOutbound,
// not on the first packet. A FIPS 140-only process refuses GCM with
// nonces it does not choose, 3DES and ChaCha20-Poly1305; the test runs
// itself again as one.
func TestRefusedCipherFailsInNew(t *testing.T) {
	if os.Getenv("ESP_TEST_FIPS140_ONLY") == "" {
		cmd := exec.Command(os.Args[0], "-test.run=^TestRefusedCipherFailsInNew$", "-test.count=1")
		cmd.Env = append(os.Environ(), "GODEBUG=fips140=only", "ESP_TEST_FIPS140_ONLY=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("under GODEBUG=fips140=only: %v\n%s", err, out)
		}
		return
	}
	for _, name := range []string{"aes256gcm16", "chacha20poly1305", "3des-sha256"} {
		c := suiteByName(name).config(1, false, 64)
		if _, err := NewOutbound(c); err == nil {
			t.Errorf("%s: NewOutbound accepted a cipher the process refuses", name)
		}
		if _, err := NewInbound(c); err == nil {
			t.Errorf("%s: NewInbound accepted a cipher the process refuses", name)
		}
	}
	if _, err := NewOutbound(suiteByName("aes128cbc-sha256").config(1, false, 64)); err != nil {
		t.Errorf("AES-CBC with HMAC-SHA-256 refused: %v", err)
	}
}
