package radius

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	wire "layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2866"
	"layeh.com/radius/rfc2868"
	"layeh.com/radius/vendors/microsoft"
)

const secret = "s3cr3t"

func TestAcceptRejectChallenge(t *testing.T) {
	var mu sync.Mutex
	passwords := map[string]string{}
	srv := newTestServer(t, secret, func(r *request) {
		user := rfc2865.UserName_GetString(r.pkt)
		if hidden, ok := r.pkt.Lookup(rfc2865.UserPassword_Type); ok {
			pw, err := wire.UserPassword(hidden, r.srv.secret, r.pkt.Authenticator[:])
			if err != nil {
				r.srv.fail("User-Password: " + err.Error())
			}
			mu.Lock()
			passwords[user] = string(pw)
			mu.Unlock()
		}
		switch user {
		case "alice":
			r.send(r.reply(wire.CodeAccessAccept, true, func(p *wire.Packet) {
				rfc2868.TunnelPassword_AddString(p, 0, "pre_shared_key")
				AddCiscoAVPair(p, "ipsec:route-set=interface")
			}))
		case "bob":
			r.send(r.reply(wire.CodeAccessReject, true, nil))
		default:
			r.send(r.reply(wire.CodeAccessChallenge, true, func(p *wire.Packet) {
				SetState(p, []byte("state-1"))
				SetEAPMessage(p, []byte{1, 2, 0, 6, 4, 16})
			}))
		}
	})
	c := testClient(t, nil)
	c.SetConfig(Config{Servers: []*Server{serverFor("rad1", srv, 5*time.Second, 3)},
		Groups: []*Group{{Name: "g", Servers: []*Server{serverFor("rad1", srv, 5*time.Second, 3)}}}})
	ctx := testCtx(t)

	resp, err := c.Exchange(ctx, "g", Authentication, accessRequest("alice", "a long password, longer than 16 octets"))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Packet.Code != wire.CodeAccessAccept || resp.Server != "rad1" || resp.Addr != srv.addr {
		t.Fatalf("answer %v from %q %v", resp.Packet.Code, resp.Server, resp.Addr)
	}
	tps, err := resp.TunnelPasswords()
	if err != nil || len(tps) != 1 || string(tps[0].Password) != "pre_shared_key" {
		t.Fatalf("TunnelPasswords = %q, %v", tps, err)
	}
	if got := CiscoAVPairs(resp.Packet); len(got) != 1 || got[0] != "ipsec:route-set=interface" {
		t.Fatalf("AV-pairs %q", got)
	}

	resp, err = c.Exchange(ctx, "g", Authorization, accessRequest("bob", "cisco"))
	if err != nil || resp.Packet.Code != wire.CodeAccessReject {
		t.Fatalf("reject: %v %v", resp, err)
	}
	resp, err = c.Exchange(ctx, "g", Authentication, accessRequest("carol", ""))
	if err != nil || resp.Packet.Code != wire.CodeAccessChallenge {
		t.Fatalf("challenge: %v %v", resp, err)
	}
	eap, err := EAPMessage(resp.Packet)
	if err != nil || !bytes.Equal(eap, []byte{1, 2, 0, 6, 4, 16}) || string(State(resp.Packet)) != "state-1" {
		t.Fatalf("challenge EAP %x %v state %q", eap, err, State(resp.Packet))
	}

	mu.Lock()
	if passwords["alice"] != "a long password, longer than 16 octets" || passwords["bob"] != "cisco" {
		t.Errorf("server decrypted passwords %q", passwords)
	}
	mu.Unlock()
	st := statusOf(t, c, "rad1")
	if a := st.Authen; a.Requests != 2 || a.Accepts != 1 || a.Challenges != 1 || a.Successes != 2 || a.Responses != 2 {
		t.Errorf("Authen counters %+v", a)
	}
	if a := st.Author; a.Requests != 1 || a.Rejects != 1 || a.Successes != 1 {
		t.Errorf("Author counters %+v", a)
	}
}

