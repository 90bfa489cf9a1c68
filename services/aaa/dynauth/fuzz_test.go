package dynauth

import (
	"encoding/binary"
	"net/netip"
	"reflect"
	"testing"

	"layeh.com/radius"
)

// FuzzRequest drives the whole reading path of a datagram from a known
// client (inspect, decode, the debug lines) with arbitrary bytes. When
// resign is set the Request Authenticator is made right for the mutated
// bytes, so that the fuzzer reaches decode and not only the authenticator
// check. Nothing may panic, and an accepted request must be answerable.
func FuzzRequest(f *testing.F) {
	secret := []byte(testSecret)
	seeds := []*radius.Packet{}
	p := radius.New(radius.CodeDisconnectRequest, secret)
	addAVPair(p, "ip:audit-session-id="+testAuditID)
	seeds = append(seeds, p)
	p = radius.New(radius.CodeCoARequest, secret)
	addAVPair(p, "ip:audit-session-id="+testAuditID)
	addAVPair(p, "ip:inacl#3=permit 1.1.1.1")
	addAVPair(p, "ip:outacl#4=permit tcp any host 10.0.0.1 eq www")
	addAVPair(p, "ip:interface-config=service-policy input Input-QoS-policy-2")
	addAVPair(p, "subscriber:sub-qos-policy-in=Q")
	p.Add(attrSessionTimeout, radius.NewInteger(60))
	p.Add(attrFramedIPAddress, radius.Attribute{10, 0, 0, 1})
	p.Add(attrUserName, radius.Attribute("router1"))
	p.Add(attrEventTimestamp, binary.BigEndian.AppendUint32(nil, 1_700_000_000))
	p.Add(attrProxyState, radius.Attribute("ps"))
	p.Add(attrVendorSpecific, radius.Attribute{0, 0, 0, 1, 2, 3})
	seeds = append(seeds, p)
	for _, p := range seeds {
		b, err := p.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b, true, uint8(0))
		f.Add(b, false, uint8(2))
	}
	f.Add([]byte{40, 1, 0, 20}, true, uint8(0))

	var configs []*liveConfig
	for _, c := range []Config{{AuthType: AuthAll}, {AuthType: AuthAny}, {AuthType: AuthSessionKey},
		{AuthType: AuthSessionKey, IgnoreSessionKey: true}} {
		c.Clients = []Client{{Addr: loopback, Secret: secret}}
		lc, err := compile(&c)
		if err != nil {
			f.Fatal(err)
		}
		configs = append(configs, lc)
	}
	s := New(NewFake(), Options{})
	f.Fuzz(func(t *testing.T, b []byte, resign bool, mode uint8) {
		if resign && len(b) >= headerLen {
			if n := int(binary.BigEndian.Uint16(b[2:4])); n >= headerLen && n <= len(b) {
				copy(b[4:headerLen], requestAuthenticator(b[:n], secret))
			}
		}
		req, reason := inspect(b, secret, true)
		if req == nil {
			if reason >= numDropReasons {
				t.Fatalf("drop reason %d", reason)
			}
			return
		}
		req.from, req.secret = netip.AddrPortFrom(loopback, 1700), secret
		dec := decode(req, configs[int(mode)%len(configs)])
		lines := 0
		dbg := debugLines{kind: req.kind, out: func(string) { lines++ }}
		dbg.received(req, dec)
		if dec.refuse == nil && dec.match.empty() {
			t.Fatal("no identifier, yet not refused")
		}
		if dec.refuse == nil {
			for _, l := range [][]ACLEntry{dec.change.InACL, dec.change.OutACL} {
				if _, err := BuildACL("x", l); err != nil {
					t.Fatalf("accepted entries do not build: %v", err)
				}
			}
		}
		res := NotFound()
		if dec.refuse != nil {
			res = *dec.refuse
		}
		var resp []byte
		s.finish(req, dec, res, nil, dbg, 1700, func(b []byte) error { resp = b; return nil })
		if resp == nil {
			return // too large to answer (many Proxy-States)
		}
		if !radius.IsAuthenticResponse(resp, req.packet, secret) {
			t.Fatal("response not authentic")
		}
		if _, err := radius.Parse(resp, secret); err != nil {
			t.Fatal(err)
		}
		if lines == 0 {
			t.Fatal("no debug lines")
		}
	})
}

// FuzzParseAVPair: no panic, and an accepted pair writes back as itself.
func FuzzParseAVPair(f *testing.F) {
	for _, s := range []string{"audit-session-id=L2L4", "ip:inacl#3=permit 1.1.1.1", "subscriber:x*y", "a#1=", "ip:a#b=c", "=", "*"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := ParseAVPair(s)
		if err != nil {
			return
		}
		q, err := ParseAVPair(p.String())
		if err != nil || q != p {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, p, p.String(), q, err)
		}
	})
}

// FuzzParseACE: no panic, and an accepted entry written by FormatACE reads
// back as the same entry.
func FuzzParseACE(f *testing.F) {
	for _, s := range []string{"permit 1.1.1.1", "deny 10.1.1.7 0.0.0.255 log", "permit any",
		"permit tcp 10.0.0.0 0.255.255.255 range 1024 65535 any established log-input",
		"deny icmp any any 3 4", "deny icmp any any echo", "permit 47 any any", "permit udp any eq 53 host 1.2.3.4 gt 1023"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseACE(s)
		if err != nil {
			return
		}
		text := FormatACE(e)
		again, err := ParseACE(text)
		if err != nil || !reflect.DeepEqual(again, e) {
			t.Fatalf("%q -> %+v -> %q -> %+v, %v", s, e, text, again, err)
		}
	})
}
