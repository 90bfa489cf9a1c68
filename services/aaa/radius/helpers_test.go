package radius

import (
	"context"
	"crypto/hmac"
	"crypto/md5"
	"errors"
	"net"
	"net/netip"
	"sync"
	"testing"
	"time"

	wire "layeh.com/radius"
	"layeh.com/radius/rfc2865"
)

// fakeClock is a Clock that moves only when the test says so.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	timers []fakeTimer
	calls  int // After calls so far
	cond   *sync.Cond
}

type fakeTimer struct {
	at time.Time
	ch chan time.Time
}

func newFakeClock() *fakeClock {
	f := &fakeClock{now: time.Date(2026, 11, 23, 19, 0, 0, 0, time.UTC)}
	f.cond = sync.NewCond(&f.mu)
	return f
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.now
}

func (f *fakeClock) After(d time.Duration) <-chan time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	ch := make(chan time.Time, 1)
	f.timers = append(f.timers, fakeTimer{f.now.Add(d), ch})
	f.calls++
	f.cond.Broadcast()
	return ch
}

// Advance moves the clock and fires the timers that are due.
func (f *fakeClock) Advance(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.now = f.now.Add(d)
	kept := f.timers[:0]
	for _, t := range f.timers {
		if t.at.After(f.now) {
			kept = append(kept, t)
			continue
		}
		t.ch <- f.now
	}
	f.timers = kept
}

// waitCalls waits until After has been called n times in all.
func (f *fakeClock) waitCalls(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	stop := time.AfterFunc(time.Until(deadline), func() {
		f.mu.Lock()
		f.cond.Broadcast()
		f.mu.Unlock()
	})
	defer stop.Stop()
	f.mu.Lock()
	defer f.mu.Unlock()
	for f.calls < n {
		if time.Now().After(deadline) {
			t.Fatalf("clock: %d timers started, waited for %d", f.calls, n)
		}
		f.cond.Wait()
	}
}

func (f *fakeClock) afterCalls() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls
}

// lockedReader makes a deterministic byte source safe for concurrent use.
type lockedReader struct {
	mu sync.Mutex
	n  byte
}

func (r *lockedReader) Read(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range p {
		r.n++
		p[i] = r.n
	}
	return len(p), nil
}

// request is what the test server received.
type request struct {
	srv  *testServer
	raw  []byte
	pkt  *wire.Packet // parsed with the server's secret
	from netip.AddrPort
}

// testServer is a RADIUS server on 127.0.0.1 whose behaviour each test
// scripts: handle runs on the server's read goroutine for every request
// (after the request's own security has been checked).
type testServer struct {
	t      *testing.T
	conn   *net.UDPConn
	addr   netip.AddrPort
	secret []byte

	mu     sync.Mutex
	handle func(r *request)
	count  int
	errs   []string
}

func newTestServer(t *testing.T, secret string, handle func(r *request)) *testServer {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	growReadBuffer(conn) // bursts of 300 requests must not be dropped
	return startTestServer(t, conn, secret, handle)
}

func startTestServer(t *testing.T, conn *net.UDPConn, secret string, handle func(r *request)) *testServer {
	s := &testServer{t: t, conn: conn, addr: conn.LocalAddr().(*net.UDPAddr).AddrPort(), secret: []byte(secret), handle: handle}
	done := make(chan struct{})
	go s.serve(done)
	t.Cleanup(func() {
		conn.Close()
		<-done
		s.mu.Lock()
		defer s.mu.Unlock()
		for _, e := range s.errs {
			t.Errorf("test server %s: %s", s.addr, e)
		}
	})
	return s
}

func (s *testServer) setHandler(h func(r *request)) {
	s.mu.Lock()
	s.handle = h
	s.mu.Unlock()
}

func (s *testServer) received() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.count
}

func (s *testServer) fail(msg string) {
	s.mu.Lock()
	s.errs = append(s.errs, msg)
	s.mu.Unlock()
}

func (s *testServer) serve(done chan struct{}) {
	defer close(done)
	buf := make([]byte, 4096)
	for {
		n, from, err := s.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		raw := append([]byte(nil), buf[:n]...)
		if msg := checkRequestSecurity(raw, s.secret); msg != "" {
			s.fail(msg)
			continue
		}
		pkt, err := wire.Parse(raw, s.secret)
		if err != nil {
			s.fail(err.Error())
			continue
		}
		s.mu.Lock()
		s.count++
		h := s.handle
		s.mu.Unlock()
		if h != nil {
			h(&request{srv: s, raw: raw, pkt: pkt, from: from})
		}
	}
}

