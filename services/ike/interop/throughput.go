package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// The tunnel throughput comparison (BenchmarkThroughputVsStrongSwan, make
// bench): a strongSwan kernel-libipsec client sends iperf3 traffic through
// a responder in the headend namespace to an iperf3 server on the
// protected host, first with a Gatehouse head-end, then with a strongSwan
// responder. The client's ESP runs in charon's userspace and shares the
// machine's CPUs with the responder, so the rate says as much about the
// client as about the responder: the figure that compares the responders
// is their CPU time per Gbit or per packet, read from /proc around each
// run.

// IperfPort is the port the iperf3 server listens on.
const IperfPort = 5201

// IperfServer is an iperf3 server running in a namespace until the test
// ends.
type IperfServer struct {
	Namespace string
	Addr      netip.Addr
	cmd       *exec.Cmd
	out       strings.Builder
	exited    chan struct{}
}

// StartIperfServer starts iperf3 -s bound to addr in namespace ns and
// waits until it listens. It is stopped at cleanup.
func StartIperfServer(t T, ns string, addr netip.Addr) *IperfServer {
	t.Helper()
	s := &IperfServer{Namespace: ns, Addr: addr, exited: make(chan struct{})}
	s.cmd = exec.Command("ip", "netns", "exec", ns, "iperf3", "-s", "-B", addr.String(), "-p", strconv.Itoa(IperfPort))
	s.cmd.Stdout, s.cmd.Stderr = &s.out, &s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("interop: iperf3 server in %s: %v", ns, err)
	}
	go func() {
		s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(s.stop)
	deadline := time.Now().Add(ReadyTimeout)
	for {
		out, err := Exec(ns, "ss", "-H", "-l", "-t", "-n", "src", netip.AddrPortFrom(addr, IperfPort).String())
		if err == nil && strings.Contains(out, "LISTEN") {
			return s
		}
		select {
		case <-s.exited:
			t.Fatalf("interop: iperf3 server in %s exited: %s", ns, s.out.String())
		case <-time.After(20 * time.Millisecond): // polling the condition
		}
		if time.Now().After(deadline) {
			t.Fatalf("interop: iperf3 server in %s not listening after %v", ns, ReadyTimeout)
		}
	}
}

