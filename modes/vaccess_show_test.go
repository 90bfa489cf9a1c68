package modes_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/internal/golden"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// vaTable is a vtemplate service stand-in holding fixed interfaces.
type vaTable []vtemplate.VirtualAccess

func (t vaTable) Get(name string) (vtemplate.VirtualAccess, bool) {
	for _, va := range t {
		if va.Name == name {
			return va, true
		}
	}
	return vtemplate.VirtualAccess{}, false
}

func (t vaTable) List() []vtemplate.VirtualAccess { return t }

func (t vaTable) Counters(name string) (dataplane.Counters, error) {
	if name == "Virtual-Access1" {
		return dataplane.Counters{InPackets: 105, InBytes: 13020, OutPackets: 105, OutBytes: 17640}, nil
	}
	return dataplane.Counters{}, errors.New("no counters")
}

var vaccessConfig = []string{
	"configure terminal",
	"access-list 101 permit ip any any",
	"interface Ethernet0/0",
	" ip address 172.16.1.2 255.255.255.0",
	"interface Virtual-Template1 type tunnel",
	" ip unnumbered Ethernet0/0",
	" ip access-group 101 in",
	" tunnel mode ipsec ipv4",
	" tunnel protection ipsec profile default",
	"end",
}

func vaccesses() vaTable {
	one := vtemplate.VirtualAccess{Number: 1, Name: "Virtual-Access1", LinuxName: "va1", Template: 1, Mode: "ipsec ipv4",
		Derived: []string{"ip unnumbered Ethernet0/0", "ip access-group 101 in", "ip access-group Virtual-Access1#2602 out",
			"tunnel source 172.16.1.2", "tunnel mode ipsec ipv4", "tunnel destination 172.16.1.1",
			"tunnel protection ipsec profile default", "no tunnel protection ipsec initiate"},
		Config: schema.Interface{Name: "Virtual-Access1", IPUnnumbered: "Ethernet0/0", AccessGroupIn: "101", AccessGroupOut: "Virtual-Access1#2602",
			Tunnel: &schema.Tunnel{Source: "172.16.1.2", Destination: "172.16.1.1", Mode: "ipsec ipv4", ProtectionProfile: "default"}},
		Spec: dataplane.InterfaceSpec{Name: "Virtual-Access1", LinuxName: "va1", Unnumbered: "Ethernet0/0", InACL: "101", OutACL: "Virtual-Access1#2602",
			TunnelSource: netip.MustParseAddr("172.16.1.2"), TunnelDestination: netip.MustParseAddr("172.16.1.1")}}
	two := vtemplate.VirtualAccess{Number: 12, Name: "Virtual-Access12", LinuxName: "va12", Template: 1, Mode: "gre ip",
		Derived: []string{"no ip address"},
		Config:  schema.Interface{Name: "Virtual-Access12", Shutdown: true},
		Spec:    dataplane.InterfaceSpec{Name: "Virtual-Access12", LinuxName: "va12", MTU: 1300}}
	return vaTable{one, two}
}

// TestVAccessShow: the virtual-access show commands over a stand-in
// table, and the configured interfaces' derived configuration.
func TestVAccessShow(t *testing.T) {
	env := newBox(t, nil)
	if out, failed := run(t, env, vaccessConfig...); failed != 0 {
		t.Fatalf("configuration failed:\n%s", out)
	}
	env.VirtualAccess = vaccesses()
	out, failed := run(t, env,
		"show derived-config interface virtual-access 1",
		"show derived-config interface virtual-a12",
		"show derived-config interface Virtual-Template1",
		"show derived-config interface Loopback9",
		"show derived-config interface virtual-access 2",
		"show interfaces virtual-access 1",
		"show interfaces Virtual-Access12",
		"show ip interface virtual-access 1",
		"show ip interface virtual-access 1 | include access",
		"show ip interface virtual-access 12",
		"show ip interface brief | include ^(Interface|Virtual)",
		"show interfaces | include ^(Ethernet0/0|Virtual).* is",
		"show interfaces virtual-access ?",
		"show derived-config ?",
	)
	if failed != 2 {
		t.Errorf("%d lines failed, want 2 (Loopback9 and Virtual-Access2)", failed)
	}
	golden.Check(t, "testdata/vaccess-show.golden", out)
}

// TestVAccessShowNoService: without the service, every virtual-access
// name is invalid input and the lists show none.
func TestVAccessShowNoService(t *testing.T) {
	env := newBox(t, nil)
	out, failed := run(t, env, "show interfaces virtual-access 1", "show ip interface brief | include Virtual-Access")
	if failed != 1 || strings.Contains(out, "Virtual-Access1 ") {
		t.Errorf("%d failed:\n%s", failed, out)
	}
}
