package dataplane

import (
	"net/netip"
	"strings"
	"testing"
)

// goodSA is a valid AES-GCM-16/256 tunnel-mode SA over UDP encapsulation;
// the table cases change one thing each.
func goodSA() ChildSA {
	return ChildSA{
		ID:          SAID{SPI: 0xc0ffee01},
		OutboundSPI: 0xdeadbeef,
		Interface:   "Virtual-Access1",
		FVRF:        "outside",
		Mode:        Tunnel,
		Local:       netip.MustParseAddrPort("192.0.2.1:4500"),
		Remote:      netip.MustParseAddrPort("198.51.100.7:4500"),
		Encap:       true,
		Encr:        20,
		EncrKeyBits: 256,
		In:          Keys{Encr: make([]byte, 36)},
		Out:         Keys{Encr: make([]byte, 36)},
		LocalTS: []TrafficSelector{{
			EndPort: 65535, Start: netip.MustParseAddr("0.0.0.0"), End: netip.MustParseAddr("255.255.255.255"),
		}},
		RemoteTS: []TrafficSelector{{
			EndPort: 65535, Start: netip.MustParseAddr("10.10.0.5"), End: netip.MustParseAddr("10.10.0.5"),
		}},
		ReplayWindow: 64,
		Lifetime:     Lifetime{SoftSeconds: 3240, HardSeconds: 3600},
	}
}

func keys(encr, integ int) Keys { return Keys{Encr: make([]byte, encr), Integ: make([]byte, integ)} }