func TestRetransmitThenSuccess(t *testing.T) {
	clock := newFakeClock()
	var mu sync.Mutex
	var copies [][]byte
	srv := newTestServer(t, secret, func(r *request) {
		mu.Lock()
		copies = append(copies, r.raw)
		n := len(copies)
		mu.Unlock()
		if n == 2 { // the first copy is "lost"
			r.accept()
		}
	})
	c := testClient(t, clock)
	s := serverFor("rad1", srv, 5*time.Second, 2)
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	ch := exchangeAsync(c, testCtx(t), "g", Authentication, accessRequest("alice", "pw"))
	clock.waitCalls(t, 1)
	eventually(t, "first copy", func() bool { return srv.received() == 1 })
	clock.Advance(5 * time.Second)
	r := wait(t, ch)
	if r.err != nil || r.resp.Packet.Code != wire.CodeAccessAccept {
		t.Fatalf("%v %v", r.resp, r.err)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(copies) != 2 || !bytes.Equal(copies[0], copies[1]) {
		t.Fatalf("the retransmission must repeat the request (same id and authenticator)")
	}
	a := statusOf(t, c, "rad1").Authen
	if a.Requests != 1 || a.Retransmissions != 1 || a.Timeouts != 1 || a.Successes != 1 || a.Failures != 0 {
		t.Errorf("counters %+v", a)
	}
}

// TestFailoverDeadAndDeadtime: the first server is silent; the request
// fails over to the second; the first is marked dead, skipped while its
// deadtime runs, and tried again once it is over.
func TestFailoverDeadAndDeadtime(t *testing.T) {
	clock := newFakeClock()
	var logs []string
	var logMu sync.Mutex
	silent := newTestServer(t, secret, nil)
	live := newTestServer(t, secret, answerAll)
	c := testClient(t, clock, func(o *Options) {
		o.Log = func(m string) { logMu.Lock(); logs = append(logs, m); logMu.Unlock() }
	})
	a, b := serverFor("A", silent, 5*time.Second, 1), serverFor("B", live, 5*time.Second, 1)
	c.SetConfig(Config{Servers: []*Server{a, b}, Groups: []*Group{{Name: "g", Servers: []*Server{a, b}, Deadtime: 10 * time.Minute}}})

	ch := exchangeAsync(c, testCtx(t), "g", Authentication, accessRequest("alice", "pw"))
	for i := 1; i <= 2; i++ { // the request and its one retransmission
		clock.waitCalls(t, i)
		eventually(t, "a copy at A", func() bool { return silent.received() == i })
		clock.Advance(5 * time.Second)
	}
	r := wait(t, ch)
	if r.err != nil || r.resp.Server != "B" {
		t.Fatalf("want B's answer, got %v %v", r.resp, r.err)
	}
	stA := statusOf(t, c, "A")
	if !stA.Dead || stA.DeadCount != 1 || stA.Authen.Failures != 1 || stA.Authen.Failovers != 1 || stA.Authen.Timeouts != 2 {
		t.Fatalf("A after the failover: %+v", stA)
	}
	logMu.Lock()
	if len(logs) != 1 || logs[0] != fmt.Sprintf("%%RADIUS-4-RADIUS_DEAD: RADIUS server 127.0.0.1:%d,%d is not responding.", silent.addr.Port(), silent.addr.Port()) {
		t.Errorf("log %q", logs)
	}
	logMu.Unlock()

	// While dead, A is skipped: B answers at once, A sees nothing.
	calls := clock.afterCalls()
	if r, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("alice", "pw")); err != nil || r.Server != "B" {
		t.Fatalf("while A is dead: %v %v", r, err)
	}
	if silent.received() != 2 || clock.afterCalls() != calls+1 {
		t.Fatalf("A was tried while dead")
	}

	// After the deadtime A is alive and first again.
	clock.Advance(10 * time.Minute)
	silent.setHandler(answerAll)
	if r, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("alice", "pw")); err != nil || r.Server != "A" {
		t.Fatalf("after the deadtime: %v %v", r, err)
	}
	stA = statusOf(t, c, "A")
	if stA.Dead || stA.PreviousDuration != 10*time.Minute || stA.DeadTime != 10*time.Minute || stA.DeadCount != 1 {
		t.Errorf("A after the deadtime: %+v", stA)
	}
	logMu.Lock()
	if len(logs) != 2 || !strings.HasSuffix(logs[1], "is being marked alive.") {
		t.Errorf("log %q", logs)
	}
	logMu.Unlock()
}