// checkRequestSecurity is the server's side of the rules the client must
// follow, written without the client's code: a Message-Authenticator first
// in every Access-Request and valid, an RFC 2866 authenticator on every
// Accounting-Request.
func checkRequestSecurity(raw, secret []byte) string {
	switch wire.Code(raw[0]) {
	case wire.CodeAccessRequest, wire.CodeStatusServer:
		if len(raw) < 38 || raw[20] != 80 || raw[21] != 18 {
			return "Access-Request without a Message-Authenticator first"
		}
		c := append([]byte(nil), raw...)
		clear(c[22:38])
		m := hmac.New(md5.New, secret)
		m.Write(c)
		if !hmac.Equal(m.Sum(nil), raw[22:38]) {
			return "Access-Request with a bad Message-Authenticator"
		}
	case wire.CodeAccountingRequest:
		if !wire.IsAuthenticRequest(raw, secret) {
			return "Accounting-Request with a bad authenticator"
		}
	default:
		return "unexpected code " + wire.Code(raw[0]).String()
	}
	return ""
}

// reply builds an answer the way a server does: attrs are added with the
// request's authenticator in place (the salted encoders of layeh.com/radius
// need it), a Message-Authenticator when ma is set, then layeh's Encode
// computes the Response Authenticator.
func (r *request) reply(code wire.Code, ma bool, attrs func(p *wire.Packet)) []byte {
	return buildReply(r.pkt, code, r.srv.secret, ma, attrs)
}

func buildReply(req *wire.Packet, code wire.Code, secret []byte, ma bool, attrs func(p *wire.Packet)) []byte {
	p := req.Response(code)
	p.Secret = secret
	if attrs != nil {
		attrs(p)
	}
	if ma {
		p.Attributes = append(wire.Attributes{{Type: 80, Attribute: make(wire.Attribute, 16)}}, p.Attributes...)
		b, err := p.MarshalBinary()
		if err != nil {
			panic(err)
		}
		m := hmac.New(md5.New, secret)
		m.Write(b)
		p.Attributes[0].Attribute = m.Sum(nil)
	}
	b, err := p.Encode()
	if err != nil {
		panic(err)
	}
	return b
}

func (r *request) send(b []byte) {
	if _, err := r.srv.conn.WriteToUDPAddrPort(b, r.from); err != nil {
		r.srv.fail(err.Error())
	}
}

// accept answers with an Access-Accept or Accounting-Response, whichever
// the request calls for.
func (r *request) accept() {
	code := wire.CodeAccessAccept
	if r.pkt.Code == wire.CodeAccountingRequest {
		code = wire.CodeAccountingResponse
	}
	r.send(r.reply(code, code != wire.CodeAccountingResponse, nil))
}

func answerAll(r *request) { r.accept() }

func accessRequest(user, password string) *wire.Packet {
	p := wire.New(wire.CodeAccessRequest, nil)
	rfc2865.UserName_SetString(p, user)
	if password != "" {
		p.Add(rfc2865.UserPassword_Type, wire.Attribute(password))
	}
	return p
}

func testClient(t *testing.T, clock Clock, opts ...func(*Options)) *Client {
	o := Options{Rand: &lockedReader{}}
	if clock != nil {
		o.Clock = clock
	}
	for _, f := range opts {
		f(&o)
	}
	c := New(o)
	t.Cleanup(func() { c.Close() })
	return c
}

func serverFor(name string, s *testServer, timeout time.Duration, retransmit int) *Server {
	return &Server{Name: name, Auth: s.addr, Acct: s.addr, Secret: s.secret, Timeout: timeout, Retransmit: retransmit}
}

func statusOf(t *testing.T, c *Client, name string) ServerStatus {
	t.Helper()
	for _, s := range c.Servers() {
		if s.Name == name {
			return s
		}
	}
	t.Fatalf("no server %q", name)
	return ServerStatus{}
}

// testCtx ends a test's exchanges should the test hang.
func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// exchangeAsync runs Exchange on its own goroutine.
func exchangeAsync(c *Client, ctx context.Context, group string, svc Service, req *wire.Packet) <-chan result {
	ch := make(chan result, 1)
	go func() {
		r, err := c.Exchange(ctx, group, svc, req)
		ch <- result{r, err}
	}()
	return ch
}

type result struct {
	resp *Response
	err  error
}

func wait(t *testing.T, ch <-chan result) result {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("exchange did not finish")
	}
	return result{}
}

// eventually polls cond until it holds or 10 s pass.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func isNoServer(err error) bool { return errors.Is(err, ErrNoServer) }
