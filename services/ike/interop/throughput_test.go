package interop

import (
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"testing"
	"time"
)

// BenchmarkThroughputVsStrongSwan measures the tunnel's data path (make
// bench): a strongSwan kernel-libipsec client (ESP AES-GCM-256 from
// OpenSSL, in UDP) sends iperf3 traffic to the protected host through a
// Gatehouse head-end on its userspace data plane, then through a
// strongSwan charon responder with kernel-libipsec; each responder alone
// in the headend namespace and pinned to CPU 0 (the client's charon and
// iperf3 float). The client's charon needs most of a core and shares the
// CPUs with the responder, so the rate is the whole machine's; the
// responders compare by their CPU time per Gbit and per packet. One run
// takes about 40 s, so the loop runs it once whatever b.N is.
// GATEHOUSE_BENCH_IPERF_TIME (a duration) and GATEHOUSE_BENCH_UDP_BITRATE
// (iperf3 -b) change its shape; GATEHOUSE_BENCH_OUT_THROUGHPUT names a
// file the table is also written to.
func BenchmarkThroughputVsStrongSwan(b *testing.B) {
	RequirePeers(b)
	if runtime.NumCPU() < 2 {
		b.Fatalf("the benchmark pins the responder to one CPU and needs another for the client: %d CPU", runtime.NumCPU())
	}
	o := ThroughputOptions{UDPBitrate: os.Getenv("GATEHOUSE_BENCH_UDP_BITRATE"), Duration: envDuration(b, "GATEHOUSE_BENCH_IPERF_TIME")}
	pinned, err := PinnedGatehouseBinary(b.TempDir(), o.ResponderCPU)
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv("GATEHOUSE_BIN", pinned)

	var gh, ss ThroughputResult
	// A sub-benchmark that ends within -benchtime is called again with a
	// larger b.N: measure once and report the same result then.
	b.Run("gatehouse", func(b *testing.B) {
		if gh.Responder != "" {
			reportThroughput(b, gh)
			return
		}
		topo := NewTopology(b, TopologyOptions{Host: true})
		gw := StartGatehouseWith(b, topo.Headend, flexServer, GatehouseOptions{Dataplane: "userspace"})
		pid, err := ResponderPID(topo.Headend)
		if err != nil {
			b.Fatal(err)
		}
		server := throughputTunnel(b, topo)
		gh = RunThroughput(b, topo, "Gatehouse", pid, server, o)
		reportThroughput(b, gh)
		b.Logf("show interfaces virtual-access 1:\n%s", gw.Show("show interfaces virtual-access 1"))
	})
	b.Run("strongswan", func(b *testing.B) {
		if ss.Responder != "" {
			reportThroughput(b, ss)
			return
		}
		topo := NewTopology(b, TopologyOptions{Host: true})
		StartCharonResponder(b, topo.Headend, throughputResponder())
		pid, err := ResponderPID(topo.Headend)
		if err != nil {
			b.Fatal(err)
		}
		server := throughputTunnel(b, topo)
		ss = RunThroughput(b, topo, "strongSwan", pid, server, o)
		reportThroughput(b, ss)
	})
	// Gatehouse at both ends: its initiator with the userspace data
	// plane (ikeload --tunnel, pinned to CPU 1) as the client, plain ESP.
	var both ThroughputResult
	b.Run("gatehouse-both-ends", func(b *testing.B) {
		if both.Responder != "" {
			reportThroughput(b, both)
			return
		}
		ikeload, err := IkeloadBinary()
		if err != nil {
			b.Fatal(err)
		}
		topo := NewTopology(b, TopologyOptions{Host: true})
		StartGatehouseWith(b, topo.Headend, flexServer, GatehouseOptions{Dataplane: "userspace"})
		pid, err := ResponderPID(topo.Headend)
		if err != nil {
			b.Fatal(err)
		}
		startGatehouseClient(b, topo, ikeload)
		both = RunThroughput(b, topo, "Gatehouse", pid, StartIperfServer(b, topo.Host, HostAddr), o)
		reportThroughput(b, both)
	})
	if b.Failed() || gh.Responder == "" || ss.Responder == "" || both.Responder == "" {
		return
	}
	table := "Against a strongSwan client:\n" + FormatThroughput(o, gh, ss) +
		"\nGatehouse at both ends against strongSwan at both ends (client CPU is ikeload's):\n" + FormatThroughput(o, both, ss)
	fmt.Print(table)
	if out := os.Getenv("GATEHOUSE_BENCH_OUT_THROUGHPUT"); out != "" {
		if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
			b.Error(err)
		}
	}
}

func reportThroughput(b *testing.B, r ThroughputResult) {
	b.ReportMetric(r.Upload.Iperf.Mbps(), "up-Mbit/s")
	b.ReportMetric(r.Upload.CPUPerGbit(), "up-CPU-s/Gbit")
	b.ReportMetric(r.Download.Iperf.Mbps(), "down-Mbit/s")
	b.ReportMetric(r.Download.CPUPerGbit(), "down-CPU-s/Gbit")
	b.ReportMetric(r.Small.Iperf.PacketsPerSecond(), "udp-pkts/s")
	b.ReportMetric(r.Small.CPUPerPacketMicros(), "udp-CPU-us/pkt")
}

