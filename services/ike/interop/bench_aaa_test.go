package interop

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/internal/freeradius"
)

// The AAA benchmarks (bench_aaa.go): each measures once whatever b.N is,
// in sub-benchmarks that report the same result when called again with a
// larger b.N, as BenchmarkVsStrongSwan does. GATEHOUSE_BENCH_CONCURRENCY
// and _TOTAL change their shape as they change the comparison's;
// GATEHOUSE_BENCH_AAA_TIME (a duration) bounds each load,
// GATEHOUSE_BENCH_AAA_DELAY is the slow server's delay and
// GATEHOUSE_BENCH_AAA_SLOW_CONCURRENCY the AAA handshakes in flight
// against it. GATEHOUSE_BENCH_OUT_AAA and _OUT_SLOW_AAA name files the
// tables are also written to.

// BenchmarkAAAPSK: handshakes/s of the AAA-PSK profile (key, pool and DNS
// server from FreeRADIUS, accounting start-stop to it) next to the
// local-PSK profile's on the same daemon, and strongSwan's local-PSK rate
// under the same load.
func BenchmarkAAAPSK(b *testing.B) {
	o, ikeload := aaaBenchSetup(b)
	var gh *AAAPSKResult
	var ss *BenchPhase
	b.Run("gatehouse", func(b *testing.B) {
		if gh != nil {
			reportAAAPSK(b, *gh)
			return
		}
		topo := NewTopology(b, TopologyOptions{})
		gw, rad, pid := startAAAHeadend(b, topo, o, 0, 5*time.Second)
		r := RunAAAPSKBench(b, topo, pid, ikeload, o)
		r.Accepts = accepts(rad)
		r.Starts = waitStarts(b, rad, r.AAA.Load.Established)
		if r.Accepts < r.AAA.Load.Established {
			b.Fatalf("FreeRADIUS logged %d Access-Accepts for %d AAA-PSK sessions", r.Accepts, r.AAA.Load.Established)
		}
		gh = &r
		reportAAAPSK(b, r)
		b.Logf("show aaa servers, Author and Account:\n%s", aaaServerCounters(gw.Show("show aaa servers")))
	})
	b.Run("strongswan", func(b *testing.B) {
		if ss == nil {
			topo := NewTopology(b, TopologyOptions{})
			StartCharonResponder(b, topo.Headend, BenchCharonOptions())
			pid, err := ResponderPID(topo.Headend)
			if err != nil {
				b.Fatal(err)
			}
			ph := RunStrongSwanPSKPhase(b, topo, pid, ikeload, o)
			ss = &ph
		}
		b.ReportMetric(ss.Load.Rate, "strongswan-hs/s")
		if gh != nil && ss.Load.Rate > 0 {
			b.ReportMetric(gh.AAA.Load.Rate/ss.Load.Rate, "ratio-aaa/strongswan")
		}
	})
	if b.Failed() || gh == nil {
		return
	}
	gh.StrongSwan = ss
	writeBenchTable(b, "GATEHOUSE_BENCH_OUT_AAA", FormatAAAPSK(o, *gh))
}

func reportAAAPSK(b *testing.B, r AAAPSKResult) {
	b.ReportMetric(r.LocalRate(), "local-hs/s")
	b.ReportMetric(r.AAA.Load.Rate, "aaa-hs/s")
	if l := r.LocalRate(); l > 0 {
		b.ReportMetric(r.AAA.Load.Rate/l, "ratio-aaa/local")
	}
	b.ReportMetric((r.LocalBefore.CPUPerSAMicros+r.LocalAfter.CPUPerSAMicros)/2, "local-cpu-us/SA")
	b.ReportMetric(r.AAA.CPUPerSAMicros, "aaa-cpu-us/SA")
	b.ReportMetric(float64(r.Starts), "radius-acct-starts")
}

// BenchmarkSlowAAA: a RADIUS server that takes GATEHOUSE_BENCH_AAA_DELAY
// (500 ms) to answer must not slow the sessions that do not use it. The
// local-PSK profile's rate alone and while AAA-PSK handshakes wait on the
// slow FreeRADIUS at the same time, on the same daemon; then two controls
// that tell the server's cost from Gatehouse's: radclient keeping the same
// server as busy with Gatehouse out of the path, and the AAA-PSK load
// waiting on a server that never answers.
func BenchmarkSlowAAA(b *testing.B) {
	o, ikeload := aaaBenchSetup(b)
	var res *SlowAAAResult
	b.Run("gatehouse", func(b *testing.B) {
		if res == nil {
			r := runSlowAAA(b, o, ikeload)
			res = &r
		}
		b.ReportMetric(res.LocalAlone(), "local-hs/s")
		b.ReportMetric(res.LocalWithSlow.Load.Rate, "local-under-slow-aaa-hs/s")
		b.ReportMetric(res.Ratio(res.LocalWithSlow), "ratio-local-under-slow-aaa")
		b.ReportMetric(res.Ratio(res.LocalWithServerLoad), "ratio-local-under-radclient-only")
		b.ReportMetric(res.Ratio(res.LocalWithSilent), "ratio-local-under-silent-aaa")
		b.ReportMetric(res.Slow.Rate, "slow-aaa-hs/s")
		b.ReportMetric(o.SlowBound(), "slow-aaa-bound-hs/s")
		b.ReportMetric(float64(res.ServerLoadAccepts)/res.LocalWithServerLoad.Load.Seconds, "radclient-accepts/s")
		b.ReportMetric(float64(res.Starts), "radius-acct-starts")
	})
	if b.Failed() || res == nil {
		return
	}
	writeBenchTable(b, "GATEHOUSE_BENCH_OUT_SLOW_AAA", FormatSlowAAA(o, *res))
}

