//go:build linux

package xfrm

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/internal/golden"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/vishvananda/netlink"
	"golang.org/x/sys/unix"
)

// marker is key material that must never reach the request log, as bytes
// or as hex.
const marker = "KEYKEYKEY"

func secret(n int) []byte { return bytes.Repeat([]byte(marker), n/len(marker)+1)[:n] }

func checkNoKeys(t *testing.T, log string) {
	t.Helper()
	if strings.Contains(log, marker) || strings.Contains(log, hex.EncodeToString([]byte(marker))) {
		t.Errorf("key material in the request log:\n%s", log)
	}
}

func start(t *testing.T) (*Backend, *recorder) {
	t.Helper()
	r := newRecorder()
	b, err := newBackend(r, Options{Now: func() time.Time { return time.Unix(1_000_000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b, r
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// natSA is an AES-GCM SA to a client behind NAT (UDP-encapsulated).
func natSA(spi uint32, iface string) dataplane.ChildSA {
	return dataplane.ChildSA{
		ID: dataplane.SAID{SPI: spi}, OutboundSPI: spi ^ 0xffff0000, Interface: iface, Mode: dataplane.Tunnel,
		Local: netip.MustParseAddrPort("192.0.2.1:4500"), Remote: netip.MustParseAddrPort("198.51.100.7:61004"), Encap: true,
		Encr: suite.EncrAESGCM16, EncrKeyBits: 256,
		In: dataplane.Keys{Encr: secret(36)}, Out: dataplane.Keys{Encr: secret(36)},
		ReplayWindow: 64,
		Lifetime:     dataplane.Lifetime{SoftSeconds: 3240, HardSeconds: 3600, SoftBytes: 4_000_000_000, HardBytes: 4_294_967_296},
	}
}

// plainSA is an AES-CBC/SHA-256 SA with ESN to a client with a public
// address.
func plainSA(spi uint32, iface string) dataplane.ChildSA {
	return dataplane.ChildSA{
		ID: dataplane.SAID{SPI: spi}, OutboundSPI: spi + 1, Interface: iface, Mode: dataplane.Tunnel,
		Local: netip.MustParseAddrPort("192.0.2.1:500"), Remote: netip.MustParseAddrPort("203.0.113.9:500"),
		Encr: suite.EncrAESCBC, EncrKeyBits: 128, Integ: suite.IntegHMACSHA2256128, ESN: true,
		In: dataplane.Keys{Encr: secret(16), Integ: secret(32)}, Out: dataplane.Keys{Encr: secret(16), Integ: secret(32)},
		ReplayWindow: 32,
		Lifetime:     dataplane.Lifetime{SoftPackets: 1 << 30, HardPackets: 1 << 31},
	}
}

func va(n string, vrf string) dataplane.InterfaceSpec {
	return dataplane.InterfaceSpec{Name: "Virtual-Access" + n, LinuxName: "va" + n, VRF: vrf, Template: 1, Unnumbered: "Loopback0"}
}

func hostRoute(addr, iface string) dataplane.Route {
	return dataplane.Route{Prefix: netip.PrefixFrom(netip.MustParseAddr(addr), netip.MustParseAddr(addr).BitLen()), Interface: iface}
}

func TestGoldenGlobalSessions(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	must(t, b.InstallSA(natSA(0xc0ffee01, "Virtual-Access1")))
	must(t, b.SetRoutes("", "Virtual-Access1", []dataplane.Route{hostRoute("10.10.0.5", "Virtual-Access1"), hostRoute("2001:db8:10::5", "Virtual-Access1")}))
	spec := va("2", "")
	spec.LinuxName, spec.MTU = "", 1380 // the backend names it
	spec.Unnumbered, spec.Addresses = "", []netip.Prefix{netip.MustParsePrefix("10.99.0.1/32")}
	must(t, b.EnsureInterface(spec))
	must(t, b.InstallSA(plainSA(0xc0ffee02, "Virtual-Access2")))
	must(t, b.SetRoutes("", "Virtual-Access2", []dataplane.Route{hostRoute("10.10.0.6", "Virtual-Access2")}))
	// Calls are desired state: the same again changes nothing.
	must(t, b.EnsureInterface(spec))
	must(t, b.SetRoutes("", "Virtual-Access2", []dataplane.Route{hostRoute("10.10.0.6", "Virtual-Access2")}))
	log := r.Log()
	checkNoKeys(t, log)
	golden.Check(t, "testdata/global.golden", log)
	golden.Check(t, "testdata/global-kernel.golden", r.dump())
}

func TestGoldenVRFSession(t *testing.T) {
	b, r := start(t)
	spec := va("3", "CUST-A")
	must(t, b.EnsureInterface(spec))
	sa := natSA(0xc0ffee03, "Virtual-Access3")
	sa.FVRF = "outside"
	must(t, b.InstallSA(sa))
	must(t, b.SetRoutes("CUST-A", "Virtual-Access3", []dataplane.Route{
		hostRoute("10.20.0.5", "Virtual-Access3"),
		{Prefix: netip.MustParsePrefix("172.16.0.0/16"), NextHop: netip.MustParseAddr("10.20.0.5"), Interface: "Virtual-Access3", Distance: 250},
	}))
	spec.MTU = 1300
	must(t, b.EnsureInterface(spec))
	golden.Check(t, "testdata/vrf.golden", r.Log())
	golden.Check(t, "testdata/vrf-kernel.golden", r.dump())
}

func TestGoldenRekey(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	old := natSA(0x1000, "Virtual-Access1")
	must(t, b.InstallSA(old))
	mark := len(r.log)
	// Make before break: the new SA arrives while the old one still works.
	next := natSA(0x2000, "Virtual-Access1")
	next.Replaces = &old.ID
	must(t, b.InstallSA(next))
	must(t, b.RemoveSA(old.ID))
	// The client's NAT mapping moved: the policies follow the newest SA.
	moved := natSA(0x3000, "Virtual-Access1")
	moved.Remote = netip.MustParseAddrPort("198.51.100.99:4500")
	moved.Replaces = &next.ID
	must(t, b.InstallSA(moved))
	must(t, b.RemoveSA(next.ID))
	golden.Check(t, "testdata/rekey.golden", strings.Join(r.log[mark:], "\n")+"\n")
	golden.Check(t, "testdata/rekey-kernel.golden", r.dump())
}

func TestGoldenRemoveEverything(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	must(t, b.EnsureInterface(va("3", "CUST-A")))
	must(t, b.InstallSA(natSA(0xc0ffee01, "Virtual-Access1")))
	must(t, b.InstallSA(natSA(0xc0ffee03, "Virtual-Access3")))
	must(t, b.SetRoutes("", "Virtual-Access1", []dataplane.Route{hostRoute("10.10.0.5", "Virtual-Access1")}))
	must(t, b.SetRoutes("CUST-A", "Virtual-Access3", []dataplane.Route{hostRoute("10.20.0.5", "Virtual-Access3")}))
	mark := len(r.log)
	// In the order the session service tears a session down.
	for _, s := range []struct {
		vrf, iface string
		spi        uint32
	}{{"", "Virtual-Access1", 0xc0ffee01}, {"CUST-A", "Virtual-Access3", 0xc0ffee03}} {
		must(t, b.RemoveSA(dataplane.SAID{SPI: s.spi}))
		must(t, b.SetRoutes(s.vrf, s.iface, nil))
		must(t, b.RemoveInterface(s.iface))
	}
	golden.Check(t, "testdata/remove.golden", strings.Join(r.log[mark:], "\n")+"\n")
	if got := r.dump(); got != "\n" {
		t.Errorf("kernel still holds:\n%s", got)
	}
}

func TestGoldenClose(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	must(t, b.EnsureInterface(va("3", "CUST-A")))
	must(t, b.InstallSA(natSA(0xc0ffee01, "Virtual-Access1")))
	sa := plainSA(0xc0ffee03, "Virtual-Access3")
	sa.FVRF = "outside"
	must(t, b.InstallSA(sa))
	must(t, b.SetRoutes("", "Virtual-Access1", []dataplane.Route{{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("192.0.2.254")}}))
	must(t, b.SetRoutes("CUST-A", "Virtual-Access3", []dataplane.Route{hostRoute("10.20.0.5", "Virtual-Access3")}))
	mark := len(r.log)
	must(t, b.Close())
	must(t, b.Close()) // again: nothing
	golden.Check(t, "testdata/close.golden", strings.Join(r.log[mark:], "\n")+"\n")
	if got := r.dump(); got != "\n" {
		t.Errorf("kernel still holds:\n%s", got)
	}
	if _, ok := <-b.Events(); ok {
		t.Error("Events not closed")
	}
	for name, err := range map[string]error{
		"EnsureInterface": b.EnsureInterface(va("1", "")),
		"InstallSA":       b.InstallSA(natSA(1, "Virtual-Access1")),
		"RemoveSA":        b.RemoveSA(dataplane.SAID{SPI: 1}),
		"SetRoutes":       b.SetRoutes("", "x", nil),
		"RemoveInterface": b.RemoveInterface("Virtual-Access1"),
	} {
		if !errors.Is(err, dataplane.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
}

// TestGoldenLeftovers: New removes what an earlier Gatehouse left (found
// by if_id range and VRF prefix and table), retries interrupted dumps, and
// leaves other software's objects alone.
func TestGoldenLeftovers(t *testing.T) {
	r := newRecorder()
	mine, theirs := uint32(IfIDBase+7), uint32(42)
	r.links["va7"] = &netlink.Xfrmi{LinkAttrs: netlink.LinkAttrs{Name: "va7", Index: 7}, Ifid: mine}
	r.links["ipsec0"] = &netlink.Xfrmi{LinkAttrs: netlink.LinkAttrs{Name: "ipsec0", Index: 8}, Ifid: theirs}
	r.links["ghv-CUST-A"] = &netlink.Vrf{LinkAttrs: netlink.LinkAttrs{Name: "ghv-CUST-A", Index: 9}, Table: TableBase + 12}
	r.links["ghv-other"] = &netlink.Vrf{LinkAttrs: netlink.LinkAttrs{Name: "ghv-other", Index: 10}, Table: 100}
	r.links["blue"] = &netlink.Vrf{LinkAttrs: netlink.LinkAttrs{Name: "blue", Index: 11}, Table: TableBase + 13}
	r.index = 20
	for _, ifid := range []uint32{mine, theirs} {
		for _, p := range interfacePolicies(ifid, policyTemplate{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7"), netlink.XFRM_MODE_TUNNEL})[:1] {
			r.policies[policyID(p)] = p
		}
		in, _, err := saStates(natSA(ifid, "x"), ifid)
		must(t, err)
		r.states[idOf(in)] = in
	}
	r.intr = 2
	b, err := newBackend(r, Options{})
	must(t, err)
	defer b.Close()
	golden.Check(t, "testdata/leftovers.golden", r.Log())
	golden.Check(t, "testdata/leftovers-kernel.golden", r.dump())
}

func TestDumpInterruptedTooOften(t *testing.T) {
	r := newRecorder()
	r.intr = dumpAttempts
	_, err := newBackend(r, Options{})
	if !errors.Is(err, netlink.ErrDumpInterrupted) {
		t.Fatalf("New: %v, want ErrDumpInterrupted after %d attempts", err, dumpAttempts)
	}
}

// TestRejectedBeforeAnyRequest: invalid specs, SAs and routes fail the
// shared Validate, so the kernel sees nothing.
func TestRejectedBeforeAnyRequest(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	mark := len(r.log)
	badSA := func(f func(*dataplane.ChildSA)) dataplane.ChildSA {
		sa := natSA(0xbad, "Virtual-Access1")
		f(&sa)
		return sa
	}
	cases := map[string]error{
		"empty name":         b.EnsureInterface(dataplane.InterfaceSpec{}),
		"long linux name":    b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access9", LinuxName: "a-very-long-linux-name"}),
		"mtu":                b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access9", MTU: 20}),
		"zero spi":           b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.ID.SPI = 0 })),
		"short key":          b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Out.Encr = secret(32) })),
		"aead with integ":    b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Integ = suite.IntegHMACSHA196 })),
		"unknown encr":       b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Encr = 99 })),
		"encap without port": b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Local = netip.MustParseAddrPort("192.0.2.1:0") })),
		"mixed families":     b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Remote = netip.MustParseAddrPort("[2001:db8::7]:4500") })),
		"soft after hard":    b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Lifetime.SoftSeconds = 7200 })),
		"replaces itself":    b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Replaces = &sa.ID })),
		"unknown interface":  b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Interface = "Virtual-Access99" })),
		"esn without replay": b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.ESN, sa.ReplayWindow = true, 0 })),
		"host bits":          b.SetRoutes("", "Virtual-Access1", []dataplane.Route{{Prefix: netip.MustParsePrefix("10.0.0.1/8"), Interface: "Virtual-Access1"}}),
		"no way":             b.SetRoutes("", "Virtual-Access1", []dataplane.Route{{Prefix: netip.MustParsePrefix("10.0.0.0/8")}}),
		"foreign interface":  b.SetRoutes("", "Virtual-Access1", []dataplane.Route{hostRoute("10.0.0.1", "GigabitEthernet1")}),
		"empty owner":        b.SetRoutes("", "", nil),
	}
	for name, err := range cases {
		if err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "xfrm: ") {
			t.Errorf("%s: error %q does not name the component", name, err)
		}
	}
	if extra := r.log[mark:]; len(extra) > 0 {
		t.Errorf("rejected calls reached the kernel:\n%s", strings.Join(extra, "\n"))
	}
	if err := b.InstallSA(badSA(func(sa *dataplane.ChildSA) { sa.Interface = "Virtual-Access99" })); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("unknown interface: %v, want ErrNotFound", err)
	}
}

