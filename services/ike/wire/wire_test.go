package wire

import (
	"bytes"
	"encoding/hex"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/internal/testvec"
)

// seq returns n bytes counting up from start.
func seq(start byte, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}

func keyLen(bits uint16) []Attribute {
	return []Attribute{{Type: AttrKeyLength, TV: true, Value: bits}}
}

// initRequest is a realistic IKE_SA_INIT request as a road-warrior client
// sends it: two IKE proposals, a P-256 key share, NAT detection, and the
// fragmentation and signature-hash capabilities.
func initRequest() *Message {
	return &Message{
		Header: Header{
			InitiatorSPI: 0x0102030405060708,
			MajorVersion: 2,
			Exchange:     IKE_SA_INIT,
			Flags:        FlagInitiator,
		},
		Payloads: []Payload{
			&SA{Proposals: []Proposal{
				{Number: 1, Protocol: ProtoIKE, SPI: []byte{}, Transforms: []Transform{
					{Type: TransformENCR, ID: ENCR_AES_CBC, Attributes: keyLen(256)},
					{Type: TransformINTEG, ID: AUTH_HMAC_SHA2_256_128},
					{Type: TransformPRF, ID: PRF_HMAC_SHA2_256},
					{Type: TransformDH, ID: ECP_256},
				}},
				{Number: 2, Protocol: ProtoIKE, SPI: []byte{}, Transforms: []Transform{
					{Type: TransformENCR, ID: ENCR_AES_GCM_16, Attributes: keyLen(256)},
					{Type: TransformENCR, ID: ENCR_AES_GCM_16, Attributes: keyLen(128)},
					{Type: TransformPRF, ID: PRF_HMAC_SHA2_384},
					{Type: TransformDH, ID: ECP_256},
					{Type: TransformDH, ID: CURVE_25519},
				}},
			}},
			&KE{Group: ECP_256, Data: seq(0x00, 64)},
			&Nonce{Data: seq(0x40, 32)},
			&Notify{NotifyType: NAT_DETECTION_SOURCE_IP, SPI: []byte{}, Data: seq(0x60, 20)},
			&Notify{NotifyType: NAT_DETECTION_DESTINATION_IP, SPI: []byte{}, Data: seq(0x80, 20)},
			&Notify{NotifyType: IKEV2_FRAGMENTATION_SUPPORTED, SPI: []byte{}, Data: []byte{}},
			&Notify{NotifyType: SIGNATURE_HASH_ALGORITHMS, SPI: []byte{}, Data: []byte{0, 2, 0, 3, 0, 4}},
		},
	}
}

