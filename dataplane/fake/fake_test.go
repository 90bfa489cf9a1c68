package fake

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/internal/golden"
)

// secret fills key material with a marker that must never reach Calls or
// State, in bytes or in hex.
func secret(n int) []byte { return []byte(strings.Repeat("S", n)) }

func gcmSA(spi uint32, iface string) dataplane.ChildSA {
	return dataplane.ChildSA{
		ID:          dataplane.SAID{SPI: spi},
		OutboundSPI: spi ^ 0xffff0000,
		Interface:   iface,
		FVRF:        "outside",
		Mode:        dataplane.Tunnel,
		Local:       netip.MustParseAddrPort("192.0.2.1:4500"),
		Remote:      netip.MustParseAddrPort("198.51.100.7:4500"),
		Encap:       true,
		Encr:        20,
		EncrKeyBits: 256,
		In:          dataplane.Keys{Encr: secret(36)},
		Out:         dataplane.Keys{Encr: secret(36)},
		LocalTS: []dataplane.TrafficSelector{{
			EndPort: 65535, Start: netip.MustParseAddr("0.0.0.0"), End: netip.MustParseAddr("255.255.255.255"),
		}},
		RemoteTS: []dataplane.TrafficSelector{{
			EndPort: 65535, Start: netip.MustParseAddr("10.10.0.5"), End: netip.MustParseAddr("10.10.0.5"),
		}},
		ReplayWindow: 64,
		Lifetime:     dataplane.Lifetime{SoftSeconds: 3240, HardSeconds: 3600, SoftBytes: 4000000000, HardBytes: 4294967296},
	}
}

func cbcSA(spi uint32, iface string) dataplane.ChildSA {
	return dataplane.ChildSA{
		ID:          dataplane.SAID{SPI: spi},
		OutboundSPI: 0x1234,
		Interface:   iface,
		Mode:        dataplane.Transport,
		Local:       netip.MustParseAddrPort("[2001:db8::1]:0"),
		Remote:      netip.MustParseAddrPort("[2001:db8::2]:0"),
		Encr:        12,
		EncrKeyBits: 128,
		Integ:       12,
		ESN:         true,
		In:          dataplane.Keys{Encr: secret(16), Integ: secret(32)},
		Out:         dataplane.Keys{Encr: secret(16), Integ: secret(32)},
	}
}

