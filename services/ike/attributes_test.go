package ike

import (
	"errors"
	"fmt"
	"net/netip"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestApplyAttributes(t *testing.T) {
	mp := netip.MustParsePrefix
	ma := netip.MustParseAddr
	limit := 4
	cases := []struct {
		name, value string
		want        Attributes
	}{
		{"Framed-Pool", "pool1", Attributes{Pool: "pool1"}},
		{"addr-pool", "pool1", Attributes{Pool: "pool1"}},
		{"ipv6-addr-pool", "v6pool", Attributes{IPv6Pool: "v6pool"}},
		{"Framed-IP-Address", "10.0.0.5", Attributes{FramedIP: ma("10.0.0.5")}},
		{"Framed-IP-Netmask", "255.255.255.0", Attributes{Netmask: ma("255.255.255.0")}},
		{"addrv6", "2001:db8::5", Attributes{IPv6Addr: ma("2001:db8::5"), IPv6PrefixLen: 64}},
		{"prefix-len", "96", Attributes{IPv6PrefixLen: 96}},
		{"dns-servers", "10.1.1.1 10.1.1.2", Attributes{DNS: []netip.Addr{ma("10.1.1.1"), ma("10.1.1.2")}}},
		{"wins-servers", "10.1.1.3", Attributes{WINS: []netip.Addr{ma("10.1.1.3")}}},
		{"ipv6-dns-servers-addr", "2001:db8::53", Attributes{IPv6DNS: []netip.Addr{ma("2001:db8::53")}}},
		{"route-set", "interface", Attributes{RouteSetInterface: true}},
		{"route-set", "interface Loopback0", Attributes{RouteSetInterface: true, RouteSetInterfaceName: "Loopback0"}},
		{"route-set", "prefix 192.168.1.1/24", Attributes{Subnets: []netip.Prefix{mp("192.168.1.0/24")}}},
		{"route-set", "remote ipv4 10.2.0.0 255.255.0.0", Attributes{Subnets: []netip.Prefix{mp("10.2.0.0/16")}}},
		{"route-set", "remote ipv6 2001:db8:1::/48", Attributes{Subnets: []netip.Prefix{mp("2001:db8:1::/48")}}},
		{"route-set", "access-list SPLIT", Attributes{SubnetACLs: []string{"SPLIT"}}},
		{"route-set", "access-list ipv6 SPLIT6", Attributes{SubnetACLs: []string{"SPLIT6"}}},
		{"route-set", "local ipv4 192.168.50.0 255.255.255.0 next-hop 10.0.0.9 tag:7 distance:20",
			Attributes{LocalRoutes: []LocalRoute{{Prefix: mp("192.168.50.0/24"), NextHop: ma("10.0.0.9"), Tag: 7, Distance: 20}}}},
		{"route-accept", "any tag:1 distance:1", Attributes{RouteAccept: &RouteAccept{Tag: 1, Distance: 1}}},
		{"interface-config", "ip mtu 1000", Attributes{InterfaceConfig: []string{"ip mtu 1000"}}},
		{"ipsec-flow-limit", "4", Attributes{FlowLimit: &limit}},
		{"banner", "Welcome", Attributes{Banner: "Welcome"}},
		{"default-domain", "example.com", Attributes{DefaultDomain: "example.com"}},
		{"split-dns", "a.example b.example", Attributes{SplitDNS: []string{"a.example", "b.example"}}},
		{"ipsec-backup-gateway", "gw2.example", Attributes{BackupGateways: []string{"gw2.example"}}},
		{"pfs", "1", Attributes{PFS: true}},
		{"include-local-lan", "true", Attributes{IncludeLAN: true}},
		{"smartcard-removal-disconnect", "1", Attributes{SmartcardRemovalDisconnect: true}},
		{"configuration-url", "http://cfg.example/x", Attributes{ConfigURL: "http://cfg.example/x"}},
		{"configuration-version", "3", Attributes{ConfigVersion: "3"}},
		{"Session-Timeout", "3600", Attributes{SessionTimeout: time.Hour}},
		{"Idle-Timeout", "600", Attributes{IdleTimeout: 10 * time.Minute}},
		{"dhcp-timeout", "5", Attributes{}},
	}
	for _, c := range cases {
		var got Attributes
		if err := got.Apply(nil, c.name, c.value); err != nil {
			t.Errorf("%s=%q: %v", c.name, c.value, err)
			continue
		}
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s=%q:\n got %+v\nwant %+v", c.name, c.value, got, c.want)
		}
	}
}