// goldenInit is initRequest laid out by hand from RFC 7296 sections 3.1-3.10.
func goldenInit(t testing.TB) []byte {
	return testvec.Unhex(t,
		// IKE header (3.1)
		"0102030405060708", // initiator SPI
		"0000000000000000", // responder SPI: zero in IKE_SA_INIT request
		"21",               // next payload: SA (33)
		"20",               // major 2, minor 0
		"22",               // exchange: IKE_SA_INIT (34)
		"08",               // flags: I
		"00000000",         // message ID 0
		"0000013e",         // length 318 = 28+104+72+36+28+28+8+14

		// SA payload (3.3)
		"22 00 0068", // next KE, not critical, length 104 = 4+44+56
		// proposal 1
		"02 00 002c",            // more proposals, reserved, length 44 = 8+12+8+8+8
		"01 01 00 04",           // number 1, protocol IKE, SPI size 0, 4 transforms
		"03 00 000c 01 00 000c", // more, length 12, ENCR, AES_CBC (12)
		"800e 0100",             // TV Key Length = 256
		"03 00 0008 03 00 000c", // more, length 8, INTEG, HMAC_SHA2_256_128 (12)
		"03 00 0008 02 00 0005", // more, length 8, PRF, HMAC_SHA2_256 (5)
		"00 00 0008 04 00 0013", // last, length 8, DH, group 19
		// proposal 2
		"00 00 0038",            // last proposal, length 56 = 8+12+12+8+8+8
		"02 01 00 05",           // number 2, protocol IKE, SPI size 0, 5 transforms
		"03 00 000c 01 00 0014", // ENCR AES_GCM_16 (20)
		"800e 0100",             // Key Length 256
		"03 00 000c 01 00 0014", // ENCR AES_GCM_16 (20)
		"800e 0080",             // Key Length 128
		"03 00 0008 02 00 0006", // PRF HMAC_SHA2_384 (6)
		"03 00 0008 04 00 0013", // DH 19
		"00 00 0008 04 00 001f", // last, DH 31

		// KE payload (3.4)
		"28 00 0048", // next Nonce, length 72 = 4+4+64
		"0013 0000",  // group 19, reserved
		"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
		"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f",

		// Nonce payload (3.9)
		"29 00 0024", // next Notify, length 36
		"404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f",

		// Notify payloads (3.10)
		"29 00 001c", // next Notify, length 28
		"00 00 4004", // protocol 0, SPI size 0, NAT_DETECTION_SOURCE_IP (16388)
		"606162636465666768696a6b6c6d6e6f70717273", // SHA-1 hash
		"29 00 001c", // next Notify, length 28
		"00 00 4005", // NAT_DETECTION_DESTINATION_IP (16389)
		"808182838485868788898a8b8c8d8e8f90919293",
		"29 00 0008",     // next Notify, length 8
		"00 00 402e",     // IKEV2_FRAGMENTATION_SUPPORTED (16430)
		"00 00 000e",     // last payload, length 14
		"00 00 402f",     // SIGNATURE_HASH_ALGORITHMS (16431)
		"0002 0003 0004", // SHA2-256, SHA2-384, SHA2-512
	)
}

func TestIKESAInitGolden(t *testing.T) {
	m := initRequest()
	got, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := goldenInit(t)
	if !bytes.Equal(got, want) {
		t.Fatalf("encode mismatch\n got %x\nwant %x", got, want)
	}
	if m.Header.Length != 318 || m.Header.NextPayload != PayloadSA {
		t.Errorf("Encode did not fill the header: %+v", m.Header)
	}
	parsed, err := Parse(want)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(parsed, m) {
		t.Errorf("parse(golden) differs from the built message\n got %#v\nwant %#v", parsed, m)
	}
	kl, ok := parsed.Payloads[0].(*SA).Proposals[1].Transforms[1].KeyLength()
	if !ok || kl != 128 {
		t.Errorf("KeyLength = %d, %v", kl, ok)
	}
}

func addr(s string) netip.Addr { return netip.MustParseAddr(s) }

