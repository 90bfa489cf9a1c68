package dynauth

import (
	"reflect"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

func TestParseAVPair(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want AVPair
	}{
		{"audit-session-id=L2L4", AVPair{Name: "audit-session-id", Value: "L2L4"}},
		{"ip:audit-session-id=L2L4", AVPair{Protocol: "ip", Name: "audit-session-id", Value: "L2L4"}},
		{"ip:interface-config=service-policy input P=1", AVPair{Protocol: "ip", Name: "interface-config", Value: "service-policy input P=1"}},
		{"ip:inacl#3=permit 1.1.1.1", AVPair{Protocol: "ip", Name: "inacl", Tag: 3, Value: "permit 1.1.1.1"}},
		{"subscriber:sub-qos-policy-in*gold", AVPair{Protocol: "subscriber", Name: "sub-qos-policy-in", Optional: true, Value: "gold"}},
		{"ip:route=", AVPair{Protocol: "ip", Name: "route"}},
		{"url-redirect=http://x/?a=b", AVPair{Name: "url-redirect", Value: "http://x/?a=b"}},
	} {
		got, err := ParseAVPair(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseAVPair(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		if s := got.String(); s != tc.in {
			t.Errorf("String() = %q, want %q", s, tc.in)
		}
	}
	for _, bad := range []string{"", "no separator", "=value", "ip:=x", "ip:inacl#=x", "ip:inacl#0=x", "ip:inacl#03=x",
		"ip:inacl#-1=x", "ip:inacl#x=x", "a:b:c=x", "has space=x", "ip x:y=z", ":x=y"} {
		if p, err := ParseAVPair(bad); err == nil {
			t.Errorf("ParseAVPair(%q) = %+v, want an error", bad, p)
		}
	}
}

func TestParseACE(t *testing.T) {
	host := func(a string) schema.AddrMatch { return schema.AddrMatch{Address: a, Wildcard: "0.0.0.0"} }
	anyAddr := schema.AddrMatch{Address: "0.0.0.0", Wildcard: "255.255.255.255"}
	n := func(i int) *int { return &i }
	for _, tc := range []struct {
		in, out string // out: FormatACE's text, "" = in
		want    schema.ACE
	}{
		{"permit 1.1.1.1", "", schema.ACE{Action: "permit", Source: host("1.1.1.1")}},
		{"permit host 1.1.1.1", "permit 1.1.1.1", schema.ACE{Action: "permit", Source: host("1.1.1.1")}},
		{"deny 10.1.1.7 0.0.0.255 log", "deny 10.1.1.0 0.0.0.255 log",
			schema.ACE{Action: "deny", Source: schema.AddrMatch{Address: "10.1.1.0", Wildcard: "0.0.0.255"}, Log: "log"}},
		{"permit any", "", schema.ACE{Action: "permit", Source: anyAddr}},
		{"permit 0.0.0.0 255.255.255.255", "permit any", schema.ACE{Action: "permit", Source: anyAddr}},
		{"permit ip any any", "", schema.ACE{Action: "permit", Protocol: "ip", Source: anyAddr, Dest: anyAddr}},
		{"deny tcp any host 10.1.1.1 eq www", "deny tcp any host 10.1.1.1 eq 80", schema.ACE{Action: "deny", Protocol: "tcp",
			Source: anyAddr, Dest: host("10.1.1.1"), DestPorts: &schema.PortMatch{Op: "eq", Port: 80}}},
		{"permit tcp 10.0.0.0 0.255.255.255 range 1024 65535 any established log-input", "", schema.ACE{Action: "permit", Protocol: "tcp",
			Source: schema.AddrMatch{Address: "10.0.0.0", Wildcard: "0.255.255.255"}, SourcePorts: &schema.PortMatch{Op: "range", Port: 1024, Port2: 65535},
			Dest: anyAddr, Established: true, Log: "log-input"}},
		{"permit udp any any eq isakmp", "permit udp any any eq 500", schema.ACE{Action: "permit", Protocol: "udp", Source: anyAddr, Dest: anyAddr,
			DestPorts: &schema.PortMatch{Op: "eq", Port: 500}}},
		{"deny icmp any any echo", "deny icmp any any 8", schema.ACE{Action: "deny", Protocol: "icmp", Source: anyAddr, Dest: anyAddr, ICMPType: n(8)}},
		{"deny icmp any any 3 4", "", schema.ACE{Action: "deny", Protocol: "icmp", Source: anyAddr, Dest: anyAddr, ICMPType: n(3), ICMPCode: n(4)}},
		{"permit 47 any any", "permit gre any any", schema.ACE{Action: "permit", Protocol: "gre", Source: anyAddr, Dest: anyAddr}},
		{"permit 6 any any", "permit tcp any any", schema.ACE{Action: "permit", Protocol: "tcp", Source: anyAddr, Dest: anyAddr}},
		{"permit 253 any any", "", schema.ACE{Action: "permit", Protocol: "253", Source: anyAddr, Dest: anyAddr}},
	} {
		got, err := ParseACE(tc.in)
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ParseACE(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
			continue
		}
		out := tc.out
		if out == "" {
			out = tc.in
		}
		if s := FormatACE(got); s != out {
			t.Errorf("FormatACE(ParseACE(%q)) = %q, want %q", tc.in, s, out)
		}
	}
	for _, bad := range []string{"", "allow 1.1.1.1", "permit", "permit 1.1.1", "permit 1.1.1.1 log log", "permit host",
		"permit ip any", "permit ip 10.0.0.0 any", "permit 6 any any eq 80", "permit tcp any any eq 65536",
		"permit tcp any any range 10 5", "permit udp any any established", "permit 256 any any", "permit 1.1.1.1 0.0.0.255 any",
		"permit 2001:db8::1"} {
		if e, err := ParseACE(bad); err == nil {
			t.Errorf("ParseACE(%q) = %+v, want an error", bad, e)
		}
	}
}

func TestBuildACL(t *testing.T) {
	entry := func(n int, text string) ACLEntry {
		ace, err := ParseACE(text)
		if err != nil {
			t.Fatal(err)
		}
		return ACLEntry{N: n, Text: text, ACE: ace}
	}
	acl, err := BuildACL("Virtual-Access1#2601", []ACLEntry{entry(5, "permit ip any host 10.0.0.1"), entry(2, "deny tcp any any eq 23")})
	if err != nil {
		t.Fatal(err)
	}
	if acl.Type != schema.ACLExtended || len(acl.Entries) != 2 || acl.Entries[0].Seq != 10 || acl.Entries[0].Protocol != "tcp" ||
		acl.Entries[1].Seq != 20 || acl.Name != "Virtual-Access1#2601" {
		t.Errorf("acl %+v", acl)
	}
	if acl, err := BuildACL("x", nil); acl != nil || err != nil {
		t.Errorf("empty: %v, %v", acl, err)
	}
	if _, err := BuildACL("x", []ACLEntry{entry(1, "permit any"), entry(2, "permit ip any any")}); err == nil {
		t.Error("mixed list built")
	}
}
