//go:build linux

package xfrm

import (
	"compress/gzip"
	"errors"
	"io"
	"net/netip"
	"os"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// kernelConfig reads /proc/config.gz, or nil where the kernel does not
// publish it.
func kernelConfig(t *testing.T) map[string]string {
	f, err := os.Open("/proc/config.gz")
	if err != nil {
		t.Logf("no kernel config to compare with: %v", err)
		return nil
	}
	defer f.Close()
	z, err := gzip.NewReader(f)
	if err != nil {
		t.Logf("kernel config: %v", err)
		return nil
	}
	b, err := io.ReadAll(z)
	if err != nil {
		t.Logf("kernel config: %v", err)
		return nil
	}
	cfg := map[string]string{}
	for _, line := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(line, "="); ok {
			cfg[k] = v
		}
	}
	return cfg
}

// TestProbe runs Probe on this machine and checks its verdict against the
// kernel's configuration where the kernel publishes it. It never skips:
// what Probe found is in the log either way.
func TestProbe(t *testing.T) {
	err := Probe()
	t.Logf("Probe() = %v", err)
	if err != nil && !strings.HasPrefix(err.Error(), "xfrm: ") {
		t.Errorf("Probe error %q does not name the component", err)
	}
	cfg := kernelConfig(t)
	if cfg == nil {
		return
	}
	builtOrModule := func(k string) bool { return cfg[k] == "y" || cfg[k] == "m" }
	for _, c := range []struct{ option, reason string }{
		{"CONFIG_XFRM_INTERFACE", "kernel lacks XFRM interfaces"},
		{"CONFIG_INET_ESP", "no esp4 module"},
		{"CONFIG_INET6_ESP", "no esp6 module"},
		{"CONFIG_NET_VRF", "kernel lacks VRF devices"},
	} {
		has := builtOrModule(c.option)
		t.Logf("%s=%q", c.option, cfg[c.option])
		said := err != nil && strings.Contains(err.Error(), c.reason)
		if !has && !said && (err == nil || !strings.Contains(err.Error(), "namespace")) {
			t.Errorf("kernel config lacks %s, but Probe did not say %q (said %v)", c.option, c.reason, err)
		}
		if cfg[c.option] == "y" && said {
			t.Errorf("Probe says %q, but %s is built in", c.reason, c.option)
		}
	}
}

