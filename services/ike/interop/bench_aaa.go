package interop

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The AAA benchmarks (BenchmarkAAAPSK and BenchmarkSlowAAA, make bench):
// the same daemon, pinning and ikeload as the comparison against strongSwan
// (bench.go), with a FreeRADIUS 3.2 (internal/freeradius) in the head-end
// namespace on its loopback, pinned to the load generator's CPU so that the
// responder's core stays the daemon's alone.
//
//   - AAA-PSK: clients under BenchAAADomain get their key from RADIUS
//     ("keyring aaa", Tunnel-Password), their pool and DNS server from the
//     same Access-Accept (cached authorization), and a Start record each
//     ("aaa accounting psk", start-stop). Their handshake rate is measured
//     next to the local-PSK profile's on the same daemon, in the same run.
//   - A slow RADIUS server: the same two profiles, the server holding each
//     Access-Request for a delay; the local profile's rate alone and while
//     an AAA load waits on the slow server at the same time. FreeRADIUS
//     delays by running sleep per request, a fork of the whole server that
//     cost this machine (a PVM guest) about 13 ms of CPU each, measured,
//     and slows every process on it; two controls tell that cost from Gatehouse's:
//     radclient keeping the same server as busy with Gatehouse out of the
//     path, and the AAA load waiting on a server that never answers.

// BenchRadiusSecret is the shared secret of the head-end and FreeRADIUS in
// the AAA benchmarks.
const BenchRadiusSecret = "bench-radius-s3cret"

// BenchAAADomain is the identity domain of the clients whose keys come from
// RADIUS; the local-PSK clients are under example.com.
const BenchAAADomain = "aaa.example.net"

// BenchRadiusUsers is the FreeRADIUS users file of the AAA benchmarks: any
// identity, with the keyring's default password "cisco", gets the
// benchmark's key and the head-end's pool and a DNS server as Cisco
// AV-pairs.
const BenchRadiusUsers = `DEFAULT Cleartext-Password := "cisco"
	Tunnel-Password = "` + BenchPSK + `",
	Cisco-AVPair += "ipsec:addr-pool=BENCH",
	Cisco-AVPair += "ipsec:dns-servers=10.10.0.53"
`

// BenchAAAGatehouseConfig is BenchGatehouseConfig plus a second profile
// for BenchAAADomain whose keys and authorization come from the RADIUS
// server at addr (auth and acct ports), which also gets its accounting
// (start-stop). timeout is the server's (whole seconds), and must leave
// room for a slow server's queue.
func BenchAAAGatehouseConfig(addr netip.Addr, authPort, acctPort uint16, timeout time.Duration) string {
	return BenchGatehouseConfig + fmt.Sprintf(`radius server BENCH-RADIUS
 address ipv4 %s auth-port %d acct-port %d
 key %s
 timeout %d
 retransmit 1
aaa group server radius RAD
 server name BENCH-RADIUS
aaa authorization network AAA-PSK group RAD
aaa accounting network AAA-ACCT start-stop group RAD
crypto ikev2 profile AAA
 match identity remote fqdn domain %s
 identity local fqdn vpn.example.com
 authentication remote pre-share
 authentication local pre-share
 keyring aaa AAA-PSK
 aaa authorization user psk cached
 aaa accounting psk AAA-ACCT
 virtual-template 2
crypto ipsec profile IPSEC-AAA
 set transform-set GCM
 set ikev2-profile AAA
interface Virtual-Template2 type tunnel
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile IPSEC-AAA
`, addr, authPort, acctPort, BenchRadiusSecret, int(timeout/time.Second), BenchAAADomain)
}

// AAABenchOptions shape the AAA benchmarks.
type AAABenchOptions struct {
	Concurrency int // local and AAA-PSK handshakes in flight (64)
	Total       int // handshakes per phase of the AAA-PSK comparison, kept (2,000)
	// Duration bounds each load: the AAA-PSK phases start no handshake
	// after it, and the slow-server phases run for it (5 s).
	Duration time.Duration
	// SlowConcurrency is the AAA handshakes in flight against the slow
	// server (32, FreeRADIUS's thread pool), Delay the server's delay
	// (500 ms): the AAA rate is at most SlowConcurrency/Delay.
	SlowConcurrency       int
	Delay                 time.Duration
	ResponderCPU, LoadCPU int // (0 and 1)
}