// everyPayload has one value of each payload type, built the way Parse
// returns them (empty slices non-nil) so DeepEqual applies.
func everyPayload() []Payload {
	e := []byte{}
	return []Payload{
		&SA{Critical: true, Proposals: []Proposal{{Number: 1, Protocol: ProtoESP, SPI: []byte{1, 2, 3, 4}, Transforms: []Transform{
			{Type: TransformENCR, ID: ENCR_AES_CBC, Attributes: []Attribute{{Type: AttrKeyLength, TV: true, Value: 128}, {Type: 0x1234, Data: []byte("tlv")}, {Type: 7, Data: e}}},
			{Type: TransformESN, ID: ESN_NO},
		}}}},
		&KE{Group: MODP_2048, Data: seq(1, 256)},
		&ID{IDType: ID_FQDN, Data: []byte("client.example")},
		&ID{Responder: true, Critical: true, IDType: ID_IPV4_ADDR, Data: []byte{192, 0, 2, 1}},
		&Cert{Encoding: CertX509Signature, Data: seq(0x30, 40)},
		&CertReq{Encoding: CertX509Signature, Data: seq(9, 40)},
		&Auth{Method: AuthDigitalSignature, Data: seq(2, 50)},
		&Nonce{Data: seq(3, 16)},
		&Notify{Protocol: ProtoESP, SPI: []byte{9, 9, 9, 9}, NotifyType: REKEY_SA, Data: e},
		&Notify{NotifyType: NO_PROPOSAL_CHOSEN, SPI: e, Data: e},
		&Delete{Protocol: ProtoESP, SPISize: 4, SPIs: [][]byte{{1, 2, 3, 4}, {5, 6, 7, 8}}},
		&Delete{Protocol: ProtoIKE, SPIs: [][]byte{}},
		&VendorID{Data: []byte("gatehouse")},
		&TS{Selectors: []TrafficSelector{
			{Type: TS_IPV4_ADDR_RANGE, StartPort: 0, EndPort: 65535, Start: addr("0.0.0.0"), End: addr("255.255.255.255")},
			{Type: TS_IPV6_ADDR_RANGE, IPProtocol: 17, StartPort: 500, EndPort: 500, Start: addr("2001:db8::"), End: addr("2001:db8::ffff")},
			{Type: 9, Raw: []byte{1, 2, 3}},
		}},
		&TS{Responder: true, Selectors: []TrafficSelector{{Type: TS_IPV4_ADDR_RANGE, IPProtocol: 6, StartPort: 80, EndPort: 80, Start: addr("10.0.0.0"), End: addr("10.0.0.255")}}},
		&CP{CfgType: CFG_REPLY, Attributes: []CPAttribute{
			{Type: INTERNAL_IP4_ADDRESS, Value: []byte{10, 1, 0, 7}},
			{Type: INTERNAL_IP4_DNS, Value: []byte{10, 0, 0, 53}},
			{Type: INTERNAL_IP6_ADDRESS, Value: append(addr("2001:db8::7").AsSlice(), 64)},
			{Type: UNITY_BANNER, Value: []byte("authorised use only")},
			{Type: APPLICATION_VERSION, Value: e},
		}},
		&EAP{Data: []byte{1, 7, 0, 5, 1}},
		&Unknown{PayloadType: 200, Data: []byte("opaque")},
		&SKF{FirstInner: PayloadIDi, Number: 1, Total: 3, Data: seq(4, 60)},
		&SK{FirstInner: PayloadIDi, Data: seq(5, 80)},
	}
}

func TestRoundTripEveryPayload(t *testing.T) {
	for _, p := range everyPayload() {
		t.Run(p.Type().String(), func(t *testing.T) {
			m := &Message{Header: Header{InitiatorSPI: 1, ResponderSPI: 2, MajorVersion: 2, Exchange: IKE_AUTH, Flags: FlagInitiator, MessageID: 1}, Payloads: []Payload{p}}
			b1, err := m.Encode()
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := Parse(b1)
			if err != nil {
				t.Fatalf("Parse: %v\n%x", err, b1)
			}
			if !reflect.DeepEqual(parsed, m) {
				t.Fatalf("parsed differs\n got %#v\nwant %#v", parsed.Payloads[0], p)
			}
			b2, err := parsed.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b1, b2) {
				t.Fatalf("re-encode differs\n%x\n%x", b1, b2)
			}
		})
	}
}

// TestInnerPayloads is the path of an IKE_AUTH request: inner payloads
// encoded, (encrypted elsewhere), carried in SK, parsed back.
func TestInnerPayloads(t *testing.T) {
	all := everyPayload()
	inner := all[:len(all)-2] // everything but SKF and SK
	first, plain, err := EncodePayloads(inner)
	if err != nil {
		t.Fatal(err)
	}
	if first != PayloadSA {
		t.Errorf("first = %v", first)
	}
	m := &Message{Header: Header{MajorVersion: 2, Exchange: IKE_AUTH}, Payloads: []Payload{&Notify{NotifyType: INITIAL_CONTACT, SPI: []byte{}, Data: []byte{}}, &SK{FirstInner: first, Data: plain}}}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	pm, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	sk := pm.Payloads[1].(*SK)
	got, err := ParsePayloads(sk.FirstInner, sk.Data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, inner) {
		t.Errorf("inner payloads differ")
	}

	if _, _, err := EncodePayloads([]Payload{&Nonce{}, &SK{}}); !errors.Is(err, ErrNesting) {
		t.Errorf("EncodePayloads with SK: %v, want ErrNesting", err)
	}
	skInside := testvec.Unhex(t, "00 00 0008 01020304")
	if _, err := ParsePayloads(PayloadSK, skInside); !errors.Is(err, ErrNesting) {
		t.Errorf("ParsePayloads with SK: %v, want ErrNesting", err)
	}
}