func TestApplyKeys(t *testing.T) {
	var a Attributes
	var k PSKKeys
	for _, kv := range [][2]string{{"tunnel-password", "both"}, {"ikev2-password-local", "mine"}} {
		if err := a.Apply(&k, kv[0], kv[1]); err != nil {
			t.Fatal(err)
		}
	}
	if string(k.Local) != "mine" || string(k.Remote) != "both" {
		t.Fatalf("keys %q/%q, want mine/both", k.Local, k.Remote)
	}
	if err := a.Apply(nil, "ikev2-password-remote", "x"); err != nil {
		t.Fatalf("nil keys must be ignored: %v", err)
	}
}

func TestApplyRejects(t *testing.T) {
	for _, kv := range [][2]string{
		{"Framed-IP-Address", "2001:db8::1"}, {"Framed-IP-Netmask", "x"}, {"dns-servers", "1.1.1.1 2.2.2.2 3.3.3.3"},
		{"dns-servers", "2001:db8::1"}, {"ipv6-dns-servers-addr", "1.1.1.1"}, {"route-set", ""},
		{"route-set", "remote ipv4 10.0.0.0 255.0.255.0"}, {"route-set", "local ipv4 10.0.0.0 255.0.0.0 next-hop 2001:db8::1"},
		{"route-set", "bogus"}, {"route-accept", "some"}, {"ipsec-flow-limit", "-1"}, {"pfs", "maybe"},
		{"prefix-len", "129"}, {"Session-Timeout", "soon"},
	} {
		var a Attributes
		if err := a.Apply(nil, kv[0], kv[1]); err == nil || errors.Is(err, ErrUnknownAttribute) {
			t.Errorf("%s=%q: got %v, want a value error", kv[0], kv[1], err)
		}
	}
	var a Attributes
	if err := a.Apply(nil, "no-such-thing", "1"); !errors.Is(err, ErrUnknownAttribute) {
		t.Errorf("unknown attribute: got %v", err)
	}
}

// Interface-config lines accumulate across layers in merge order; other
// attributes of a later layer replace the earlier one's.
func TestMergeInterfaceConfigOrder(t *testing.T) {
	group := &Attributes{InterfaceConfig: []string{"ip mtu 1000", "tunnel key 1"}, Pool: "g"}
	user := &Attributes{InterfaceConfig: []string{"ip mtu 1100"}, Pool: "u"}
	var out Attributes
	out.merge(group)
	out.merge(user)
	if want := []string{"ip mtu 1000", "tunnel key 1", "ip mtu 1100"}; !reflect.DeepEqual(out.InterfaceConfig, want) {
		t.Fatalf("interface-config %q, want %q", out.InterfaceConfig, want)
	}
	if out.Pool != "u" {
		t.Fatalf("pool %q, want the user's", out.Pool)
	}
	if len(group.InterfaceConfig) != 2 {
		t.Fatal("merge changed its input")
	}
}

func FuzzApplyAttribute(f *testing.F) {
	for _, s := range [][2]string{{"route-set", "local ipv4 10.0.0.0 255.0.0.0 next-hop 10.0.0.1 tag:1"},
		{"route-accept", "any distance:5"}, {"dns-servers", "1.1.1.1"}, {"addrv6", "::1"}, {"interface-config", "ip mtu 1"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, name, value string) {
		var a Attributes
		var k PSKKeys
		_ = a.Apply(&k, name, value)
		var m Attributes
		m.merge(&a)
	})
}

// "route set local" networks behind the peer become routes over its
// virtual-access interface, next to the access route of its address.
func TestRouteSetLocalInstalled(t *testing.T) {
	h := newHeadend(t, strings.Replace(flexConfig, " subnet-acl SPLIT\n",
		" subnet-acl SPLIT\n route set local ipv4 192.168.77.0 255.255.255.0 distance 20\n", 1))
	c := newClient(t)
	if _, err := c.Initiate(ctxT(t), h.clientConfig("alice.example.com")); err != nil {
		t.Fatalf("initiate: %v", err)
	}
	var got []string
	for _, r := range h.dp.Routes("", "Virtual-Access1") {
		got = append(got, fmt.Sprintf("%s via %s distance %d", r.Prefix, r.Interface, r.Distance))
	}
	want := []string{"10.10.0.10/32 via Virtual-Access1 distance 0", "192.168.77.0/24 via Virtual-Access1 distance 20"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("routes %q, want %q", got, want)
	}
}
