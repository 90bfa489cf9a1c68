package radius

import (
	"bytes"
	"crypto/md5"
	"net/netip"
	"strings"
	"testing"

	wire "layeh.com/radius"
	"layeh.com/radius/vendors/microsoft"
)

// Fuzzers for every parser of bytes from the network: the response
// validation (alone and through a socket's handler), the debug decoder,
// the AV-pair, EAP-Message, Tunnel-Password and MS-MPPE key decoders.

var fuzzReqAuth = [16]byte{0x5A, 0x04, 0xCC, 0xCF, 0xDA, 0x86, 0x4C, 0xD3, 0x4E, 0xB8, 0x8A, 0xF3, 0x75, 0x47, 0x52, 0x81}

func fuzzSeedResponses(f *testing.F) {
	f.Add(response(wire.CodeAccessAccept, fuzzReqAuth, true, func(p *wire.Packet) {
		AddCiscoAVPair(p, "ipsec:route-set=interface")
		SetEAPMessage(p, []byte{3, 1, 0, 4})
	}))
	f.Add(response(wire.CodeAccessChallenge, fuzzReqAuth, true, func(p *wire.Packet) { SetState(p, []byte("s")) }))
	f.Add(response(wire.CodeAccountingResponse, fuzzReqAuth, false, nil))
	f.Add(response(wire.CodeAccessReject, fuzzReqAuth, false, nil))
	f.Add([]byte{2, 9, 0, 20})
}

func FuzzVerifyResponse(f *testing.F) {
	fuzzSeedResponses(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		in := append([]byte(nil), b...)
		for _, code := range []wire.Code{wire.CodeAccessRequest, wire.CodeAccountingRequest, wire.CodeStatusServer} {
			p, reason := verifyResponse(b, code, fuzzReqAuth, []byte(secret))
			if !bytes.Equal(b, in) {
				t.Fatal("verifyResponse modified its input")
			}
			if reason != dropNone {
				if p != nil {
					t.Fatal("a packet with a drop reason")
				}
				continue
			}
			// Whatever passes is authentic by the RFC's definition,
			// computed here without verifyResponse's code.
			n := int(b[2])<<8 | int(b[3])
			h := md5.New()
			h.Write(b[:4])
			h.Write(fuzzReqAuth[:])
			h.Write(b[20:n])
			h.Write([]byte(secret))
			if !bytes.Equal(h.Sum(nil), b[4:20]) || !answers(code, p.Code) {
				t.Fatalf("accepted an unauthentic answer %x", b)
			}
			if code != wire.CodeAccountingRequest && len(p.Get(80)) != 16 {
				t.Fatal("accepted an answer without a Message-Authenticator")
			}
		}
	})
}

// FuzzResponsePath sends datagrams through a socket's handler with a
// request in flight: no panic, and only a valid answer reaches the
// transaction.
func FuzzResponsePath(f *testing.F) {
	fuzzSeedResponses(f)
	raddr := netip.MustParseAddrPort("127.0.0.1:1812")
	f.Fuzz(func(t *testing.T, b []byte) {
		c := New(Options{})
		s := newServer(c, serverKey{}, c.clock.Now())
		s.cfg.Store(&Server{Auth: raddr, Secret: []byte(secret)})
		ep := &endpoint{srv: s, raddr: raddr, slots: make(chan struct{}, 1), done: make(chan struct{})}
		ep.slots <- struct{}{}
		ep.next = 9 // the seeds answer identifier 9
		p := &pending{svc: Authentication, resp: make(chan received, 1)}
		id, err := ep.acquire(testCtx(t), p)
		if err != nil {
			t.Fatal(err)
		}
		ep.arm(id, wire.CodeAccessRequest, fuzzReqAuth, []byte(secret))
		ep.handle(b, raddr)
		ep.handle(b, raddr) // a duplicate is never delivered twice
		select {
		case r := <-p.resp:
			if _, reason := verifyResponse(b, wire.CodeAccessRequest, fuzzReqAuth, []byte(secret)); reason != dropNone {
				t.Fatalf("delivered a datagram verifyResponse rejects: %v", reason)
			}
			if !bytes.Equal(r.raw, checkLength(b)) {
				t.Fatal("delivered other bytes")
			}
		default:
		}
		st := s.status(c.clock.Now()).Authen
		if drops := st.Malformed + st.BadAuthenticators + st.BadMessageAuthenticators + st.WrongCode + st.UnknownID; drops < 1 {
			t.Fatalf("two datagrams, no drop counted: %+v", st)
		}
	})
}

func FuzzDebugLines(f *testing.F) {
	fuzzSeedResponses(f)
	f.Add(append([]byte{1, 1, 0, 30}, append(make([]byte, 16), 26, 10, 0, 0, 0, 9, 1, 4, 'a', '=')...))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 512 {
			// Longer packets only repeat the attribute loop; skipping them
			// keeps the fuzzer from spending its time minimising them
			// (Go minimises every input that finds new coverage).
			return
		}
		for _, l := range DebugLines(b) {
			if !strings.HasPrefix(l, "RADIUS:") {
				t.Fatalf("line %q", l)
			}
			for _, c := range []byte(l) {
				if c < 0x20 || c > 0x7e {
					t.Fatalf("unprintable octet %#x in %q", c, l)
				}
			}
		}
	})
}