func TestEncodeErrors(t *testing.T) {
	h := Header{MajorVersion: 2}
	for _, tc := range []struct {
		name string
		ps   []Payload
		want error
	}{
		{"SK not last", []Payload{&SK{}, &Nonce{}}, ErrNesting},
		{"SA without proposals", []Payload{&SA{}}, ErrBadCount},
		{"payload over 64K", []Payload{&VendorID{Data: make([]byte, 70000)}}, ErrTooLarge},
		{"SKF number 0", []Payload{&SKF{Total: 1}}, ErrBadValue},
		{"delete SPI size mismatch", []Payload{&Delete{SPISize: 4, SPIs: [][]byte{{1}}}}, ErrBadLength},
		{"IPv4 TS with IPv6 address", []Payload{&TS{Selectors: []TrafficSelector{{Type: TS_IPV4_ADDR_RANGE, Start: addr("::1"), End: addr("::1")}}}}, ErrBadValue},
		{"nil payload", []Payload{nil}, ErrBadValue},
	} {
		m := &Message{Header: h, Payloads: tc.ps}
		if _, err := m.Encode(); !errors.Is(err, tc.want) {
			t.Errorf("%s: Encode error %v, want %v", tc.name, err, tc.want)
		}
	}
}

// hdr returns an IKE_SA_INIT header whose length field is right for a
// message of total bytes with first payload next.
func hdr(t testing.TB, next string, total int) string {
	b := []byte{0, 0, 0, 0}
	b[2], b[3] = byte(total>>8), byte(total)
	return "0102030405060708 0000000000000000" + next + "20 22 08 00000000" + hex.EncodeToString(b)
}

