package ike

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

// initRequest builds a valid IKE_SA_INIT request in group 19 for the smart
// default proposal, as a flood source or a fuzz seed.
func initRequest(t testing.TB, spi uint64) []byte {
	dh, err := suite.NewDH(suite.DHECP256, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	nonce := make([]byte, 32)
	rand.Read(nonce)
	m := &wire.Message{Header: wire.Header{InitiatorSPI: spi, MajorVersion: 2, Exchange: wire.IKE_SA_INIT, Flags: wire.FlagInitiator},
		Payloads: []wire.Payload{
			&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoIKE, Transforms: []wire.Transform{
				encrTransform(suite.EncrAESCBC, 256), {Type: wire.TransformPRF, ID: wire.PRF_HMAC_SHA2_512},
				{Type: wire.TransformINTEG, ID: wire.AUTH_HMAC_SHA2_512_256}, {Type: wire.TransformDH, ID: wire.ECP_256}}}}},
			&wire.KE{Group: wire.ECP_256, Data: dh.PublicKey()},
			&wire.Nonce{Data: nonce},
		}}
	b, err := m.Encode()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestGarbageWhileConnecting throws garbage, truncated and replayed
// packets at both ports while real handshakes run: every handshake
// succeeds and the junk is counted, not crashed on.
func TestGarbageWhileConnecting(t *testing.T) {
	h := newHeadend(t, flexConfig+"ip local pool POOL1 10.10.1.1 10.10.1.200\n")
	c := newClient(t)
	ikePort, nattPort := h.e.Ports()
	junk, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer junk.Close()
	valid := initRequest(t, 0x1122334455667788)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Go(func() {
		r := mrand.New(mrand.NewPCG(1, 2))
		for i := 0; ctx.Err() == nil; i++ {
			var b []byte
			switch i % 5 {
			case 0: // random bytes
				b = make([]byte, r.IntN(600))
				for j := range b {
					b[j] = byte(r.Uint32())
				}
			case 1: // a valid request cut short
				b = valid[:r.IntN(len(valid))]
			case 2: // a valid header claiming more than it has
				b = append([]byte(nil), valid[:28]...)
				binary.BigEndian.PutUint32(b[24:], 5000)
			case 3: // a request with one byte flipped
				b = append([]byte(nil), valid...)
				b[r.IntN(len(b))] ^= byte(1 + r.IntN(255))
			case 4: // protected garbage for a random SPI
				b = append([]byte(nil), valid...)
				binary.BigEndian.PutUint64(b[8:], r.Uint64())
				b[18] = byte(wire.IKE_AUTH)
			}
			port := ikePort
			if i%2 == 1 {
				port = nattPort
				b = append([]byte{0, 0, 0, 0}, b...)
			}
			junk.WriteToUDPAddrPort(b, netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), port))
			if i%64 == 0 {
				time.Sleep(time.Millisecond)
			}
		}
	})
	for i := range 20 {
		conn, err := c.Initiate(ctxT(t), h.clientConfig(fmt.Sprintf("user%d.example.com", i)))
		if err != nil {
			t.Fatalf("handshake %d during the garbage: %v", i, err)
		}
		if err := conn.Ping(ctxT(t)); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
	}
	cancel()
	wg.Wait()
	st := h.e.Stats()
	if st.Malformed == 0 || st.Established != 20 {
		t.Errorf("stats: malformed %d, established %d", st.Malformed, st.Established)
	}
	t.Logf("junk counted: malformed %d, unknown SPI %d, integrity %d, INIT requests %d", st.Malformed, st.UnknownSPI,
		st.IntegrityFailures, st.InitRequests)
}