func (o *AAABenchOptions) setDefaults() {
	if o.Concurrency == 0 {
		o.Concurrency = 64
	}
	if o.Total == 0 {
		o.Total = 2000
	}
	if o.Duration == 0 {
		o.Duration = 5 * time.Second
	}
	if o.SlowConcurrency == 0 {
		o.SlowConcurrency = 32
	}
	if o.Delay == 0 {
		o.Delay = 500 * time.Millisecond
	}
	if o.ResponderCPU == 0 && o.LoadCPU == 0 {
		o.LoadCPU = 1
	}
}

// SlowBound is the most AAA handshakes per second the slow server lets
// through: SlowConcurrency requests every Delay.
func (o AAABenchOptions) SlowBound() float64 {
	if o.Delay <= 0 {
		return 0
	}
	return float64(o.SlowConcurrency) / o.Delay.Seconds()
}

// AAAPSKResult is the AAA-PSK comparison: the local-PSK profile before and
// after the AAA-PSK profile, each a throughput phase as in RunBench.
type AAAPSKResult struct {
	LocalBefore, AAA, LocalAfter BenchPhase
	// What FreeRADIUS recorded (filled in by the caller): Access-Accepts
	// it logged and accounting Start records (distinct Acct-Session-Id)
	// in its detail file.
	Accepts, Starts int
	// StrongSwan is strongSwan's local-PSK phase, when it was run.
	StrongSwan *BenchPhase
}

// LocalRate is the local-PSK rate: the mean of the phases before and
// after the AAA-PSK one, so that neither profile alone pays the daemon's
// warm-up.
func (r AAAPSKResult) LocalRate() float64 {
	return (r.LocalBefore.Load.Rate + r.LocalAfter.Load.Rate) / 2
}

// loadArgs are ikeload's arguments for one phase of a benchmark: total
// handshakes with BenchPSK, concurrency of them in flight, for the
// identities from start under domain, starting no handshake after limit
// (when positive); keep holds the SAs until ikeload's stdin closes.
func loadArgs(concurrency, total, start int, domain string, limit time.Duration, keep bool) []string {
	a := []string{"--target", netip.AddrPortFrom(HeadendAddr, 500).String(),
		"--concurrency", strconv.Itoa(concurrency), "--total", strconv.Itoa(total),
		"--id-start", strconv.Itoa(start), "--id-domain", domain, "--psk", BenchPSK, "--json"}
	if limit > 0 {
		a = append(a, "--time-limit", limit.String())
	}
	if keep {
		a = append(a, "--keep")
	}
	return a
}

// RunAAAPSKBench drives the daemon pid in topo.Headend, configured with
// BenchAAAGatehouseConfig, from the first client namespace: o.Total kept
// local-PSK handshakes, as many AAA-PSK ones, as many local-PSK ones
// again. Each ikeload ends (its SAs stay at the responder) before the next
// starts.
func RunAAAPSKBench(t T, topo *Topology, pid int, ikeload string, o AAABenchOptions) AAAPSKResult {
	t.Helper()
	o.setDefaults()
	pinResponder(t, pid, o.ResponderCPU)
	bo := BenchOptions{LoadCPU: o.LoadCPU}
	phase := func(name string, start int, domain string) BenchPhase {
		ph, lp := benchPhase(t, topo, name, pid, ikeload, bo, loadArgs(o.Concurrency, o.Total, start, domain, o.Duration, true))
		lp.stop()
		if ph.Load.Established == 0 {
			t.Fatalf("interop: bench %s: nothing established: %v", name, ph.Load.Failures)
		}
		return ph
	}
	var r AAAPSKResult
	r.LocalBefore = phase("local PSK", 0, "example.com")
	r.AAA = phase("AAA-PSK", 0, BenchAAADomain)
	r.LocalAfter = phase("local PSK", o.Total, "example.com")
	return r
}

// RunStrongSwanPSKPhase is the comparison's throughput phase against a
// charon responder (pid), bounded as the AAA-PSK phases are.
func RunStrongSwanPSKPhase(t T, topo *Topology, pid int, ikeload string, o AAABenchOptions) BenchPhase {
	t.Helper()
	o.setDefaults()
	pinResponder(t, pid, o.ResponderCPU)
	ph, lp := benchPhase(t, topo, "strongSwan", pid, ikeload, BenchOptions{LoadCPU: o.LoadCPU},
		loadArgs(o.Concurrency, o.Total, 0, "example.com", o.Duration, true))
	lp.stop()
	return ph
}

func pinResponder(t T, pid, cpu int) {
	t.Helper()
	if _, err := Exec("", "taskset", "-a", "-p", "-c", strconv.Itoa(cpu), strconv.Itoa(pid)); err != nil {
		t.Fatalf("interop: pin responder: %v", err)
	}
}