func TestMalformed(t *testing.T) {
	good := goldenInit(t)
	for _, tc := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, ErrTruncated},
		{"short header", good[:27], ErrTruncated},
		{"major version 1", func() []byte { b := bytes.Clone(good); b[17] = 0x10; return b }(), ErrBadVersion},
		{"major version 3", func() []byte { b := bytes.Clone(good); b[17] = 0x30; return b }(), ErrBadVersion},
		{"header length > datagram", good[:len(good)-1], ErrBadLength},
		{"header length < datagram", append(bytes.Clone(good), 0), ErrBadLength},
		{"no room for payload header", testvec.Unhex(t, hdr(t, "28", 30), "0000"), ErrTruncated},
		{"payload length 3", testvec.Unhex(t, hdr(t, "28", 32), "00 00 0003"), ErrBadLength},
		{"payload length past end", testvec.Unhex(t, hdr(t, "28", 32), "00 00 0009"), ErrTruncated},
		{"trailing bytes after chain", testvec.Unhex(t, hdr(t, "28", 34), "00 00 0004 ffff"), ErrTrailingBytes},
		{"trailing bytes after SK", testvec.Unhex(t, hdr(t, "2e", 36), "29 00 0006 aabb", "0000"), ErrTrailingBytes},
		{"bytes but no payloads", testvec.Unhex(t, hdr(t, "00", 30), "0000"), ErrTrailingBytes},
		{"KE body too short", testvec.Unhex(t, hdr(t, "22", 34), "00 00 0006 0013"), ErrBadLength},
		{"notify SPI past end", testvec.Unhex(t, hdr(t, "29", 36), "00 00 0008 03 04 4000"), ErrBadLength},
		{"delete count mismatch", testvec.Unhex(t, hdr(t, "2a", 40), "00 00 000c 03 04 0002 01020304"), ErrBadCount},
		{"delete 65535 SPIs of size 0", testvec.Unhex(t, hdr(t, "2a", 36), "00 00 0008 01 00 ffff"), ErrBadCount},
		{"SA empty", testvec.Unhex(t, hdr(t, "21", 32), "00 00 0004"), ErrTruncated},
		{"SA proposal length past end", testvec.Unhex(t, hdr(t, "21", 40), "00 00 000c 00 00 00ff 01 01 00 00"), ErrBadLength},
		{"SA proposal bad last/more", testvec.Unhex(t, hdr(t, "21", 40), "00 00 000c 01 00 0008 01 01 00 00"), ErrBadValue},
		{"SA more proposals than present", testvec.Unhex(t, hdr(t, "21", 40), "00 00 000c 02 00 0008 01 01 00 00"), ErrTruncated},
		{"SA transform count mismatch", testvec.Unhex(t, hdr(t, "21", 48), "00 00 0014 00 00 0010 01 01 00 02", "00 00 0008 01 00 000c"), ErrBadCount},
		{"SA transform length 7", testvec.Unhex(t, hdr(t, "21", 48), "00 00 0014 00 00 0010 01 01 00 01", "00 00 0007 01 00 000c"), ErrBadLength},
		{"SA transform bad last/more", testvec.Unhex(t, hdr(t, "21", 48), "00 00 0014 00 00 0010 01 01 00 01", "02 00 0008 01 00 000c"), ErrBadValue},
		{"SA attribute length past end", testvec.Unhex(t, hdr(t, "21", 52), "00 00 0018 00 00 0014 01 01 00 01", "00 00 000c 01 00 000c 000e 0010"), ErrBadLength},
		{"SA bytes after last transform", testvec.Unhex(t, hdr(t, "21", 52), "00 00 0018 00 00 0014 01 01 00 01", "00 00 0008 01 00 000c ffffffff"), ErrTrailingBytes},
		{"TS IPv4 selector length 20", testvec.Unhex(t, hdr(t, "2c", 56), "00 00 001c 01 000000", "07 00 0014 0000 ffff 00000000 ffffffff 00000000"), ErrBadLength},
		{"TS count mismatch", testvec.Unhex(t, hdr(t, "2c", 52), "00 00 0018 02 000000", "07 00 0010 0000 ffff 00000000 ffffffff"), ErrBadCount},
		{"CP attribute length past end", testvec.Unhex(t, hdr(t, "2f", 40), "00 00 000c 01 000000 0001 0008"), ErrBadLength},
		{"SKF fragment 0", testvec.Unhex(t, hdr(t, "35", 36), "00 00 0008 0000 0001"), ErrBadValue},
		{"SKF fragment 3 of 2", testvec.Unhex(t, hdr(t, "35", 36), "00 00 0008 0003 0002"), ErrBadValue},
		{"unknown critical payload", testvec.Unhex(t, hdr(t, "c8", 32), "00 80 0004"), ErrUnsupportedCriticalPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse(tc.b)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse error %v, want %v", err, tc.want)
			}
			if m != nil {
				t.Errorf("Parse returned a message with an error")
			}
		})
	}
}

func TestUnsupportedCriticalNamesPayload(t *testing.T) {
	b := testvec.Unhex(t, hdr(t, "28", 40), "c8 00 0008 0000 0000", "00 80 0004")
	_, err := Parse(b)
	var uc *UnsupportedCriticalPayloadError
	if !errors.As(err, &uc) || uc.Type != 200 || uc.Offset != 36 {
		t.Fatalf("err = %v (%#v)", err, uc)
	}
	if !strings.Contains(err.Error(), "PAYLOAD(200) payload at offset 36") {
		t.Errorf("message %q does not name the payload", err)
	}
	// Not critical: kept as Unknown.
	b[len(b)-3] = 0
	m, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if u, ok := m.Payloads[1].(*Unknown); !ok || u.PayloadType != 200 {
		t.Errorf("payload = %#v", m.Payloads[1])
	}
}

func TestErrorNamesPayloadAndOffset(t *testing.T) {
	b := testvec.Unhex(t, hdr(t, "28", 42), "22 00 0008 0000 0000", "00 00 0006 0013")
	_, err := Parse(b)
	if err == nil || !strings.Contains(err.Error(), "KE payload at offset 36") {
		t.Errorf("err = %v", err)
	}
}