// runSlowAAA runs the phases of BenchmarkSlowAAA: local alone (a warm-up,
// then the first reference), with the AAA load on the slow server, with
// radclient on it, with the AAA load on a silent server, alone again.
func runSlowAAA(b *testing.B, o AAABenchOptions, ikeload string) SlowAAAResult {
	topo := NewTopology(b, TopologyOptions{Clients: 2})
	// The silent server must hold the AAA requests through a whole phase.
	timeout := (o.Duration + 10*time.Second).Truncate(time.Second)
	_, rad, pid := startAAAHeadend(b, topo, o, o.Delay, timeout)
	run := NewSlowAAARun(b, topo, pid, ikeload, o)
	var r SlowAAAResult
	r.Warmup = run.Local()
	r.LocalBefore = run.Local()

	// Once a Start is recorded, the AAA load has been waiting on the
	// server for a delay: its queue is full.
	aaa := run.StartAAA()
	rad.WaitAccounting(b, func(r freeradius.Record) bool { return r.Get("Acct-Status-Type") == "Start" }, 30*time.Second)
	r.LocalWithSlow = run.Local()
	r.Slow = aaa.Stop()
	r.Starts = waitStarts(b, rad, r.Slow.Established)

	before := accepts(rad)
	stop := startRadclientLoad(b, topo.Headend, rad, o)
	waitFor(b, "radclient's first Access-Accept", func() bool { return accepts(rad) > before })
	before = accepts(rad)
	r.LocalWithServerLoad = run.Local()
	r.ServerLoadAccepts = accepts(rad) - before
	stop()

	rad.Stop()
	sink := startSilentServer(b, topo.Headend, rad.AuthAddr, rad.AcctAddr)
	aaa = run.StartAAA()
	waitFor(b, "the AAA load's requests at the silent server", func() bool { return sink.Load() >= int64(o.SlowConcurrency) })
	r.LocalWithSilent = run.Local()
	r.Silent = aaa.Stop()

	r.LocalAfter = run.Local()
	return r
}

// aaaServerCounters keeps the Author and Account counters of show aaa
// servers (each its request line and the answers' line): what the daemon
// saw of the key lookups and the accounting.
func aaaServerCounters(out string) string {
	lines := strings.Split(out, "\n")
	var keep []string
	for i, l := range lines {
		if t := strings.TrimSpace(l); strings.HasPrefix(t, "Author:") || strings.HasPrefix(t, "Account:") {
			keep = append(keep, lines[i:min(i+2, len(lines))]...)
		}
	}
	return strings.Join(keep, "\n")
}

// accepts counts the Access-Accepts FreeRADIUS logged.
func accepts(rad *freeradius.Server) int { return strings.Count(rad.Log(), "Sent Access-Accept") }

// waitFor polls cond until it holds; after 30 s it fails the benchmark.
func waitFor(b *testing.B, what string, cond func() bool) {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			b.Fatalf("no %s after 30 s", what)
		}
		time.Sleep(50 * time.Millisecond) // polling a condition
	}
}

// startRadclientLoad keeps o.SlowConcurrency Access-Requests in flight at
// rad from radclient in ns (pinned to the load generator's CPU) until the
// returned function ends it.
func startRadclientLoad(b *testing.B, ns string, rad *freeradius.Server, o AAABenchOptions) func() {
	b.Helper()
	// More requests than the phase can get answered: it ends them.
	n := int(o.SlowBound()*(o.Duration+30*time.Second).Seconds()) + 100
	var reqs strings.Builder
	for i := range n {
		fmt.Fprintf(&reqs, "User-Name = \"control%d\", User-Password = \"cisco\"\n\n", i)
	}
	file := filepath.Join(b.TempDir(), "radclient-requests")
	if err := os.WriteFile(file, []byte(reqs.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ip", "netns", "exec", ns, "taskset", "-c", strconv.Itoa(o.LoadCPU),
		freeradius.RadclientPath, "-q", "-p", strconv.Itoa(o.SlowConcurrency), "-t", "10", "-r", "1",
		"-D", freeradius.DictDir, "-f", file, rad.AuthAddr.String(), "auth", rad.Secret)
	if err := cmd.Start(); err != nil {
		cancel()
		b.Fatalf("radclient: %v", err)
	}
	var once sync.Once
	stop := func() {
		once.Do(func() {
			cancel() // kills radclient, by its PID (ip netns exec and taskset exec it)
			cmd.Wait()
		})
	}
	b.Cleanup(stop)
	return stop
}

// startSilentServer binds the RADIUS ports in ns and reads every request
// without answering: a server that holds every request forever, at no CPU
// cost. It counts the requests; the sockets close at cleanup.
func startSilentServer(b *testing.B, ns string, addrs ...netip.AddrPort) *atomic.Int64 {
	b.Helper()
	var n atomic.Int64
	var conns []*net.UDPConn
	err := InNamespace(ns, func() error {
		for _, a := range addrs {
			c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(a))
			if err != nil {
				return err
			}
			conns = append(conns, c)
		}
		return nil
	})
	for _, c := range conns {
		b.Cleanup(func() { c.Close() })
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
					return
				}
				n.Add(1)
			}
		}()
	}
	if err != nil {
		b.Fatalf("silent RADIUS server: %v", err)
	}
	return &n
}