func TestConflicts(t *testing.T) {
	b, _ := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	must(t, b.EnsureInterface(va("2", "")))
	if err := b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access9", LinuxName: "va1"}); !errors.Is(err, dataplane.ErrExists) {
		t.Errorf("reused linux name: %v, want ErrExists", err)
	}
	if err := b.EnsureInterface(dataplane.InterfaceSpec{Name: "Virtual-Access1", LinuxName: "va9"}); err == nil {
		t.Error("linux name changed in place")
	}
	must(t, b.InstallSA(natSA(0x10, "Virtual-Access1")))
	if err := b.InstallSA(natSA(0x10, "Virtual-Access1")); !errors.Is(err, dataplane.ErrExists) {
		t.Errorf("same SPI twice: %v, want ErrExists", err)
	}
	must(t, b.SetRoutes("", "Virtual-Access1", []dataplane.Route{hostRoute("10.10.0.5", "Virtual-Access1")}))
	if err := b.SetRoutes("", "Virtual-Access2", []dataplane.Route{hostRoute("10.10.0.5", "Virtual-Access2")}); !errors.Is(err, dataplane.ErrExists) {
		t.Errorf("another owner's route: %v, want ErrExists", err)
	}
	if err := b.RemoveSA(dataplane.SAID{SPI: 0x99}); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("RemoveSA unknown: %v", err)
	}
	if err := b.RemoveInterface("Virtual-Access9"); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("RemoveInterface unknown: %v", err)
	}
}

