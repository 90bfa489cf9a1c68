package interop

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The benchmark against strongSwan (TestBenchmarkVsStrongSwan, make
// bench): the same load, from cmd/ikeload in a client namespace pinned to
// one CPU, against a Gatehouse head-end and then a strongSwan charon
// responder, each alone in the headend namespace and pinned to another
// CPU. The responder's CPU time and VmRSS are read from /proc before and
// after, so the numbers hold even when the load generator, not the
// responder, is what limits the rate.

// BenchPSK is the pre-shared key both responders accept.
const BenchPSK = "bench-s3cret"

// BenchGatehouseConfig is the Gatehouse head-end of the benchmark: PSK
// clients under example.com, AES-GCM-256/SHA-256/Curve25519 only, ESP
// AES-GCM-256, a pool big enough for 65,000 sessions, a virtual template
// per session.
var BenchGatehouseConfig = `hostname BENCH
ip local pool BENCH 10.64.0.1 10.64.255.254
aaa new-model
aaa authorization network LOCAL local
crypto ikev2 proposal BENCH
 encryption aes-gcm-256
 prf sha256
 group 31
crypto ikev2 policy BENCH
 proposal BENCH
crypto ikev2 authorization policy AUTHZ
 pool BENCH
` + flexPSKServerTail(BenchPSK)

// flexPSKServerTail is what the PSK FlexVPN servers of the interop tests
// and the benchmark end with, from the keyring on: clients under
// example.com with the key psk, authorized by the local policy AUTHZ
// (defined before it), ESP AES-GCM-256 and a virtual template per session.
func flexPSKServerTail(psk string) string {
	return pskProfile(psk, "") + ipsecTemplate("PROF", "")
}

// pskProfile is the keyring KR, which gives clients under example.com the
// key psk, and the IKEv2 profile PROF for them, authorized by the local
// policy AUTHZ (defined before it) and cloning Virtual-Template1; extra
// goes in the profile.
func pskProfile(psk, extra string) string {
	return `crypto ikev2 keyring KR
 peer CLIENTS
  identity fqdn domain example.com
  pre-shared-key ` + psk + `
crypto ikev2 profile PROF
 match identity remote fqdn domain example.com
 identity local fqdn vpn.example.com
 authentication remote pre-share
 authentication local pre-share
 keyring local KR
 aaa authorization group psk list LOCAL AUTHZ
` + extra + ` virtual-template 1
`
}

// ipsecTemplate is the IPsec profile IPSEC (ESP AES-GCM-256) for the IKEv2
// profile prof and Virtual-Template1, unnumbered to Loopback0, that it
// protects; extra goes on the template.
func ipsecTemplate(prof, extra string) string {
	return `crypto ipsec transform-set GCM esp-gcm 256
 mode tunnel
crypto ipsec profile IPSEC
 set transform-set GCM
 set ikev2-profile ` + prof + `
interface Loopback0
 ip address 10.10.255.1 255.255.255.255
interface Virtual-Template1 type tunnel
 ip unnumbered Loopback0
 tunnel mode ipsec ipv4
 tunnel protection ipsec profile IPSEC
` + extra
}

// BenchCharonOptions is the equivalent strongSwan responder: the same PSK,
// proposals and pool, kernel-libipsec for ESP. Its DoS protection (cookies
// above 30 half-open SAs, at most 5 half-open SAs per peer address) is
// off, as Gatehouse has no cookie-challenge or limit configured, and it
// logs only at level 0, as Gatehouse logs no debugging.
func BenchCharonOptions() ResponderOptions {
	return ResponderOptions{
		CharonOptions: CharonOptions{Name: "bench", CharonConf: `  dos_protection = no
  filelog {
    stderr {
      default = 0
      ike = 0
      cfg = 0
      knl = 0
    }
  }
`},
		LocalID:      "vpn.example.com",
		PSK:          BenchPSK,
		Pool:         netip.MustParsePrefix("10.64.0.0/16"),
		Proposals:    "aes256gcm16-prfsha256-x25519",
		ESPProposals: "aes256gcm16",
	}
}

// BenchOptions shape one comparison run.
type BenchOptions struct {
	Concurrency           int           // handshakes in flight (64)
	Total                 int           // handshakes in the throughput phase, kept (2,000)
	Sessions              int           // SAs held for the memory phase, including Total (10,000)
	Limit                 time.Duration // how long the memory phase may take (150 s)
	ResponderCPU, LoadCPU int           // CPUs to pin to (0 and 1)
}

func (o *BenchOptions) setDefaults() {
	if o.Concurrency == 0 {
		o.Concurrency = 64
	}
	if o.Total == 0 {
		o.Total = 2000
	}
	if o.Sessions == 0 {
		o.Sessions = 10000
	}
	if o.Limit == 0 {
		o.Limit = 150 * time.Second
	}
	if o.ResponderCPU == 0 && o.LoadCPU == 0 {
		o.LoadCPU = 1
	}
}

// BenchPhase is one ikeload run and what the responder spent on it.
type BenchPhase struct {
	Load LoadResult
	// The responder's CPU time over the run, per established SA.
	CPUSeconds     float64
	CPUPerSAMicros float64
	// The responder's VmRSS before and after, and the growth per SA.
	RSSBeforeKiB, RSSAfterKiB int64
	RSSPerSAKiB               float64
}

// BenchResult is one responder's result: the throughput phase (Total
// handshakes from an idle responder) and the memory phase (up to Sessions
// SAs held).
type BenchResult struct {
	Responder  string
	Throughput BenchPhase
	Memory     BenchPhase
	Held       int   // SAs held at the end of the memory phase
	IdleRSSKiB int64 // the responder's VmRSS before any SA
}

// RunBench drives one responder already running in topo.Headend (pid is
// its process) with ikeload from the first client namespace.
func RunBench(t T, topo *Topology, name string, pid int, ikeload string, o BenchOptions) BenchResult {
	t.Helper()
	o.setDefaults()
	if _, err := Exec("", "taskset", "-a", "-p", "-c", strconv.Itoa(o.ResponderCPU), strconv.Itoa(pid)); err != nil {
		t.Fatalf("interop: bench %s: %v", name, err)
	}
	res := BenchResult{Responder: name}
	res.IdleRSSKiB, _ = RSSKiB(pid)
	var first *loadProcess
	res.Throughput, first = benchPhase(t, topo, name, pid, ikeload, o, loadArgs(o.Concurrency, o.Total, 0, "example.com", 0, true))
	defer first.stop()
	res.Held = res.Throughput.Load.Established
	if more := o.Sessions - o.Total; more > 0 {
		a := loadArgs(o.Concurrency, more, o.Total, "example.com", o.Limit, true)
		var second *loadProcess
		res.Memory, second = benchPhase(t, topo, name, pid, ikeload, o, a)
		defer second.stop()
		res.Held += res.Memory.Load.Established
		// Per SA over everything held, from the idle responder.
		res.Memory.RSSBeforeKiB = res.IdleRSSKiB
		if res.Held > 0 {
			res.Memory.RSSPerSAKiB = float64(res.Memory.RSSAfterKiB-res.IdleRSSKiB) / float64(res.Held)
		}
	}
	return res
}

// benchPhase runs one ikeload with --keep and measures the responder
// around it; the load generator keeps its SAs until stop.
func benchPhase(t T, topo *Topology, name string, pid int, ikeload string, o BenchOptions, args []string) (BenchPhase, *loadProcess) {
	t.Helper()
	var ph BenchPhase
	ph.RSSBeforeKiB, _ = RSSKiB(pid)
	cpu0, err := ProcessCPU(pid)
	if err != nil {
		t.Fatalf("interop: bench %s: %v", name, err)
	}
	lp, err := startLoad(topo.Client(), o.LoadCPU, ikeload, args)
	if err != nil {
		t.Fatalf("interop: bench %s: %v", name, err)
	}
	ph.Load, err = lp.result()
	if err != nil {
		lp.stop()
		t.Fatalf("interop: bench %s: %v", name, err)
	}
	cpu1, _ := ProcessCPU(pid)
	ph.CPUSeconds = (cpu1 - cpu0).Seconds()
	if n := ph.Load.Established; n > 0 {
		ph.CPUPerSAMicros = ph.CPUSeconds / float64(n) * 1e6
	}
	// Let the responder finish what the last answers started (the
	// session bookkeeping after the IKE_AUTH response goes out).
	waitQuiet(pid, 5*time.Second)
	ph.RSSAfterKiB, _ = RSSKiB(pid)
	if n := ph.Load.Established; n > 0 {
		ph.RSSPerSAKiB = float64(ph.RSSAfterKiB-ph.RSSBeforeKiB) / float64(n)
	}
	return ph, lp
}

// waitQuiet polls the process's CPU time until it stops growing (less
// than 10 ms in 200 ms) or timeout passes.
func waitQuiet(pid int, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	last, _ := ProcessCPU(pid)
	for time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond) // sampling a rate, not synchronising
		now, err := ProcessCPU(pid)
		if err != nil || now-last < 10*time.Millisecond {
			return
		}
		last = now
	}
}