func TestAllServersDead(t *testing.T) {
	clock := newFakeClock()
	silent := newTestServer(t, secret, nil)
	c := testClient(t, clock)
	a := serverFor("A", silent, 3*time.Second, 0)
	c.SetConfig(Config{Servers: []*Server{a}, Groups: []*Group{{Name: "g", Servers: []*Server{a}, Deadtime: time.Minute}},
		DeadCriteria: DeadCriteria{Time: 2 * time.Second, Tries: 1}})
	ch := exchangeAsync(c, testCtx(t), "g", Accounting, accountingRequest(rfc2866.AcctStatusType_Value_Start))
	clock.waitCalls(t, 1)
	clock.Advance(3 * time.Second)
	if r := wait(t, ch); !isNoServer(r.err) {
		t.Fatalf("silent server: %v", r.err)
	}
	// Now dead: the next request fails at once, without a packet or a timer.
	// (The first request's datagram is counted by the server's reader,
	// which may lag: wait for it before taking the count.)
	eventually(t, "the first request at the server", func() bool { return silent.received() == 1 })
	calls, sent := clock.afterCalls(), silent.received()
	_, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("alice", "pw"))
	if !isNoServer(err) || clock.afterCalls() != calls || silent.received() != sent {
		t.Fatalf("all dead: %v (timers %d->%d)", err, calls, clock.afterCalls())
	}
	if _, err := c.Exchange(testCtx(t), "nosuchgroup", Authentication, accessRequest("alice", "pw")); !isNoServer(err) {
		t.Fatalf("unknown group: %v", err)
	}
}

// TestDeadCriteria: with tries 3 a server that misses one transaction of
// two timeouts stays alive; the third timeout marks it dead, but only once
// the time criterion holds too.
func TestDeadCriteria(t *testing.T) {
	clock := newFakeClock()
	srv := newTestServer(t, secret, answerAll)
	c := testClient(t, clock)
	a := serverFor("A", srv, 5*time.Second, 1)
	c.SetConfig(Config{Servers: []*Server{a}, Groups: []*Group{{Name: "g", Servers: []*Server{a}, Deadtime: time.Minute}},
		DeadCriteria: DeadCriteria{Time: 20 * time.Second, Tries: 3}})
	if _, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("u", "p")); err != nil {
		t.Fatal(err) // an answer at t0: the time criterion needs 20 s of silence from now
	}
	srv.setHandler(nil)
	n := clock.afterCalls()
	ch := exchangeAsync(c, testCtx(t), "g", Authentication, accessRequest("u", "p"))
	for i := 1; i <= 2; i++ {
		clock.waitCalls(t, n+i)
		clock.Advance(5 * time.Second)
	}
	wait(t, ch)
	if st := statusOf(t, c, "A"); st.Dead || st.ConsecutiveTimeouts != 2 {
		t.Fatalf("after 2 timeouts: %+v", st)
	}
	n = clock.afterCalls()
	ch = exchangeAsync(c, testCtx(t), "g", Authentication, accessRequest("u", "p"))
	clock.waitCalls(t, n+1)
	clock.Advance(5 * time.Second) // third timeout, 15 s after the last answer
	clock.waitCalls(t, n+2)        // the retransmission: the timeout has been counted
	if st := statusOf(t, c, "A"); st.Dead || st.ConsecutiveTimeouts != 3 {
		t.Fatalf("dead before the time criterion: %+v", st)
	}
	clock.Advance(5 * time.Second) // fourth, 20 s
	wait(t, ch)
	if st := statusOf(t, c, "A"); !st.Dead {
		t.Fatalf("not dead after 4 timeouts and 20 s: %+v", st)
	}
}

