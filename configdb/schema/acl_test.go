package schema

import (
	"strconv"
	"testing"
)

func TestACEText(t *testing.T) {
	n := func(i int) *int { return &i }
	anyAddr := AddrMatch{Address: "0.0.0.0", Wildcard: AnyWildcard}
	host := AddrMatch{Address: "10.1.1.1", Wildcard: HostWildcard}
	named := ACEStyle{Extended: true, Pad: true,
		PortName: func(proto string, port int) string {
			if proto == "tcp" && port == 80 {
				return "www"
			}
			return strconv.Itoa(port)
		},
		ICMPName: func(typ int) string { return map[int]string{8: "echo"}[typ] }}
	for _, tc := range []struct {
		e             ACE
		want          string // in the running configuration's style
		wantNumbered  string // in the zero style (but for Extended)
		standardEntry bool
	}{
		{e: ACE{Remark: "no telnet"}, want: "remark no telnet", wantNumbered: "remark no telnet"},
		{e: ACE{Action: "deny", Source: AddrMatch{Address: "10.1.1.0", Wildcard: "0.0.0.255"}, Log: "log"}, standardEntry: true,
			want: "deny   10.1.1.0 0.0.0.255 log", wantNumbered: "deny 10.1.1.0 0.0.0.255 log"},
		{e: ACE{Action: "permit", Source: host}, standardEntry: true, want: "permit 10.1.1.1", wantNumbered: "permit 10.1.1.1"},
		{e: ACE{Action: "deny", Protocol: "tcp", Source: anyAddr, Dest: host, DestPorts: &PortMatch{Op: "eq", Port: 80}},
			want: "deny   tcp any host 10.1.1.1 eq www", wantNumbered: "deny tcp any host 10.1.1.1 eq 80"},
		{e: ACE{Action: "permit", Protocol: "tcp", Source: AddrMatch{Address: "10.0.0.0", Wildcard: "0.255.255.255"},
			SourcePorts: &PortMatch{Op: "range", Port: 1024, Port2: 65535}, Dest: anyAddr, Established: true, Log: "log-input"},
			want:         "permit tcp 10.0.0.0 0.255.255.255 range 1024 65535 any established log-input",
			wantNumbered: "permit tcp 10.0.0.0 0.255.255.255 range 1024 65535 any established log-input"},
		{e: ACE{Action: "deny", Protocol: "icmp", Source: anyAddr, Dest: anyAddr, ICMPType: n(8)},
			want: "deny   icmp any any echo", wantNumbered: "deny icmp any any 8"},
		{e: ACE{Action: "deny", Protocol: "icmp", Source: anyAddr, Dest: anyAddr, ICMPType: n(3), ICMPCode: n(4)},
			want: "deny   icmp any any 3 4", wantNumbered: "deny icmp any any 3 4"},
	} {
		st := named
		st.Extended = !tc.standardEntry
		if got := tc.e.Text(st); got != tc.want {
			t.Errorf("%+v: Text = %q, want %q", tc.e, got, tc.want)
		}
		if got := tc.e.Text(ACEStyle{Extended: !tc.standardEntry}); got != tc.wantNumbered {
			t.Errorf("%+v: Text with numbers = %q, want %q", tc.e, got, tc.wantNumbered)
		}
	}
}