// TestIfIDNotReusedWhileSAsRemain: a removed interface's if_id stays taken
// while its states are installed, so a new interface cannot inherit them.
func TestIfIDNotReusedWhileSAsRemain(t *testing.T) {
	b, _ := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	must(t, b.InstallSA(natSA(0x10, "Virtual-Access1")))
	must(t, b.RemoveInterface("Virtual-Access1"))
	must(t, b.EnsureInterface(va("2", "")))
	if got := b.ifaces["Virtual-Access2"].ifid; got == IfIDBase+1 {
		t.Fatalf("if_id 0x%x reused while SA 0x10 carries it", got)
	}
	must(t, b.RemoveSA(dataplane.SAID{SPI: 0x10}))
	must(t, b.EnsureInterface(va("3", "")))
	if got := b.ifaces["Virtual-Access3"].ifid; got != IfIDBase+1 {
		t.Fatalf("if_id 0x%x, want the freed 0x%x", got, IfIDBase+1)
	}
}

// TestFailedInstallLeavesNothing: when the kernel refuses the outbound
// state, the inbound one is deleted again and the SA is not recorded.
func TestFailedInstallLeavesNothing(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	mark := len(r.log)
	before := r.dump()
	r.mu.Lock()
	r.states[stateID{netip.MustParseAddr("198.51.100.7"), 0x21 ^ 0xffff0000}] = &netlink.XfrmState{} // the outbound SPI is taken
	r.mu.Unlock()
	if err := b.InstallSA(natSA(0x21, "Virtual-Access1")); !errors.Is(err, unix.EEXIST) {
		t.Fatalf("InstallSA: %v, want EEXIST", err)
	}
	r.mu.Lock()
	delete(r.states, stateID{netip.MustParseAddr("198.51.100.7"), 0x21 ^ 0xffff0000})
	r.mu.Unlock()
	if got := r.dump(); got != before {
		t.Errorf("failed install left:\n%s\nwant:\n%s", got, before)
	}
	if _, ok := b.sas[dataplane.SAID{SPI: 0x21}]; ok {
		t.Error("failed SA recorded")
	}
	golden.Check(t, "testdata/failed-install.golden", strings.Join(r.log[mark:], "\n")+"\n")
}