// TestReplayedRequests resends a captured request: the cached response is
// sent again and nothing is processed twice.
func TestReplayedRequests(t *testing.T) {
	h := newHeadend(t, flexConfig)
	c := newClient(t)
	conn, err := c.Initiate(ctxT(t), h.clientConfig("eve.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	// Replay the client's last request (its IKE_AUTH) by hand.
	sa := conn.sa
	sa.mu.Lock()
	hdr := sa.header(wire.IKE_AUTH, 1, false)
	pkts, err := sa.protect(hdr, []wire.Payload{&wire.Notify{NotifyType: wire.INITIAL_CONTACT}})
	sa.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	before := h.e.Stats()
	for range 3 {
		sa.sock.send(sa.local, sa.remote, pkts[0])
	}
	waitFor(t, func() bool { return h.e.Stats().RetransmitsIn >= before.RetransmitsIn+3 })
	if st := h.e.Stats(); st.Established != before.Established || st.AuthFailed != before.AuthFailed {
		t.Errorf("a replayed IKE_AUTH was processed again: %+v", st)
	}
	if err := conn.Ping(ctxT(t)); err != nil {
		t.Fatal(err)
	}
}

// TestCookieFlood floods IKE_SA_INIT requests from many source ports: past
// "crypto ikev2 cookie-challenge 4" the head-end answers with cookies and
// keeps no state, an established session goes on working and a new,
// legitimate client gets through by returning the cookie.
func TestCookieFlood(t *testing.T) {
	h := newHeadend(t, flexConfig+"crypto ikev2 cookie-challenge 4\n")
	c := newClient(t)
	established, err := c.Initiate(ctxT(t), h.clientConfig("alice.example.com"))
	if err != nil {
		t.Fatal(err)
	}
	ikePort, _ := h.e.Ports()
	target := netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), ikePort)
	var socks []*net.UDPConn
	for range 50 {
		s, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		socks = append(socks, s)
	}
	reqs := make([][]byte, 20)
	for i := range reqs {
		reqs[i] = initRequest(t, uint64(0xF100+i))
	}
	for round := range 10 {
		for i, s := range socks {
			s.WriteToUDPAddrPort(reqs[(round+i)%len(reqs)], target)
		}
		time.Sleep(2 * time.Millisecond)
	}
	waitFor(t, func() bool { return h.e.Stats().InitRequests >= 500 })
	st := h.e.Stats()
	if st.CookiesSent < 400 {
		t.Errorf("cookies sent %d of 500 flooded requests", st.CookiesSent)
	}
	if n := h.e.HalfOpen(); n > 8 {
		t.Errorf("%d half-open SAs kept during the flood", n)
	}
	// One flood socket reads a cookie answer: a notify, no state.
	socks[0].SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 2048)
	n, _, err := socks[0].ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	if m, err := wire.Parse(buf[:n]); err != nil || len(m.Payloads) == 0 {
		t.Fatalf("flood answer: %v", err)
	}
	// The established session is unaffected.
	if err := established.Ping(ctxT(t)); err != nil {
		t.Fatalf("established session after the flood: %v", err)
	}
	if err := established.RekeyChild(ctxT(t)); err != nil {
		t.Fatal(err)
	}
	// A legitimate newcomer gets through while the limit holds: it
	// returns the cookie and is served.
	for range 3 {
		socks[1].WriteToUDPAddrPort(initRequest(t, 0xABCD), target)
	}
	if _, err := c.Initiate(ctxT(t), h.clientConfig("bob.example.com")); err != nil {
		t.Fatalf("new client during cookie challenge: %v", err)
	}
	if h.e.Stats().CookiesAccepted == 0 {
		t.Errorf("no cookie accepted: %+v", h.e.Stats())
	}
}