func va(n int) dataplane.InterfaceSpec {
	return dataplane.InterfaceSpec{
		Name:       fmt.Sprintf("Virtual-Access%d", n),
		LinuxName:  fmt.Sprintf("va%d", n),
		VRF:        "inside",
		Template:   1,
		Unnumbered: "Loopback0",
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestGolden drives a session's life through the Fake — interfaces, an SA
// and its rekey, routes, refused calls, a torn-down interface — and checks
// both the call log and the resulting state.
func TestGolden(t *testing.T) {
	f := New()
	va10 := dataplane.InterfaceSpec{
		Name:         "Virtual-Access10",
		Template:     2,
		Addresses:    []netip.Prefix{netip.MustParsePrefix("10.99.0.1/32"), netip.MustParsePrefix("2001:db8:99::1/128")},
		MTU:          1380,
		InACL:        "101",
		OutACL:       "BLOCK-SMB",
		TunnelSource: netip.MustParseAddr("192.0.2.1"), TunnelDestination: netip.MustParseAddr("203.0.113.9"),
	}
	must(t, f.EnsureInterface(va10))
	must(t, f.EnsureInterface(va(2)))
	must(t, f.EnsureInterface(va(1)))
	updated := va(2)
	updated.MTU = 1300
	must(t, f.EnsureInterface(updated)) // update in place

	must(t, f.InstallSA(gcmSA(0xc0ffee01, "Virtual-Access1")))
	must(t, f.InstallSA(cbcSA(0xc0ffee02, "Virtual-Access2")))
	rekey := gcmSA(0xc0ffee03, "Virtual-Access1")
	rekey.Replaces = &dataplane.SAID{SPI: 0xc0ffee01}
	must(t, f.InstallSA(rekey))
	rekey2 := cbcSA(0xc0ffee04, "Virtual-Access2")
	rekey2.Replaces = &dataplane.SAID{SPI: 0xc0ffee02}
	must(t, f.InstallSA(rekey2))
	must(t, f.RemoveSA(dataplane.SAID{SPI: 0xc0ffee02})) // rekey of VA2 done
	must(t, f.InstallSA(gcmSA(0x00000a10, "Virtual-Access10")))

	must(t, f.SetRoutes("inside", "Virtual-Access1", []dataplane.Route{
		{Prefix: netip.MustParsePrefix("10.10.0.5/32"), Interface: "Virtual-Access1", Tag: 7},
		{Prefix: netip.MustParsePrefix("10.0.0.0/8"), NextHop: netip.MustParseAddr("10.10.0.5"), Interface: "Virtual-Access1", Distance: 250},
		{Prefix: netip.MustParsePrefix("2001:db8:5::/48"), Interface: "Virtual-Access1"},
	}))
	must(t, f.SetRoutes("inside", "Virtual-Access2", []dataplane.Route{
		{Prefix: netip.MustParsePrefix("10.10.0.6/32"), Interface: "Virtual-Access2"},
	}))
	must(t, f.SetRoutes("", "Virtual-Access10", []dataplane.Route{
		{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("192.0.2.254")},
	}))
	must(t, f.SetRoutes("inside", "Virtual-Access2", nil)) // removes them

	// Refused calls are logged with their error and change nothing.
	if err := f.InstallSA(gcmSA(0xc0ffee01, "Virtual-Access1")); !errors.Is(err, dataplane.ErrExists) {
		t.Errorf("duplicate InstallSA: %v, want ErrExists", err)
	}
	if err := f.RemoveSA(dataplane.SAID{SPI: 0xbad}); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("RemoveSA unknown: %v, want ErrNotFound", err)
	}
	bad := gcmSA(0xc0ffee05, "Virtual-Access1")
	bad.Out.Encr = bad.Out.Encr[:32]
	if err := f.InstallSA(bad); err == nil {
		t.Error("InstallSA without salt succeeded")
	}

	// Tearing down VA10 without its SA leaves the SA visible in State.
	must(t, f.RemoveInterface("Virtual-Access10"))

	f.SetCounters("Virtual-Access1", dataplane.Counters{InPackets: 3})
	if c, err := f.Counters("Virtual-Access1"); err != nil || c.InPackets != 3 {
		t.Errorf("Counters = %+v, %v; want InPackets 3", c, err)
	}

	state := f.State()
	calls := strings.Join(f.Calls(), "\n") + "\n"
	for _, text := range []string{state, calls} {
		if strings.Contains(text, "SSSS") || strings.Contains(text, "53535353") {
			t.Errorf("key bytes leaked:\n%s", text)
		}
	}
	golden.Check(t, "testdata/state.golden", state)
	golden.Check(t, "testdata/calls.golden", calls)
}

func TestStateEmpty(t *testing.T) {
	want := "interfaces\n  (none)\nsas\n  (none)\nroutes\n  (none)\n"
	if got := New().State(); got != want {
		t.Errorf("State() of a new Fake:\n%s\nwant:\n%s", got, want)
	}
}

// TestFailNext checks that every operation can be made to fail once, that
// the failure changes nothing, and that the call after it succeeds.
func TestFailNext(t *testing.T) {
	boom := errors.New("boom")
	sa := gcmSA(0xc0ffee01, "Virtual-Access1")
	calls := map[string]func(f *Fake) error{
		OpEnsureInterface: func(f *Fake) error { return f.EnsureInterface(va(2)) },
		OpRemoveInterface: func(f *Fake) error { return f.RemoveInterface("Virtual-Access1") },
		OpInstallSA:       func(f *Fake) error { return f.InstallSA(gcmSA(0xc0ffee02, "Virtual-Access1")) },
		OpRemoveSA:        func(f *Fake) error { return f.RemoveSA(sa.ID) },
		OpSetRoutes: func(f *Fake) error {
			return f.SetRoutes("inside", "Virtual-Access1", []dataplane.Route{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Interface: "Virtual-Access1"}})
		},
		OpCounters:   func(f *Fake) error { _, err := f.Counters("Virtual-Access1"); return err },
		OpSACounters: func(f *Fake) error { _, err := f.SACounters(sa.ID); return err },
		OpClose:      func(f *Fake) error { return f.Close() },
	}
	if len(calls) != len(ops) {
		t.Fatalf("test covers %d operations, Fake has %d", len(calls), len(ops))
	}
	for _, op := range ops {
		t.Run(op, func(t *testing.T) {
			f := New()
			must(t, f.EnsureInterface(va(1)))
			must(t, f.InstallSA(sa))
			before := f.State()

			f.FailNext(op, boom)
			if err := calls[op](f); !errors.Is(err, boom) {
				t.Fatalf("%s after FailNext: %v, want boom", op, err)
			}
			if after := f.State(); after != before {
				t.Errorf("failed %s changed state:\n%s\nwas:\n%s", op, after, before)
			}
			log := f.Calls()
			if last := log[len(log)-1]; !strings.HasPrefix(last, op) || !strings.HasSuffix(last, " -> error: boom") {
				t.Errorf("failed call logged as %q", last)
			}
			if err := calls[op](f); err != nil {
				t.Errorf("%s after the failure: %v", op, err)
			}
		})
	}
}

func TestFailNextUnknownOpPanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("FailNext of a misspelt op did not panic")
		}
	}()
	New().FailNext("InstallSa", errors.New("boom"))
}

func TestErrors(t *testing.T) {
	f := New()
	id := dataplane.SAID{SPI: 0xc0ffee01}
	if err := f.RemoveInterface("Virtual-Access1"); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("RemoveInterface unknown: %v", err)
	}
	if _, err := f.Counters("Virtual-Access1"); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("Counters unknown: %v", err)
	}
	if _, err := f.SACounters(id); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("SACounters unknown: %v", err)
	}
	if err := f.RemoveSA(id); !errors.Is(err, dataplane.ErrNotFound) {
		t.Errorf("RemoveSA unknown: %v", err)
	}

	must(t, f.EnsureInterface(va(1)))
	clash := va(2)
	clash.LinuxName = "va1"
	if err := f.EnsureInterface(clash); !errors.Is(err, dataplane.ErrExists) {
		t.Errorf("EnsureInterface reusing a linux name: %v, want ErrExists", err)
	}
	if err := f.EnsureInterface(dataplane.InterfaceSpec{}); err == nil {
		t.Error("EnsureInterface without a name succeeded")
	}
	if err := f.SetRoutes("inside", "", []dataplane.Route{{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Interface: "x"}}); err == nil {
		t.Error("SetRoutes without owner succeeded")
	}
	twice := dataplane.Route{Prefix: netip.MustParsePrefix("10.0.0.0/8"), Interface: "Virtual-Access1"}
	if err := f.SetRoutes("inside", "Virtual-Access1", []dataplane.Route{twice, twice}); err == nil {
		t.Error("SetRoutes with a duplicate route succeeded")
	}
	if err := f.SetRoutes("inside", "Virtual-Access1", []dataplane.Route{{Prefix: netip.MustParsePrefix("10.0.0.1/8"), Interface: "x"}}); err == nil {
		t.Error("SetRoutes with host bits set succeeded")
	}
	if got := f.Routes("inside", "Virtual-Access1"); len(got) != 0 {
		t.Errorf("refused SetRoutes left routes: %v", got)
	}
	if got := len(f.Interfaces()); got != 1 {
		t.Errorf("%d interfaces after refused calls, want 1", got)
	}

	// Counters live as long as their object.
	must(t, f.InstallSA(gcmSA(id.SPI, "Virtual-Access1")))
	f.SetSACounters(id, dataplane.SACounters{AuthErrors: 2})
	f.SetCounters("Virtual-Access1", dataplane.Counters{ACLDrops: 9})
	if c, err := f.SACounters(id); err != nil || c.AuthErrors != 2 {
		t.Errorf("SACounters = %+v, %v", c, err)
	}
	must(t, f.RemoveSA(id))
	must(t, f.RemoveInterface("Virtual-Access1"))
	must(t, f.EnsureInterface(va(1)))
	must(t, f.InstallSA(gcmSA(id.SPI, "Virtual-Access1")))
	if c, _ := f.SACounters(id); c != (dataplane.SACounters{}) {
		t.Errorf("reinstalled SA kept counters %+v", c)
	}
	if c, _ := f.Counters("Virtual-Access1"); c != (dataplane.Counters{}) {
		t.Errorf("recreated interface kept counters %+v", c)
	}
}

