package radius

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"

	wire "layeh.com/radius"
)

// endpoint is one server's socket for one port (auth or acct): a UDP
// socket on an ephemeral port (the "1645" of "id 1645/36"), the table of
// the 256 identifiers (the "36"), and the goroutine that reads answers and
// hands each to the transaction waiting for its identifier.
type endpoint struct {
	srv   *server
	sock  int
	raddr netip.AddrPort
	local netip.Addr // the source address routing picks, for the debug line
	conn  *net.UDPConn
	port  int

	// slots holds one token per free identifier: taking one is the wait
	// for an identifier when 256 requests are in flight.
	slots    chan struct{}
	mu       sync.Mutex
	inflight [identifiersPerSocket]*pending
	next     int // identifiers are handed out round-robin so a late answer rarely meets a reused one
	inUse    atomic.Int32

	done chan struct{}
	once sync.Once
}

// pending is a transaction's claim on an identifier. svc and resp are set
// before the claim; code, reqAuth and secret by arm, under the endpoint's
// lock, before the request is sent. The reader only looks at a pending
// that is ready.
type pending struct {
	svc      Service
	resp     chan received // capacity 1: the reader never blocks
	ready    bool
	answered bool
	code     wire.Code
	reqAuth  [16]byte
	secret   []byte
}

// openEndpoint binds a socket for raddr. For a loopback server it binds to
// loopback, so that nothing listens beyond the machine; otherwise to the
// wildcard address of the family, so that a change of interface addresses
// does not break the socket.
func openEndpoint(s *server, sock int, raddr netip.AddrPort) (*endpoint, error) {
	network, laddr := "udp4", &net.UDPAddr{IP: net.IPv4zero}
	if raddr.Addr().Is6() {
		network, laddr = "udp6", &net.UDPAddr{IP: net.IPv6unspecified}
	}
	if raddr.Addr().IsLoopback() {
		laddr = &net.UDPAddr{IP: net.IP(raddr.Addr().AsSlice())}
	}
	conn, err := net.ListenUDP(network, laddr)
	if err != nil {
		return nil, fmt.Errorf("radius server %s: %w", raddr, err)
	}
	growReadBuffer(conn)
	ep := &endpoint{srv: s, sock: sock, raddr: raddr, conn: conn,
		port:  conn.LocalAddr().(*net.UDPAddr).Port,
		slots: make(chan struct{}, identifiersPerSocket), done: make(chan struct{})}
	for range identifiersPerSocket {
		ep.slots <- struct{}{}
	}
	ep.local = bestLocal(raddr)
	go ep.read()
	return ep, nil
}

// bestLocal is the source address the kernel would use towards raddr
// (connecting a UDP socket sends nothing).
func bestLocal(raddr netip.AddrPort) netip.Addr {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(raddr))
	if err != nil {
		return netip.Addr{}
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap()
}

func (ep *endpoint) close() {
	ep.once.Do(func() {
		close(ep.done)
		ep.conn.Close()
	})
}

func (ep *endpoint) closed() bool {
	select {
	case <-ep.done:
		return true
	default:
		return false
	}
}

// acquire claims a free identifier for p, waiting while all 256 are in
// flight.
func (ep *endpoint) acquire(ctx context.Context, p *pending) (byte, error) {
	select {
	case <-ep.slots:
	case <-ctx.Done():
		return 0, ctx.Err()
	case <-ep.done:
		return 0, errServerGone
	}
	ep.mu.Lock()
	defer ep.mu.Unlock()
	for i := range identifiersPerSocket {
		id := byte(ep.next + i)
		if ep.inflight[id] == nil {
			ep.inflight[id] = p
			ep.next = int(id) + 1
			ep.inUse.Add(1)
			return id, nil
		}
	}
	panic("radius: no free identifier although a slot was free")
}

// arm makes the claim on id answerable: from now on an answer with this
// identifier is checked against the request's authenticator and secret.
func (ep *endpoint) arm(id byte, code wire.Code, reqAuth [16]byte, secret []byte) {
	ep.mu.Lock()
	p := ep.inflight[id]
	p.code, p.reqAuth, p.secret, p.ready = code, reqAuth, secret, true
	ep.mu.Unlock()
}

func (ep *endpoint) release(id byte) {
	ep.mu.Lock()
	ep.inflight[id] = nil
	ep.mu.Unlock()
	ep.inUse.Add(-1)
	ep.slots <- struct{}{}
}

func (ep *endpoint) send(b []byte) {
	// A failed send is not reported: the transaction times out as if the
	// datagram had been lost, and the server is charged for it as IOS does.
	ep.conn.WriteToUDPAddrPort(b, ep.raddr) //nolint:errcheck
}

func (ep *endpoint) read() {
	buf := make([]byte, wire.MaxPacketLength+1)
	for {
		n, from, err := ep.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				ep.srv.c.emit(ep.defaultService(), fmt.Sprintf("RADIUS: socket for %s failed: %v", ep.raddr, err))
			}
			ep.close() // transactions move on; the next one opens a new socket
			return
		}
		ep.handle(buf[:n], unmapAddrPort(from))
	}
}

func (ep *endpoint) defaultService() Service {
	if ep.sock == acctSocket {
		return Accounting
	}
	return Authentication
}

// handle takes one datagram: it is the answer to a request in flight or it
// is dropped and counted.
func (ep *endpoint) handle(b []byte, from netip.AddrPort) {
	svc := ep.defaultService()
	if from != ep.raddr {
		ep.dropped(svc, dropWrongSource, from, -1)
		return
	}
	if b = checkLength(b); b == nil {
		ep.dropped(svc, dropMalformed, from, -1)
		return
	}
	id := b[1]
	ep.mu.Lock()
	p := ep.inflight[id]
	ok := p != nil && p.ready && !p.answered
	ep.mu.Unlock()
	if !ok {
		ep.dropped(svc, dropUnknownID, from, int(id))
		return
	}
	pkt, reason := verifyResponse(b, p.code, p.reqAuth, p.secret)
	if reason != dropNone {
		ep.dropped(p.svc, reason, from, int(id))
		return
	}
	r := received{pkt: pkt, raw: append([]byte(nil), b...), from: from, at: ep.srv.c.clock.Now()}
	ep.mu.Lock()
	ok = ep.inflight[id] == p && !p.answered
	if ok {
		p.answered = true
		p.resp <- r
	}
	ep.mu.Unlock()
	if !ok { // a duplicate that raced with the first answer
		ep.dropped(p.svc, dropUnknownID, from, int(id))
	}
}

func (ep *endpoint) dropped(svc Service, reason dropReason, from netip.AddrPort, id int) {
	if dbg := ep.srv.c.sink(svc); dbg != nil {
		idText := ""
		if id >= 0 {
			idText = fmt.Sprintf(" id %d/%d", ep.port, id)
		}
		dbg(fmt.Sprintf("RADIUS: Dropped packet from %s%s: %v", from, idText, reason))
	}
	ep.srv.drop(svc, reason)
}