func TestCounters(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	sa := natSA(0x30, "Virtual-Access1")
	must(t, b.InstallSA(sa))
	r.mu.Lock()
	in := r.states[stateID{netip.MustParseAddr("192.0.2.1"), 0x30}]
	in.Statistics = netlink.XfrmStateStats{Bytes: 1000, Packets: 10, Replay: 2, ReplayWindow: 1, Failed: 3}
	out := r.states[stateID{netip.MustParseAddr("198.51.100.7"), sa.OutboundSPI}]
	out.Statistics = netlink.XfrmStateStats{Bytes: 2000, Packets: 20}
	*r.links["va1"].Attrs().Statistics = netlink.LinkStatistics{RxPackets: 5, RxBytes: 500, TxPackets: 6, TxBytes: 600, RxDropped: 1, TxErrors: 2}
	r.mu.Unlock()
	c, err := b.SACounters(sa.ID)
	must(t, err)
	want := dataplane.SACounters{InPackets: 10, InBytes: 1000, OutPackets: 20, OutBytes: 2000, ReplayErrors: 3, AuthErrors: 3}
	if c != want {
		t.Errorf("SACounters = %+v, want %+v", c, want)
	}
	ic, err := b.Counters("Virtual-Access1")
	must(t, err)
	if wantIf := (dataplane.Counters{InPackets: 5, InBytes: 500, OutPackets: 6, OutBytes: 600, InDrops: 1, OutDrops: 2}); ic != wantIf {
		t.Errorf("Counters = %+v, want %+v", ic, wantIf)
	}
	// A direction the kernel hard-expired reads zero, not an error.
	r.mu.Lock()
	delete(r.states, stateID{netip.MustParseAddr("198.51.100.7"), sa.OutboundSPI})
	r.mu.Unlock()
	c, err = b.SACounters(sa.ID)
	must(t, err)
	if c.OutBytes != 0 || c.InBytes != 1000 {
		t.Errorf("after outbound expiry: %+v", c)
	}
	if _, err := b.Counters("Virtual-Access9"); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("Counters unknown: %v", err)
	}
	if _, err := b.SACounters(dataplane.SAID{SPI: 9}); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("SACounters unknown: %v", err)
	}
}

