package dynauth

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"reflect"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"layeh.com/radius"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

func TestDisconnectByAuditSessionID(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID, UserName: "router1"}, Identity{AuditSessionID: "OTHER"})
	s := startServer(t, h, nil, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())

	p := newPacket(radius.CodeDisconnectRequest, 6, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	resp := c.exchange(encode(t, p, false), testSecret)

	if resp.Code != radius.CodeDisconnectACK {
		t.Fatalf("answer %v, want Disconnect-ACK", resp.Code)
	}
	if len(resp.Attributes) != 0 {
		t.Errorf("ACK carries attributes %v", resp.Attributes)
	}
	if got := h.Sessions(); len(got) != 1 || got[0].AuditSessionID != "OTHER" {
		t.Errorf("sessions left %v", got)
	}
	calls := h.Calls()
	if len(calls) != 1 || calls[0].Kind != KindDisconnect || calls[0].Match != (Match{AuditSessionID: testAuditID}) {
		t.Errorf("calls %+v", calls)
	}
	st := s.Stats()
	if st.Disconnect != (KindStats{Requests: 1, ACKs: 1}) || st.Datagrams != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestDisconnectNoMatchingSession(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: "OTHER"})
	s := startServer(t, h, nil, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())

	p := newPacket(radius.CodeDisconnectRequest, 9, testSecret)
	addAVPair(p, "ip:audit-session-id="+testAuditID)
	resp := c.exchange(encode(t, p, true), testSecret)

	if resp.Code != radius.CodeDisconnectNAK {
		t.Fatalf("answer %v, want Disconnect-NAK", resp.Code)
	}
	if msg := string(resp.Get(attrReplyMessage)); msg != "No Matching Session" {
		t.Errorf("Reply-Message %q", msg)
	}
	if ec := errorCause(resp); ec != NoSessionCause {
		t.Errorf("Error-Cause %d, want %d", ec, NoSessionCause)
	}
	if _, ok := resp.Lookup(attrMessageAuthenticator); !ok {
		t.Error("request had a Message-Authenticator; the NAK has none")
	}
	st := s.Stats()
	if st.Disconnect.NAKs != 1 || st.NAKs[NoSessionCause] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestCoAChangesReachHandler(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	s := startServer(t, h, nil, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())

	p := newPacket(radius.CodeCoARequest, 4, testSecret)
	addAVPair(p, "ip:inacl#3=permit 1.1.1.1")
	addAVPair(p, "ip:interface-config=service-policy input Input-QoS-policy-2")
	addAVPair(p, "ip:outacl#4=permit 1.1.1.3")
	addAVPair(p, "ip:inacl#1=deny 10.1.1.7 0.0.0.255")
	addAVPair(p, "ip:audit-session-id="+testAuditID)
	addAVPair(p, "ip:interface-config=service-policy output Output-QoS-policy-2")
	addAVPair(p, "subscriber:sub-qos-policy-in=QOS-IN")
	addAVPair(p, "ip:sub-policy-Out=SUB-OUT")
	addAVPair(p, "ip:route=10.0.0.0 255.0.0.0")
	p.Add(attrSessionTimeout, radius.NewInteger(3600))
	p.Add(attrIdleTimeout, radius.NewInteger(600))
	resp := c.exchange(encode(t, p, true), testSecret)

	if resp.Code != radius.CodeCoAACK {
		t.Fatalf("answer %v, want CoA-ACK (Error-Cause %d)", resp.Code, errorCause(resp))
	}
	if _, ok := resp.Lookup(attrMessageAuthenticator); !ok {
		t.Error("request had a Message-Authenticator; the ACK has none")
	}
	calls := h.Calls()
	if len(calls) != 1 {
		t.Fatalf("calls %+v", calls)
	}
	got := calls[0].Change
	u32 := func(n uint32) *uint32 { return &n }
	want := Change{
		InterfaceConfig: []string{"service-policy input Input-QoS-policy-2", "service-policy output Output-QoS-policy-2"},
		InACL: []ACLEntry{
			{N: 1, Text: "deny 10.1.1.7 0.0.0.255", ACE: schema.ACE{Action: "deny", Source: schema.AddrMatch{Address: "10.1.1.0", Wildcard: "0.0.0.255"}}},
			{N: 3, Text: "permit 1.1.1.1", ACE: schema.ACE{Action: "permit", Source: schema.AddrMatch{Address: "1.1.1.1", Wildcard: "0.0.0.0"}}},
		},
		OutACL:         []ACLEntry{{N: 4, Text: "permit 1.1.1.3", ACE: schema.ACE{Action: "permit", Source: schema.AddrMatch{Address: "1.1.1.3", Wildcard: "0.0.0.0"}}}},
		QoSPolicyIn:    "QOS-IN",
		SubPolicyOut:   "SUB-OUT",
		SessionTimeout: u32(3600),
		IdleTimeout:    u32(600),
		AVPairs:        []AVPair{{Protocol: "ip", Name: "route", Value: "10.0.0.0 255.0.0.0"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("change\n got %+v\nwant %+v", got, want)
	}
	if m := calls[0].Match; m != (Match{AuditSessionID: testAuditID}) {
		t.Errorf("match %+v", m)
	}
	out, err := BuildACL(ACLName("Virtual-Access1", 2602), got.OutACL)
	if err != nil {
		t.Fatal(err)
	}
	wantACL := &schema.ACL{Name: "Virtual-Access1#2602", Type: schema.ACLStandard,
		Entries: []schema.ACE{{Seq: 10, Action: "permit", Source: schema.AddrMatch{Address: "1.1.1.3", Wildcard: "0.0.0.0"}}}}
	if !reflect.DeepEqual(out, wantACL) {
		t.Errorf("outbound ACL %+v", out)
	}
}

func TestCoARefusals(t *testing.T) {
	for _, tc := range []struct {
		name  string
		cfg   func(*Config)
		build func(p *radius.Packet)
		cause ErrorCause
		calls int
	}{
		{name: "no identifier", build: func(p *radius.Packet) {
			addAVPair(p, "ip:interface-config=ip mtu 1400")
		}, cause: CauseMissingAttribute},
		{name: "session-key without audit-session-id", cfg: func(c *Config) { c.AuthType = AuthSessionKey },
			build: func(p *radius.Packet) { p.Add(attrUserName, radius.Attribute("router1")) }, cause: CauseMissingAttribute},
		{name: "ignore session-key", cfg: func(c *Config) { c.AuthType, c.IgnoreSessionKey = AuthSessionKey, true },
			build: func(p *radius.Packet) { p.Add(attrUserName, radius.Attribute("router1")) }, calls: 1},
		{name: "authorize only", build: func(p *radius.Packet) {
			addAVPair(p, "audit-session-id="+testAuditID)
			p.Add(attrServiceType, radius.NewInteger(serviceTypeAuthorizeOnly))
		}, cause: CauseUnsupportedService},
		{name: "bad ACL entry", build: func(p *radius.Packet) {
			addAVPair(p, "audit-session-id="+testAuditID)
			addAVPair(p, "ip:inacl#1=permit 300.1.1.1")
		}, cause: CauseInvalidAttributeValue},
		{name: "mixed ACL", build: func(p *radius.Packet) {
			addAVPair(p, "audit-session-id="+testAuditID)
			addAVPair(p, "ip:inacl#1=permit 1.1.1.1")
			addAVPair(p, "ip:inacl#2=permit ip any any")
		}, cause: CauseInvalidAttributeValue},
		{name: "bad Framed-IP-Address", build: func(p *radius.Packet) {
			p.Add(attrFramedIPAddress, radius.Attribute{1, 2, 3})
		}, cause: CauseInvalidAttributeValue},
		{name: "bad AV pair", build: func(p *radius.Packet) {
			addAVPair(p, "audit-session-id="+testAuditID)
			addAVPair(p, "no separator")
		}, cause: CauseInvalidAttributeValue},
		{name: "unsupported attribute, by the handler", build: func(p *radius.Packet) {
			addAVPair(p, "audit-session-id="+testAuditID)
			p.Add(11, radius.Attribute("filter")) // Filter-Id
		}, cause: CauseUnsupportedAttribute, calls: 1},
		{name: "any: one of two matches", cfg: func(c *Config) { c.AuthType = AuthAny }, build: func(p *radius.Packet) {
			addAVPair(p, "audit-session-id="+testAuditID)
			p.Add(attrUserName, radius.Attribute("somebody-else"))
		}, calls: 1},
		{name: "all: one of two matches", build: func(p *radius.Packet) {
			addAVPair(p, "audit-session-id="+testAuditID)
			p.Add(attrUserName, radius.Attribute("somebody-else"))
		}, cause: NoSessionCause, calls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			if tc.cfg != nil {
				tc.cfg(cfg)
			}
			h := NewFake(Identity{AuditSessionID: testAuditID, UserName: "router1"})
			s := startServer(t, h, cfg, Options{})
			c := newDAC(t, netip.Addr{}, s.LocalAddr())
			p := newPacket(radius.CodeCoARequest, 1, testSecret)
			tc.build(p)
			resp := c.exchange(encode(t, p, false), testSecret)
			wantCode := radius.CodeCoAACK
			if tc.cause != 0 {
				wantCode = radius.CodeCoANAK
			}
			if resp.Code != wantCode || errorCause(resp) != tc.cause {
				t.Errorf("answer %v cause %d, want %v cause %d", resp.Code, errorCause(resp), wantCode, tc.cause)
			}
			if n := len(h.Calls()); n != tc.calls {
				t.Errorf("%d handler calls, want %d", n, tc.calls)
			}
		})
	}
}

func TestProxyStateEchoed(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	s := startServer(t, h, nil, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	p := newPacket(radius.CodeDisconnectRequest, 2, testSecret)
	p.Add(attrProxyState, radius.Attribute("one"))
	addAVPair(p, "audit-session-id="+testAuditID)
	p.Add(attrProxyState, radius.Attribute("two"))
	resp := c.exchange(encode(t, p, false), testSecret)
	var got []string
	for _, a := range resp.Attributes {
		if a.Type == attrProxyState {
			got = append(got, string(a.Attribute))
		}
	}
	if resp.Code != radius.CodeDisconnectACK || !reflect.DeepEqual(got, []string{"one", "two"}) {
		t.Errorf("answer %v, Proxy-State %q", resp.Code, got)
	}
}

// TestDropsGetNoAnswer sends what must be dropped, waits until the drop is
// counted, then a good request: the first datagram back must answer the
// good one.
func TestDropsGetNoAnswer(t *testing.T) {
	good := func(t *testing.T, id byte) []byte {
		p := newPacket(radius.CodeDisconnectRequest, id, testSecret)
		addAVPair(p, "audit-session-id="+testAuditID)
		return encode(t, p, false)
	}
	withMA := func(t *testing.T, id byte, secret string, mangle func(b []byte)) []byte {
		p := newPacket(radius.CodeDisconnectRequest, id, secret)
		addAVPair(p, "audit-session-id="+testAuditID)
		b := encode(t, p, true)
		mangle(b)
		return b
	}
	resign := func(b []byte) { copy(b[4:20], requestAuthenticator(b, []byte(testSecret))) }
	for _, tc := range []struct {
		name   string
		reason DropReason
		pkt    func(t *testing.T) []byte
	}{
		{"wrong key", DropBadAuthenticator, func(t *testing.T) []byte {
			p := newPacket(radius.CodeDisconnectRequest, 1, "not-the-key")
			addAVPair(p, "audit-session-id="+testAuditID)
			return encode(t, p, false)
		}},
		{"altered", DropBadAuthenticator, func(t *testing.T) []byte {
			b := good(t, 1)
			b[len(b)-1] ^= 1
			return b
		}},
		{"bad message-authenticator", DropBadMessageAuthenticator, func(t *testing.T) []byte {
			return withMA(t, 1, testSecret, func(b []byte) {
				b[maOffset(b)] ^= 1
				resign(b)
			})
		}},
		{"message-authenticator under another key", DropBadMessageAuthenticator, func(t *testing.T) []byte {
			return withMA(t, 1, "not-the-key", resign)
		}},
		{"short", DropMalformed, func(t *testing.T) []byte { return good(t, 1)[:19] }},
		{"truncated", DropMalformed, func(t *testing.T) []byte { b := good(t, 1); return b[:len(b)-1] }},
		{"attribute framing", DropMalformed, func(t *testing.T) []byte {
			b := good(t, 1)
			b[21] = 1 // first attribute's length
			resign(b)
			return b
		}},
		{"access-request", DropUnsupportedCode, func(t *testing.T) []byte {
			p := newPacket(radius.CodeAccessRequest, 1, testSecret)
			p.Add(attrUserName, radius.Attribute("x"))
			return encode(t, p, false)
		}},
		{"event-timestamp length", DropMalformed, func(t *testing.T) []byte {
			p := newPacket(radius.CodeDisconnectRequest, 1, testSecret)
			addAVPair(p, "audit-session-id="+testAuditID)
			p.Add(attrEventTimestamp, radius.Attribute{1, 2, 3})
			return encode(t, p, false)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := NewFake(Identity{AuditSessionID: testAuditID})
			s := startServer(t, h, nil, Options{})
			c := newDAC(t, netip.Addr{}, s.LocalAddr())
			c.send(tc.pkt(t))
			waitFor(t, "the drop", func() bool { return s.Stats().Drops[tc.reason] == 1 })
			req := good(t, 2)
			c.send(req)
			resp := checkResponse(t, c.read(), req, testSecret)
			if resp.Code != radius.CodeDisconnectACK {
				t.Errorf("good request answered %v", resp.Code)
			}
			st := s.Stats()
			if len(h.Calls()) != 1 || st.Disconnect.Requests != 1 || st.Drops[tc.reason] != 1 || len(st.Drops) != 1 {
				t.Errorf("calls %d, stats %+v", len(h.Calls()), st)
			}
		})
	}
}

func TestUnknownClientDropped(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	s := startServer(t, h, nil, Options{})
	other := netip.MustParseAddr("127.0.0.2")
	c := newDAC(t, other, s.LocalAddr())
	p := newPacket(radius.CodeDisconnectRequest, 1, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	c.send(encode(t, p, false))
	waitFor(t, "the drop", func() bool { return s.Stats().Drops[DropUnknownClient] == 1 })

	// Now make 127.0.0.2 a client: its next request is the first answered.
	cfg := testConfig()
	cfg.Clients = append(cfg.Clients, Client{Addr: other, Secret: []byte("other-key")})
	if err := s.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	p = newPacket(radius.CodeDisconnectRequest, 2, "other-key")
	addAVPair(p, "audit-session-id="+testAuditID)
	if resp := c.exchange(encode(t, p, false), "other-key"); resp.Code != radius.CodeDisconnectACK {
		t.Errorf("answer %v", resp.Code)
	}
	if n := len(h.Calls()); n != 1 {
		t.Errorf("%d handler calls", n)
	}
}

func TestNoKeyDropped(t *testing.T) {
	cfg := testConfig()
	cfg.Clients[0].Secret = nil
	s := startServer(t, NewFake(), cfg, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	p := newPacket(radius.CodeDisconnectRequest, 1, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	c.send(encode(t, p, false))
	waitFor(t, "the drop", func() bool { return s.Stats().Drops[DropNoKey] == 1 })
}

func TestIgnoreServerKey(t *testing.T) {
	cfg := testConfig()
	cfg.IgnoreServerKey = true
	s := startServer(t, NewFake(Identity{AuditSessionID: testAuditID}), cfg, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	p := newPacket(radius.CodeDisconnectRequest, 1, "whatever")
	addAVPair(p, "audit-session-id="+testAuditID)
	// Signed with another key, answered all the same (signed with ours).
	if resp := c.exchange(encode(t, p, true), testSecret); resp.Code != radius.CodeDisconnectACK {
		t.Errorf("answer %v", resp.Code)
	}
}

func TestRetransmissionAnsweredFromCache(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	s := startServer(t, h, nil, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	p := newPacket(radius.CodeDisconnectRequest, 7, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	req := encode(t, p, true)

	c.send(req)
	first := c.read()
	checkResponse(t, first, req, testSecret)
	c.send(req)
	second := c.read()
	if !bytes.Equal(first, second) {
		t.Errorf("retransmission answered differently:\n%x\n%x", first, second)
	}
	if n := len(h.Calls()); n != 1 {
		t.Errorf("%d handler calls, want 1", n)
	}
	st := s.Stats()
	if st.Retransmissions != 1 || st.Disconnect != (KindStats{Requests: 1, ACKs: 1}) {
		t.Errorf("stats %+v", st)
	}

	// The same identifier with a new authenticator is a new request: the
	// session is gone now.
	p = newPacket(radius.CodeDisconnectRequest, 7, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	if resp := c.exchange(encode(t, p, false), testSecret); resp.Code != radius.CodeDisconnectNAK {
		t.Errorf("new request answered %v", resp.Code)
	}
}

func TestRetransmissionWhileInProgress(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	h.Gate = make(chan struct{})
	s := startServer(t, h, nil, Options{})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	p := newPacket(radius.CodeCoARequest, 1, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	req := encode(t, p, false)
	c.send(req)
	waitFor(t, "the request", func() bool { return s.Stats().CoA.Requests == 1 })
	c.send(req)
	waitFor(t, "the drop", func() bool { return s.Stats().Drops[DropInProgress] == 1 })
	close(h.Gate)
	if resp := checkResponse(t, c.read(), req, testSecret); resp.Code != radius.CodeCoAACK {
		t.Errorf("answer %v", resp.Code)
	}
	if n := len(h.Calls()); n != 1 {
		t.Errorf("%d handler calls", n)
	}
}

func TestEventTimestampWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	var clock atomic.Int64 // seconds the server's clock is ahead of now
	h := NewFake(Identity{AuditSessionID: testAuditID})
	s := startServer(t, h, nil, Options{Now: func() time.Time { return now.Add(time.Duration(clock.Load()) * time.Second) }})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	send := func(id byte, ts time.Time) []byte {
		p := newPacket(radius.CodeCoARequest, id, testSecret)
		addAVPair(p, "audit-session-id="+testAuditID)
		p.Add(attrEventTimestamp, eventTimestamp(ts))
		b := encode(t, p, false)
		c.send(b)
		return b
	}
	send(1, now.Add(-301*time.Second))
	waitFor(t, "the stale drop", func() bool { return s.Stats().Drops[DropStaleTimestamp] == 1 })
	send(2, now.Add(301*time.Second))
	waitFor(t, "the early drop", func() bool { return s.Stats().Drops[DropStaleTimestamp] == 2 })
	req := send(3, now.Add(-299*time.Second))
	if resp := checkResponse(t, c.read(), req, testSecret); resp.Code != radius.CodeCoAACK {
		t.Errorf("answer %v", resp.Code)
	}
	if n := len(h.Calls()); n != 1 {
		t.Errorf("%d handler calls", n)
	}

	// A replay later, after the duplicate window but inside the
	// Event-Timestamp window, is answered from the cache.
	clock.Add(int64(2 * DefaultDuplicateWindow / time.Second))
	c.send(req)
	c.read()
	if n := len(h.Calls()); n != 1 || s.Stats().Retransmissions != 1 {
		t.Errorf("%d handler calls, stats %+v", n, s.Stats())
	}
	// Past the window it is stale.
	clock.Add(int64(DefaultEventWindow / time.Second))
	c.send(req)
	waitFor(t, "the replay drop", func() bool { return s.Stats().Drops[DropStaleTimestamp] == 3 })
}

func TestHandlerTimeout(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	h.Gate = make(chan struct{}) // never opened
	s := startServer(t, h, nil, Options{HandlerTimeout: 20 * time.Millisecond})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	p := newPacket(radius.CodeDisconnectRequest, 1, testSecret)
	addAVPair(p, "audit-session-id="+testAuditID)
	resp := c.exchange(encode(t, p, false), testSecret)
	if resp.Code != radius.CodeDisconnectNAK || errorCause(resp) != CauseResourcesUnavailable {
		t.Errorf("answer %v cause %d", resp.Code, errorCause(resp))
	}
	if st := s.Stats(); st.HandlerTimeouts != 1 || st.NAKs[CauseResourcesUnavailable] != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestConcurrencyBound(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	h.Gate = make(chan struct{})
	s := startServer(t, h, nil, Options{MaxConcurrent: 1})
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	build := func(id byte) []byte {
		p := newPacket(radius.CodeCoARequest, id, testSecret)
		addAVPair(p, "audit-session-id="+testAuditID)
		return encode(t, p, false)
	}
	first, second := build(1), build(2)
	c.send(first)
	waitFor(t, "the first request", func() bool { return s.Stats().CoA.Requests == 1 })
	resp := c.exchange(second, testSecret)
	if resp.Code != radius.CodeCoANAK || errorCause(resp) != CauseResourcesUnavailable {
		t.Errorf("second answered %v cause %d", resp.Code, errorCause(resp))
	}
	close(h.Gate)
	if resp := checkResponse(t, c.read(), first, testSecret); resp.Code != radius.CodeCoAACK {
		t.Errorf("first answered %v", resp.Code)
	}
	// The busy answer was not cached: the retransmission runs.
	if resp := c.exchange(second, testSecret); resp.Code != radius.CodeCoAACK {
		t.Errorf("second retransmitted answered %v", resp.Code)
	}
}

// refused reports whether a request to an unbound loopback port is
// refused (ICMP port unreachable on the connected socket).
func refused(t *testing.T, c *dac, b []byte) bool {
	t.Helper()
	c.send(b)
	_, err := c.readErr()
	return errors.Is(err, syscall.ECONNREFUSED)
}

func TestSetConfigPortChangeAndRemoval(t *testing.T) {
	h := NewFake(Identity{AuditSessionID: testAuditID})
	s := startServer(t, h, nil, Options{})
	oldAddr := s.LocalAddr()

	// A free port to move to.
	l, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Fatal(err)
	}
	newPort := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()

	cfg := testConfig()
	cfg.Port = newPort
	if err := s.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if got := s.LocalAddr(); got.Port() != uint16(newPort) {
		t.Fatalf("listening on %v, want port %d", got, newPort)
	}
	build := func(id byte) []byte {
		p := newPacket(radius.CodeCoARequest, id, testSecret)
		addAVPair(p, "audit-session-id="+testAuditID)
		return encode(t, p, false)
	}
	if !refused(t, newDAC(t, netip.Addr{}, oldAddr), build(1)) {
		t.Error("old port still open")
	}
	c := newDAC(t, netip.Addr{}, s.LocalAddr())
	if resp := c.exchange(build(2), testSecret); resp.Code != radius.CodeCoAACK {
		t.Errorf("answer %v", resp.Code)
	}
	// The same config again changes nothing.
	if err := s.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	if resp := c.exchange(build(3), testSecret); resp.Code != radius.CodeCoAACK {
		t.Errorf("answer %v after the same config", resp.Code)
	}

	// Removing the client: dropped as unknown.
	cfg.Clients = nil
	if err := s.SetConfig(cfg); err != nil {
		t.Fatal(err)
	}
	c.send(build(4))
	waitFor(t, "the drop", func() bool { return s.Stats().Drops[DropUnknownClient] == 1 })

	// Removing the configuration closes the port.
	if err := s.SetConfig(nil); err != nil {
		t.Fatal(err)
	}
	if s.LocalAddr().IsValid() {
		t.Errorf("still listening on %v", s.LocalAddr())
	}
	if !refused(t, c, build(5)) {
		t.Error("port still open after removal")
	}
}

func TestSetConfigBindFailure(t *testing.T) {
	l, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	s := startServer(t, NewFake(), nil, Options{})
	cfg := testConfig()
	cfg.Port = l.LocalAddr().(*net.UDPAddr).Port
	if err := s.SetConfig(cfg); err == nil {
		t.Fatal("binding a port in use succeeded")
	}
	if s.LocalAddr().IsValid() {
		t.Errorf("listening on %v", s.LocalAddr())
	}
	l.Close()
	if err := s.SetConfig(cfg); err != nil {
		t.Fatalf("retry: %v", err)
	}
}

func TestMatchMatches(t *testing.T) {
	id := Identity{AuditSessionID: "A", AcctSessionID: "0000000E", UserName: "u", FramedIP: netip.MustParseAddr("10.0.0.1")}
	ip := netip.MustParseAddr("10.0.0.1")
	other := netip.MustParseAddr("10.0.0.2")
	for _, tc := range []struct {
		m    Match
		want bool
	}{
		{Match{AuditSessionID: "A"}, true},
		{Match{AuditSessionID: "B"}, false},
		{Match{AuditSessionID: "A", UserName: "u", FramedIP: ip, AcctSessionID: "0000000E"}, true},
		{Match{AuditSessionID: "A", UserName: "v"}, false},
		{Match{AuditSessionID: "A", UserName: "v", Mode: AuthAny}, true},
		{Match{AuditSessionID: "B", FramedIP: other, Mode: AuthAny}, false},
		{Match{AuditSessionID: "A", UserName: "v", Mode: AuthSessionKey}, true},
		{Match{UserName: "u", Mode: AuthSessionKey}, false},
		{Match{FramedIP: ip}, true},
		{Match{}, false},
		{Match{Mode: AuthAny}, false},
	} {
		if got := tc.m.Matches(id); got != tc.want {
			t.Errorf("%+v.Matches = %v, want %v", tc.m, got, tc.want)
		}
	}
}

func TestFromSchema(t *testing.T) {
	d := &schema.DynamicAuthor{
		ServerKey: &schema.Secret{Value: "global"},
		AuthType:  "any",
		Clients: []schema.DynamicAuthorClient{
			{Address: "172.16.1.3"},
			{Address: "2001:db8::1", VRF: "mgmt", ServerKey: &schema.Secret{Type: 7, Value: "0822455D0A16"}},
			{Address: "radius.example", ServerKey: &schema.Secret{Value: "own"}},
			{Address: "10.0.0.9", ServerKey: &schema.Secret{Type: 6, Value: "encrypted"}},
			{Address: "unresolved.example"},
		},
	}
	lookup := func(host string) ([]netip.Addr, error) {
		if host == "radius.example" {
			return []netip.Addr{netip.MustParseAddr("::ffff:192.0.2.7")}, nil
		}
		return nil, errors.New("no such host")
	}
	cfg, err := FromSchema(d, lookup)
	if err == nil {
		t.Error("no error for the type 6 key and the unresolved name")
	}
	want := &Config{Port: 1700, AuthType: AuthAny, Clients: []Client{
		{Addr: netip.MustParseAddr("172.16.1.3"), Secret: []byte("global")},
		{Addr: netip.MustParseAddr("2001:db8::1"), VRF: "mgmt", Secret: []byte("cisco")},
		{Addr: netip.MustParseAddr("192.0.2.7"), Secret: []byte("own")},
	}}
	if !reflect.DeepEqual(cfg, want) {
		t.Errorf("config\n got %+v\nwant %+v", cfg, want)
	}
	if cfg, err := FromSchema(nil, nil); cfg != nil || err != nil {
		t.Errorf("nil block: %v, %v", cfg, err)
	}
	cfg, err = FromSchema(&schema.DynamicAuthor{Port: 3799}, nil)
	if err != nil || cfg.Port != 3799 || cfg.AuthType != AuthAll {
		t.Errorf("port 3799: %+v, %v", cfg, err)
	}
}