// TestForgedResponsesDropped: before the real answer the client receives
// every kind of bad answer; each is dropped and counted, and the exchange
// completes with the real one.
func TestForgedResponsesDropped(t *testing.T) {
	other, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	srv := newTestServer(t, secret, func(r *request) {
		good := r.reply(wire.CodeAccessAccept, true, nil)

		r.send(buildReply(r.pkt, wire.CodeAccessAccept, []byte("wrong secret"), true, nil)) // bad authenticator
		r.send(r.reply(wire.CodeAccessAccept, false, nil))                                  // no Message-Authenticator
		badAuth := append([]byte(nil), good...)
		badAuth[10] ^= 1
		r.send(badAuth) // Response Authenticator altered
		wrongID := r.pkt.Response(wire.CodeAccessAccept)
		wrongID.Identifier++
		r.send(buildReply(wrongID, wire.CodeAccessAccept, r.srv.secret, true, nil)) // unknown id
		if _, err := other.WriteToUDPAddrPort(good, r.from); err != nil {           // wrong source
			r.srv.fail(err.Error())
		}
		badMA := r.reply(wire.CodeAccessAccept, false, func(p *wire.Packet) {
			p.Add(80, make(wire.Attribute, 16)) // a Message-Authenticator of zeros
		})
		r.send(badMA)
		twoMA := r.reply(wire.CodeAccessAccept, true, func(p *wire.Packet) { p.Add(80, make(wire.Attribute, 16)) })
		r.send(twoMA)
		short := append([]byte(nil), good...)
		short[3] += 10 // Length beyond the datagram
		r.send(short)
		r.send(r.reply(wire.CodeAccountingResponse, true, nil)) // authentic, wrong code
		r.send(good)
		r.send(good) // a duplicate after the answer
	})
	var lines []string
	var mu sync.Mutex
	c := testClient(t, nil, func(o *Options) {
		o.Debug = func(Service) func(string) {
			return func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() }
		}
	})
	s := serverFor("A", srv, 5*time.Second, 0)
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	resp, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("alice", "pw"))
	if err != nil || resp.Packet.Code != wire.CodeAccessAccept {
		t.Fatalf("%v %v", resp, err)
	}
	want := ServiceStats{BadAuthenticators: 2, BadMessageAuthenticators: 3, UnknownID: 1, WrongSource: 1, Malformed: 1, WrongCode: 1}
	eventually(t, "the duplicate", func() bool { return statusOf(t, c, "A").Authen.UnknownID == 2 })
	want.UnknownID = 2
	got := statusOf(t, c, "A").Authen
	got.Requests, got.Successes, got.Responses, got.Accepts, got.RTTTotal = 0, 0, 0, 0, 0
	if got != want {
		t.Errorf("drops\n got %+v\nwant %+v", got, want)
	}
	mu.Lock()
	defer mu.Unlock()
	var drops []string
	for _, l := range lines {
		if strings.Contains(l, "Dropped") {
			drops = append(drops, l[strings.LastIndex(l, ": ")+2:])
		}
	}
	wantDrops := []string{"bad Response Authenticator", "missing or bad Message-Authenticator", "bad Response Authenticator",
		"no request with this id", "wrong source address", "missing or bad Message-Authenticator",
		"missing or bad Message-Authenticator", "malformed packet", "unexpected code", "no request with this id"}
	if strings.Join(drops, "|") != strings.Join(wantDrops, "|") {
		t.Errorf("drop lines\n got %q\nwant %q", drops, wantDrops)
	}
}