// stop ends the server (ip netns exec execs, so the PID is iperf3's).
func (s *IperfServer) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.exited:
	case <-time.After(3 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// IperfTest is one iperf3 client run.
type IperfTest struct {
	Duration time.Duration // -t, whole seconds (at least 1)
	Reverse  bool          // -R: the server sends
	UDP      bool          // -u
	Length   int           // -l, the UDP payload (or TCP write) size; 0 for iperf3's default
	Bitrate  string        // -b; "0" is unlimited, "" iperf3's default (1 Mbit/s for UDP)
}

func (it IperfTest) args() []string {
	secs := int(it.Duration / time.Second)
	if secs < 1 {
		secs = 1
	}
	a := []string{"-t", strconv.Itoa(secs), "-J"}
	if it.Reverse {
		a = append(a, "-R")
	}
	if it.UDP {
		a = append(a, "-u")
	}
	if it.Length > 0 {
		a = append(a, "-l", strconv.Itoa(it.Length))
	}
	if it.Bitrate != "" {
		a = append(a, "-b", it.Bitrate)
	}
	return a
}

// IperfResult is the receiver's side of an iperf3 run (its "sum_received")
// and, for TCP, the sender's retransmits.
type IperfResult struct {
	Seconds       float64
	Bytes         int64
	BitsPerSecond float64
	// UDP: the datagrams the receiver expected (by sequence number) and
	// those that never arrived.
	Packets, LostPackets int64
	Retransmits          int64
}

// Mbps is the receiver's rate in Mbit/s.
func (r IperfResult) Mbps() float64 { return r.BitsPerSecond / 1e6 }

// Received is the number of UDP datagrams that arrived.
func (r IperfResult) Received() int64 { return r.Packets - r.LostPackets }

// PacketsPerSecond is the UDP datagrams received per second.
func (r IperfResult) PacketsPerSecond() float64 {
	if r.Seconds == 0 {
		return 0
	}
	return float64(r.Received()) / r.Seconds
}

// LossPercent is the share of UDP datagrams lost.
func (r IperfResult) LossPercent() float64 {
	if r.Packets == 0 {
		return 0
	}
	return 100 * float64(r.LostPackets) / float64(r.Packets)
}

// RunIperf runs the iperf3 client in namespace ns against server and
// parses its JSON report.
func RunIperf(ns string, server netip.Addr, it IperfTest) (IperfResult, error) {
	ctx, cancel := context.WithTimeout(context.Background(), it.Duration+30*time.Second)
	defer cancel()
	argv := append([]string{"iperf3", "-c", server.String(), "-p", strconv.Itoa(IperfPort)}, it.args()...)
	out, xerr := ExecContext(ctx, ns, argv...)
	// iperf3 -J reports its own failures in the JSON, better than its
	// exit status does.
	r, err := ParseIperf([]byte(out))
	if err != nil {
		return r, fmt.Errorf("iperf3 %s in %s: %w", strings.Join(it.args(), " "), ns, err)
	}
	return r, xerr
}

// ParseIperf reads the report of iperf3 -J (3.x).
func ParseIperf(out []byte) (IperfResult, error) {
	type sum struct {
		Seconds       float64 `json:"seconds"`
		Bytes         int64   `json:"bytes"`
		BitsPerSecond float64 `json:"bits_per_second"`
		Packets       int64   `json:"packets"`
		LostPackets   int64   `json:"lost_packets"`
		Retransmits   int64   `json:"retransmits"`
	}
	var rep struct {
		Error string `json:"error"`
		End   struct {
			SumSent     *sum `json:"sum_sent"`
			SumReceived *sum `json:"sum_received"`
		} `json:"end"`
	}
	if err := json.Unmarshal(out, &rep); err != nil {
		return IperfResult{}, fmt.Errorf("iperf3 report: %w: %.200s", err, out)
	}
	if rep.Error != "" {
		return IperfResult{}, fmt.Errorf("iperf3: %s", rep.Error)
	}
	rx := rep.End.SumReceived
	if rx == nil {
		return IperfResult{}, fmt.Errorf("iperf3 report has no sum_received: %.200s", out)
	}
	r := IperfResult{Seconds: rx.Seconds, Bytes: rx.Bytes, BitsPerSecond: rx.BitsPerSecond,
		Packets: rx.Packets, LostPackets: rx.LostPackets}
	if tx := rep.End.SumSent; tx != nil {
		r.Retransmits = tx.Retransmits
	}
	return r, nil
}

// ThroughputOptions shape one comparison run.
type ThroughputOptions struct {
	Duration     time.Duration // of each iperf3 run (5 s)
	UDPBitrate   string        // iperf3 -b of the small-packet run ("0": as fast as the sender can)
	UDPLength    int           // UDP payload of the small-packet run (64 bytes)
	ResponderCPU int           // the CPU the responder is pinned to (0)
}

func (o *ThroughputOptions) setDefaults() {
	if o.Duration == 0 {
		o.Duration = 5 * time.Second
	}
	if o.UDPBitrate == "" {
		o.UDPBitrate = "0"
	}
	if o.UDPLength == 0 {
		o.UDPLength = 64
	}
}

// ThroughputRun is one iperf3 run and the CPU time the responder and the
// client's charon spent over it.
type ThroughputRun struct {
	Iperf            IperfResult
	CPUSeconds       float64
	ClientCPUSeconds float64
}

// CPUPerGbit is the responder's CPU seconds per Gbit the receiver got.
func (r ThroughputRun) CPUPerGbit() float64 {
	gbit := float64(r.Iperf.Bytes) * 8 / 1e9
	if gbit == 0 {
		return 0
	}
	return r.CPUSeconds / gbit
}

// CPUPerPacketMicros is the responder's CPU microseconds per UDP datagram
// the receiver got.
func (r ThroughputRun) CPUPerPacketMicros() float64 {
	n := r.Iperf.Received()
	if n <= 0 {
		return 0
	}
	return r.CPUSeconds / float64(n) * 1e6
}

// ThroughputResult is one responder's result.
type ThroughputResult struct {
	Responder string
	Upload    ThroughputRun // TCP, one stream, client to host
	Download  ThroughputRun // TCP, one stream, host to client (-R)
	Small     ThroughputRun // UDP small datagrams, client to host
}

// RunThroughput pins the responder (pid, in topo.Headend) to a CPU and
// runs iperf3 from the first client to server through it: TCP both ways,
// then small UDP datagrams. The client's charon must be alone in its
// namespace: its CPU time is measured too, to show which end limits.
func RunThroughput(t T, topo *Topology, name string, pid int, server *IperfServer, o ThroughputOptions) ThroughputResult {
	t.Helper()
	o.setDefaults()
	if _, err := Exec("", "taskset", "-a", "-p", "-c", strconv.Itoa(o.ResponderCPU), strconv.Itoa(pid)); err != nil {
		t.Fatalf("interop: throughput %s: %v", name, err)
	}
	client, err := ResponderPID(topo.Client())
	if err != nil {
		t.Fatalf("interop: throughput %s: client charon: %v", name, err)
	}
	res := ThroughputResult{Responder: name}
	for _, run := range []struct {
		dst *ThroughputRun
		it  IperfTest
	}{
		{&res.Upload, IperfTest{Duration: o.Duration}},
		{&res.Download, IperfTest{Duration: o.Duration, Reverse: true}},
		{&res.Small, IperfTest{Duration: o.Duration, UDP: true, Length: o.UDPLength, Bitrate: o.UDPBitrate}},
	} {
		cpu0, err := ProcessCPU(pid)
		if err != nil {
			t.Fatalf("interop: throughput %s: %v", name, err)
		}
		ccpu0, _ := ProcessCPU(client)
		r, err := RunIperf(topo.Client(), server.Addr, run.it)
		if err != nil {
			t.Fatalf("interop: throughput %s: %v", name, err)
		}
		cpu1, err := ProcessCPU(pid)
		if err != nil {
			t.Fatalf("interop: throughput %s: %v", name, err)
		}
		ccpu1, _ := ProcessCPU(client)
		*run.dst = ThroughputRun{Iperf: r, CPUSeconds: (cpu1 - cpu0).Seconds(), ClientCPUSeconds: (ccpu1 - ccpu0).Seconds()}
		// Let the responder drain what is queued before the next run.
		waitQuiet(pid, 3*time.Second)
	}
	return res
}

// EnableForwarding turns IPv4 forwarding on in namespace ns, as a router
// (and Gatehouse's userspace backend) does; the kernel default is off.
func EnableForwarding(ns string) error {
	_, err := Exec(ns, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1")
	return err
}

// FormatThroughput renders the comparison as a table with
// Gatehouse/strongSwan ratios (for CPU and loss, strongSwan/Gatehouse:
// higher is better everywhere).
func FormatThroughput(o ThroughputOptions, gh, ss ThroughputResult) string {
	o.setDefaults()
	var b strings.Builder
	row := func(what, g, s, ratio string) {
		fmt.Fprintf(&b, "%-46s %14s %14s %9s\n", what, g, s, ratio)
	}
	f := func(format string, v float64) string { return fmt.Sprintf(format, v) }
	ratio := func(a, b float64) string {
		if b == 0 || a == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", a/b)
	}
	secs := int(o.Duration / time.Second)
	tcp := func(what string, g, s ThroughputRun) {
		row(fmt.Sprintf("%s, 1 stream, %d s (Mbit/s)", what, secs), f("%.0f", g.Iperf.Mbps()), f("%.0f", s.Iperf.Mbps()),
			ratio(g.Iperf.Mbps(), s.Iperf.Mbps()))
		row("  retransmits", strconv.FormatInt(g.Iperf.Retransmits, 10), strconv.FormatInt(s.Iperf.Retransmits, 10), "")
		row("  responder CPU (s)", f("%.2f", g.CPUSeconds), f("%.2f", s.CPUSeconds), "")
		row("  client charon CPU (s)", f("%.2f", g.ClientCPUSeconds), f("%.2f", s.ClientCPUSeconds), "")
		row("  responder CPU per Gbit (s)", f("%.2f", g.CPUPerGbit()), f("%.2f", s.CPUPerGbit()), ratio(s.CPUPerGbit(), g.CPUPerGbit()))
	}
	row("", "Gatehouse", "strongSwan", "ratio")
	tcp("TCP client -> host", gh.Upload, ss.Upload)
	tcp("TCP host -> client", gh.Download, ss.Download)
	g, s := gh.Small, ss.Small
	bitrate := "-b " + o.UDPBitrate
	if o.UDPBitrate == "0" {
		bitrate = "unlimited"
	}
	row(fmt.Sprintf("UDP %d-byte client -> host, %s (packets/s)", o.UDPLength, bitrate),
		f("%.0f", g.Iperf.PacketsPerSecond()), f("%.0f", s.Iperf.PacketsPerSecond()),
		ratio(g.Iperf.PacketsPerSecond(), s.Iperf.PacketsPerSecond()))
	row("  datagrams sent / lost", fmt.Sprintf("%d/%.1f%%", g.Iperf.Packets, g.Iperf.LossPercent()),
		fmt.Sprintf("%d/%.1f%%", s.Iperf.Packets, s.Iperf.LossPercent()), "")
	row("  responder CPU (s)", f("%.2f", g.CPUSeconds), f("%.2f", s.CPUSeconds), "")
	row("  client charon CPU (s)", f("%.2f", g.ClientCPUSeconds), f("%.2f", s.ClientCPUSeconds), "")
	row("  responder CPU per packet received (us)", f("%.2f", g.CPUPerPacketMicros()), f("%.2f", s.CPUPerPacketMicros()),
		ratio(s.CPUPerPacketMicros(), g.CPUPerPacketMicros()))
	return b.String()
}