// loadProcess is an ikeload running in a namespace; with --keep it holds
// its SAs until its stdin closes.
type loadProcess struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	out    *bufio.Reader
	stderr *strings.Builder
	once   sync.Once
}

func startLoad(ns string, cpu int, ikeload string, args []string) (*loadProcess, error) {
	argv := append([]string{"netns", "exec", ns, "taskset", "-c", strconv.Itoa(cpu), ikeload}, args...)
	cmd := exec.Command("ip", argv...)
	lp := &loadProcess{cmd: cmd, stderr: &strings.Builder{}}
	var err error
	if lp.stdin, err = cmd.StdinPipe(); err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = lp.stderr
	lp.out = bufio.NewReader(stdout)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start ikeload: %w", err)
	}
	return lp, nil
}

// result reads the JSON report ikeload prints once its handshakes are done.
func (lp *loadProcess) result() (LoadResult, error) {
	var r LoadResult
	line, err := lp.out.ReadBytes('\n')
	if err != nil {
		lp.cmd.Wait()
		return r, fmt.Errorf("ikeload: %v: %s", err, lp.stderr)
	}
	if err := json.Unmarshal(line, &r); err != nil {
		return r, fmt.Errorf("ikeload output %q: %w", line, err)
	}
	return r, nil
}