func nextEvent(t *testing.T, b *Backend) dataplane.Event {
	t.Helper()
	select {
	case ev := <-b.Events():
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
	}
	return dataplane.Event{}
}

func noEvent(t *testing.T, b *Backend) {
	t.Helper()
	select {
	case ev := <-b.Events():
		t.Fatalf("unexpected event %v", ev)
	default:
	}
}

func TestExpiryEvents(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	sa := natSA(0x40, "Virtual-Access1")
	must(t, b.InstallSA(sa))
	local, remote := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("198.51.100.7")

	r.sendExpiry(expiry{Dst: local, SPI: 0x40})
	if ev := nextEvent(t, b); ev != (dataplane.Event{Kind: dataplane.SoftExpire, SA: sa.ID}) {
		t.Fatalf("got %v", ev)
	}
	// The outbound state's soft expiry names the same SA: reported once.
	r.sendExpiry(expiry{Dst: remote, SPI: sa.OutboundSPI})
	r.sendExpiry(expiry{Dst: remote, SPI: 0x77}) // not ours
	r.sendExpiry(expiry{Dst: remote, SPI: sa.OutboundSPI, Hard: true})
	if ev := nextEvent(t, b); ev != (dataplane.Event{Kind: dataplane.HardExpire, SA: sa.ID}) {
		t.Fatalf("got %v", ev)
	}
	r.sendExpiry(expiry{Dst: local, SPI: 0x40, Hard: true})
	// RemoveSA of an SA the kernel already deleted succeeds.
	r.mu.Lock()
	delete(r.states, stateID{local, 0x40})
	delete(r.states, stateID{remote, sa.OutboundSPI})
	r.mu.Unlock()
	must(t, b.RemoveSA(sa.ID))
	noEvent(t, b)
}

