package interop

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/internal/heapbench"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
)

// BenchmarkVsStrongSwan is the comparison the IKEv2 work is measured by
// (make bench): ikeload against a Gatehouse daemon and then against a
// strongSwan charon responder, each pinned to one CPU, and the table of
// ratios. One run takes minutes, so the loop runs it once whatever b.N
// is. GATEHOUSE_BENCH_CONCURRENCY, _TOTAL, _SESSIONS and _LIMIT (a
// duration) change its shape; GATEHOUSE_BENCH_OUT names a file the table
// is also written to.
func BenchmarkVsStrongSwan(b *testing.B) {
	RequirePeers(b)
	if runtime.NumCPU() < 2 {
		b.Fatalf("the benchmark pins the responder and the load generator to different CPUs: %d CPU", runtime.NumCPU())
	}
	o := BenchOptions{Concurrency: envInt(b, "GATEHOUSE_BENCH_CONCURRENCY"), Total: envInt(b, "GATEHOUSE_BENCH_TOTAL"),
		Sessions: envInt(b, "GATEHOUSE_BENCH_SESSIONS"), Limit: envDuration(b, "GATEHOUSE_BENCH_LIMIT")}
	ikeload, err := IkeloadBinary()
	if err != nil {
		b.Fatal(err)
	}
	pinned, err := PinnedGatehouseBinary(b.TempDir(), 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv("GATEHOUSE_BIN", pinned)

	var gh, ss BenchResult
	// A sub-benchmark that ends within -benchtime is called again with a
	// larger b.N: measure once and report the same result then.
	b.Run("gatehouse", func(b *testing.B) {
		if gh.Responder != "" {
			reportBench(b, gh)
			return
		}
		topo := NewTopology(b, TopologyOptions{})
		gw := StartGatehouseWith(b, topo.Headend, BenchGatehouseConfig, GatehouseOptions{Dataplane: benchDataplane()})
		pid, err := ResponderPID(topo.Headend)
		if err != nil {
			b.Fatal(err)
		}
		gh = RunBench(b, topo, "Gatehouse", pid, ikeload, o)
		reportBench(b, gh)
		b.Logf("show crypto ikev2 stats:\n%s", gw.Show("show crypto ikev2 stats"))
	})
	b.Run("strongswan", func(b *testing.B) {
		if ss.Responder != "" {
			reportBench(b, ss)
			return
		}
		topo := NewTopology(b, TopologyOptions{})
		StartCharonResponder(b, topo.Headend, BenchCharonOptions())
		pid, err := ResponderPID(topo.Headend)
		if err != nil {
			b.Fatal(err)
		}
		ss = RunBench(b, topo, "strongSwan", pid, ikeload, o)
		reportBench(b, ss)
	})
	if b.Failed() || gh.Throughput.Load.Rate == 0 || ss.Throughput.Load.Rate == 0 {
		return
	}
	table := FormatBench(o, gh, ss)
	fmt.Print(table)
	if out := os.Getenv("GATEHOUSE_BENCH_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
			b.Error(err)
		}
	}
}

func reportBench(b *testing.B, r BenchResult) {
	b.ReportMetric(r.Throughput.Load.Rate, "handshakes/s")
	b.ReportMetric(r.Memory.RSSPerSAKiB, "RSS-KiB/held-SA")
}

// envDuration reads a duration from the environment (0 when unset).
func envDuration(t testing.TB, name string) time.Duration {
	s := os.Getenv(name)
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return d
}

func envInt(t testing.TB, name string) int {
	s := os.Getenv(name)
	if s == "" {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// benchHeadend is an in-process Gatehouse responder on loopback with the
// benchmark's configuration and the fake data plane, as the daemon runs it.
func benchHeadend(b *testing.B) (*ike.Engine, netip.AddrPort, uint16) {
	h := StartInProcess(b, BenchGatehouseConfig)
	return h.Engine, h.Target, h.NATPort
}

// BenchmarkHandshakes runs PSK+X25519+AES-GCM IKE_SA_INIT+IKE_AUTH
// handshakes (with a pool address and one child SA) between in-process
// initiator and responder engines on loopback; the SAs are kept, as in the
// comparison. Both ends share the CPUs, so ns/op is the cost of a
// handshake at both ends together. Profile it with
//
//	go test -run '^$' -bench Handshakes -cpuprofile cpu.out ./services/ike/interop/
func BenchmarkHandshakes(b *testing.B) {
	_, target, natt := benchHeadend(b)
	p, err := ParseIKEProposal("aes256gcm16-prfsha256-x25519")
	if err != nil {
		b.Fatal(err)
	}
	esp, _ := ParseESPProposal("aes256gcm16")
	db, err := configdb.Open(filepath.Join(b.TempDir(), "client.db"), configdb.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	client := ike.New(ike.Options{DB: db, Address: netip.MustParseAddr("127.0.0.1"), EphemeralPorts: true})
	if err := client.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(client.Stop)
	var n atomic.Int64
	b.SetParallelism(16)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			cfg := ike.InitiatorConfig{Peer: target, PeerNATPort: natt, Local: target.Addr(),
				LocalID: ike.FQDN(fmt.Sprintf("user%d.example.com", n.Add(1))), PSK: []byte(BenchPSK),
				IKE: p, ESP: esp, RequestAddress: true}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			conn, err := client.Initiate(ctx, cfg)
			cancel()
			if err != nil {
				b.Error(err)
				return
			}
			if conn.ChildErr != nil {
				b.Error(conn.ChildErr)
				return
			}
		}
	})
}

// BenchmarkSessionMemory measures the responder's live heap per held
// session (IKE SA + child SA + pool address + virtual-access in the fake
// data plane) after a GC: the part of the RSS per session the engine
// controls.
func BenchmarkSessionMemory(b *testing.B) {
	const sessions = 2000
	for range b.N {
		e, target, natt := benchHeadend(b)
		p, _ := ParseIKEProposal("aes256gcm16-prfsha256-x25519")
		esp, _ := ParseESPProposal("aes256gcm16")
		db, err := configdb.Open(filepath.Join(b.TempDir(), "client.db"), configdb.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		client := ike.New(ike.Options{DB: db, Address: netip.MustParseAddr("127.0.0.1"), EphemeralPorts: true})
		if err := client.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		before := heapbench.LiveHeap()
		for i := range sessions {
			cfg := ike.InitiatorConfig{Peer: target, PeerNATPort: natt, Local: target.Addr(),
				LocalID: ike.FQDN(fmt.Sprintf("user%d.example.com", i)), PSK: []byte(BenchPSK),
				IKE: p, ESP: esp, RequestAddress: true}
			if _, err := client.Initiate(context.Background(), cfg); err != nil {
				b.Fatal(err)
			}
		}
		// Measure the responder alone: stop the client (it tears its SAs
		// down locally and sends nothing) and let it be collected.
		client.Stop()
		db.Close()
		after := heapbench.LiveHeap()
		if n := len(e.Sessions()); n != sessions {
			b.Fatalf("%d sessions, want %d", n, sessions)
		}
		b.ReportMetric(float64(after-before)/sessions/1024, "heap-KiB/session")
		heapbench.WriteProfile(b)
	}
}

// benchDataplane is the daemon's --dataplane in the comparison:
// GATEHOUSE_BENCH_DATAPLANE, or userspace (the backend that forwards on
// this kernel, so that the handshake figures include its per-session cost).
func benchDataplane() string {
	if d := os.Getenv("GATEHOUSE_BENCH_DATAPLANE"); d != "" {
		return d
	}
	return "userspace"
}