// FuzzResponder feeds arbitrary datagrams to a head-end with one
// established session, as IKE_SA_INIT, as traffic for the established SA
// (its SPIs patched in) and on the NAT-T port. Nothing may panic, and the
// established session must survive.
func FuzzResponder(f *testing.F) {
	f.Add(byte(0), initRequest(f, 1))
	f.Add(byte(1), initRequest(f, 1))
	f.Add(byte(2), []byte{0xff})
	f.Add(byte(1), make([]byte, 28))
	h := newHeadend(f, flexConfig)
	c := newClient(f)
	conn, err := c.Initiate(context.Background(), h.clientConfig("fuzz.example.com"))
	if err != nil {
		f.Fatal(err)
	}
	spiI, spiR := conn.SPIs()
	from := netip.MustParseAddrPort("127.0.0.1:9")
	f.Fuzz(func(t *testing.T, mode byte, b []byte) {
		b = append([]byte(nil), b...)
		p := packet{sock: h.e.ike, from: from, to: netip.AddrPortFrom(netip.MustParseAddr("127.0.0.1"), h.e.ike.port), data: b}
		switch mode % 3 {
		case 1:
			if len(b) >= 16 {
				binary.BigEndian.PutUint64(b[0:], spiI)
				binary.BigEndian.PutUint64(b[8:], spiR)
			}
		case 2:
			p.sock = h.e.natt
			p.data = append([]byte{0, 0, 0, 0}, b...)
			h.e.enqueue(p)
			return
		}
		h.e.handle(p)
	})
}

// FuzzDecryptedPayloads hands arbitrary payload chains, as if decrypted
// from an authenticated peer, to the responder's CREATE_CHILD_SA,
// INFORMATIONAL and IKE_AUTH handlers. Nothing may panic; a handler may
// tear the SA down, in which case a new session is set up.
func FuzzDecryptedPayloads(f *testing.F) {
	seed := func(ps ...wire.Payload) []byte { return payloadSeed(f, ps...) }
	f.Add(byte(0), seed(&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoESP, SPI: []byte{1, 2, 3, 4},
		Transforms: []wire.Transform{encrTransform(suite.EncrAESCBC, 128), {Type: wire.TransformINTEG, ID: wire.AUTH_HMAC_SHA1_96}}}}},
		&wire.Nonce{Data: make([]byte, 32)}, &wire.TS{Selectors: selectors(nil)}, &wire.TS{Responder: true, Selectors: selectors(nil)},
		&wire.Notify{NotifyType: wire.REKEY_SA, Protocol: wire.ProtoESP, SPI: []byte{0, 0, 1, 0}}))
	f.Add(byte(1), seed(&wire.Delete{Protocol: wire.ProtoESP, SPISize: 4, SPIs: [][]byte{{1, 2, 3, 4}}}))
	f.Add(byte(2), seed(&wire.ID{IDType: wire.ID_FQDN, Data: []byte("x.example.com")}, &wire.Auth{Method: wire.AuthSharedKeyMIC, Data: make([]byte, 64)},
		&wire.CP{CfgType: wire.CFG_REQUEST, Attributes: []wire.CPAttribute{{Type: wire.INTERNAL_IP4_ADDRESS, Value: []byte{10, 10, 0, 11}}}}))
	f.Add(byte(2), seed(&wire.ID{IDType: wire.ID_FQDN, Data: []byte("x.example.com")},
		&wire.EAP{Data: eapPacket{Code: eapResponse, ID: 1, Type: eapTypeIdentity, Data: []byte("x")}.encode()}))
	fuzzPayloads(f, false, func(sa *ikeSA, hdr wire.Header, mode byte, ps []wire.Payload) {
		switch mode % 3 {
		case 0:
			hdr.Exchange = wire.CREATE_CHILD_SA
			sa.handleCreateChild(hdr, ps)
		case 1:
			hdr.Exchange = wire.INFORMATIONAL
			sa.handleInformational(hdr, ps)
		case 2:
			// A second IKE_AUTH on a live SA must not be processed.
			hdr.Exchange = wire.IKE_AUTH
			if sa.state == stInitDone {
				sa.handleAuth(packet{}, hdr, ps)
			}
		}
	})
}