// aaaBenchSetup checks the peers, reads the options and builds ikeload
// and the pinned daemon (GATEHOUSE_BIN), as BenchmarkVsStrongSwan does.
func aaaBenchSetup(b *testing.B) (AAABenchOptions, string) {
	RequirePeers(b)
	freeradius.Require(b)
	if runtime.NumCPU() < 2 {
		b.Fatalf("the benchmark pins the responder and the load generator to different CPUs: %d CPU", runtime.NumCPU())
	}
	o := AAABenchOptions{Concurrency: envInt(b, "GATEHOUSE_BENCH_CONCURRENCY"), Total: envInt(b, "GATEHOUSE_BENCH_TOTAL"),
		Duration: envDuration(b, "GATEHOUSE_BENCH_AAA_TIME"), Delay: envDuration(b, "GATEHOUSE_BENCH_AAA_DELAY"),
		SlowConcurrency: envInt(b, "GATEHOUSE_BENCH_AAA_SLOW_CONCURRENCY")}
	o.setDefaults()
	ikeload, err := IkeloadBinary()
	if err != nil {
		b.Fatal(err)
	}
	pinned, err := PinnedGatehouseBinary(b.TempDir(), o.ResponderCPU)
	if err != nil {
		b.Fatal(err)
	}
	b.Setenv("GATEHOUSE_BIN", pinned)
	return o, ikeload
}

// benchRadiusAddr is where FreeRADIUS listens: the head-end namespace's
// loopback, so the daemon is its NAS at 127.0.0.1.
var benchRadiusAddr = netip.MustParseAddr("127.0.0.1")

// startAAAHeadend starts the daemon with BenchAAAGatehouseConfig in
// topo.Headend, then FreeRADIUS (delayed by delay) beside it on the
// namespace's loopback, pinned to the load generator's CPU. It returns
// the daemon's PID, taken while it is alone in the namespace.
func startAAAHeadend(b *testing.B, topo *Topology, o AAABenchOptions, delay, timeout time.Duration) (*Gatehouse, *freeradius.Server, int) {
	b.Helper()
	const authPort, acctPort = 1812, 1813
	gw := StartGatehouseWith(b, topo.Headend, BenchAAAGatehouseConfig(benchRadiusAddr, authPort, acctPort, timeout),
		GatehouseOptions{Dataplane: benchDataplane()})
	pid, err := ResponderPID(topo.Headend)
	if err != nil {
		b.Fatal(err)
	}
	rad := freeradius.Start(b, freeradius.Config{Name: "bench", Secret: BenchRadiusSecret, Users: BenchRadiusUsers,
		Accounting: true, Delay: delay, NetNS: topo.Headend, ListenAddr: benchRadiusAddr,
		Clients: []netip.Prefix{netip.PrefixFrom(benchRadiusAddr, 32)}, AuthPort: authPort, AcctPort: acctPort})
	if err := PinOthers(topo.Headend, pid, o.LoadCPU); err != nil {
		b.Fatal(err)
	}
	return gw, rad, pid
}

// waitStarts waits until FreeRADIUS's detail file holds Start records for
// at least want distinct sessions and returns how many it holds; fewer
// after 30 s fails the benchmark, which then measured something else than
// the RADIUS path.
func waitStarts(b *testing.B, rad *freeradius.Server, want int) int {
	b.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		seen := map[string]bool{}
		for _, r := range rad.Accounting() {
			if r.Get("Acct-Status-Type") == "Start" {
				seen[r.Get("Acct-Session-Id")] = true
			}
		}
		if len(seen) >= want && want > 0 {
			return len(seen)
		}
		if time.Now().After(deadline) {
			b.Fatalf("FreeRADIUS recorded accounting Starts for %d sessions, want %d", len(seen), want)
		}
		time.Sleep(100 * time.Millisecond) // polling a file the server appends to
	}
}

// writeBenchTable prints a benchmark's table and writes it to the file
// the environment variable names, if set.
func writeBenchTable(b *testing.B, env, table string) {
	fmt.Print(table)
	if out := os.Getenv(env); out != "" {
		if err := os.WriteFile(out, []byte(table), 0o644); err != nil {
			b.Error(err)
		}
	}
}