// TestExpiryResync: after lost notifications (ENOBUFS) the backend reads
// the state table and reports what it finds.
func TestExpiryResync(t *testing.T) {
	b, r := start(t)
	must(t, b.EnsureInterface(va("1", "")))
	must(t, b.EnsureInterface(va("2", "")))
	gone, tired, fresh := natSA(0x50, "Virtual-Access1"), natSA(0x60, "Virtual-Access2"), plainSA(0x70, "Virtual-Access2")
	for _, sa := range []dataplane.ChildSA{gone, tired, fresh} {
		must(t, b.InstallSA(sa))
	}
	r.mu.Lock()
	delete(r.states, stateID{netip.MustParseAddr("192.0.2.1"), 0x50})                               // hard-expired by the kernel
	r.states[stateID{netip.MustParseAddr("192.0.2.1"), 0x60}].Statistics.AddTime = 1_000_000 - 3300 // past 3240 s
	r.states[stateID{netip.MustParseAddr("192.0.2.1"), 0x70}].Statistics.AddTime = 1_000_000 - 10
	r.mu.Unlock()
	r.sendExpiry(expiry{Err: unix.ENOBUFS})
	got := map[dataplane.Event]bool{nextEvent(t, b): true, nextEvent(t, b): true}
	want := map[dataplane.Event]bool{{Kind: dataplane.HardExpire, SA: gone.ID}: true, {Kind: dataplane.SoftExpire, SA: tired.ID}: true}
	if len(got) != 2 || !got[dataplane.Event{Kind: dataplane.HardExpire, SA: gone.ID}] || !got[dataplane.Event{Kind: dataplane.SoftExpire, SA: tired.ID}] {
		t.Fatalf("events %v, want %v", got, want)
	}
	noEvent(t, b)
}