// PinOthers pins every process in namespace ns except the responder pid
// (FreeRADIUS, in the AAA benchmarks) to cpu, threads included; threads
// and children they start later inherit it.
func PinOthers(ns string, pid, cpu int) error {
	pids, err := namespacePIDs(ns)
	if err != nil {
		return err
	}
	for _, p := range pids {
		if p == pid {
			continue
		}
		if _, err := Exec("", "taskset", "-a", "-p", "-c", strconv.Itoa(cpu), strconv.Itoa(p)); err != nil {
			return err
		}
	}
	return nil
}

// SlowAAAResult is the slow-server benchmark: the local-PSK rate alone
// (before and after), while the AAA load waits on the slow FreeRADIUS, and
// two controls: while radclient keeps the slow FreeRADIUS as busy without
// Gatehouse in the path (what the server's delay costs this machine by
// itself), and while the AAA load waits on a server that never answers.
type SlowAAAResult struct {
	// Warmup is a local-PSK phase on the fresh daemon, left out of the
	// ratios.
	Warmup                  BenchPhase
	LocalBefore, LocalAfter BenchPhase
	LocalWithSlow           BenchPhase // the AAA load against the slow FreeRADIUS
	LocalWithServerLoad     BenchPhase // radclient against the slow FreeRADIUS, no AAA through Gatehouse
	LocalWithSilent         BenchPhase // the AAA load against a server that never answers
	Slow, Silent            LoadResult // the AAA loads
	// Filled in by the caller: Start records of the AAA sessions, and the
	// Access-Accepts FreeRADIUS sent radclient in the control.
	Starts, ServerLoadAccepts int
}

// LocalAlone is the mean local-PSK rate without any other load.
func (r SlowAAAResult) LocalAlone() float64 {
	return (r.LocalBefore.Load.Rate + r.LocalAfter.Load.Rate) / 2
}

// Ratio is a phase's local-PSK rate over the rate alone: 1 when the other
// load does not slow it.
func (r SlowAAAResult) Ratio(p BenchPhase) float64 {
	if a := r.LocalAlone(); a > 0 {
		return p.Load.Rate / a
	}
	return 0
}

// SlowAAARun runs the loads of the slow-server benchmark against the
// daemon pid (BenchAAAGatehouseConfig): local-PSK phases of o.Duration
// from the first client namespace, each SA deleted once up and each phase
// with identities of its own, and AAA-PSK loads of o.SlowConcurrency
// handshakes in flight from the second, running until stopped.
type SlowAAARun struct {
	t       T
	topo    *Topology
	pid     int
	ikeload string
	o       AAABenchOptions
	total   int // handshakes a load may run: the time limit, not the count, ends it
	next    int // the next phase's first identity
}

// NewSlowAAARun pins the responder and checks the topology.
func NewSlowAAARun(t T, topo *Topology, pid int, ikeload string, o AAABenchOptions) *SlowAAARun {
	t.Helper()
	o.setDefaults()
	if len(topo.Clients) < 2 {
		t.Fatalf("interop: slow AAA bench: needs two client namespaces, have %d", len(topo.Clients))
	}
	pinResponder(t, pid, o.ResponderCPU)
	return &SlowAAARun{t: t, topo: topo, pid: pid, ikeload: ikeload, o: o, total: int(o.Duration.Seconds()*20000) + 1000}
}

func (s *SlowAAARun) ids() int {
	n := s.next
	s.next += 1_000_000
	return n
}

// Local runs one local-PSK phase.
func (s *SlowAAARun) Local() BenchPhase {
	s.t.Helper()
	ph := timedPhase(s.t, s.topo.Clients[0], s.pid, s.ikeload, s.o.LoadCPU,
		loadArgs(s.o.Concurrency, s.total, s.ids(), "example.com", s.o.Duration, false))
	if ph.Load.Established == 0 {
		s.t.Fatalf("interop: slow AAA bench: no local-PSK handshake established: %v", ph.Load.Failures)
	}
	return ph
}

// AAALoad is an AAA-PSK ikeload running until Stop.
type AAALoad struct {
	s  *SlowAAARun
	lp *loadProcess
}

// StartAAA starts an AAA-PSK load. Its own time limit only bounds it if
// the benchmark dies before Stop.
func (s *SlowAAARun) StartAAA() *AAALoad {
	s.t.Helper()
	lp, err := startLoad(s.topo.Clients[1], s.o.LoadCPU, s.ikeload,
		loadArgs(s.o.SlowConcurrency, s.total, s.ids(), BenchAAADomain, 4*s.o.Duration+30*time.Second, false))
	if err != nil {
		s.t.Fatalf("interop: slow AAA bench: %v", err)
	}
	s.t.Cleanup(lp.stop)
	return &AAALoad{s: s, lp: lp}
}

