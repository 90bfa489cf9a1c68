package vtemplate_test

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/cli"
	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/fake"
	"github.com/gatehouse-vpn/gatehouse/internal/golden"
	"github.com/gatehouse-vpn/gatehouse/modes"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// seedConfig is the virtual-template of seed 001:776-779 and the
// interface it borrows its address from.
const seedConfig = `interface Ethernet0/0
 ip address 172.16.1.2 255.255.255.0
interface Virtual-Template1 type tunnel
 ip unnumbered Ethernet0/0
 tunnel protection ipsec profile default
`

// box is a service over a configured database and a fake data plane.
type box struct {
	s   *vtemplate.Service
	db  *configdb.DB
	dp  *fake.Fake
	log *logging.Buffer
	env *modes.Env
}

func newBox(t testing.TB, config string) *box {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "db"), configdb.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	b := &box{db: db, dp: fake.New(), log: logging.NewBuffer()}
	b.s = vtemplate.New(db, b.dp, b.log.Debug())
	b.env = &modes.Env{DB: db, Started: time.Now(), Version: "test", Log: b.log,
		VTemplateActive: b.s.Active, VirtualAccess: b.s}
	if config != "" {
		b.run(t, "configure terminal\n"+config+"end")
	}
	return b
}

// run pipes lines through a privileged CLI session and returns the output;
// any failing line fails the test.
func (b *box) run(t testing.TB, lines string) string {
	t.Helper()
	out, failed := b.try(t, lines)
	if failed != 0 {
		t.Fatalf("%d lines failed:\n%s", failed, out)
	}
	return out
}

func (b *box) try(t testing.TB, lines string) (string, int) {
	t.Helper()
	s := cli.NewSession(b.env, cli.Config{ID: "test", Privilege: 15})
	defer s.Close()
	var out bytes.Buffer
	n, err := cli.RunScript(s, strings.NewReader(lines+"\n"), cli.WriterSink{W: &out})
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), n
}

var stamp = regexp.MustCompile(`(?m)^\*\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: `)

// debugLines turns debug vtemplate cloning on and returns a function that
// reports the lines logged since, without their timestamps.
func (b *box) debugLines() func() string {
	b.log.Debug().Set(logging.FlagVTemplateCloning, true)
	var mu sync.Mutex
	var got strings.Builder
	cancel := b.log.Subscribe(func(l string) {
		mu.Lock()
		got.WriteString(stamp.ReplaceAllString(l, "") + "\n")
		mu.Unlock()
	})
	return func() string {
		cancel()
		mu.Lock()
		defer mu.Unlock()
		return got.String()
	}
}

var (
	local  = netip.MustParseAddr("172.16.1.2")
	remote = netip.MustParseAddr("172.16.1.1")
)

func seedRequest() vtemplate.Request {
	return vtemplate.Request{Template: 1, Owner: "ikev2:28", TunnelSource: local, TunnelDestination: remote,
		Group: []string{"tunnel key 1", "ip mtu 1000"},
		User:  []string{"ip mtu 1200", "tunnel key 2"}}
}