// TestAlgorithms maps every transform Gatehouse negotiates to the kernel's
// names, ICV and truncation lengths, with the keys passed unchanged.
func TestAlgorithms(t *testing.T) {
	cases := []struct {
		encr, bits, integ int
		want              string
	}{
		{suite.EncrAESGCM16, 128, suite.IntegNone, "aead=rfc4106(gcm(aes))/icv128 key=20"},
		{suite.EncrAESGCM16, 192, suite.IntegNone, "aead=rfc4106(gcm(aes))/icv128 key=28"},
		{suite.EncrAESGCM16, 256, suite.IntegNone, "aead=rfc4106(gcm(aes))/icv128 key=36"},
		{suite.EncrChaCha20Poly1305, 256, suite.IntegNone, "aead=rfc7539esp(chacha20,poly1305)/icv128 key=36"},
		{suite.EncrChaCha20Poly1305, 0, suite.IntegNone, "aead=rfc7539esp(chacha20,poly1305)/icv128 key=36"},
		{suite.EncrAESCBC, 128, suite.IntegHMACSHA196, "enc=cbc(aes) key=16 auth=hmac(sha1)/trunc96 key=20"},
		{suite.EncrAESCBC, 192, suite.IntegHMACSHA2256128, "enc=cbc(aes) key=24 auth=hmac(sha256)/trunc128 key=32"},
		{suite.EncrAESCBC, 256, suite.IntegHMACSHA2384192, "enc=cbc(aes) key=32 auth=hmac(sha384)/trunc192 key=48"},
		{suite.EncrAESCBC, 256, suite.IntegHMACSHA2512256, "enc=cbc(aes) key=32 auth=hmac(sha512)/trunc256 key=64"},
		{suite.Encr3DES, 0, suite.IntegHMACSHA196, "enc=cbc(des3_ede) key=24 auth=hmac(sha1)/trunc96 key=20"},
		{suite.Encr3DES, 192, suite.IntegHMACSHA2512256, "enc=cbc(des3_ede) key=24 auth=hmac(sha512)/trunc256 key=64"},
	}
	for _, c := range cases {
		tr := suite.Transforms{Encr: c.encr, EncrKeyBits: c.bits, Integ: c.integ}
		el, err := tr.EncrKeyLen()
		must(t, err)
		il, err := tr.IntegKeyLen()
		must(t, err)
		keys := dataplane.Keys{Encr: secret(el), Integ: secret(il)}
		crypt, auth, aead, err := kernelAlgorithms(c.encr, c.bits, c.integ, keys)
		if err != nil {
			t.Errorf("%d/%d+%d: %v", c.encr, c.bits, c.integ, err)
			continue
		}
		var parts []string
		for _, a := range []struct {
			label string
			algo  *netlink.XfrmStateAlgo
		}{{"aead", aead}, {"enc", crypt}, {"auth", auth}} {
			if a.algo == nil {
				continue
			}
			s := a.label + "=" + a.algo.Name
			switch {
			case a.algo.ICVLen != 0:
				s += "/icv" + strconv.Itoa(a.algo.ICVLen)
			case a.algo.TruncateLen != 0:
				s += "/trunc" + strconv.Itoa(a.algo.TruncateLen)
			}
			parts = append(parts, s+" key="+strconv.Itoa(len(a.algo.Key)))
			want := keys.Encr
			if a.label == "auth" {
				want = keys.Integ
			}
			if !bytes.Equal(a.algo.Key, want) {
				t.Errorf("%d/%d+%d: %s key differs from the SA's", c.encr, c.bits, c.integ, a.label)
			}
		}
		if got := strings.Join(parts, " "); got != c.want {
			t.Errorf("%d/%d+%d: %s, want %s", c.encr, c.bits, c.integ, got, c.want)
		}
		// The whole SA validates and builds states.
		sa := plainSA(0x100, "x")
		sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = c.encr, c.bits, c.integ, keys, keys
		must(t, sa.Validate())
		if _, _, err := saStates(sa, IfIDBase+1); err != nil {
			t.Errorf("%d/%d+%d: saStates: %v", c.encr, c.bits, c.integ, err)
		}
	}
	for _, bad := range [][3]int{{99, 128, 0}, {suite.EncrAESCBC, 128, 99}, {suite.EncrAESCBC, 128, suite.IntegNone}, {suite.EncrAESGCM16, 128, suite.IntegHMACSHA196}} {
		if _, _, _, err := kernelAlgorithms(bad[0], bad[1], bad[2], dataplane.Keys{}); err == nil {
			t.Errorf("%v: accepted", bad)
		}
	}
}

func TestReplayEncoding(t *testing.T) {
	for _, c := range []struct {
		window int
		esn    bool
		want   string
	}{
		{0, false, "legacy/0"}, {32, false, "legacy/32"}, {64, false, "bmp/64"}, {1024, false, "bmp/1024"},
		{32, true, "esn/32"}, {128, true, "esn/128"},
	} {
		st := &netlink.XfrmState{ReplayWindow: c.window, ESN: c.esn, Mode: netlink.XFRM_MODE_TUNNEL}
		if got := replayOf(st).String(); got != c.want {
			t.Errorf("window %d esn %v: %s, want %s", c.window, c.esn, got, c.want)
		}
	}
}

func TestDefaultLinuxName(t *testing.T) {
	for name, want := range map[string]string{"Virtual-Access7": "va7", "Virtual-Access12345": "va12345", "Tunnel": "va3", "x1234567890123456": "va3"} {
		if got := defaultLinuxName(name, IfIDBase+3); got != want {
			t.Errorf("%s: %s, want %s", name, got, want)
		}
	}
	for vrf, want := range map[string]string{"CUST-A": "ghv-CUST-A", "a-long-vrf-name": "ghv-" + hexFNV("a-long-vrf-name"), "has space": "ghv-" + hexFNV("has space")} {
		if got := vrfDevice(vrf); got != want || len(got) > dataplane.MaxLinuxName {
			t.Errorf("vrf %q: %s, want %s", vrf, got, want)
		}
	}
}

func hexFNV(s string) string {
	v := fnv32(s)
	return hex.EncodeToString([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}