// TestIdentifierExhaustion: 300 concurrent requests to one server. At most
// 256 are in flight on its socket, no identifier is used twice at once,
// the rest wait and go out as answers free identifiers.
func TestIdentifierExhaustion(t *testing.T) {
	const total = 300
	var mu sync.Mutex
	inFlight := map[byte]*request{}
	maxInFlight, released := 0, false
	var dups []byte
	srv := newTestServer(t, secret, func(r *request) {
		mu.Lock()
		defer mu.Unlock()
		if released {
			r.accept()
			return
		}
		if inFlight[r.pkt.Identifier] != nil {
			dups = append(dups, r.pkt.Identifier)
		}
		inFlight[r.pkt.Identifier] = r
		maxInFlight = max(maxInFlight, len(inFlight))
	})
	c := testClient(t, newFakeClock()) // the clock never moves: no retransmissions
	s := serverFor("A", srv, 5*time.Second, 3)
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	results := make(chan result, total)
	for range total {
		go func() {
			r, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("u", "p"))
			results <- result{r, err}
		}()
	}
	eventually(t, "256 requests at the server", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(inFlight) == identifiersPerSocket
	})
	if st := statusOf(t, c, "A"); st.OutstandingAccess != identifiersPerSocket {
		t.Fatalf("outstanding %d", st.OutstandingAccess)
	}
	mu.Lock()
	released = true
	for _, r := range inFlight {
		r.accept()
	}
	mu.Unlock()
	for range total {
		if r := <-results; r.err != nil {
			t.Fatal(r.err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if maxInFlight != identifiersPerSocket || len(dups) != 0 || srv.received() != total {
		t.Fatalf("max in flight %d, duplicate ids %v, received %d", maxInFlight, dups, srv.received())
	}
	if st := statusOf(t, c, "A"); st.OutstandingAccess != 0 || st.Authen.Successes != total {
		t.Fatalf("after: %+v", st)
	}
}

// TestWaitForIdentifierHonoursContext: a request waiting for an identifier
// gives up when its context ends.
func TestWaitForIdentifierHonoursContext(t *testing.T) {
	srv := newTestServer(t, secret, nil)
	c := testClient(t, newFakeClock())
	s := serverFor("A", srv, 5*time.Second, 0)
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	ctx, cancel := context.WithCancel(testCtx(t))
	var chans []<-chan result
	for range identifiersPerSocket {
		chans = append(chans, exchangeAsync(c, ctx, "g", Authentication, accessRequest("u", "p")))
	}
	eventually(t, "256 in flight", func() bool { return srv.received() == identifiersPerSocket })
	short, cancelShort := context.WithTimeout(testCtx(t), 20*time.Millisecond)
	defer cancelShort()
	if _, err := c.Exchange(short, "g", Authentication, accessRequest("u", "p")); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("257th: %v", err)
	}
	cancel()
	for _, ch := range chans {
		if r := wait(t, ch); !errors.Is(r.err, context.Canceled) {
			t.Fatalf("cancelled: %v", r.err)
		}
	}
	if st := statusOf(t, c, "A"); st.OutstandingAccess != 0 {
		t.Fatalf("identifiers not released: %d", st.OutstandingAccess)
	}
}

func accountingRequest(status rfc2866.AcctStatusType) *wire.Packet {
	p := wire.New(wire.CodeAccountingRequest, nil)
	rfc2866.AcctSessionID_SetString(p, "00000007")
	rfc2865.UserName_SetString(p, "router1.domain1")
	rfc2866.AcctStatusType_Set(p, status)
	return p
}

func TestAccounting(t *testing.T) {
	srv := newTestServer(t, secret, func(r *request) {
		if _, ok := r.pkt.Lookup(80); ok {
			r.srv.fail("Message-Authenticator in an Accounting-Request")
		}
		r.send(buildReply(r.pkt, wire.CodeAccountingResponse, []byte("wrong"), false, nil)) // dropped first
		r.accept()
	})
	c := testClient(t, nil)
	s := serverFor("A", srv, 5*time.Second, 3)
	s.Auth = netip.AddrPort{}
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	for _, st := range []rfc2866.AcctStatusType{rfc2866.AcctStatusType_Value_Start, rfc2866.AcctStatusType_Value_InterimUpdate, rfc2866.AcctStatusType_Value_Stop} {
		resp, err := c.Exchange(testCtx(t), "g", Accounting, accountingRequest(st))
		if err != nil || resp.Packet.Code != wire.CodeAccountingResponse {
			t.Fatalf("%v: %v %v", st, resp, err)
		}
	}
	// The server has no auth port: authentication finds no server.
	if _, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("u", "p")); !isNoServer(err) {
		t.Fatalf("authentication without an auth port: %v", err)
	}
	a := statusOf(t, c, "A").Account
	if a.Requests != 3 || a.StartRequests != 1 || a.InterimRequests != 1 || a.StopRequests != 1 ||
		a.StartResponses != 1 || a.InterimResponses != 1 || a.StopResponses != 1 || a.Successes != 3 || a.BadAuthenticators != 3 {
		t.Errorf("Account counters %+v", a)
	}
	if _, err := c.Exchange(testCtx(t), "g", Accounting, accessRequest("u", "p")); err == nil || isNoServer(err) {
		t.Errorf("an Access-Request as accounting must be refused: %v", err)
	}
}