// scratchNamespace is a network namespace for one test, gone when the test
// ends. Creating one needs CAP_SYS_ADMIN.
func scratchNamespace(t *testing.T) netns.NsHandle {
	t.Helper()
	ns, err := throwawayNamespace()
	if err != nil {
		t.Skipf("cannot create a network namespace (needs CAP_SYS_ADMIN): %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	return ns
}

func kernelHandleIn(t *testing.T, ns netns.NsHandle) *kernelHandle {
	t.Helper()
	dup, err := unix.Dup(int(ns))
	must(t, err)
	h, err := openKernelHandle(netns.NsHandle(dup), true)
	if err != nil {
		t.Skipf("kernel lacks XFRM netlink: %v", err)
	}
	t.Cleanup(h.Close)
	return h
}

// TestKernelAcceptsRequests sends the requests the backend builds to this
// kernel, in a namespace of the test's own. Every kernel with XFRM netlink
// parses and validates them, ESP or not: a state request fails only with
// the missing ESP type (EPROTONOSUPPORT), never as malformed (EINVAL).
// Policies need no ESP, so they are installed, read back, moved and
// removed for real.
func TestKernelAcceptsRequests(t *testing.T) {
	ns := scratchNamespace(t)
	h := kernelHandleIn(t, ns)
	const ifid = IfIDBase + 1
	for _, c := range []struct {
		name   string
		window int
		esn    bool
	}{{"legacy", 32, false}, {"bitmap", 64, false}, {"esn", 128, true}} {
		sa := plainSA(0x1000, "Virtual-Access1")
		sa.ReplayWindow, sa.ESN = c.window, c.esn
		sa.Encap = true
		sa.Local, sa.Remote = netip.MustParseAddrPort("192.0.2.1:4500"), netip.MustParseAddrPort("198.51.100.7:4500")
		in, _, err := saStates(sa, ifid)
		must(t, err)
		err = h.XfrmStateAdd(in)
		t.Logf("%s replay (%v): %v", c.name, replayOf(in), err)
		switch {
		case err == nil:
			got, err := h.XfrmStateGet(stateKey(in))
			must(t, err)
			if got.Ifid != ifid || got.Reqid != ifid || got.Encap == nil || got.Encap.DstPort != 4500 {
				t.Errorf("%s: read back %+v", c.name, got)
			}
			must(t, h.XfrmStateDel(stateKey(in)))
		case errors.Is(err, unix.EPROTONOSUPPORT):
			// This kernel has no ESP: the request got past validation.
		default:
			t.Errorf("%s: kernel refused the request: %v", c.name, err)
		}
	}

	t4 := policyTemplate{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7"), netlink.XFRM_MODE_TUNNEL}
	for _, p := range interfacePolicies(ifid, t4) {
		must(t, h.XfrmPolicyAdd(p))
	}
	moved := t4
	moved.remote = netip.MustParseAddr("198.51.100.99")
	for _, p := range interfacePolicies(ifid, moved) {
		must(t, h.XfrmPolicyUpdate(p))
	}
	got := policiesIn(t, h)
	if len(got) != 6 {
		t.Fatalf("%d policies, want 6: %v", len(got), got)
	}
	for _, p := range got {
		if p.Ifid != ifid || len(p.Tmpls) != 1 || p.Tmpls[0].Reqid != ifid {
			t.Errorf("policy %v", p)
		}
		peer := p.Tmpls[0].Dst
		if p.Dir != netlink.XFRM_DIR_OUT {
			peer = p.Tmpls[0].Src
		}
		if !peer.Equal(ipOf(moved.remote)) {
			t.Errorf("policy %v: peer %v, want %v", p, peer, moved.remote)
		}
	}
	for _, p := range interfacePolicies(ifid, moved) {
		must(t, h.XfrmPolicyDel(policyKey(p)))
	}
}

// TestKernelBackendLifecycle runs the backend on this kernel: New removes
// the policies an earlier run left (and only those), an interface fails
// with the kernel's reason where XFRM interfaces are missing, and Close
// leaves the namespace empty.
func TestKernelBackendLifecycle(t *testing.T) {
	ns := scratchNamespace(t)
	other := kernelHandleIn(t, ns)
	tmpl := policyTemplate{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7"), netlink.XFRM_MODE_TUNNEL}
	for _, ifid := range []uint32{IfIDBase + 9, 42} {
		for _, p := range interfacePolicies(ifid, tmpl) {
			must(t, other.XfrmPolicyAdd(p))
		}
	}
	b, err := newBackend(kernelHandleIn(t, ns), Options{})
	must(t, err)
	got := policiesIn(t, other)
	if len(got) != 6 {
		t.Errorf("after New: %d policies, want the 6 of if_id 42", len(got))
	}
	for _, p := range got {
		if p.Ifid != 42 {
			t.Errorf("New left %v", p)
		}
	}
	err = b.EnsureInterface(va("1", ""))
	t.Logf("EnsureInterface: %v", err)
	if Probe(ns) == nil {
		must(t, err)
	} else if err == nil {
		t.Error("EnsureInterface succeeded where Probe says XFRM is unusable")
	}
	must(t, b.Close())
	if links, err := other.LinkList(); err == nil {
		for _, l := range links {
			if _, ok := l.(*netlink.Xfrmi); ok {
				t.Errorf("Close left %s", l.Attrs().Name)
			}
		}
	}
}

// TestKernelTwoSessions installs two sessions in a namespace and reads
// them back from the kernel. It needs ESP, XFRM interfaces and VRF
// devices, and skips, saying which are missing, where Probe finds them
// absent.
func TestKernelTwoSessions(t *testing.T) {
	if err := Probe(); err != nil {
		t.Skipf("kernel lacks the modules: %v", err)
	}
	ns := scratchNamespace(t)
	b, err := newBackend(kernelHandleIn(t, ns), Options{})
	must(t, err)
	defer b.Close()
	h := kernelHandleIn(t, ns)

	must(t, b.EnsureInterface(va("1", "")))
	must(t, b.EnsureInterface(va("2", "CUST-A")))
	s1, s2 := natSA(0xc0ffee01, "Virtual-Access1"), plainSA(0xc0ffee02, "Virtual-Access2")
	s2.ReplayWindow = 128
	must(t, b.InstallSA(s1))
	must(t, b.InstallSA(s2))
	must(t, b.SetRoutes("", "Virtual-Access1", []dataplane.Route{hostRoute("10.10.0.5", "Virtual-Access1")}))
	must(t, b.SetRoutes("CUST-A", "Virtual-Access2", []dataplane.Route{hostRoute("10.20.0.5", "Virtual-Access2")}))

	for i, name := range []string{"va1", "va2"} {
		l, err := h.LinkByName(name)
		must(t, err)
		x, ok := l.(*netlink.Xfrmi)
		if !ok || x.Ifid != IfIDBase+uint32(i)+1 || x.MTU != dataplane.DefaultMTU {
			t.Errorf("%s: %#v", name, l)
		}
	}
	vrf, err := h.LinkByName(vrfDevice("CUST-A"))
	must(t, err)
	if va2, _ := h.LinkByName("va2"); va2 == nil || va2.Attrs().MasterIndex != vrf.Attrs().Index {
		t.Errorf("va2 not enslaved to %s", vrf.Attrs().Name)
	}
	states, err := retryDump("states", func() ([]netlink.XfrmState, error) { return h.XfrmStateList(netlink.FAMILY_ALL) })
	must(t, err)
	if len(states) != 4 {
		t.Fatalf("%d states, want 4", len(states))
	}
	for _, st := range states {
		if !ownedIfID(uint32(st.Ifid)) || st.Reqid != st.Ifid || st.Mark != nil {
			t.Errorf("state %v", st)
		}
		if uint32(st.Spi) == s1.ID.SPI && (st.Encap == nil || st.Aead == nil || st.Aead.Name != "rfc4106(gcm(aes))") {
			t.Errorf("NAT-T state %v", st)
		}
	}
	if policies := policiesIn(t, h); len(policies) != 12 {
		t.Errorf("%d policies, want 12", len(policies))
	}
	c, err := b.SACounters(s1.ID)
	must(t, err)
	t.Logf("counters of %v: %+v", s1.ID, c)

	must(t, b.Close())
	if states, _ := h.XfrmStateList(netlink.FAMILY_ALL); len(states) != 0 {
		t.Errorf("Close left %d states", len(states))
	}
	if policies := policiesIn(t, h); len(policies) != 0 {
		t.Errorf("Close left %d policies", len(policies))
	}
}

// policiesIn dumps the policies of both families (see removeLeftovers for
// why not FAMILY_ALL).
func policiesIn(t *testing.T, h netlinkHandle) []netlink.XfrmPolicy {
	t.Helper()
	var all []netlink.XfrmPolicy
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		got, err := retryDump("policies", func() ([]netlink.XfrmPolicy, error) { return h.XfrmPolicyList(family) })
		must(t, err)
		all = append(all, got...)
	}
	return all
}