func TestChildSAValidate(t *testing.T) {
	tests := []struct {
		name   string
		modify func(*ChildSA)
		want   string // substring of the error; "" = valid
	}{
		{"aes-gcm-256", func(*ChildSA) {}, ""},
		{"aes-gcm-128", func(sa *ChildSA) { sa.EncrKeyBits, sa.In, sa.Out = 128, keys(20, 0), keys(20, 0) }, ""},
		{"aes-gcm-192", func(sa *ChildSA) { sa.EncrKeyBits, sa.In, sa.Out = 192, keys(28, 0), keys(28, 0) }, ""},
		{"chacha20-poly1305", func(sa *ChildSA) { sa.Encr, sa.EncrKeyBits, sa.In, sa.Out = 28, 0, keys(36, 0), keys(36, 0) }, ""},
		{"chacha20-poly1305 256 bits", func(sa *ChildSA) { sa.Encr, sa.In, sa.Out = 28, keys(36, 0), keys(36, 0) }, ""},
		{"aes-cbc-128 sha1", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 12, 128, 2, keys(16, 20), keys(16, 20)
		}, ""},
		{"aes-cbc-256 sha256", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 12, 256, 12, keys(32, 32), keys(32, 32)
		}, ""},
		{"aes-cbc-192 sha384", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 12, 192, 13, keys(24, 48), keys(24, 48)
		}, ""},
		{"3des sha512", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 3, 0, 14, keys(24, 64), keys(24, 64)
		}, ""},
		{"transport ipv6 no encap", func(sa *ChildSA) {
			sa.Mode, sa.Encap = Transport, false
			sa.Local, sa.Remote = netip.MustParseAddrPort("[2001:db8::1]:0"), netip.MustParseAddrPort("[2001:db8::2]:0")
		}, ""},
		{"no selectors, no lifetime, no replay", func(sa *ChildSA) {
			sa.LocalTS, sa.RemoteTS, sa.Lifetime, sa.ReplayWindow = nil, nil, Lifetime{}, 0
		}, ""},
		{"rekey", func(sa *ChildSA) { sa.Replaces = &SAID{SPI: 0xc0ffee00} }, ""},

		{"zero inbound SPI", func(sa *ChildSA) { sa.ID.SPI = 0 }, "zero inbound SPI"},
		{"zero outbound SPI", func(sa *ChildSA) { sa.OutboundSPI = 0 }, "zero outbound SPI"},
		{"no interface", func(sa *ChildSA) { sa.Interface = "" }, "no interface"},
		{"bad mode", func(sa *ChildSA) { sa.Mode = 7 }, "invalid mode(7)"},
		{"no local address", func(sa *ChildSA) { sa.Local = netip.AddrPort{} }, "invalid outer address"},
		{"no remote address", func(sa *ChildSA) { sa.Remote = netip.AddrPort{} }, "invalid outer address"},
		{"mixed families", func(sa *ChildSA) { sa.Remote = netip.MustParseAddrPort("[2001:db8::2]:4500") }, "different families"},
		{"encap without port", func(sa *ChildSA) { sa.Remote = netip.MustParseAddrPort("198.51.100.7:0") }, "UDP encapsulation without ports"},
		{"unknown encr", func(sa *ChildSA) { sa.Encr = 13 }, "unsupported encryption transform 13"},
		{"gcm without key bits", func(sa *ChildSA) { sa.EncrKeyBits = 0 }, "invalid key length 0"},
		{"gcm without salt", func(sa *ChildSA) { sa.In = keys(32, 0) }, "inbound encryption key is 32 bytes, transform 20/256 needs 36"},
		{"short outbound key", func(sa *ChildSA) { sa.Out = keys(35, 0) }, "outbound encryption key is 35 bytes"},
		{"gcm with integrity", func(sa *ChildSA) { sa.Integ = 12 }, "AEAD transform 20 with integrity transform 12"},
		{"gcm with integrity key", func(sa *ChildSA) { sa.In.Integ = make([]byte, 32) }, "inbound integrity key is 32 bytes, transform 0 needs 0"},
		{"cbc with salt", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 12, 128, 2, keys(20, 20), keys(20, 20)
		}, "needs 16"},
		{"cbc without integrity", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 12, 128, 0, keys(16, 0), keys(16, 0)
		}, "unsupported integrity transform 0"},
		{"cbc sha256 with sha1 key", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 12, 128, 12, keys(16, 32), keys(16, 20)
		}, "outbound integrity key is 20 bytes, transform 12 needs 32"},
		{"3des 128 bits", func(sa *ChildSA) {
			sa.Encr, sa.EncrKeyBits, sa.Integ, sa.In, sa.Out = 3, 128, 2, keys(24, 20), keys(24, 20)
		}, "invalid key length 128"},
		{"chacha 128 bits", func(sa *ChildSA) { sa.Encr, sa.EncrKeyBits = 28, 128 }, "invalid key length 128"},
		{"selector end before start", func(sa *ChildSA) {
			sa.RemoteTS[0].Start, sa.RemoteTS[0].End = sa.RemoteTS[0].End, netip.MustParseAddr("10.10.0.4")
		}, "remote traffic selector"},
		{"selector ports reversed", func(sa *ChildSA) { sa.LocalTS[0].StartPort, sa.LocalTS[0].EndPort = 500, 400 }, "end port before start"},
		{"selector mixed families", func(sa *ChildSA) { sa.LocalTS[0].End = netip.MustParseAddr("::1") }, "addresses of different families"},
		{"selector no address", func(sa *ChildSA) { sa.LocalTS[0].Start = netip.Addr{} }, "invalid address"},
		{"negative replay", func(sa *ChildSA) { sa.ReplayWindow = -1 }, "negative replay window"},
		{"soft after hard", func(sa *ChildSA) { sa.Lifetime.SoftSeconds = 4000 }, "soft 4000 seconds after hard 3600"},
		{"soft bytes after hard", func(sa *ChildSA) { sa.Lifetime.SoftBytes, sa.Lifetime.HardBytes = 10, 5 }, "bytes after hard"},
		{"soft packets after hard", func(sa *ChildSA) { sa.Lifetime.SoftPackets, sa.Lifetime.HardPackets = 10, 5 }, "packets after hard"},
		{"negative seconds", func(sa *ChildSA) { sa.Lifetime.HardSeconds = -1 }, "negative seconds"},
		{"replaces itself", func(sa *ChildSA) { sa.Replaces = &SAID{SPI: sa.ID.SPI} }, "replaces itself"},
		{"replaces zero", func(sa *ChildSA) { sa.Replaces = &SAID{} }, "replaces zero SPI"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sa := goodSA()
			tt.modify(&sa)
			err := sa.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate() = %v, want nil", err)
			case tt.want != "" && err == nil:
				t.Fatalf("Validate() = nil, want error containing %q", tt.want)
			case tt.want != "" && !strings.Contains(err.Error(), tt.want):
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.want)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "dataplane: child SA ") {
				t.Errorf("error %q does not name the package and SA", err)
			}
		})
	}
}