func FuzzCiscoAVPairs(f *testing.F) {
	f.Add([]byte{26, 12, 0, 0, 0, 9, 1, 6, 'a', '=', 'b', 'c'}, "ip:inacl#3=permit 1.1.1.1")
	f.Add([]byte{26, 7, 0, 0, 0, 9, 1}, "")
	f.Fuzz(func(t *testing.T, attrs []byte, pair string) {
		if len(attrs) > 1024 {
			return // as in FuzzEAPMessage
		}
		if parsed, err := wire.ParseAttributes(attrs); err == nil {
			for _, s := range CiscoAVPairs(&wire.Packet{Attributes: parsed}) {
				if !bytes.Contains(attrs, []byte(s)) {
					t.Fatalf("AV-pair %q is not in the packet", s)
				}
			}
		}
		p := &wire.Packet{}
		if err := AddCiscoAVPair(p, pair); err != nil {
			if len(pair) <= 247 {
				t.Fatal(err)
			}
			return
		}
		if got := CiscoAVPairs(p); len(got) != 1 || got[0] != pair {
			t.Fatalf("round trip %q -> %q", pair, got)
		}
	})
}

func FuzzEAPMessage(f *testing.F) {
	f.Add([]byte{2, 1, 0, 7, 1, 'p', '1'}, []byte{79, 6, 1, 2, 0, 4})
	f.Fuzz(func(t *testing.T, eap, attrs []byte) {
		if len(eap) > 1024 || len(attrs) > 1024 {
			return // longer inputs only repeat the loops, and minimising them stalls the fuzzer
		}
		eap = append([]byte(nil), eap...) // the length is rewritten below
		if parsed, err := wire.ParseAttributes(attrs); err == nil {
			got, err := EAPMessage(&wire.Packet{Attributes: parsed})
			if err == nil && got != nil && int(got[2])<<8|int(got[3]) != len(got) {
				t.Fatalf("accepted %x", got)
			}
		}
		if len(eap) >= 4 { // make the length field true, so the round trip must hold
			eap[2], eap[3] = byte(len(eap)>>8), byte(len(eap))
		}
		p := &wire.Packet{}
		if err := SetEAPMessage(p, eap); err != nil {
			return
		}
		for _, a := range p.Attributes {
			if len(a.Attribute) > 253 || len(a.Attribute) == 0 {
				t.Fatalf("EAP-Message of %d octets", len(a.Attribute))
			}
		}
		if got, err := EAPMessage(p); len(eap) <= 0xFFFF && (err != nil || !bytes.Equal(got, eap)) {
			t.Fatalf("round trip of %d octets: %v", len(eap), err)
		}
	})
}

func FuzzTunnelPassword(f *testing.F) {
	f.Add([]byte{0, 0x80, 1, 0x12, 0x34, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, "pre_shared_key", byte(0x81), byte(1))
	f.Fuzz(func(t *testing.T, v []byte, password string, salt0, tag byte) {
		DecryptTunnelPassword(v, []byte(secret), fuzzReqAuth) // must not panic
		if len(password) > 249 {
			return
		}
		enc, err := wire.NewTunnelPassword([]byte(password), []byte{salt0 | 0x80, tag}, []byte(secret), fuzzReqAuth[:])
		if err != nil {
			t.Fatal(err)
		}
		tag &= 0x1F
		got, err := DecryptTunnelPassword(append([]byte{tag}, enc...), []byte(secret), fuzzReqAuth)
		if err != nil || got.Tag != tag || string(got.Password) != password {
			t.Fatalf("round trip %q tag %d: %q tag %d, %v", password, tag, got.Password, got.Tag, err)
		}
	})
}

func FuzzMPPEKey(f *testing.F) {
	f.Add([]byte{0x80, 1, 0x12, 0x34, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18}, []byte("0123456789abcdef0123456789abcdef"))
	f.Fuzz(func(t *testing.T, v, key []byte) {
		DecryptMPPEKey(v, []byte(secret), fuzzReqAuth) // must not panic
		if len(key) > 200 {
			return
		}
		p := &wire.Packet{Code: wire.CodeAccessAccept, Authenticator: fuzzReqAuth, Secret: []byte(secret)}
		if err := microsoft.MSMPPERecvKey_Add(p, key); err != nil {
			t.Fatal(err)
		}
		enc := vendorAttrs(p, vendorMicrosoft, msMPPERecvKey)[0]
		got, err := DecryptMPPEKey(enc, []byte(secret), fuzzReqAuth)
		if err != nil || !bytes.Equal(got, key) {
			t.Fatalf("round trip %x: %x, %v", key, got, err)
		}
	})
}
