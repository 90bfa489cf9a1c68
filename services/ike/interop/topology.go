package interop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Addresses every Topology uses. They only ever exist inside the
// topology's namespaces.
var (
	HeadendAddr = netip.MustParseAddr("10.99.0.1")     // headend, on the outside net
	NATOutside  = netip.MustParseAddr("10.99.0.2")     // the NAT router's outside address
	NATInside   = netip.MustParseAddr("192.168.100.1") // the clients' gateway behind NAT
	OutsideNet  = netip.MustParsePrefix("10.99.0.0/24")
	InsideNet   = netip.MustParsePrefix("192.168.100.0/24")
	// The protected network behind the head-end (TopologyOptions.Host).
	ProtectedNet = netip.MustParsePrefix("172.16.0.0/24")
	HeadendInner = netip.MustParseAddr("172.16.0.1") // headend's eth1
	HostAddr     = netip.MustParseAddr("172.16.0.2") // the host namespace
)

// TopologyOptions chooses the shape of a Topology.
type TopologyOptions struct {
	// Clients is the number of client namespaces; 0 means 1.
	Clients int
	// NAT puts a router namespace between the clients and the headend that
	// masquerades the clients' 192.168.100.0/24 behind 10.99.0.2.
	NAT bool
	// Host adds a namespace on a protected network behind the head-end
	// (172.16.0.2, via the head-end's 172.16.0.1), routing the address
	// pools 10.0.0.0/8 back through the head-end: the host clients reach
	// through the tunnel.
	Host bool
}

// Topology is a set of network namespaces wired together with veth pairs:
//
//	without NAT: client-i eth0 10.99.0.(2+i) --- br0 10.99.0.1 headend
//	with NAT:    client-i eth0 192.168.100.(2+i) --- br0 192.168.100.1 nat out 10.99.0.2 --- eth0 10.99.0.1 headend
//
// The clients hang off a bridge so that N clients cost one veth each. Each
// namespace has loopback up. Close (registered with t.Cleanup) ends the
// processes inside the namespaces and deletes them.
type Topology struct {
	ID          string       // the random suffix shared by all names
	Headend     string       // headend namespace name
	NAT         string       // NAT router namespace name, "" without NAT
	Host        string       // protected host namespace name, "" without Host
	Clients     []string     // client namespace names
	ClientAddrs []netip.Addr // each client's own address, in order
	// HeadendSees is the address the headend sees client i come from: the
	// client's own address without NAT, NATOutside with it.
	HeadendSees []netip.Addr

	namespaces []string // every namespace created, in creation order
	closed     bool
}

// Client returns the first client namespace.
func (tp *Topology) Client() string { return tp.Clients[0] }

// NewTopology creates the namespaces and links of opts and registers Close
// with t.Cleanup. It fails the test on any error, after deleting whatever it
// had created.
func NewTopology(t T, opts TopologyOptions) *Topology {
	t.Helper()
	tp, err := CreateTopology(opts)
	if err != nil {
		t.Fatalf("interop: %v", err)
	}
	t.Cleanup(func() {
		if err := tp.Close(); err != nil {
			t.Logf("interop: %v", err)
		}
	})
	return tp
}

// CreateTopology is NewTopology without a test: the caller must call Close.
func CreateTopology(opts TopologyOptions) (*Topology, error) {
	n := opts.Clients
	if n <= 0 {
		n = 1
	}
	if n > 200 {
		return nil, fmt.Errorf("topology: %d clients, at most 200 fit the /24", n)
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("topology: random suffix: %w", err)
	}
	id := hex.EncodeToString(b[:])
	tp := &Topology{ID: id, Headend: "gh-" + id + "-headend"}
	if opts.NAT {
		tp.NAT = "gh-" + id + "-nat"
	}
	if opts.Host {
		tp.Host = "gh-" + id + "-host"
	}
	for i := range n {
		tp.Clients = append(tp.Clients, "gh-"+id+"-client"+strconv.Itoa(i))
	}
	if err := tp.build(opts.NAT); err != nil {
		if cerr := tp.Close(); cerr != nil {
			err = errors.Join(err, cerr)
		}
		return nil, fmt.Errorf("topology %s: %w", id, err)
	}
	return tp, nil
}