func TestInterfaceSpecValidate(t *testing.T) {
	good := func() InterfaceSpec {
		return InterfaceSpec{
			Name: "Virtual-Access1", LinuxName: "va1", VRF: "inside", Template: 1,
			Unnumbered: "Loopback0", InACL: "101",
			TunnelSource: netip.MustParseAddr("192.0.2.1"), TunnelDestination: netip.MustParseAddr("198.51.100.7"),
		}
	}
	tests := []struct {
		name   string
		modify func(*InterfaceSpec)
		want   string
	}{
		{"unnumbered", func(*InterfaceSpec) {}, ""},
		{"addressed", func(s *InterfaceSpec) {
			s.Unnumbered, s.Addresses = "", []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32"), netip.MustParsePrefix("2001:db8::1/128")}
		}, ""},
		{"backend chooses linux name", func(s *InterfaceSpec) { s.LinuxName = "" }, ""},
		{"15 character linux name", func(s *InterfaceSpec) { s.LinuxName = "va1234567890123" }, ""},
		{"mtu", func(s *InterfaceSpec) { s.MTU = 1500 }, ""},

		{"no name", func(s *InterfaceSpec) { s.Name = "" }, "empty name"},
		{"16 character linux name", func(s *InterfaceSpec) { s.LinuxName = "va12345678901234" }, "longer than 15"},
		{"slash in linux name", func(s *InterfaceSpec) { s.LinuxName = "va/1" }, "invalid linux name"},
		{"negative template", func(s *InterfaceSpec) { s.Template = -1 }, "negative virtual-template"},
		{"invalid address", func(s *InterfaceSpec) { s.Unnumbered, s.Addresses = "", []netip.Prefix{{}} }, "invalid address"},
		{"address and unnumbered", func(s *InterfaceSpec) { s.Addresses = []netip.Prefix{netip.MustParsePrefix("10.0.0.1/32")} }, "both addresses and unnumbered"},
		{"unnumbered to itself", func(s *InterfaceSpec) { s.Unnumbered = s.Name }, "unnumbered to itself"},
		{"tiny mtu", func(s *InterfaceSpec) { s.MTU = 67 }, "mtu 67 out of range"},
		{"huge mtu", func(s *InterfaceSpec) { s.MTU = 65536 }, "mtu 65536 out of range"},
		{"tunnel families", func(s *InterfaceSpec) { s.TunnelDestination = netip.MustParseAddr("2001:db8::7") }, "different families"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := good()
			tt.modify(&s)
			err := s.Validate()
			if tt.want == "" {
				if err != nil {
					t.Fatalf("Validate() = %v, want nil", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want error containing %q", err, tt.want)
			}
		})
	}
}

func TestRouteValidate(t *testing.T) {
	tests := []struct {
		route Route
		want  string
	}{
		{Route{Prefix: netip.MustParsePrefix("10.10.0.5/32"), Interface: "Virtual-Access1"}, ""},
		{Route{Prefix: netip.MustParsePrefix("0.0.0.0/0"), NextHop: netip.MustParseAddr("192.0.2.254"), Distance: 255}, ""},
		{Route{Prefix: netip.MustParsePrefix("2001:db8:1::/48"), Interface: "Virtual-Access1", Tag: 7}, ""},

		{Route{Interface: "Virtual-Access1"}, "invalid prefix"},
		{Route{Prefix: netip.MustParsePrefix("10.10.0.5/24"), Interface: "Virtual-Access1"}, "host bits set (want 10.10.0.0/24)"},
		{Route{Prefix: netip.MustParsePrefix("10.10.0.0/24")}, "neither next hop nor interface"},
		{Route{Prefix: netip.MustParsePrefix("10.10.0.0/24"), Interface: "Virtual-Access1", Distance: 256}, "distance 256"},
		{Route{Prefix: netip.MustParsePrefix("10.10.0.0/24"), Interface: "Virtual-Access1", Distance: -1}, "distance -1"},
	}
	for _, tt := range tests {
		err := tt.route.Validate()
		if tt.want == "" && err != nil {
			t.Errorf("%+v: Validate() = %v, want nil", tt.route, err)
		}
		if tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%+v: Validate() = %v, want error containing %q", tt.route, err, tt.want)
		}
	}
}

func TestStrings(t *testing.T) {
	for _, tt := range []struct {
		got, want string
	}{
		{SAID{SPI: 0xc0ffee01}.String(), "0xc0ffee01"},
		{SAID{SPI: 1}.String(), "0x00000001"},
		{Tunnel.String(), "tunnel"},
		{Transport.String(), "transport"},
		{Event{Kind: SoftExpire, SA: SAID{SPI: 2}}.String(), "soft-expire 0x00000002"},
		{HardExpire.String(), "hard-expire"},
		{EventKind(0).String(), "event(0)"},
	} {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