// TestSetConfigDuringTraffic: configuration changes while requests run
// lose no request and keep the counters of unchanged servers.
func TestSetConfigDuringTraffic(t *testing.T) {
	a := newTestServer(t, secret, answerAll)
	b := newTestServer(t, secret, answerAll)
	c := testClient(t, nil)
	sa, sb := serverFor("A", a, 5*time.Second, 3), serverFor("B", b, 5*time.Second, 3)
	configs := []Config{
		{Servers: []*Server{sa}, Groups: []*Group{{Name: "g", Servers: []*Server{sa}}}},
		{Servers: []*Server{sa, sb}, Groups: []*Group{{Name: "g", Servers: []*Server{sa, sb}, Deadtime: time.Minute}}},
		{Servers: []*Server{sb, sa}, Groups: []*Group{{Name: "g", Servers: []*Server{sb, sa}, LeastOutstanding: true}}},
		{Servers: []*Server{{Name: "A", Auth: a.addr, Acct: a.addr, Secret: []byte(secret), Timeout: 7 * time.Second, Retransmit: 1}},
			Groups: []*Group{{Name: "g", Servers: []*Server{sa}}}},
	}
	c.SetConfig(configs[0])
	const workers, each = 8, 40
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("u", "p")); err != nil {
					errs <- err
				}
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for i := 0; ; i++ {
		select {
		case <-done:
		default:
			c.SetConfig(configs[i%len(configs)])
			continue
		}
		break
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	c.SetConfig(configs[1])
	stA, stB := statusOf(t, c, "A"), statusOf(t, c, "B")
	if got := stA.Authen.Successes + stB.Authen.Successes; stA.Authen.Successes == 0 || got > workers*each {
		t.Errorf("A kept %d successes, B %d; %d exchanges", stA.Authen.Successes, stB.Authen.Successes, workers*each)
	}
	if uint64(a.received()) < stA.Authen.Successes {
		t.Errorf("A's counters exceed what it received: %d > %d", stA.Authen.Successes, a.received())
	}

	// A new address is a new server: counters start again.
	moved := &Server{Name: "A", Auth: b.addr, Acct: b.addr, Secret: []byte(secret)}
	c.SetConfig(Config{Servers: []*Server{moved}, Groups: []*Group{{Name: "g", Servers: []*Server{moved}}}})
	if st := statusOf(t, c, "A"); st.Authen.Requests != 0 || st.Auth != b.addr {
		t.Errorf("moved server: %+v", st)
	}
}

// TestRemovedServerFailsOver: a transaction waiting on a server that
// leaves the configuration moves on to the next server of its group.
func TestRemovedServerFailsOver(t *testing.T) {
	held := make(chan *request, 1)
	a := newTestServer(t, secret, func(r *request) { held <- r })
	b := newTestServer(t, secret, answerAll)
	c := testClient(t, newFakeClock())
	sa, sb := serverFor("A", a, 5*time.Second, 3), serverFor("B", b, 5*time.Second, 3)
	c.SetConfig(Config{Servers: []*Server{sa, sb}, Groups: []*Group{{Name: "g", Servers: []*Server{sa, sb}}}})
	ch := exchangeAsync(c, testCtx(t), "g", Authentication, accessRequest("u", "p"))
	<-held
	c.SetConfig(Config{Servers: []*Server{sb}, Groups: []*Group{{Name: "g", Servers: []*Server{sb}}}})
	if r := wait(t, ch); r.err != nil || r.resp.Server != "B" {
		t.Fatalf("%v %v", r.resp, r.err)
	}
}

func TestLeastOutstandingAndPinning(t *testing.T) {
	held := make(chan *request, 4)
	a := newTestServer(t, secret, func(r *request) { held <- r })
	b := newTestServer(t, secret, answerAll)
	c := testClient(t, newFakeClock())
	sa, sb := serverFor("A", a, 5*time.Second, 3), serverFor("B", b, 5*time.Second, 3)
	c.SetConfig(Config{Servers: []*Server{sa, sb}, Groups: []*Group{{Name: "g", Servers: []*Server{sa, sb}, LeastOutstanding: true}}})
	ch := exchangeAsync(c, testCtx(t), "g", Authentication, accessRequest("u", "p"))
	r := <-held // A has one in flight, B none
	if resp, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("u", "p")); err != nil || resp.Server != "B" {
		t.Fatalf("least outstanding: %v %v", resp, err)
	}
	r.accept()
	if res := wait(t, ch); res.err != nil || res.resp.Server != "A" {
		t.Fatalf("%v", res)
	}
	a.setHandler(answerAll)
	b.setHandler(nil)
	// Pinned to A although B is as idle and first in no order.
	for range 3 {
		if resp, err := c.ExchangeServer(testCtx(t), "g", "A", Authentication, accessRequest("u", "p")); err != nil || resp.Server != "A" {
			t.Fatalf("pinned: %v %v", resp, err)
		}
	}
	if _, err := c.ExchangeServer(testCtx(t), "g", "C", Authentication, accessRequest("u", "p")); !isNoServer(err) {
		t.Fatalf("pinned to an unknown server: %v", err)
	}
}

