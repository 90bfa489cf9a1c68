package radius

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	wire "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/vendors/microsoft"
)

func TestCiscoAVPairs(t *testing.T) {
	p := wire.New(wire.CodeAccessAccept, []byte(secret))
	for _, s := range []string{"ipsec:route-set=interface", "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34", "ip:interface-config=ip mtu 1000"} {
		if err := AddCiscoAVPair(p, s); err != nil {
			t.Fatal(err)
		}
	}
	rfc2865.ReplyMessage_SetString(p, "between")
	// One Vendor-Specific carrying two AV-pairs and another Cisco type.
	p.Add(26, append([]byte{0, 0, 0, 9}, "\x01\x0ba=b c=d e\x02\x03z\x01\x05x*y"...))
	p.Add(26, append([]byte{0, 0, 1, 0x37}, "\x01\x05a=b"...)) // Microsoft type 1: not an AV-pair
	p.Add(26, append([]byte{0, 0, 0, 9}, "\x01\x05k=v\x01\x09broken"...))
	got := CiscoAVPairs(p)
	want := []string{"ipsec:route-set=interface", "audit-session-id=L2L4AC1G102ZO2L4AC1G101ZI1F401F4ZN34",
		"ip:interface-config=ip mtu 1000", "a=b c=d e", "x*y", "k=v"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q\nwant %q", got, want)
	}
	if err := AddCiscoAVPair(p, strings.Repeat("x", 248)); err == nil {
		t.Fatal("a 248-octet AV-pair does not fit")
	}
	if err := AddCiscoAVPair(p, strings.Repeat("x", 247)); err != nil {
		t.Fatal(err)
	}
}

func TestEAPMessage(t *testing.T) {
	eap := make([]byte, 600)
	eap[0], eap[1], eap[2], eap[3] = 1, 7, 0x02, 0x58 // length 600
	p := wire.New(wire.CodeAccessRequest, nil)
	p.Add(80, make(wire.Attribute, 16))
	if err := SetEAPMessage(p, []byte{2, 1, 0, 4}); err != nil {
		t.Fatal(err)
	}
	if err := SetEAPMessage(p, eap); err != nil { // replaces the first
		t.Fatal(err)
	}
	var sizes []int
	for _, a := range p.Attributes {
		if a.Type == 79 {
			sizes = append(sizes, len(a.Attribute))
		}
	}
	if len(sizes) != 3 || sizes[0] != 253 || sizes[1] != 253 || sizes[2] != 94 {
		t.Fatalf("EAP-Message sizes %v", sizes)
	}
	if got, err := EAPMessage(p); err != nil || !bytes.Equal(got, eap) {
		t.Fatalf("reassembled %d octets, %v", len(got), err)
	}
	if got, err := EAPMessage(wire.New(wire.CodeAccessAccept, nil)); got != nil || err != nil {
		t.Fatalf("no EAP-Message: %x %v", got, err)
	}
	bad := wire.New(wire.CodeAccessAccept, nil)
	bad.Add(79, wire.Attribute{3, 1, 0, 5}) // says 5 octets, has 4
	if _, err := EAPMessage(bad); err == nil {
		t.Fatal("length mismatch accepted")
	}
	bad.Attributes[0].Attribute = wire.Attribute{3, 1}
	if _, err := EAPMessage(bad); err == nil {
		t.Fatal("short EAP accepted")
	}
	if err := SetEAPMessage(bad, []byte{1, 2}); err == nil {
		t.Fatal("short EAP sent")
	}
}

func TestState(t *testing.T) {
	p := wire.New(wire.CodeAccessRequest, nil)
	if State(p) != nil {
		t.Fatal("state out of nothing")
	}
	SetState(p, []byte("one"))
	SetState(p, []byte("two"))
	if string(State(p)) != "two" || len(p.Attributes) != 1 {
		t.Fatalf("state %q in %d attributes", State(p), len(p.Attributes))
	}
	if err := SetState(p, make([]byte, 254)); err == nil {
		t.Fatal("254-octet State accepted")
	}
	SetState(p, nil)
	if len(p.Attributes) != 0 {
		t.Fatal("SetState(nil) keeps the attribute")
	}
}

// TestTunnelPassword decrypts what layeh.com/radius encrypts, an
// independent implementation of RFC 2868 3.5.
func TestTunnelPassword(t *testing.T) {
	reqAuth := [16]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}
	for _, pw := range []string{"", "k", "pre_shared_key", strings.Repeat("p", 15), strings.Repeat("q", 16), strings.Repeat("z", 200)} {
		enc, err := wire.NewTunnelPassword([]byte(pw), []byte{0x81, 0x23}, []byte(secret), reqAuth[:])
		if err != nil {
			t.Fatal(err)
		}
		for _, tag := range []int{-1, 0, 1, 0x1F} {
			v := enc
			if tag >= 0 {
				v = append([]byte{byte(tag)}, enc...)
			}
			got, err := DecryptTunnelPassword(v, []byte(secret), reqAuth)
			if err != nil || string(got.Password) != pw || got.Tag != byte(max(tag, 0)) {
				t.Errorf("%q tag %d: %q tag %d, %v", pw, tag, got.Password, got.Tag, err)
			}
		}
	}
	for name, v := range map[string][]byte{
		"short": {0, 0x80, 1}, "not blocks": append([]byte{1, 0x80, 1}, make([]byte, 17)...),
		"salt high bit": append([]byte{1, 0x10, 1}, make([]byte, 16)...),
	} {
		if _, err := DecryptTunnelPassword(v, []byte(secret), reqAuth); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if _, err := DecryptTunnelPassword(append([]byte{1, 0x80, 1}, make([]byte, 16)...), nil, reqAuth); err == nil {
		t.Error("no secret: no error")
	}
}

func TestMSK(t *testing.T) {
	recv := bytes.Repeat([]byte{0x11, 0x22}, 16)
	send := bytes.Repeat([]byte{0x33, 0x44}, 16)
	reqAuth := [16]byte{0xAA, 0xBB}
	p := &wire.Packet{Code: wire.CodeAccessAccept, Authenticator: reqAuth, Secret: []byte(secret)}
	if _, err := msk(p, reqAuth); !errors.Is(err, ErrNoMSK) {
		t.Fatalf("no keys: %v", err)
	}
	microsoft.MSMPPESendKey_Add(p, send) // send first: the MSK is still recv || send
	microsoft.MSMPPERecvKey_Add(p, recv)
	got, err := msk(p, reqAuth)
	if err != nil || !bytes.Equal(got, append(append([]byte(nil), recv...), send...)) {
		t.Fatalf("MSK %x, %v", got, err)
	}
	r := &Response{Packet: p, RequestAuthenticator: reqAuth}
	if got2, _ := r.MSK(); !bytes.Equal(got2, got) {
		t.Fatal("Response.MSK differs")
	}
	p.Secret = []byte("wrong")
	if got, err := msk(p, reqAuth); err == nil && bytes.Equal(got[:32], recv) {
		t.Fatal("decrypted with the wrong secret")
	}
}