func TestParseHeader(t *testing.T) {
	b := goldenInit(t)
	h, err := ParseHeader(b)
	if err != nil {
		t.Fatal(err)
	}
	want := Header{InitiatorSPI: 0x0102030405060708, NextPayload: PayloadSA, MajorVersion: 2, Exchange: IKE_SA_INIT, Flags: FlagInitiator, Length: 318}
	if h != want || !h.IsInitiator() || h.IsResponse() {
		t.Errorf("got %+v", h)
	}
	// The dispatcher still gets the SPIs when the version is wrong.
	b[17] = 0x31
	h, err = ParseHeader(b)
	if !errors.Is(err, ErrBadVersion) || h.InitiatorSPI != want.InitiatorSPI || h.MajorVersion != 3 || h.MinorVersion != 1 {
		t.Errorf("bad version: %+v, %v", h, err)
	}
}

func TestStripNonESPMarker(t *testing.T) {
	ike := goldenInit(t)
	got, isIKE := StripNonESPMarker(AddNonESPMarker(ike))
	if !isIKE || !bytes.Equal(got, ike) {
		t.Errorf("marked IKE not recognised")
	}
	esp := []byte{0xc0, 0xff, 0xee, 0x01, 0, 0, 0, 1}
	if got, isIKE := StripNonESPMarker(esp); isIKE || !bytes.Equal(got, esp) {
		t.Errorf("ESP taken for IKE")
	}
	if got, isIKE := StripNonESPMarker([]byte{0xff}); isIKE || got != nil {
		t.Errorf("NAT keepalive: %x, %v", got, isIKE)
	}
	if _, isIKE := StripNonESPMarker([]byte{0, 0}); isIKE {
		t.Errorf("short datagram taken for IKE")
	}
}

func FuzzParse(f *testing.F) {
	f.Add(goldenInit(f))
	for _, p := range everyPayload() {
		m := &Message{Header: Header{MajorVersion: 2, Exchange: IKE_AUTH}, Payloads: []Payload{p}}
		b, err := m.Encode()
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add(testvec.Unhex(f, hdr(f, "2a", 36), "00 00 0008 01 00 ffff"))
	f.Add(testvec.Unhex(f, hdr(f, "21", 40), "00 00 000c 02 00 0008 01 01 00 00"))
	f.Add(testvec.Unhex(f, hdr(f, "c8", 32), "00 80 0004"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		m1, err := Parse(b)
		if err != nil {
			if m1 != nil {
				t.Fatal("message returned with error")
			}
			return
		}
		b2, err := m1.Encode()
		if err != nil {
			t.Fatalf("accepted message does not re-encode: %v", err)
		}
		if len(b2) != len(b) {
			t.Fatalf("re-encoded length %d, input %d", len(b2), len(b))
		}
		m2, err := Parse(b2)
		if err != nil {
			t.Fatalf("re-encoded message does not parse: %v", err)
		}
		if !reflect.DeepEqual(m1, m2) {
			t.Fatalf("re-parse differs\n%#v\n%#v", m1, m2)
		}
		b3, err := m2.Encode()
		if err != nil || !bytes.Equal(b2, b3) {
			t.Fatalf("encoding not stable: %v", err)
		}
		// Anything that parses as an inner payload chain round-trips too.
		if len(b) > 1 {
			if ps, err := ParsePayloads(PayloadType(b[0]), b[1:]); err == nil {
				first, plain, err := EncodePayloads(ps)
				if err != nil {
					t.Fatalf("inner re-encode: %v", err)
				}
				ps2, err := ParsePayloads(first, plain)
				if err != nil || !reflect.DeepEqual(ps, ps2) {
					t.Fatalf("inner re-parse: %v", err)
				}
			}
		}
	})
}

func BenchmarkParseIKESAInit(b *testing.B) {
	msg := goldenInit(b)
	b.SetBytes(int64(len(msg)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(msg); err != nil {
			b.Fatal(err)
		}
	}
}