func (tp *Topology) build(nat bool) error {
	all := append([]string{tp.Headend}, tp.Clients...)
	if nat {
		all = append(all, tp.NAT)
	}
	if tp.Host != "" {
		all = append(all, tp.Host)
	}
	for _, ns := range all {
		if _, err := Exec("", "ip", "netns", "add", ns); err != nil {
			return err
		}
		tp.namespaces = append(tp.namespaces, ns)
		if _, err := Exec(ns, "ip", "link", "set", "lo", "up"); err != nil {
			return err
		}
	}
	// The namespace the clients' bridge lives in, and its address.
	bridgeNS, gw := tp.Headend, HeadendAddr
	if nat {
		bridgeNS, gw = tp.NAT, NATInside
	}
	var cmds [][]string
	cmds = append(cmds,
		[]string{bridgeNS, "ip", "link", "add", "br0", "type", "bridge"},
		[]string{bridgeNS, "ip", "addr", "add", gw.String() + "/24", "dev", "br0"},
		[]string{bridgeNS, "ip", "link", "set", "br0", "up"},
	)
	if nat {
		cmds = append(cmds, vethPair(tp.NAT, "out", NATOutside, tp.Headend, "eth0", HeadendAddr)...)
		cmds = append(cmds,
			[]string{tp.NAT, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1"},
			[]string{tp.NAT, "nft", "add table ip gh_nat; " +
				"add chain ip gh_nat postrouting { type nat hook postrouting priority srcnat; policy accept; }; " +
				"add rule ip gh_nat postrouting oifname \"out\" ip saddr " + InsideNet.String() + " masquerade"},
		)
	}
	for i, c := range tp.Clients {
		var addr netip.Addr
		if nat {
			addr = nthAddr(InsideNet, 2+i)
			tp.HeadendSees = append(tp.HeadendSees, NATOutside)
		} else {
			addr = nthAddr(OutsideNet, 2+i)
			tp.HeadendSees = append(tp.HeadendSees, addr)
		}
		tp.ClientAddrs = append(tp.ClientAddrs, addr)
		port := "c" + strconv.Itoa(i)
		cmds = append(cmds,
			[]string{"", "ip", "link", "add", "eth0", "netns", c, "type", "veth", "peer", "name", port, "netns", bridgeNS},
			[]string{c, "ip", "addr", "add", addr.String() + "/24", "dev", "eth0"},
			[]string{c, "ip", "link", "set", "eth0", "up"},
			[]string{c, "ip", "route", "add", "default", "via", gw.String()},
			[]string{bridgeNS, "ip", "link", "set", port, "master", "br0"},
			[]string{bridgeNS, "ip", "link", "set", port, "up"},
		)
	}
	if tp.Host != "" {
		cmds = append(cmds, vethPair(tp.Headend, "eth1", HeadendInner, tp.Host, "eth0", HostAddr)...)
		cmds = append(cmds, []string{tp.Host, "ip", "route", "add", "10.0.0.0/8", "via", HeadendInner.String()})
	}
	for _, c := range cmds {
		if _, err := Exec(c[0], c[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// vethPair returns the commands creating a veth pair straight into two
// namespaces (no host-side device ever exists) and addressing both ends.
func vethPair(nsA, ifA string, addrA netip.Addr, nsB, ifB string, addrB netip.Addr) [][]string {
	return [][]string{
		{"", "ip", "link", "add", ifA, "netns", nsA, "type", "veth", "peer", "name", ifB, "netns", nsB},
		{nsA, "ip", "addr", "add", addrA.String() + "/24", "dev", ifA},
		{nsA, "ip", "link", "set", ifA, "up"},
		{nsB, "ip", "addr", "add", addrB.String() + "/24", "dev", ifB},
		{nsB, "ip", "link", "set", ifB, "up"},
	}
}

func nthAddr(p netip.Prefix, n int) netip.Addr {
	a := p.Addr().As4()
	a[3] += byte(n)
	return netip.AddrFrom4(a)
}

// AddNamespace creates one more namespace, "gh-<id>-<suffix>" with
// loopback up, that Close deletes like the others.
func (tp *Topology) AddNamespace(suffix string) (string, error) {
	ns := "gh-" + tp.ID + "-" + suffix
	if _, err := Exec("", "ip", "netns", "add", ns); err != nil {
		return "", err
	}
	tp.namespaces = append(tp.namespaces, ns)
	if _, err := Exec(ns, "ip", "link", "set", "lo", "up"); err != nil {
		return "", err
	}
	return ns, nil
}

// Link connects two namespaces with a veth pair, addressing both ends in
// a /24.
func (tp *Topology) Link(nsA, ifA string, addrA netip.Addr, nsB, ifB string, addrB netip.Addr) error {
	for _, c := range vethPair(nsA, ifA, addrA, nsB, ifB, addrB) {
		if _, err := Exec(c[0], c[1:]...); err != nil {
			return err
		}
	}
	return nil
}

// Close ends every process running in the topology's namespaces (by PID,
// as listed by `ip netns pids`), then deletes the namespaces, which takes
// their veth, bridge and TUN devices with them. It is safe to call twice.
func (tp *Topology) Close() error {
	if tp.closed {
		return nil
	}
	tp.closed = true
	var errs []error
	for _, ns := range tp.namespaces {
		if err := KillNamespace(ns, 3*time.Second); err != nil {
			errs = append(errs, err)
		}
	}
	for i := len(tp.namespaces) - 1; i >= 0; i-- {
		if _, err := Exec("", "ip", "netns", "del", tp.namespaces[i]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// KillNamespace ends the processes inside network namespace ns: SIGTERM,
// then SIGKILL for those still there after grace.
func KillNamespace(ns string, grace time.Duration) error {
	pids, err := namespacePIDs(ns)
	if err != nil || len(pids) == 0 {
		return err
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGTERM)
	}
	deadline := time.Now().Add(grace)
	for time.Now().Before(deadline) {
		if pids, err = namespacePIDs(ns); err != nil || len(pids) == 0 {
			return err
		}
		time.Sleep(50 * time.Millisecond) // polling the condition, not synchronising on time
	}
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return nil
}

func namespacePIDs(ns string) ([]int, error) {
	out, err := Exec("", "ip", "netns", "pids", ns)
	if err != nil {
		return nil, err
	}
	var pids []int
	for _, f := range strings.Fields(out) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("ip netns pids %s: unexpected %q", ns, f)
		}
		// Never ourselves: while InNamespace runs, our main thread may
		// be inside ns.
		if pid != os.Getpid() {
			pids = append(pids, pid)
		}
	}
	return pids, nil
}

// ExecTimeout bounds every command Exec runs, so that a wedged tool fails
// the test instead of hanging it.
const ExecTimeout = 30 * time.Second

// Exec runs argv inside network namespace ns (on the host when ns is "")
// and returns its combined output. The error names the command and carries
// the output.
func Exec(ns string, argv ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), ExecTimeout)
	defer cancel()
	return ExecContext(ctx, ns, argv...)
}

// ExecContext is Exec with the caller's context.
func ExecContext(ctx context.Context, ns string, argv ...string) (string, error) {
	if len(argv) == 0 {
		return "", errors.New("exec: empty command")
	}
	if ns != "" {
		argv = append([]string{"ip", "netns", "exec", ns}, argv...)
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("%s: %w: %s", strings.Join(argv, " "), err, strings.TrimSpace(string(out)))
	}
	return string(out), nil
}