// Stop ends the load with SIGTERM (ikeload then reports what it did, the
// handshakes in flight as "context canceled") and waits for the responder
// to settle.
func (l *AAALoad) Stop() LoadResult {
	t := l.s.t
	t.Helper()
	if err := l.lp.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("interop: slow AAA bench: stop the AAA load: %v", err)
	}
	r, err := l.lp.result()
	if err != nil {
		t.Fatalf("interop: slow AAA bench: %v", err)
	}
	l.lp.stop()
	waitQuiet(l.s.pid, 5*time.Second)
	return r
}

// timedPhase runs one ikeload (without --keep) from namespace ns and
// measures the responder's CPU time around it.
func timedPhase(t T, ns string, pid int, ikeload string, cpu int, args []string) BenchPhase {
	t.Helper()
	var ph BenchPhase
	cpu0, err := ProcessCPU(pid)
	if err != nil {
		t.Fatalf("interop: bench: %v", err)
	}
	lp, err := startLoad(ns, cpu, ikeload, args)
	if err != nil {
		t.Fatalf("interop: bench: %v", err)
	}
	defer lp.stop()
	if ph.Load, err = lp.result(); err != nil {
		t.Fatalf("interop: bench: %v", err)
	}
	cpu1, _ := ProcessCPU(pid)
	ph.CPUSeconds = (cpu1 - cpu0).Seconds()
	if n := ph.Load.Established; n > 0 {
		ph.CPUPerSAMicros = ph.CPUSeconds / float64(n) * 1e6
	}
	return ph
}

// busy is the share of one core the responder used over a phase.
func busy(p BenchPhase) float64 {
	if p.Load.Seconds == 0 {
		return 0
	}
	return p.CPUSeconds / p.Load.Seconds
}

func ratioString(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2fx", a/b)
}

// FormatAAAPSK renders the AAA-PSK comparison: AAA-PSK over local PSK
// (rates) and local over AAA (latency and CPU), so higher is better.
func FormatAAAPSK(o AAABenchOptions, r AAAPSKResult) string {
	o.setDefaults()
	var b strings.Builder
	row := func(what, l, a, ratio string) {
		fmt.Fprintf(&b, "%-44s %14s %14s %9s\n", what, l, a, ratio)
	}
	f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
	lb, la, a := r.LocalBefore, r.LocalAfter, r.AAA
	row("", "local PSK", "AAA-PSK", "ratio")
	row(fmt.Sprintf("handshakes/s, %d kept SAs, concurrency %d", o.Total, o.Concurrency),
		f("%.0f", r.LocalRate()), f("%.0f", a.Load.Rate), ratioString(a.Load.Rate, r.LocalRate()))
	row("  local PSK before / after AAA-PSK", f("%.0f", lb.Load.Rate)+" / "+f("%.0f", la.Load.Rate), "", "")
	row("  established / failed", fmt.Sprintf("%d/%d", lb.Load.Established+la.Load.Established, lb.Load.Failed+la.Load.Failed),
		fmt.Sprintf("%d/%d", a.Load.Established, a.Load.Failed), "")
	mean := func(x, y float64) float64 { return (x + y) / 2 }
	lp50, lp99 := mean(lb.Load.P50ms, la.Load.P50ms), mean(lb.Load.P99ms, la.Load.P99ms)
	row("  setup latency p50 (ms)", f("%.2f", lp50), f("%.2f", a.Load.P50ms), ratioString(lp50, a.Load.P50ms))
	row("  setup latency p99 (ms)", f("%.2f", lp99), f("%.2f", a.Load.P99ms), ratioString(lp99, a.Load.P99ms))
	lcpu := mean(lb.CPUPerSAMicros, la.CPUPerSAMicros)
	row("  responder CPU per IKE+child SA (us)", f("%.0f", lcpu), f("%.0f", a.CPUPerSAMicros), ratioString(lcpu, a.CPUPerSAMicros))
	row("  responder busy, share of its core", f("%.0f%%", 50*(busy(lb)+busy(la))), f("%.0f%%", 100*busy(a)), "")
	row("  load generator CPU (s)", f("%.2f", lb.Load.CPUSeconds+la.Load.CPUSeconds), f("%.2f", a.Load.CPUSeconds), "")
	row("  FreeRADIUS Access-Accepts", "", strconv.Itoa(r.Accepts), "")
	row("  FreeRADIUS accounting Start records", "", strconv.Itoa(r.Starts), "")
	if ss := r.StrongSwan; ss != nil {
		row("strongSwan local PSK, same load (handshakes/s)", f("%.0f", ss.Load.Rate), "", "")
		row("  Gatehouse over strongSwan", ratioString(r.LocalRate(), ss.Load.Rate), ratioString(a.Load.Rate, ss.Load.Rate), "")
	}
	for _, p := range []struct {
		name string
		ph   BenchPhase
	}{{"local PSK before", lb}, {"AAA-PSK", a}, {"local PSK after", la}} {
		for k, n := range p.ph.Load.Failures {
			fmt.Fprintf(&b, "%s failures: %d x %s\n", p.name, n, k)
		}
	}
	return b.String()
}

