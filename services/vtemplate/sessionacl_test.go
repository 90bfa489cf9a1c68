package vtemplate_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/fake"
	"github.com/gatehouse-vpn/gatehouse/internal/golden"
	"github.com/gatehouse-vpn/gatehouse/services/aaa/dynauth"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// sessionACL builds a per-session list as the AAA service does from a
// CoA's entries, numbered #1, #2, ...
func sessionACL(t *testing.T, name string, entries ...string) *schema.ACL {
	t.Helper()
	var es []dynauth.ACLEntry
	for i, text := range entries {
		ace, err := dynauth.ParseACE(text)
		if err != nil {
			t.Fatal(err)
		}
		es = append(es, dynauth.ACLEntry{N: i + 1, Text: text, ACE: ace})
	}
	a, err := dynauth.BuildACL(name, es)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// seedACLDebug is the seed's debug vtemplate cloning block for its CoA
// with per-user ACLs (001:1276-1279).
const seedACLDebug = `VT[Vi1]:Clone Vaccess from AAA (86 bytes)
VT[Vi1]:IP access-group Virtual-Access1#2601 in
VT[Vi1]:IP access-group Virtual-Access1#2602 out
VT[Vi1]:end
`

// permits reports whether filter f lets p through: no filter permits all.
func permits(f *dataplane.ACL, p []byte) bool { return f == nil || f.Permits(p) }

// TestCoASessionACLs is the seed's CoA with per-user ACLs (001:1232-1290):
// lists of the session's own, applied with "IP access-group", shown by
// show ip interface and show ip access-lists, compiled for the data
// plane, in no configuration.
func TestCoASessionACLs(t *testing.T) {
	b := newBox(t, seedConfig)
	va, err := b.s.Clone(vtemplate.Request{Template: 1, Owner: "ikev2:60", TunnelSource: local, TunnelDestination: remote})
	if err != nil {
		t.Fatal(err)
	}
	debug := b.debugLines()
	err = b.s.ApplySessionACLs(va.Name, []string{"IP access-group Virtual-Access1#2601 in", "IP access-group Virtual-Access1#2602 out"},
		[]*schema.ACL{sessionACL(t, "Virtual-Access1#2601", "permit 1.1.1.1"), sessionACL(t, "Virtual-Access1#2602", "permit 1.1.1.3")})
	if err != nil {
		t.Fatal(err)
	}
	if got := debug(); got != seedACLDebug {
		t.Errorf("debug lines:\n%s--- want\n%s", got, seedACLDebug)
	}
	golden.Check(t, "testdata/coa-session-acl.show", b.run(t, "show ip interface virtual-access 1 | include access\n"+
		"show ip access-lists\n"+
		"show ip access-lists Virtual-Access1#2602\n"+
		"show derived-config interface virtual-access 1"))
	if rc := b.run(t, "show running-config"); strings.Contains(rc, "#260") {
		t.Errorf("per-session lists in the running configuration:\n%s", rc)
	}
	spec := specOf(t, b, va.Name)
	if spec.InFilter == nil || spec.InFilter.Name != "Virtual-Access1#2601" || spec.OutFilter == nil || spec.OutFilter.Name != "Virtual-Access1#2602" {
		t.Fatalf("filters in %+v out %+v", spec.InFilter, spec.OutFilter)
	}
	for _, c := range []struct {
		f    *dataplane.ACL
		src  string
		want bool
	}{{spec.InFilter, "1.1.1.1", true}, {spec.InFilter, "1.1.1.3", false}, {spec.OutFilter, "1.1.1.3", true}, {spec.OutFilter, "1.1.1.1", false}} {
		if got := permits(c.f, ipPacket(1, c.src, "10.0.0.1", 8, 0)); got != c.want {
			t.Errorf("%s from %s: %v, want %v", c.f.Name, c.src, got, c.want)
		}
	}

	// The interface goes, and its lists with it; the number's next
	// interface starts without them.
	if err := b.s.Remove(va.Name); err != nil {
		t.Fatal(err)
	}
	if out := b.run(t, "show ip access-lists"); out != "" {
		t.Errorf("lists left after the interface went:\n%s", out)
	}
	va, err = b.s.Clone(vtemplate.Request{Template: 1, Owner: "ikev2:61", TunnelSource: local, TunnelDestination: remote})
	if err != nil {
		t.Fatal(err)
	}
	if va.Name != "Virtual-Access1" || va.SessionACLs != nil || va.Spec.InACL != "" {
		t.Errorf("new %s inherits %v %q", va.Name, va.SessionACLs, va.Spec.InACL)
	}
}

// TestSessionACLReplaces: a CoA's list replaces the one the interface
// filters with in that direction, the template's or an earlier CoA's;
// the list given up goes; Run's reprogramming for configured lists keeps
// the session's; an "ip access-group" line takes a session list's place.
func TestSessionACLReplaces(t *testing.T) {
	b := newBox(t, seedConfig+`ip access-list extended CLIENT-IN
 permit ip any any
ip access-list extended CLIENT-OUT
 permit icmp any any
interface Virtual-Template1 type tunnel
 ip access-group CLIENT-IN in
 ip access-group CLIENT-OUT out
`)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go b.s.Run(ctx)
	va, err := b.s.Clone(vtemplate1Request())
	if err != nil {
		t.Fatal(err)
	}
	apply := func(lines []string, acls ...*schema.ACL) {
		t.Helper()
		if err := b.s.ApplySessionACLs(va.Name, lines, acls); err != nil {
			t.Fatal(err)
		}
	}
	names := func() []string {
		got, _ := b.s.Get(va.Name)
		var n []string
		for _, a := range got.SessionACLs {
			n = append(n, a.Name)
		}
		return n
	}
	telnet := ipPacket(6, "10.10.0.10", "172.16.0.2", 40000, 23)
	apply([]string{"IP access-group Virtual-Access1#2601 in"}, sessionACL(t, "Virtual-Access1#2601", "deny tcp any any eq telnet", "permit ip any any"))
	spec := specOf(t, b, va.Name)
	if spec.InACL != "Virtual-Access1#2601" || permits(spec.InFilter, telnet) || spec.OutACL != "CLIENT-OUT" {
		t.Fatalf("after the first CoA: in %q %+v out %q", spec.InACL, spec.InFilter, spec.OutACL)
	}
	if out := b.run(t, "show ip interface virtual-access 1 | include access"); !strings.Contains(out, "Inbound  access list is Virtual-Access1#2601, default is CLIENT-IN") {
		t.Errorf("show ip interface:\n%s", out)
	}
	// The configured outbound list changes: the interface is programmed
	// again, with its own inbound list still.
	b.run(t, "configure terminal\nip access-list extended CLIENT-OUT\n permit tcp any any eq www\nend")
	www := ipPacket(6, "172.16.0.2", "10.10.0.10", 40000, 80)
	waitSpec(t, b, va.Name, func(s dataplane.InterfaceSpec) bool { return permits(s.OutFilter, www) })
	if s := specOf(t, b, va.Name); s.InFilter == nil || s.InFilter.Name != "Virtual-Access1#2601" || permits(s.InFilter, telnet) {
		t.Fatalf("reprogrammed without the session's list: in %q %+v", s.InACL, s.InFilter)
	}
	apply([]string{"IP access-group Virtual-Access1#2602 in", "IP access-group Virtual-Access1#2603 out"},
		sessionACL(t, "Virtual-Access1#2602", "permit 10.10.0.10"), sessionACL(t, "Virtual-Access1#2603", "permit any"))
	if got := names(); !slices.Equal(got, []string{"Virtual-Access1#2602", "Virtual-Access1#2603"}) {
		t.Fatalf("lists after the second CoA: %q", got)
	}
	if out := b.run(t, "show ip access-lists"); strings.Contains(out, "#2601") || !strings.Contains(out, "Standard IP access list Virtual-Access1#2602\n    10 permit 10.10.0.10\n") {
		t.Errorf("show ip access-lists:\n%s", out)
	}
	// A later interface-config line puts a configured list back: the
	// session's inbound list goes.
	if err := b.s.Reapply(va.Name, []string{"ip access-group CLIENT-IN in"}); err != nil {
		t.Fatal(err)
	}
	if got := names(); !slices.Equal(got, []string{"Virtual-Access1#2603"}) {
		t.Fatalf("lists after ip access-group: %q", got)
	}
	if s := specOf(t, b, va.Name); s.InACL != "CLIENT-IN" || s.InFilter == nil || s.InFilter.Name != "CLIENT-IN" {
		t.Errorf("in %q %+v", s.InACL, s.InFilter)
	}
}

// waitSpec waits for the data plane's spec of an interface to satisfy ok.
func waitSpec(t *testing.T, b *box, name string, ok func(dataplane.InterfaceSpec) bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ok(specOf(t, b, name)) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: spec %+v", name, specOf(t, b, name))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSessionACLAllOrNothing: a list no line applies, a malformed list, a
// refused line or a failing data plane leave the interface, its lists
// and the data plane as they were.
func TestSessionACLAllOrNothing(t *testing.T) {
	b := newBox(t, seedConfig)
	va, err := b.s.Clone(seedRequest())
	if err != nil {
		t.Fatal(err)
	}
	first := sessionACL(t, "Virtual-Access1#2601", "permit 1.1.1.1")
	if err := b.s.ApplySessionACLs(va.Name, []string{"IP access-group Virtual-Access1#2601 in"}, []*schema.ACL{first}); err != nil {
		t.Fatal(err)
	}
	before, _ := b.s.Get(va.Name)
	calls := len(b.dp.Calls())
	in := []string{"IP access-group Virtual-Access1#2602 in"}
	next := sessionACL(t, "Virtual-Access1#2602", "permit 2.2.2.2")
	for _, c := range []struct {
		name  string
		lines []string
		acls  []*schema.ACL
		want  string
	}{
		{"not applied", []string{"ip mtu 1300"}, []*schema.ACL{next}, "Virtual-Access1#2602 is not applied"},
		{"replaced by a later line", append(in, "no ip access-group in"), []*schema.ACL{next}, "is not applied"},
		{"no type", in, []*schema.ACL{{Name: "Virtual-Access1#2602"}}, `type ""`},
		{"nil", in, []*schema.ACL{nil}, "no access list"},
		{"bad name", []string{"IP access-group bad in"}, []*schema.ACL{{Name: "bad name", Type: schema.ACLStandard}}, "name"},
		{"refused line", append(in, "ip mtu 5"), []*schema.ACL{next}, `"ip mtu 5"`},
	} {
		err := b.s.ApplySessionACLs(va.Name, c.lines, c.acls)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	b.dp.FailNext(fake.OpEnsureInterface, errors.New("no room"))
	if err := b.s.ApplySessionACLs(va.Name, in, []*schema.ACL{next}); err == nil {
		t.Error("applied over a failing data plane")
	}
	after, _ := b.s.Get(va.Name)
	if !slices.EqualFunc(after.SessionACLs, before.SessionACLs, func(a, b schema.ACL) bool { return a.Name == b.Name }) ||
		after.Spec.InACL != "Virtual-Access1#2601" || len(b.dp.Calls()) != calls+1 {
		t.Errorf("refused changes changed the interface: lists %v, in %q, calls %q", after.SessionACLs, after.Spec.InACL, b.dp.Calls()[calls:])
	}
	if err := b.s.ApplySessionACLs("Virtual-Access9", in, []*schema.ACL{next}); !errors.Is(err, vtemplate.ErrNotFound) {
		t.Errorf("missing interface: %v", err)
	}
	// Lists handed out are copies.
	after.SessionACLs[0].Entries[0].Action = "deny"
	first.Entries[0].Action = "deny"
	if again, _ := b.s.Get(va.Name); again.SessionACLs[0].Entries[0].Action != "permit" {
		t.Error("a list handed in or out changed the service's")
	}
}