func TestCloseEndsExchanges(t *testing.T) {
	srv := newTestServer(t, secret, nil)
	c := testClient(t, newFakeClock())
	s := serverFor("A", srv, 5*time.Second, 0)
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	ch := exchangeAsync(c, testCtx(t), "g", Authentication, accessRequest("u", "p"))
	eventually(t, "the request", func() bool { return srv.received() == 1 })
	c.Close()
	if r := wait(t, ch); !isNoServer(r.err) {
		t.Fatalf("in flight at Close: %v", r.err)
	}
	if _, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("u", "p")); !errors.Is(err, ErrClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

// TestEAPConversation: an EAP exchange as the AAA service runs it: State
// and EAP-Message go back and forth, the Access-Accept carries the MPPE
// keys that make the MSK.
func TestEAPConversation(t *testing.T) {
	recv, send := bytes.Repeat([]byte{0xA1}, 32), bytes.Repeat([]byte{0x5E}, 32)
	big := make([]byte, 1000)
	for i := range big {
		big[i] = byte(i)
	}
	big[2], big[3] = 0x03, 0xE8 // EAP length 1000
	srv := newTestServer(t, secret, func(r *request) {
		eap, err := EAPMessage(r.pkt)
		if err != nil {
			r.srv.fail(err.Error())
		}
		switch State(r.pkt) {
		case nil:
			if !bytes.Equal(eap, []byte{2, 1, 0, 7, 1, 'p', '1'}) {
				r.srv.fail(fmt.Sprintf("identity %x", eap))
			}
			r.send(r.reply(wire.CodeAccessChallenge, true, func(p *wire.Packet) {
				SetEAPMessage(p, big)
				SetState(p, []byte("round-1"))
			}))
		default:
			if !bytes.Equal(eap, big) {
				r.srv.fail("round 2 EAP differs")
			}
			r.send(r.reply(wire.CodeAccessAccept, true, func(p *wire.Packet) {
				SetEAPMessage(p, []byte{3, 2, 0, 4})
				microsoft.MSMPPERecvKey_Add(p, recv)
				microsoft.MSMPPESendKey_Add(p, send)
			}))
		}
	})
	c := testClient(t, nil)
	s := serverFor("A", srv, 5*time.Second, 3)
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	req := accessRequest("p1", "")
	SetEAPMessage(req, []byte{2, 1, 0, 7, 1, 'p', '1'})
	resp, err := c.Exchange(testCtx(t), "g", Authentication, req)
	if err != nil || resp.Packet.Code != wire.CodeAccessChallenge {
		t.Fatalf("%v %v", resp, err)
	}
	eap, err := EAPMessage(resp.Packet)
	if err != nil || !bytes.Equal(eap, big) {
		t.Fatalf("challenge EAP: %v", err)
	}
	req = accessRequest("p1", "")
	SetEAPMessage(req, eap)
	SetState(req, State(resp.Packet))
	resp, err = c.ExchangeServer(testCtx(t), "g", resp.Server, Authentication, req)
	if err != nil || resp.Packet.Code != wire.CodeAccessAccept {
		t.Fatalf("%v %v", resp, err)
	}
	msk, err := resp.MSK()
	if err != nil || !bytes.Equal(msk, append(recv, send...)) {
		t.Fatalf("MSK %x %v", msk, err)
	}
}

func TestIPv6Server(t *testing.T) {
	conn, err := net.ListenUDP("udp6", &net.UDPAddr{IP: net.IPv6loopback})
	if err != nil {
		t.Skipf("no IPv6 loopback: %v", err)
	}
	srv := startTestServer(t, conn, secret, answerAll)
	var mu sync.Mutex
	var lines []string
	c := testClient(t, nil, func(o *Options) {
		o.Debug = func(Service) func(string) { return func(l string) { mu.Lock(); lines = append(lines, l); mu.Unlock() } }
	})
	s := serverFor("v6", srv, 5*time.Second, 3)
	c.SetConfig(Config{Servers: []*Server{s}, Groups: []*Group{{Name: "g", Servers: []*Server{s}}}})
	if _, err := c.Exchange(testCtx(t), "g", Authentication, accessRequest("u", "p")); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	text := strings.Join(lines, "\n")
	if !strings.Contains(text, "Sending a IPv6 Radius Packet") || !strings.Contains(text, "to [::1]:") {
		t.Errorf("debug:\n%s", text)
	}
}