// FormatSlowAAA renders the slow-server benchmark.
func FormatSlowAAA(o AAABenchOptions, r SlowAAAResult) string {
	o.setDefaults()
	var b strings.Builder
	row := func(what, v, ratio string) { fmt.Fprintf(&b, "%-62s %14s %9s\n", what, v, ratio) }
	f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
	alone := r.LocalAlone()
	phase := func(what string, p BenchPhase) {
		row(what, f("%.0f", p.Load.Rate), ratioString(p.Load.Rate, alone))
		row("    setup latency p50 / p99 (ms)", f("%.1f", p.Load.P50ms)+" / "+f("%.1f", p.Load.P99ms), "")
		row("    responder busy, share of its core", f("%.0f%%", 100*busy(p)), "")
	}
	row(fmt.Sprintf("local PSK handshakes/s, concurrency %d, %v each", o.Concurrency, o.Duration), "", "ratio")
	row("  warm-up, fresh daemon (not in the ratios)", f("%.0f", r.Warmup.Load.Rate), ratioString(r.Warmup.Load.Rate, alone))
	row("  alone (mean of before and after)", f("%.0f", alone), "")
	row("    before / after", f("%.0f", r.LocalBefore.Load.Rate)+" / "+f("%.0f", r.LocalAfter.Load.Rate), "")
	row("    setup latency p50 / p99 (ms), before", f("%.1f", r.LocalBefore.Load.P50ms)+" / "+f("%.1f", r.LocalBefore.Load.P99ms), "")
	row("    responder busy, share of its core, before / after", f("%.0f%%", 100*busy(r.LocalBefore))+" / "+f("%.0f%%", 100*busy(r.LocalAfter)), "")
	phase(fmt.Sprintf("  with AAA-PSK to FreeRADIUS delayed %v, %d in flight", o.Delay, o.SlowConcurrency), r.LocalWithSlow)
	phase(fmt.Sprintf("  control: radclient to the same server, %d in flight", o.SlowConcurrency), r.LocalWithServerLoad)
	phase(fmt.Sprintf("  control: AAA-PSK to a silent server, %d in flight", o.SlowConcurrency), r.LocalWithSilent)
	row(fmt.Sprintf("AAA-PSK handshakes/s, FreeRADIUS delayed %v", o.Delay), f("%.1f", r.Slow.Rate), "")
	row(fmt.Sprintf("  bound: %d in flight / delay", o.SlowConcurrency), f("%.1f", o.SlowBound()), ratioString(r.Slow.Rate, o.SlowBound()))
	row("  established / failed", fmt.Sprintf("%d/%d", r.Slow.Established, SlowFailures(r.Slow)), "")
	row("  setup latency p50 / max (ms)", f("%.0f", r.Slow.P50ms)+" / "+f("%.0f", r.Slow.MaxMs), "")
	row("  FreeRADIUS accounting Start records", strconv.Itoa(r.Starts), "")
	row("radclient Access-Accepts/s in the control", f("%.1f", float64(r.ServerLoadAccepts)/r.LocalWithServerLoad.Load.Seconds), "")
	for _, p := range []struct {
		name string
		l    LoadResult
	}{{"local warm-up", r.Warmup.Load}, {"local before", r.LocalBefore.Load}, {"local with slow AAA", r.LocalWithSlow.Load},
		{"local with radclient", r.LocalWithServerLoad.Load}, {"local with silent AAA", r.LocalWithSilent.Load},
		{"local after", r.LocalAfter.Load}, {"slow AAA", r.Slow}, {"silent AAA", r.Silent}} {
		for k, n := range p.l.Failures {
			fmt.Fprintf(&b, "%s failures: %d x %s\n", p.name, n, k)
		}
	}
	return b.String()
}

// SlowFailures are the AAA load's failures other than the handshakes in
// flight when it was stopped.
func SlowFailures(l LoadResult) int {
	n := l.Failed
	for k, c := range l.Failures {
		if strings.Contains(k, "context canceled") {
			n -= c
		}
	}
	return n
}
