package ike

import (
	"bytes"
	"net/netip"
	"testing"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// FuzzEAPPacket reads arbitrary bytes as an EAP packet, as both ends do
// with what the other sends: parsing never panics, a parsed packet
// encodes back to what it was read from (padding dropped), and the
// EAP-MD5 client answers whatever parses.
func FuzzEAPPacket(f *testing.F) {
	f.Add(eapPacket{Code: eapRequest, ID: 7, Type: eapTypeMD5, Data: append([]byte{16}, make([]byte, 16)...)}.encode())
	f.Add(eapPacket{Code: eapRequest, ID: 1, Type: eapTypeIdentity}.encode())
	f.Add(eapPacket{Code: eapResponse, ID: 1, Type: eapTypeIdentity, Data: []byte("alice")}.encode())
	f.Add(eapPacket{Code: eapSuccess, ID: 2}.encode())
	f.Add([]byte{1, 0, 0, 6, 4, 5})
	f.Add([]byte{2, 0, 0, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := parseEAP(b)
		if err != nil {
			return
		}
		n := int(b[2])<<8 | int(b[3])
		if got := p.encode(); (p.Code == eapRequest || p.Code == eapResponse) && !bytes.Equal(got, b[:n]) {
			t.Fatalf("parsed % x, encoded back % x", b[:n], got)
		}
		if p.Code == eapRequest {
			answerEAP(EAPMD5("alice", "wonderland"), p, b)
		}
	})
}

// FuzzEAPResponder hands arbitrary payload chains to the responder as the
// peer's next IKE_AUTH requests of an EAP conversation, with and without
// query-identity. Nothing may panic; the conversation may fail.
func FuzzEAPResponder(f *testing.F) {
	seed := func(ps ...wire.Payload) []byte { return payloadSeed(f, ps...) }
	f.Add(byte(0), seed(&wire.EAP{Data: eapPacket{Code: eapResponse, ID: 1, Type: eapTypeIdentity, Data: []byte("alice")}.encode()}))
	f.Add(byte(1), seed(&wire.EAP{Data: eapPacket{Code: eapResponse, ID: 1, Type: eapTypeMD5, Data: append([]byte{16}, make([]byte, 16)...)}.encode()}))
	f.Add(byte(0), seed(&wire.EAP{Data: []byte{2, 1, 0, 200, 1}}))
	f.Add(byte(2), seed(&wire.Auth{Method: wire.AuthSharedKeyMIC, Data: make([]byte, 32)}))
	f.Add(byte(0), seed(&wire.EAP{Data: eapPacket{Code: eapRequest, ID: 1, Type: eapTypeIdentity}.encode()}, &wire.Notify{NotifyType: wire.INITIAL_CONTACT}))
	srv := &fakeEAP{users: map[string]string{"alice": "wonderland", "fuzz.eap.test": "x"}}
	h, _ := newEAPHeadend(f, srv, "")
	f.Fuzz(func(t *testing.T, mode byte, b []byte) {
		if len(b) < 1 {
			return
		}
		ps, err := wire.ParsePayloads(wire.PayloadType(b[0]), b[1:])
		if err != nil {
			return
		}
		id := "fuzz.eapq.test"
		if mode&1 == 1 {
			id = "fuzz.eap.test"
		}
		sa := eapResponderSA(t, h, id)
		sa.mu.Lock()
		defer sa.mu.Unlock()
		if sa.state != stEAP {
			t.Fatalf("the first IKE_AUTH did not start EAP (state %d)", sa.state)
		}
		for msg := uint32(2); msg < 4 && sa.state == stEAP; msg++ {
			sa.handleEAP(wire.Header{InitiatorSPI: sa.spiI, ResponderSPI: sa.spiR, MajorVersion: 2, Exchange: wire.IKE_AUTH,
				Flags: wire.FlagInitiator, MessageID: msg}, ps)
		}
		sa.teardown("fuzzing done", false)
	})
}

// eapResponderSA is a responder SA with made-up keys that has taken the
// first IKE_AUTH request of a peer asking for EAP under identity id: the
// state every EAP round starts from. It is not in the engine's tables.
func eapResponderSA(t testing.TB, h *headend, id string) *ikeSA {
	e := h.e
	ikePort, _ := e.Ports()
	sa := &ikeSA{e: e, spiI: 0x1111, spiR: 0x2222, sock: e.ike, local: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ikePort),
		remote: netip.MustParseAddrPort("127.0.0.1:9"), state: stInitDone, created: e.now(), window: 5, peerNext: 1,
		t:     suite.Transforms{Encr: suite.EncrAESCBC, EncrKeyBits: 128, PRF: suite.PRFHMACSHA2256, Integ: suite.IntegHMACSHA2256128},
		group: suite.DHECP256, nonceI: make([]byte, 32), nonceR: make([]byte, 32), initI: []byte("IKE_SA_INIT request"),
		initR: []byte("IKE_SA_INIT response")}
	if err := sa.deriveKeys(make([]byte, 32), nil); err != nil {
		t.Fatal(err)
	}
	sa.mu.Lock()
	defer sa.mu.Unlock()
	sa.handleAuth(packet{}, wire.Header{InitiatorSPI: sa.spiI, ResponderSPI: sa.spiR, MajorVersion: 2, Exchange: wire.IKE_AUTH,
		Flags: wire.FlagInitiator, MessageID: 1}, []wire.Payload{&wire.ID{IDType: wire.ID_FQDN, Data: []byte(id)},
		&wire.TS{Selectors: selectors(nil)}, &wire.TS{Responder: true, Selectors: selectors(nil)}})
	return sa
}