// TestCopies checks that callers and the Fake never share slices.
func TestCopies(t *testing.T) {
	f := New()
	spec := va(1)
	spec.Unnumbered, spec.Addresses = "", []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")}
	must(t, f.EnsureInterface(spec))
	sa := gcmSA(1, "Virtual-Access1")
	sa.Replaces = &dataplane.SAID{SPI: 2}
	must(t, f.InstallSA(sa))
	before := f.State()

	spec.Addresses[0] = netip.MustParsePrefix("10.0.0.2/32")
	sa.In.Encr[0], sa.LocalTS[0].Proto, sa.Replaces.SPI = 'X', 6, 3
	got := f.SAs()
	got[0].Out.Encr[0], got[0].RemoteTS[0].Proto, got[0].Replaces.SPI = 'X', 17, 4
	f.Interfaces()[0].Addresses[0] = netip.MustParsePrefix("10.0.0.3/32")

	if after := f.State(); after != before {
		t.Errorf("state changed through a shared slice:\n%s\nwas:\n%s", after, before)
	}
	again := f.SAs()[0]
	if again.In.Encr[0] != 'S' || again.Out.Encr[0] != 'S' || again.Replaces.SPI != 2 {
		t.Errorf("stored SA changed through a shared slice: %+v", again)
	}
}

func TestEvents(t *testing.T) {
	f := New()
	want := dataplane.Event{Kind: dataplane.SoftExpire, SA: dataplane.SAID{SPI: 7}}
	f.Fire(want)
	select {
	case got := <-f.Events():
		if got != want {
			t.Fatalf("got %v, want %v", got, want)
		}
	default:
		t.Fatal("fired event not buffered")
	}

	// Nobody reads: Fire must still return, dropping what does not fit.
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := range EventBuffer + 5 {
			f.Fire(dataplane.Event{Kind: dataplane.HardExpire, SA: dataplane.SAID{SPI: uint32(i + 1)}})
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Fire blocked on a full channel")
	}
	if got := f.Dropped(); got != 5 {
		t.Errorf("Dropped() = %d, want 5", got)
	}

	must(t, f.Close())
	must(t, f.Close()) // closes the channel once: a second close would panic
	f.Fire(want)       // after Close: dropped, not a panic
	if got := f.Dropped(); got != 6 {
		t.Errorf("Dropped() after Close = %d, want 6", got)
	}
	n := 0
	for ev := range f.Events() { // ends only if Close closed the channel
		n++
		if ev.SA.SPI != uint32(n) {
			t.Fatalf("event %d is %v: order lost", n, ev)
		}
	}
	if n != EventBuffer {
		t.Errorf("drained %d events, want %d", n, EventBuffer)
	}
	if err := f.EnsureInterface(va(1)); !errors.Is(err, dataplane.ErrClosed) {
		t.Errorf("EnsureInterface after Close: %v, want ErrClosed", err)
	}
}