// stop closes ikeload's stdin, which ends it, and waits (killing it after
// 5 s).
func (lp *loadProcess) stop() {
	lp.once.Do(func() {
		lp.stdin.Close()
		done := make(chan struct{})
		go func() { lp.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			lp.cmd.Process.Kill()
			<-done
		}
	})
}

// RSSKiB is a process's VmRSS from /proc/PID/status.
func RSSKiB(pid int) (int64, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				return strconv.ParseInt(f[0], 10, 64)
			}
		}
	}
	return 0, fmt.Errorf("/proc/%d/status: no VmRSS", pid)
}

// ProcessCPU is a process's user plus system CPU time from /proc/PID/stat
// (all its threads).
func ProcessCPU(pid int) (time.Duration, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, err
	}
	// The command name may hold spaces: fields start after its ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: too short", pid)
	}
	utime, _ := strconv.ParseInt(f[11], 10, 64)
	stime, _ := strconv.ParseInt(f[12], 10, 64)
	// USER_HZ is 100 on every Linux ABI Go supports.
	return time.Duration(utime+stime) * (time.Second / 100), nil
}

// ResponderPID is the one process in the headend namespace: the daemon or
// charon (ip netns exec, unshare and sh all exec).
func ResponderPID(ns string) (int, error) {
	pids, err := namespacePIDs(ns)
	if err != nil {
		return 0, err
	}
	if len(pids) != 1 {
		return 0, fmt.Errorf("namespace %s: %d processes %v, want the responder alone", ns, len(pids), pids)
	}
	return pids[0], nil
}

var (
	ikeloadOnce sync.Once
	ikeloadBin  string
	ikeloadErr  error
)

// IkeloadBinary builds ./cmd/ikeload once per process (or returns
// $IKELOAD_BIN when set).
func IkeloadBinary() (string, error) {
	if b := os.Getenv("IKELOAD_BIN"); b != "" {
		return b, nil
	}
	ikeloadOnce.Do(func() {
		dir, err := os.MkdirTemp("", "ikeload-bin-")
		if err != nil {
			ikeloadErr = err
			return
		}
		_, file, _, _ := runtime.Caller(0)
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "ikeload"), "./cmd/ikeload")
		cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			ikeloadErr = fmt.Errorf("go build ./cmd/ikeload: %v\n%s", err, out)
			return
		}
		ikeloadBin = filepath.Join(dir, "ikeload")
	})
	return ikeloadBin, ikeloadErr
}

// PinnedGatehouseBinary writes a wrapper that starts the daemon (and its
// CLI) pinned to cpu from its first instruction, so that the Go runtime
// sizes GOMAXPROCS to that one CPU; set GATEHOUSE_BIN to it.
func PinnedGatehouseBinary(dir string, cpu int) (string, error) {
	bin, err := GatehouseBinary()
	if err != nil {
		return "", err
	}
	w := filepath.Join(dir, "gatehouse-cpu"+strconv.Itoa(cpu))
	script := "#!/bin/sh\nexec taskset -c " + strconv.Itoa(cpu) + " '" + bin + "' \"$@\"\n"
	if err := os.WriteFile(w, []byte(script), 0o755); err != nil {
		return "", err
	}
	return w, nil
}

// GoCeiling is roughly how many PSK+X25519 IKE+child SA handshakes per
// second one core can compute in Go: the crypto alone, no I/O.
const GoCeiling = 9000