// TestSeedClone is the seed's cloning example (001:727-850): the template,
// then the group's and the user's interface-config, the user's last.
func TestSeedClone(t *testing.T) {
	b := newBox(t, seedConfig)
	debug := b.debugLines()
	va, err := b.s.Clone(seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	// The seed's debug lines, byte for byte (001:786-812).
	want := `VT[Vi1]:Clone Vaccess from Virtual-Template1 (45 bytes)
VT[Vi1]:tunnel protection ipsec profile default
VT[Vi1]:end
VT[Vi1]:Clone Vaccess from AAA (30 bytes)
VT[Vi1]:tunnel key 1
VT[Vi1]:ip mtu 1000
VT[Vi1]:end
VT[Vi1]:Clone Vaccess from AAA (30 bytes)
VT[Vi1]:ip mtu 1200
VT[Vi1]:tunnel key 2
VT[Vi1]:end
`
	if got := debug(); got != want {
		t.Errorf("debug lines:\n%s--- want\n%s", got, want)
	}
	wantDerived := []string{"ip unnumbered Ethernet0/0", "ip mtu 1200", "tunnel source 172.16.1.2",
		"tunnel destination 172.16.1.1", "tunnel key 2", "tunnel protection ipsec profile default",
		"no tunnel protection ipsec initiate"}
	if !slices.Equal(va.Derived, wantDerived) {
		t.Errorf("derived:\n%q\nwant\n%q", va.Derived, wantDerived)
	}
	if va.Name != "Virtual-Access1" || va.LinuxName != "va1" || va.Number != 1 || va.Mode != "gre ip" || va.Owner != "ikev2:28" {
		t.Errorf("clone: %+v", va)
	}
	if len(va.Rejected) != 0 {
		t.Errorf("rejected: %v", va.Rejected)
	}
	golden.Check(t, "testdata/seed-clone.state", b.dp.State())
	out, failed := b.try(t, "show derived-config interface virtual-access 1\n"+
		"show interfaces virtual-access 1 | include protocol/transport\n"+
		"show vtemplate 1\n"+
		"configure terminal\n"+
		"interface virtual-template 1 type tunnel"+
		"\nend")
	if failed != 1 {
		t.Errorf("%d lines failed, want the locked template only", failed)
	}
	golden.Check(t, "testdata/seed-clone.show", out)
}

// TestGroupOverride: with "aaa authorization group override" the group's
// lines come last and win (seed 001:767-773).
func TestGroupOverride(t *testing.T) {
	b := newBox(t, seedConfig)
	debug := b.debugLines()
	r := seedRequest()
	r.GroupOverride = true
	r.Implicit = []string{"ip mtu 1100"}
	va, err := b.s.Clone(r)
	if err != nil {
		t.Fatal(err)
	}
	if va.Spec.MTU != 1000 || va.Config.Tunnel.Key != 1 {
		t.Errorf("group override: mtu %d key %d, want 1000 and 1", va.Spec.MTU, va.Config.Tunnel.Key)
	}
	golden.Check(t, "testdata/group-override.debug", debug())
}

// TestServicePolicyNotOverwritten: a clone's later layer cannot replace an
// attached service-policy (seed 001:775), a CoA can (001:1203-1222).
func TestServicePolicyNotOverwritten(t *testing.T) {
	b := newBox(t, seedConfig+`policy-map P1
policy-map P2
policy-map P3
interface Virtual-Template1
 service-policy input P1
`)
	r := seedRequest()
	r.Group = []string{"service-policy input P2", "service-policy output P2"}
	r.User = []string{"service-policy output P3"}
	va, err := b.s.Clone(r)
	if err != nil {
		t.Fatal(err)
	}
	if va.Config.ServicePolicyIn != "P1" || va.Config.ServicePolicyOut != "P2" {
		t.Errorf("service-policy in %q out %q, want P1 and P2", va.Config.ServicePolicyIn, va.Config.ServicePolicyOut)
	}
	want := []vtemplate.RejectedLine{
		{Line: "service-policy input P2", Reason: "% Remove the attached service-policy input P1 first"},
		{Line: "service-policy output P3", Reason: "% Remove the attached service-policy output P2 first"},
	}
	if !slices.Equal(va.Rejected, want) {
		t.Errorf("rejected %q, want %q", va.Rejected, want)
	}
	if err := b.s.Reapply(va.Name, []string{"service-policy input P2", "service-policy output P3"}); err != nil {
		t.Fatal(err)
	}
	got, _ := b.s.Get(va.Name)
	if got.Config.ServicePolicyIn != "P2" || got.Config.ServicePolicyOut != "P3" {
		t.Errorf("after CoA: in %q out %q", got.Config.ServicePolicyIn, got.Config.ServicePolicyOut)
	}
	if n := len(got.Derived); got.Derived[n-2] != "service-policy input P2" || got.Derived[n-1] != "service-policy output P3" {
		t.Errorf("derived after CoA: %q", got.Derived)
	}
}

// TestCoATemplateACL: the seed's "IP access-group" lines (001:1276-1279)
// as plain interface-config, naming lists nobody defined: they apply,
// and filter nothing (TestCoASessionACLs brings the lists too).
func TestCoATemplateACL(t *testing.T) {
	b := newBox(t, seedConfig)
	va, err := b.s.Clone(vtemplate.Request{Template: 1, Owner: "ikev2:60", TunnelSource: local, TunnelDestination: remote})
	if err != nil {
		t.Fatal(err)
	}
	before := b.run(t, "show derived-config interface virtual-access 1")
	debug := b.debugLines()
	if err := b.s.Reapply(va.Name, []string{"IP access-group Virtual-Access1#2601 in", "IP access-group Virtual-Access1#2602 out"}); err != nil {
		t.Fatal(err)
	}
	if got := debug(); got != seedACLDebug {
		t.Errorf("debug lines:\n%s--- want\n%s", got, seedACLDebug)
	}
	got, _ := b.s.Get(va.Name)
	if got.Spec.InACL != "Virtual-Access1#2601" || got.Spec.OutACL != "Virtual-Access1#2602" {
		t.Errorf("spec ACLs: %+v", got.Spec)
	}
	golden.Check(t, "testdata/coa-acl.show", before+b.run(t, "show ip interface virtual-access 1 | include access\n"+
		"show ip interface virtual-access 1\n"+
		"show derived-config interface Virtual-Access1"))
	golden.Check(t, "testdata/coa-acl.calls", strings.Join(b.dp.Calls(), "\n")+"\n")
}

// TestReapplyAllOrNothing: a CoA line IOS would refuse fails the whole
// change; the interface and the data plane stay as they were.
func TestReapplyAllOrNothing(t *testing.T) {
	b := newBox(t, seedConfig)
	va, err := b.s.Clone(seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	calls := len(b.dp.Calls())
	err = b.s.Reapply(va.Name, []string{"ip mtu 1300", "ip mtu 5"})
	if err == nil || !strings.Contains(err.Error(), `"ip mtu 5"`) {
		t.Fatalf("Reapply: %v", err)
	}
	if got, _ := b.s.Get(va.Name); got.Spec.MTU != 1200 || len(b.dp.Calls()) != calls {
		t.Errorf("refused CoA changed the interface: mtu %d, calls %q", got.Spec.MTU, b.dp.Calls()[calls:])
	}
	// A failing data plane leaves the old configuration too.
	b.dp.FailNext(fake.OpEnsureInterface, errors.New("no room"))
	if err := b.s.Reapply(va.Name, []string{"ip mtu 1300"}); err == nil {
		t.Fatal("Reapply succeeded over a failing data plane")
	}
	if got, _ := b.s.Get(va.Name); got.Spec.MTU != 1200 {
		t.Errorf("failed CoA changed mtu to %d", got.Spec.MTU)
	}
	if err := b.s.Reapply("Virtual-Access9", []string{"ip mtu 1300"}); !errors.Is(err, vtemplate.ErrNotFound) {
		t.Errorf("Reapply of a missing interface: %v", err)
	}
}

// TestNumbering: the lowest free number, reused as soon as it is free;
// Active counts clones per template and locks the template.
func TestNumbering(t *testing.T) {
	b := newBox(t, seedConfig+"interface Virtual-Template2 type tunnel\n ip unnumbered Ethernet0/0\n")
	clone := func(tmpl int) string {
		t.Helper()
		r := seedRequest()
		r.Template = tmpl
		va, err := b.s.Clone(r)
		if err != nil {
			t.Fatal(err)
		}
		return va.Name
	}
	for i, want := range []string{"Virtual-Access1", "Virtual-Access2", "Virtual-Access3"} {
		if got := clone(1 + i%2); got != want {
			t.Fatalf("clone %d: %s, want %s", i, got, want)
		}
	}
	if b.s.Active(1) != 2 || b.s.Active(2) != 1 || b.s.Active(3) != 0 {
		t.Errorf("active: %d %d %d", b.s.Active(1), b.s.Active(2), b.s.Active(3))
	}
	if err := b.s.Remove("Virtual-Access2"); err != nil {
		t.Fatal(err)
	}
	if b.s.Active(2) != 0 {
		t.Errorf("template 2 still has %d clones", b.s.Active(2))
	}
	if out, failed := b.try(t, "configure terminal\ninterface virtual-template 2 type tunnel\nexit\ninterface virtual-template 1 type tunnel\nend"); failed != 1 ||
		!strings.Contains(out, "% Virtual-template config is locked, active vaccess present") {
		t.Errorf("lock: %d failed:\n%s", failed, out)
	}
	if got := clone(1); got != "Virtual-Access2" {
		t.Errorf("reused number: %s, want Virtual-Access2", got)
	}
	if got := clone(1); got != "Virtual-Access4" {
		t.Errorf("next number: %s, want Virtual-Access4", got)
	}
	var names []string
	for _, va := range b.s.List() {
		names = append(names, va.Name)
	}
	if want := []string{"Virtual-Access1", "Virtual-Access2", "Virtual-Access3", "Virtual-Access4"}; !slices.Equal(names, want) {
		t.Errorf("List: %v", names)
	}
	for _, n := range names {
		if err := b.s.Remove(n); err != nil {
			t.Fatal(err)
		}
	}
	if err := b.s.Remove("Virtual-Access1"); !errors.Is(err, vtemplate.ErrNotFound) {
		t.Errorf("second Remove: %v", err)
	}
	if got := clone(2); got != "Virtual-Access1" {
		t.Errorf("after all removed: %s", got)
	}
	if ifs := b.dp.Interfaces(); len(ifs) != 1 || ifs[0].Name != "Virtual-Access1" || ifs[0].Template != 2 {
		t.Errorf("data plane:\n%s", b.dp.State())
	}
}

// TestEnsureFailureFreesNumber: a clone the data plane refuses leaves no
// interface, no number and no lock behind.
func TestEnsureFailureFreesNumber(t *testing.T) {
	b := newBox(t, seedConfig)
	b.dp.FailNext(fake.OpEnsureInterface, errors.New("out of links"))
	if _, err := b.s.Clone(seedRequest()); err == nil || !strings.Contains(err.Error(), "vtemplate: Virtual-Access1: out of links") {
		t.Fatalf("Clone: %v", err)
	}
	if b.s.Active(1) != 0 || len(b.s.List()) != 0 {
		t.Fatalf("failed clone left state: active %d, list %v", b.s.Active(1), b.s.List())
	}
	va, err := b.s.Clone(seedRequest())
	if err != nil || va.Name != "Virtual-Access1" {
		t.Fatalf("next clone: %v %v", va, err)
	}
}

// TestCloneErrors: what Clone refuses, before any number is taken.
func TestCloneErrors(t *testing.T) {
	b := newBox(t, seedConfig+"interface Virtual-Template3\n")
	for _, c := range []struct {
		r    vtemplate.Request
		want string
	}{
		{vtemplate.Request{Owner: "ikev2:1"}, "vtemplate: session ikev2:1: no virtual-template"},
		{vtemplate.Request{Template: 2}, "vtemplate: Virtual-Template2 does not exist"},
		{vtemplate.Request{Template: 3}, "vtemplate: Virtual-Template3 is not of type tunnel"},
		{vtemplate.Request{Template: 1, TunnelSource: local, TunnelDestination: remote, User: []string{"tunnel source 10.0.0.1"}},
			"vtemplate: Virtual-Access1: tunnel source 10.0.0.1 is not the session's local address 172.16.1.2"},
		{vtemplate.Request{Template: 1, TunnelSource: local, TunnelDestination: netip.MustParseAddr("2001:db8::1")},
			"vtemplate: Virtual-Access1: fake: dataplane: interface \"Virtual-Access1\": tunnel source 172.16.1.2 and destination 2001:db8::1 of different families"},
	} {
		_, err := b.s.Clone(c.r)
		if err == nil || err.Error() != c.want {
			t.Errorf("%+v: %v, want %s", c.r, err, c.want)
		}
	}
	if len(b.s.List()) != 0 || len(b.dp.Interfaces()) != 0 {
		t.Errorf("refused clones left state: %v\n%s", b.s.List(), b.dp.State())
	}
	// The template appears: the cached refusal is not reused.
	b.run(t, "configure terminal\ninterface Virtual-Template2 type tunnel\nend")
	if va, err := b.s.Clone(vtemplate.Request{Template: 2}); err != nil || va.Name != "Virtual-Access1" {
		t.Errorf("clone of a new template: %v, %v", va, err)
	}
}

// TestModeAuto: "virtual-template N mode auto" takes the tunnel mode from
// the session, whatever the template says (seed 001:852-894).
func TestModeAuto(t *testing.T) {
	b := newBox(t, seedConfig+"interface Virtual-Template1\n tunnel mode gre ipv6\n")
	v6a, v6b := netip.MustParseAddr("2001:db8::2"), netip.MustParseAddr("2001:db8::1")
	for _, c := range []struct {
		src, dst       netip.Addr
		inner6, gre    bool
		mode, protocol string
	}{
		{local, remote, false, false, "ipsec ipv4", "IPSEC/IP"},
		{local, remote, false, true, "gre ip", "GRE/IP"},
		{local, remote, true, false, "ipsec ipv4 v6-overlay", "IPSEC/IP"},
		{v6a, v6b, true, false, "ipsec ipv6", "IPSEC/IPV6"},
		{v6a, v6b, false, false, "ipsec ipv6 v4-overlay", "IPSEC/IPV6"},
		{v6a, v6b, false, true, "gre ipv6", "GRE/IPv6"},
	} {
		r := vtemplate.Request{Template: 1, ModeAuto: true, TunnelSource: c.src, TunnelDestination: c.dst, InnerIPv6: c.inner6, GRE: c.gre,
			User: []string{"tunnel mode gre multipoint"}}
		va, err := b.s.Clone(r)
		if err != nil {
			t.Fatal(err)
		}
		if va.Mode != c.mode {
			t.Errorf("%v inner6=%v gre=%v: mode %q, want %q", c.src, c.inner6, c.gre, va.Mode, c.mode)
		}
		out := b.run(t, "show interfaces "+va.Name+" | include protocol/transport")
		if want := "  Tunnel protocol/transport " + c.protocol + "\n"; out != want {
			t.Errorf("%s: %q, want %q", c.mode, out, want)
		}
		if err := b.s.Remove(va.Name); err != nil {
			t.Fatal(err)
		}
	}
	// Without auto the template's (or AAA's) mode stays.
	va, err := b.s.Clone(vtemplate.Request{Template: 1, TunnelSource: local, TunnelDestination: remote})
	if err != nil || va.Mode != "gre ipv6" {
		t.Errorf("no auto: %v %v", va, err)
	}
}

// TestVRF: the profile's ivrf unless the template (or AAA) says "vrf
// forwarding"; a VRF set after the addressing removes it, as in IOS.
func TestVRF(t *testing.T) {
	b := newBox(t, seedConfig+`vrf definition CUST
vrf definition IVRF
vrf definition RED
interface Loopback1
 vrf forwarding RED
 ip address 10.9.9.9 255.255.255.255
interface Virtual-Template2 type tunnel
 vrf forwarding CUST
 ip unnumbered Ethernet0/0
`)
	for _, c := range []struct {
		name     string
		template int
		user     []string
		vrf      string
		derived  string
	}{
		{"ivrf under template", 1, nil, "IVRF", "vrf forwarding IVRF|ip unnumbered Ethernet0/0"},
		{"template overrides ivrf", 2, nil, "CUST", "vrf forwarding CUST|ip unnumbered Ethernet0/0"},
		{"AAA vrf removes addressing", 1, []string{"vrf forwarding RED"}, "RED", "vrf forwarding RED|no ip address"},
		{"AAA vrf then addressing", 2, []string{"vrf forwarding RED", "ip unnumbered Loopback1"}, "RED", "vrf forwarding RED|ip unnumbered Loopback1"},
		{"AAA back to global", 2, []string{"no vrf forwarding CUST", "ip unnumbered Ethernet0/0"}, "", "ip unnumbered Ethernet0/0"},
	} {
		va, err := b.s.Clone(vtemplate.Request{Template: c.template, VRF: "IVRF", TunnelSource: local, TunnelDestination: remote, User: c.user})
		if err != nil {
			t.Fatal(err)
		}
		n := strings.Count(c.derived, "|") + 1
		if got := strings.Join(va.Derived[:n], "|"); va.Spec.VRF != c.vrf || got != c.derived {
			t.Errorf("%s: vrf %q derived %q, want %q %q", c.name, va.Spec.VRF, got, c.vrf, c.derived)
		}
		b.s.Remove(va.Name)
	}
}

// TestUnmodelledLines: commands the service does not model stay in the
// derived configuration; bad arguments to modelled ones are reported.
func TestUnmodelledLines(t *testing.T) {
	b := newBox(t, seedConfig)
	r := seedRequest()
	r.Group = []string{"ip tcp adjust-mss 1360", "no ip redirects", "ip nat inside", "ip mtu 10"}
	r.User = []string{"ip redirects", "no ip nat inside", "ip tcp adjust-mss 1360", "tunnel mode ipsec ipv4 v4-overlay"}
	va, err := b.s.Clone(r)
	if err != nil {
		t.Fatal(err)
	}
	want := []vtemplate.RejectedLine{{Line: "ip mtu 10", Reason: "% Invalid input detected"},
		{Line: "tunnel mode ipsec ipv4 v4-overlay", Reason: "% Invalid input detected"}}
	if !slices.Equal(va.Rejected, want) {
		t.Errorf("rejected: %q", va.Rejected)
	}
	golden.Check(t, "testdata/unmodelled.show", b.run(t, "show derived-config interface virtual-access 1"))
}

// TestShowWithoutService: with no vtemplate service the commands answer
// as IOS does for an interface that does not exist.
func TestShowWithoutService(t *testing.T) {
	b := newBox(t, seedConfig)
	b.env.VirtualAccess = nil
	out, failed := b.try(t, "show derived-config interface virtual-access 1\nshow interfaces Virtual-Access1\n"+
		"show ip interface virtual-access 1\nshow interfaces virtual-access 1")
	if failed != 4 {
		t.Errorf("%d failed:\n%s", failed, out)
	}
	golden.Check(t, "testdata/no-service.show", out)
}

// TestShowAll: "show interfaces" and "show ip interface brief" list the
// live virtual-access interfaces after the configured ones.
func TestShowAll(t *testing.T) {
	b := newBox(t, seedConfig+"interface Virtual-Template2 type tunnel\n ip address 10.1.1.1 255.255.255.0\n description per-user\n")
	if _, err := b.s.Clone(seedRequest()); err != nil {
		t.Fatal(err)
	}
	r := seedRequest()
	r.Template, r.User = 2, []string{"shutdown", "vrf forwarding X", "ip address 10.2.2.2 255.255.255.0", "ip address 10.3.3.3 255.255.255.0 secondary"}
	if _, err := b.s.Clone(r); err != nil {
		t.Fatal(err)
	}
	b.dp.SetCounters("Virtual-Access1", dataplane.Counters{InPackets: 105, InBytes: 13020, OutPackets: 105, OutBytes: 17640, InDrops: 1, OutDrops: 2, ACLDrops: 3})
	out := b.run(t, "show ip interface brief | include ^(Interface|Ethernet0/0|Virtual)\n"+
		"show interfaces | begin Virtual-Access1\n"+
		"show ip interface virtual-access 2")
	golden.Check(t, "testdata/show-all.show", out)
}

// TestConcurrentCloneRemove: hundreds of sessions come and go at once;
// numbers stay unique among live interfaces and all come back.
func TestConcurrentCloneRemove(t *testing.T) {
	b := newBox(t, seedConfig)
	b.log.Debug().Set(logging.FlagVTemplateCloning, true)
	const workers, rounds = 200, 10
	var mu sync.Mutex
	live := map[string]string{} // name -> owner
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range rounds {
				r := seedRequest()
				r.Owner = fmt.Sprintf("ikev2:%d.%d", w, i)
				va, err := b.s.Clone(r)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				if other, ok := live[va.Name]; ok {
					mu.Unlock()
					errs <- fmt.Errorf("%s handed to %s while %s holds it", va.Name, r.Owner, other)
					return
				}
				live[va.Name] = r.Owner
				mu.Unlock()
				if i%3 == 0 {
					b.s.Reapply(va.Name, []string{"ip mtu 1300"})
				}
				b.s.Get(va.Name)
				if i%2 == 0 {
					b.s.List()
				}
				mu.Lock()
				delete(live, va.Name)
				mu.Unlock()
				if err := b.s.Remove(va.Name); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if b.s.Active(1) != 0 || len(b.s.List()) != 0 || len(b.dp.Interfaces()) != 0 {
		t.Fatalf("left behind: active %d, list %d, data plane:\n%s", b.s.Active(1), len(b.s.List()), b.dp.State())
	}
	if va, err := b.s.Clone(seedRequest()); err != nil || va.Name != "Virtual-Access1" {
		t.Errorf("after the storm: %v %v", va, err)
	}
}

// TestGetReturnsCopies: what Get and List return is the caller's to change.
func TestGetReturnsCopies(t *testing.T) {
	b := newBox(t, seedConfig)
	va, err := b.s.Clone(seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	va.Derived[0] = "changed"
	got, _ := b.s.Get(va.Name)
	got.Config.Tunnel.Key = 99
	got.Derived[1] = "changed"
	again, _ := b.s.Get(va.Name)
	if again.Derived[0] == "changed" || again.Derived[1] == "changed" || again.Config.Tunnel.Key != 2 {
		t.Errorf("service state changed through a copy: %q key %d", again.Derived, again.Config.Tunnel.Key)
	}
}

// TestSharedTemplateConfig: interfaces cloned without authorization lines
// share their template's configuration (with the profile's ivrf or not);
// a CoA on one changes that one only, and each keeps its own session part.
func TestSharedTemplateConfig(t *testing.T) {
	b := newBox(t, seedConfig+"vrf definition IVRF\n")
	var names []string
	for i, vrf := range []string{"", "", "IVRF", "IVRF"} {
		dst := netip.AddrFrom4([4]byte{172, 16, 1, byte(10 + i)})
		va, err := b.s.Clone(vtemplate.Request{Template: 1, Owner: fmt.Sprintf("ikev2:%d", i), VRF: vrf, TunnelSource: local, TunnelDestination: dst})
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, va.Name)
	}
	for _, n := range []string{names[0], names[2]} {
		if err := b.s.Reapply(n, []string{"ip mtu 1300", "tunnel key 5"}); err != nil {
			t.Fatal(err)
		}
	}
	for i, n := range names {
		va, ok := b.s.Get(n)
		if !ok {
			t.Fatalf("%s gone", n)
		}
		derived := strings.Join(va.Derived, "|")
		coa := i%2 == 0
		if strings.Contains(derived, "ip mtu 1300") != coa || strings.Contains(derived, "tunnel key 5") != coa || (va.Spec.MTU == 1300) != coa {
			t.Errorf("%s (CoA %v): derived %q mtu %d", n, coa, derived, va.Spec.MTU)
		}
		if want := (i >= 2); strings.Contains(derived, "vrf forwarding IVRF") != want || (va.Spec.VRF == "IVRF") != want {
			t.Errorf("%s: derived %q vrf %q", n, derived, va.Spec.VRF)
		}
		dst := fmt.Sprintf("172.16.1.%d", 10+i)
		if !strings.Contains(derived, "tunnel destination "+dst) || va.Config.Tunnel.Destination != dst || va.Owner != fmt.Sprintf("ikev2:%d", i) {
			t.Errorf("%s: session part %q %+v owner %q", n, derived, va.Config.Tunnel, va.Owner)
		}
		if got := specOf(t, b, n); got.MTU != va.Spec.MTU || got.TunnelDestination.String() != dst {
			t.Errorf("%s: data plane has mtu %d destination %v", n, got.MTU, got.TunnelDestination)
		}
	}
	if fresh, err := b.s.Clone(vtemplate1Request()); err != nil || strings.Contains(strings.Join(fresh.Derived, "|"), "1300") {
		t.Errorf("a later clone took a CoA: %v %v", fresh.Derived, err)
	}
}

// TestNamesMustBeExact: only the spelling Name gives finds an interface.
func TestNamesMustBeExact(t *testing.T) {
	b := newBox(t, seedConfig)
	va, err := b.s.Clone(seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"Virtual-Access01", "Virtual-Access+1", "virtual-access1", "Virtual-Access", "Virtual-Access0", "Virtual-Access-1", "Virtual-Access1 ", "Vi1"} {
		if _, ok := b.s.Get(n); ok {
			t.Errorf("Get(%q) found %s", n, va.Name)
		}
		if err := b.s.Reapply(n, []string{"ip mtu 1300"}); !errors.Is(err, vtemplate.ErrNotFound) {
			t.Errorf("Reapply(%q): %v", n, err)
		}
		if err := b.s.Remove(n); !errors.Is(err, vtemplate.ErrNotFound) {
			t.Errorf("Remove(%q): %v", n, err)
		}
	}
	if _, ok := b.s.Get(va.Name); !ok {
		t.Errorf("%s gone", va.Name)
	}
}

// BenchmarkClone: the cost of a clone and its removal at 10,000 live
// interfaces (nothing in it may grow with their number).
func BenchmarkClone(b *testing.B) {
	x := newBox(b, seedConfig)
	for range 10000 {
		if _, err := x.s.Clone(seedRequest()); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		va, err := x.s.Clone(seedRequest())
		if err != nil {
			b.Fatal(err)
		}
		x.s.Remove(va.Name)
	}
}

// TestIfNamesAgree: the service reads the interface names of AAA's
// interface-config lines exactly as the CLI reads them in configuration:
// it accepts the same names and stores the same canonical form.
func TestIfNamesAgree(t *testing.T) {
	b := newBox(t, seedConfig)
	for _, name := range []string{"e0/0", "Ethernet0/0", "eth0", "eth0.100", "gi0/1", "Gig1/0/1", "lo0", "Loopback1", "l0",
		"t1", "tu1", "vi7", "virtual-a7", "virtual-t1", "Virtual-Template2", "v1", "fa0/1", "f0/1", "te1/1", "x1", "ens3",
		"E0/0.10", "lo", "Loopback", "Loopback0/1/2", "1", "veth12", "e0/", "br0", "dummy7", "eth0:1", "sixteen-chars-xx"} {
		_, failed := b.try(t, "configure terminal\ninterface Virtual-Template9 type tunnel\nno ip unnumbered\nip unnumbered "+name+"\nend")
		var tmpl schema.Interface
		if err := b.db.View(func(tx *configdb.ReadTx) error {
			_, err := tx.GetJSON(schema.KindInterface, "Virtual-Template9", &tmpl)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		r := seedRequest()
		r.User = []string{"ip unnumbered " + name}
		va, err := b.s.Clone(r)
		if err != nil {
			t.Fatalf("%q: %v", name, err)
		}
		b.s.Remove(va.Name)
		cliOK, serviceOK := failed == 0, len(va.Rejected) == 0
		if cliOK != serviceOK || cliOK && tmpl.IPUnnumbered != va.Config.IPUnnumbered {
			t.Errorf("%q: CLI accepted %v as %q, service accepted %v as %q", name, cliOK, tmpl.IPUnnumbered, serviceOK, va.Config.IPUnnumbered)
		}
	}
}

// TestCoAServicePolicy is the seed's CoA of QoS policies (001:1130-1222).
// The debug count follows the rule of the other three seed examples: 87
// bytes where this one example of the seed says 99.
func TestCoAServicePolicy(t *testing.T) {
	b := newBox(t, seedConfig+`policy-map Input-QoS-policy-1
policy-map Input-QoS-policy-2
policy-map Output-QoS-policy-1
policy-map Output-QoS-policy-2
interface Virtual-Template1
 service-policy input Input-QoS-policy-1
 service-policy output Output-QoS-policy-1
`)
	va, err := b.s.Clone(vtemplate.Request{Template: 1, Owner: "ikev2:60", TunnelSource: local, TunnelDestination: remote})
	if err != nil {
		t.Fatal(err)
	}
	before := b.run(t, "show derived-config interface virtual-access 1")
	debug := b.debugLines()
	if err := b.s.Reapply(va.Name, []string{"service-policy input Input-QoS-policy-2", "service-policy output Output-QoS-policy-2"}); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, "testdata/coa-qos.show", debug()+before+b.run(t, "show derived-config interface virtual-access 1"))
}