// FuzzInitiatorPayloads is FuzzDecryptedPayloads for an SA this engine
// initiated: what a head-end (or a malicious responder) may send to the
// initiator in CREATE_CHILD_SA and INFORMATIONAL requests. Nothing may
// panic (the engine's recover would hide one in production; this handler
// is called directly, so a panic fails the fuzzer).
func FuzzInitiatorPayloads(f *testing.F) {
	seed := func(ps ...wire.Payload) []byte { return payloadSeed(f, ps...) }
	gcm := []wire.Transform{encrTransform(suite.EncrAESGCM16, 256), {Type: wire.TransformESN, ID: wire.ESN_NO}}
	f.Add(byte(0), seed(&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoESP, SPI: []byte{1, 2, 3, 4}, Transforms: gcm}}},
		&wire.Nonce{Data: make([]byte, 32)}, &wire.TS{Selectors: selectors(nil)}, &wire.TS{Responder: true, Selectors: selectors(nil)},
		&wire.Notify{NotifyType: wire.REKEY_SA, Protocol: wire.ProtoESP, SPI: []byte{0, 0, 1, 0}}))
	f.Add(byte(0), seed(&wire.SA{Proposals: []wire.Proposal{{Number: 1, Protocol: wire.ProtoIKE, SPI: make([]byte, 8), Transforms: gcm}}},
		&wire.Nonce{Data: make([]byte, 32)}, &wire.KE{Group: 31, Data: make([]byte, 32)}))
	f.Add(byte(1), seed(&wire.Delete{Protocol: wire.ProtoESP, SPISize: 4, SPIs: [][]byte{{1, 2, 3, 4}}}))
	f.Add(byte(1), seed(&wire.Delete{Protocol: wire.ProtoIKE}))
	fuzzPayloads(f, true, func(sa *ikeSA, hdr wire.Header, mode byte, ps []wire.Payload) {
		if mode%2 == 0 {
			hdr.Exchange = wire.CREATE_CHILD_SA
			sa.handleCreateChild(hdr, ps)
		} else {
			hdr.Exchange = wire.INFORMATIONAL
			sa.handleInformational(hdr, ps)
		}
	})
}

// fuzzPayloads is the loop the payload fuzzers share: each input is read
// as a payload chain and handed, under the SA's lock, to deliver with a
// request header from the peer of a live SA (the head-end's end, or with
// initiatorSide the client's).
func fuzzPayloads(f *testing.F, initiatorSide bool, deliver func(sa *ikeSA, hdr wire.Header, mode byte, ps []wire.Payload)) {
	h := newHeadend(f, flexConfig+"ip local pool POOL1 10.10.2.1 10.10.2.250\n")
	fresh := liveSA(f, h, newClient(f), initiatorSide)
	f.Fuzz(func(t *testing.T, mode byte, b []byte) {
		if len(b) < 1 {
			return
		}
		ps, err := wire.ParsePayloads(wire.PayloadType(b[0]), b[1:])
		if err != nil {
			return
		}
		sa := fresh()
		sa.mu.Lock()
		defer sa.mu.Unlock()
		hdr := wire.Header{InitiatorSPI: sa.spiI, ResponderSPI: sa.spiR, MajorVersion: 2, MessageID: sa.peerNext}
		if !initiatorSide {
			hdr.Flags = wire.FlagInitiator
		}
		deliver(sa, hdr, mode, ps)
	})
}

// payloadSeed encodes a payload chain as the fuzzers take it: the first
// payload's type, then the chain.
func payloadSeed(f *testing.F, ps ...wire.Payload) []byte {
	first, b, err := wire.EncodePayloads(ps)
	if err != nil {
		f.Fatal(err)
	}
	return append([]byte{byte(first)}, b...)
}

// liveSA returns a function that yields an established SA between the
// client engine c and the head-end h, setting up a new one when a fuzzed
// message has torn the last one down: the head-end's end, or with
// initiatorSide the client's.
func liveSA(f *testing.F, h *headend, c *Engine, initiatorSide bool) func() *ikeSA {
	var sa *ikeSA
	return func() *ikeSA {
		if sa != nil {
			sa.mu.Lock()
			dead := sa.state == stDead
			sa.mu.Unlock()
			if !dead {
				return sa
			}
		}
		conn, err := c.Initiate(context.Background(), h.clientConfig("fuzz.example.com"))
		if err != nil {
			f.Fatal(err)
		}
		spiI, spiR := conn.SPIs()
		e, spi := h.e, spiR
		if initiatorSide {
			e, spi = c, spiI
		}
		e.mu.RLock()
		sa = e.bySPI[spi]
		e.mu.RUnlock()
		return sa
	}
}