// throughputResponder is the strongSwan responder of the throughput
// comparison: flexServer's PSK, identity, pool and ESP transform, the
// protected network as its selector, forwarding on, logging at level 0,
// OpenSSL's AES-GCM.
func throughputResponder() ResponderOptions {
	co := BenchCharonOptions().CharonOptions
	return ResponderOptions{
		CharonOptions: co,
		LocalID:       "vpn.example.com",
		PSK:           "s3cret",
		Pool:          netip.MustParsePrefix("10.10.0.0/24"),
		Proposals:     defaultProposal,
		ESPProposals:  "aes256gcm16",
		LocalTS:       ProtectedNet.String(),
		Forward:       true,
	}
}

// throughputTunnel brings a strongSwan client's tunnel (OpenSSL's
// AES-GCM) up to the responder running in topo.Headend and starts the
// iperf3 server on the protected host.
func throughputTunnel(t testing.TB, topo *Topology) *IperfServer {
	t.Helper()
	client := StartCharon(t, topo.Client(), CharonOptions{})
	if err := client.Load(pingClient("gw", "alice.example.com")); err != nil {
		t.Fatal(err)
	}
	if err := client.Initiate("gw", 10*time.Second); err != nil {
		t.Fatalf("%v\n%s", err, client.LogTail(40))
	}
	return StartIperfServer(t, topo.Host, HostAddr)
}

// vaCounters reads the packets and bytes of show interfaces
// virtual-access N.
var vaCounters = regexp.MustCompile(`(\d+) packets input, (\d+) bytes[^\n]*\n[^\n]*?(\d+) packets output, (\d+) bytes`)

// A TCP transfer through Gatehouse's userspace data plane completes and
// the virtual-access interface counts it both ways: the data in, the
// acknowledgements out. A behaviour test; the rate is the benchmark's.
func TestIperfThroughGatehouse(t *testing.T) {
	RequirePeers(t)
	topo := NewTopology(t, TopologyOptions{Host: true})
	gw := StartGatehouseWith(t, topo.Headend, flexServer, GatehouseOptions{Dataplane: "userspace"})
	server := throughputTunnel(t, topo)
	r, err := RunIperf(topo.Client(), server.Addr, IperfTest{Duration: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if r.Bytes <= 0 || r.BitsPerSecond <= 0 {
		t.Fatalf("iperf3 through the tunnel: %d bytes at %.0f bit/s", r.Bytes, r.BitsPerSecond)
	}
	t.Logf("%.0f Mbit/s, %d bytes, %d retransmits", r.Mbps(), r.Bytes, r.Retransmits)
	out := gw.Show("show interfaces virtual-access 1")
	m := vaCounters.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("show interfaces virtual-access 1 has no counters:\n%s", out)
	}
	var n [4]int64
	for i := range n {
		n[i], _ = strconv.ParseInt(m[i+1], 10, 64)
	}
	if n[0] == 0 || n[2] == 0 {
		t.Errorf("virtual-access 1 counted %d packets in and %d out, want both > 0:\n%s", n[0], n[2], out)
	}
	// Every byte the host received came in through the interface, with
	// its IP and TCP headers on top.
	if n[1] < r.Bytes {
		t.Errorf("virtual-access 1 counted %d bytes in, less than the %d iperf3 delivered:\n%s", n[1], r.Bytes, out)
	}
}

// The parts of iperf3 3.12's -J report the benchmark reads, trimmed.
func TestParseIperf(t *testing.T) {
	tcp := `{"start": {}, "intervals": [], "end": {"streams": [],
 "sum_sent": {"start": 0, "end": 5.0, "seconds": 5.0, "bytes": 200000000, "bits_per_second": 320000000, "retransmits": 81, "sender": true},
 "sum_received": {"start": 0, "end": 5.04, "seconds": 5.04, "bytes": 199000000, "bits_per_second": 315873015.9, "sender": true}}}`
	r, err := ParseIperf([]byte(tcp))
	if err != nil {
		t.Fatal(err)
	}
	if r.Bytes != 199000000 || r.Retransmits != 81 || r.Mbps() < 315.8 || r.Mbps() > 315.9 {
		t.Errorf("TCP: %+v", r)
	}
	udp := `{"end": {"sum": {},
 "sum_sent": {"seconds": 1.000602, "bytes": 10392960, "bits_per_second": 83093657.6, "lost_packets": 0, "packets": 162390, "sender": true},
 "sum_received": {"seconds": 1.003809, "bytes": 4104704, "bits_per_second": 32713028.1, "lost_packets": 98253, "packets": 162389, "sender": false}}}`
	r, err = ParseIperf([]byte(udp))
	if err != nil {
		t.Fatal(err)
	}
	if r.Received() != 64136 || int(r.PacketsPerSecond()) != 63892 || int(r.LossPercent()) != 60 {
		t.Errorf("UDP: received %d, %.0f/s, %.1f%% lost: %+v", r.Received(), r.PacketsPerSecond(), r.LossPercent(), r)
	}
	if _, err := ParseIperf([]byte(`{"start": {}, "error": "unable to connect to server: Connection refused"}`)); err == nil ||
		err.Error() != "iperf3: unable to connect to server: Connection refused" {
		t.Errorf("error report: %v", err)
	}
}