// TestConcurrent runs sessions on many goroutines at once, with readers of
// the state and a consumer of events; run it with -race.
func TestConcurrent(t *testing.T) {
	const workers, perWorker = 16, 40
	f := New()

	var received int
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		for range f.Events() {
			received++
		}
	}()

	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			name := fmt.Sprintf("Virtual-Access%d", w+1)
			spec := va(w + 1)
			if err := f.EnsureInterface(spec); err != nil {
				errs <- err
				return
			}
			for i := range perWorker {
				id := dataplane.SAID{SPI: uint32(w*1000 + i + 1)}
				if err := f.InstallSA(gcmSA(id.SPI, name)); err != nil {
					errs <- err
					return
				}
				f.SetSACounters(id, dataplane.SACounters{InPackets: uint64(i)})
				if _, err := f.SACounters(id); err != nil {
					errs <- err
					return
				}
				prefix := netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(w), byte(i), 0}), 24)
				if err := f.SetRoutes("inside", name, []dataplane.Route{{Prefix: prefix, Interface: name}}); err != nil {
					errs <- err
					return
				}
				f.Fire(dataplane.Event{Kind: dataplane.SoftExpire, SA: id})
				if i%2 == 1 {
					if err := f.RemoveSA(id); err != nil {
						errs <- err
						return
					}
				}
				if i%10 == 0 { // readers race with writers, without making the test quadratic
					_ = f.State()
					_ = f.Calls()
					_ = f.SAs()
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	if got, want := len(f.SAs()), workers*perWorker/2; got != want {
		t.Errorf("%d SAs left, want %d", got, want)
	}
	if got := len(f.Interfaces()); got != workers {
		t.Errorf("%d interfaces, want %d", got, workers)
	}
	// Per worker: 1 EnsureInterface, and per SA InstallSA, SACounters,
	// SetRoutes, and RemoveSA for every other one.
	if got, want := len(f.Calls()), workers*(1+perWorker*3+perWorker/2); got != want {
		t.Errorf("%d calls logged, want %d", got, want)
	}
	for w := range workers {
		name := fmt.Sprintf("Virtual-Access%d", w+1)
		if got := f.Routes("inside", name); len(got) != 1 || got[0].Prefix.Addr().As4()[2] != perWorker-1 {
			t.Errorf("%s holds %v, want only its last route", name, got)
		}
	}

	must(t, f.Close())
	<-consumed
	if received+f.Dropped() != workers*perWorker {
		t.Errorf("received %d + dropped %d events, fired %d", received, f.Dropped(), workers*perWorker)
	}
}

// TestNameOrder checks that State and Interfaces list Virtual-Access2
// before Virtual-Access10, as "show" output does.
func TestNameOrder(t *testing.T) {
	f := New()
	for _, n := range []int{10, 2, 1} {
		must(t, f.EnsureInterface(va(n)))
	}
	must(t, f.EnsureInterface(dataplane.InterfaceSpec{Name: "Loopback0"}))
	var got []string
	for _, s := range f.Interfaces() {
		got = append(got, s.Name)
	}
	if want := "Loopback0 Virtual-Access1 Virtual-Access2 Virtual-Access10"; strings.Join(got, " ") != want {
		t.Errorf("Interfaces() in order %v, want %s", got, want)
	}
	state := f.State()
	if i, j := strings.Index(state, "Virtual-Access2 "), strings.Index(state, "Virtual-Access10 "); i < 0 || j < 0 || i > j {
		t.Errorf("State() does not list Virtual-Access2 before Virtual-Access10:\n%s", state)
	}
}

func TestLinuxNamesFollowRenamesAndRemovals(t *testing.T) {
	f := New()
	spec := func(name, linux string) dataplane.InterfaceSpec {
		return dataplane.InterfaceSpec{Name: name, LinuxName: linux, MTU: 1400}
	}
	if err := f.EnsureInterface(spec("Virtual-Access1", "va1")); err != nil {
		t.Fatal(err)
	}
	if err := f.EnsureInterface(spec("Virtual-Access2", "va1")); !errors.Is(err, dataplane.ErrExists) {
		t.Fatalf("duplicate linux name: %v", err)
	}
	// Renaming frees the old Linux name, removing frees the new one.
	if err := f.EnsureInterface(spec("Virtual-Access1", "va9")); err != nil {
		t.Fatal(err)
	}
	if err := f.EnsureInterface(spec("Virtual-Access2", "va1")); err != nil {
		t.Fatalf("freed linux name: %v", err)
	}
	if err := f.RemoveInterface("Virtual-Access1"); err != nil {
		t.Fatal(err)
	}
	if err := f.EnsureInterface(spec("Virtual-Access3", "va9")); err != nil {
		t.Fatalf("linux name of a removed interface: %v", err)
	}
}

func TestCallLogIsBounded(t *testing.T) {
	f := New()
	for range CallLogLimit + 10 {
		f.Counters("Virtual-Access1")
	}
	if n := len(f.Calls()); n > CallLogLimit || n < CallLogLimit/2 {
		t.Errorf("call log holds %d calls", n)
	}
}