// FormatBench renders the comparison as a table with Gatehouse/strongSwan
// ratios (for CPU and memory, strongSwan/Gatehouse: higher is better
// everywhere).
func FormatBench(o BenchOptions, gh, ss BenchResult) string {
	o.setDefaults()
	var b strings.Builder
	row := func(what, g, s, ratio string) {
		fmt.Fprintf(&b, "%-44s %14s %14s %9s\n", what, g, s, ratio)
	}
	f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
	ratio := func(a, b float64) string {
		if b == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	gt, st := gh.Throughput, ss.Throughput
	row("", "Gatehouse", "strongSwan", "ratio")
	row(fmt.Sprintf("handshakes/s, %d kept SAs, concurrency %d", o.Total, o.Concurrency),
		f("%.0f", gt.Load.Rate), f("%.0f", st.Load.Rate), ratio(gt.Load.Rate, st.Load.Rate))
	row("  established / failed", fmt.Sprintf("%d/%d", gt.Load.Established, gt.Load.Failed),
		fmt.Sprintf("%d/%d", st.Load.Established, st.Load.Failed), "")
	row("  setup latency p50 (ms)", f("%.2f", gt.Load.P50ms), f("%.2f", st.Load.P50ms), ratio(st.Load.P50ms, gt.Load.P50ms))
	row("  setup latency p99 (ms)", f("%.2f", gt.Load.P99ms), f("%.2f", st.Load.P99ms), ratio(st.Load.P99ms, gt.Load.P99ms))
	row("  setup latency max (ms)", f("%.2f", gt.Load.MaxMs), f("%.2f", st.Load.MaxMs), ratio(st.Load.MaxMs, gt.Load.MaxMs))
	row("  responder CPU per IKE+child SA (us)", f("%.0f", gt.CPUPerSAMicros), f("%.0f", st.CPUPerSAMicros),
		ratio(st.CPUPerSAMicros, gt.CPUPerSAMicros))
	cap := func(p BenchPhase) float64 {
		if p.CPUPerSAMicros == 0 {
			return 0
		}
		return 1e6 / p.CPUPerSAMicros
	}
	row("  responder capacity, one core (SAs/s)", f("%.0f", cap(gt)), f("%.0f", cap(st)), ratio(cap(gt), cap(st)))
	row(fmt.Sprintf("  share of the Go crypto ceiling (%d/s/core)", GoCeiling), f("%.0f%%", 100*cap(gt)/GoCeiling), f("%.0f%%", 100*cap(st)/GoCeiling), "")
	row("  load generator CPU (s)", f("%.2f", gt.Load.CPUSeconds), f("%.2f", st.Load.CPUSeconds), "")
	row("  responder RSS per SA (KiB)", f("%.1f", gt.RSSPerSAKiB), f("%.1f", st.RSSPerSAKiB), ratio(st.RSSPerSAKiB, gt.RSSPerSAKiB))
	if o.Sessions > o.Total {
		gm, sm := gh.Memory, ss.Memory
		row(fmt.Sprintf("SAs held (target %d)", o.Sessions), strconv.Itoa(gh.Held), strconv.Itoa(ss.Held), "")
		row(fmt.Sprintf("  handshakes/s from %d to held", o.Total), f("%.0f", gm.Load.Rate), f("%.0f", sm.Load.Rate), ratio(gm.Load.Rate, sm.Load.Rate))
		row("  responder CPU per IKE+child SA (us)", f("%.0f", gm.CPUPerSAMicros), f("%.0f", sm.CPUPerSAMicros),
			ratio(sm.CPUPerSAMicros, gm.CPUPerSAMicros))
		row("  responder idle RSS (KiB)", strconv.FormatInt(gh.IdleRSSKiB, 10), strconv.FormatInt(ss.IdleRSSKiB, 10), "")
		row("  responder RSS with SAs held (KiB)", strconv.FormatInt(gm.RSSAfterKiB, 10), strconv.FormatInt(sm.RSSAfterKiB, 10), "")
		row("  responder RSS per held SA (KiB)", f("%.1f", gm.RSSPerSAKiB), f("%.1f", sm.RSSPerSAKiB), ratio(sm.RSSPerSAKiB, gm.RSSPerSAKiB))
	}
	windows := func(name string, r BenchResult) {
		all := append(append([]float64(nil), r.Throughput.Load.Windows...), r.Memory.Load.Windows...)
		var s []string
		for _, w := range all {
			s = append(s, fmt.Sprintf("%.0f", w))
		}
		fmt.Fprintf(&b, "%s handshakes/s per %d SAs: %s\n", name, r.Throughput.Load.Window, strings.Join(s, " "))
	}
	windows("Gatehouse ", gh)
	windows("strongSwan", ss)
	for _, r := range []BenchResult{gh, ss} {
		for _, p := range []BenchPhase{r.Throughput, r.Memory} {
			for k, n := range p.Load.Failures {
				fmt.Fprintf(&b, "%s failures: %d x %s\n", r.Responder, n, k)
			}
		}
	}
	return b.String()
}
