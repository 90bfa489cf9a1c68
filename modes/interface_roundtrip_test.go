package modes_test

import (
	"bytes"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/cli"
	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/modes"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// newBox is an empty router whose virtual-templates have the given
// numbers of active virtual-access clones.
func newBox(t *testing.T, active map[int]int) *modes.Env {
	t.Helper()
	db, err := configdb.Open(filepath.Join(t.TempDir(), "db"), configdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &modes.Env{DB: db, Started: time.Now(), Version: "test", Log: logging.NewBuffer(),
		VTemplateActive: func(n int) int { return active[n] }}
}

// run pipes lines through a privileged script session, as "gatehouse cli"
// does, and returns what it printed and how many lines failed.
func run(t *testing.T, env *modes.Env, lines ...string) (string, int) {
	t.Helper()
	s := cli.NewSession(env, cli.Config{ID: "attach 0", Privilege: 15})
	defer s.Close()
	var out bytes.Buffer
	failed, err := cli.RunScript(s, strings.NewReader(strings.Join(lines, "\n")+"\n"), cli.WriterSink{W: &out})
	if err != nil {
		t.Fatal(err)
	}
	return out.String(), failed
}

// areaConfig uses every command of the interface, routing, pool, ACL and
// QoS areas, in a different order and spelling than the running
// configuration shows them.
var areaConfig = []string{
	"configure terminal",
	"ip access-list extended VPN-IN",
	" permit udp any any eq 500",
	" permit udp any any eq 4500",
	" permit esp any any",
	" remark management | ssh # only",
	" permit tcp 10.0.0.0 0.0.0.255 host 172.16.1.2 eq 22 log",
	" deny ip any any log",
	"access-list 10 permit 10.1.1.0 0.0.0.255",
	"access-list 10 deny any",
	"access-list 110 permit icmp any any echo",
	"ip access-list standard MGMT",
	" permit host 10.9.9.9",
	"class-map match-any VOICE",
	" match access-group name VPN-IN",
	"class-map DATA",
	" match any",
	"policy-map CHILD",
	" class VOICE",
	"  priority percent 20",
	"  set dscp 46",
	" class DATA",
	"  bandwidth remaining percent 50",
	"policy-map PARENT",
	" class class-default",
	"  shape average 10000000",
	"  service-policy CHILD",
	"vrf definition CUST",
	" rd 65000:1",
	" address-family ipv4",
	" exit-address-family",
	"ip vrf LEGACY",
	" description old style",
	" rd 65000:2",
	"interface virtual-template 2 type tunnel",
	" vrf forwarding CUST",
	" ip unnumbered Loopback1",
	" ip mtu 1400",
	" tunnel source e0/0",
	" tunnel mode ipsec ipv4",
	" tunnel key 7",
	" tunnel protection ipsec profile default shared",
	" ip access-group VPN-IN in",
	" service-policy output PARENT",
	"interface Loopback1",
	" vrf forwarding CUST",
	" ip address 10.255.0.1 255.255.255.255",
	"interface Ethernet0/0",
	" linux-name eth0",
	" description uplink #1 | provider",
	" ip address 172.16.1.2 255.255.255.0",
	" ip address 172.16.2.2 255.255.255.0 secondary",
	" ipv6 address 2001:db8::2/64",
	" ipv6 enable",
	" ip access-group 10 out",
	"interface eth1",
	" shutdown",
	"interface Virtual-Template1",
	"ip route 0.0.0.0 0.0.0.0 172.16.1.1",
	"ip route vrf CUST 10.0.0.0 255.0.0.0 Virtual-Template2 tag 9",
	"ip route 192.168.0.0 255.255.0.0 Ethernet0/0 172.16.1.254 250 name BACKUP permanent",
	"ipv6 route ::/0 2001:db8::1",
	"ip local pool CLIENTS 10.100.0.1 10.100.0.254",
	"ip local pool CLIENTS 10.101.0.1 10.101.0.254",
	"ipv6 local pool CLIENTS6 2001:db8:100::/48 64",
	"end",
}

// TestAreaRoundTrip: the running configuration, pasted into an empty
// router, reproduces itself byte for byte.
func TestAreaRoundTrip(t *testing.T) {
	first := newBox(t, nil)
	if out, failed := run(t, first, areaConfig...); failed != 0 {
		t.Fatalf("configuration failed:\n%s", out)
	}
	r1, _ := run(t, first, "show running-config")
	for _, want := range []string{"interface Virtual-Template2 type tunnel\n vrf forwarding CUST\n ip unnumbered Loopback1\n",
		"ip address 172.16.2.2 255.255.255.0 secondary\n ip address 172.16.1.2 255.255.255.0\n",
		" deny   ip any any log\n", "access-list 10 deny   any\n", "  set dscp ef\n"} {
		if !strings.Contains(r1, want) {
			t.Errorf("running-config lacks %q:\n%s", want, r1)
		}
	}
	second := newBox(t, nil)
	paste := append([]string{"configure terminal"}, strings.Split(r1, "\n")...)
	if out, failed := run(t, second, paste...); failed != 0 {
		t.Fatalf("pasting the running configuration failed:\n%s", out)
	}
	if r2, _ := run(t, second, "show running-config"); r1 != r2 {
		t.Errorf("round trip differs:\n--- first\n%s\n--- second\n%s", r1, r2)
	}
}

// TestVirtualTemplateLocked: a template with live clones can be neither
// entered nor removed (seed 001:699-701); others can.
func TestVirtualTemplateLocked(t *testing.T) {
	env := newBox(t, map[int]int{1: 1})
	out, failed := run(t, env, "configure terminal", "interface virtual-template 2 type tunnel", "exit",
		"interface virtual-template 1 type tunnel", "interface Virtual-Template1", "no interface Virtual-Template1",
		"do show vtemplate")
	if failed != 3 {
		t.Errorf("%d lines failed, want 3:\n%s", failed, out)
	}
	const locked = "% Virtual-template config is locked, active vaccess present\n"
	if strings.Count(out, locked) != 3 {
		t.Errorf("want the lock message three times:\n%s", out)
	}
	if !strings.Contains(out, "Vt2            0            0    No   Tunnel\n") {
		t.Errorf("show vtemplate:\n%s", out)
	}
}
