package radius

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"slices"
	"sync"
	"time"

	wire "layeh.com/radius"
)

// ErrNoServer means no server of the group gave an answer: every one is
// dead, unusable for the service, or timed out. The method list then tries
// its next method. (An Access-Reject is an answer, not an error.)
var ErrNoServer = errors.New("no RADIUS server answered")

// ErrClosed is returned by Exchange after Close.
var ErrClosed = errors.New("RADIUS client closed")

// errServerGone ends a transaction whose server left the configuration (or
// whose socket failed): the exchange goes on with the next server.
var errServerGone = errors.New("server removed")

var errTimeout = errors.New("timed out")

// Options are the client's collaborators; every field may be left zero.
type Options struct {
	Clock Clock     // nil: the system clock
	Rand  io.Reader // Request Authenticators; nil: crypto/rand. Must be safe for concurrent use.
	// Debug returns where the debug lines of one service go, or nil while
	// that service's debugging is off ("debug radius authentication"
	// covers Authentication and Authorization, "debug radius accounting"
	// covers Accounting). It is asked before each group of lines, so
	// nothing is formatted while debugging is off. The sink must not block.
	Debug func(Service) func(line string)
	// Log receives the syslog messages %RADIUS-4-RADIUS_DEAD and
	// %RADIUS-4-RADIUS_ALIVE. It must not block.
	Log func(msg string)
}

// Client is the RADIUS client of the AAA service. Its methods are safe for
// concurrent use. Each server has one UDP socket per service port, bound to
// an ephemeral port, with up to 256 requests in flight on it (the RADIUS
// identifier space); further requests wait for an identifier.
//
// Locking: Client.mu guards the configuration (servers, groups); each
// server's mu guards its sockets, counters and dead state; each socket's mu
// guards its identifier table. No lock is held while another of them is
// taken, except Client.mu then a server's mu in Servers, and no callback
// (Debug, Log) runs under any of them.
type Client struct {
	clock Clock
	rand  io.Reader
	debug func(Service) func(string)
	log   func(string)

	mu       sync.Mutex
	servers  []*server // show order
	byKey    map[serverKey]*server
	groups   map[string]*groupState
	criteria DeadCriteria
	closed   bool
}

type groupState struct {
	name     string
	servers  []*server
	deadtime time.Duration
	least    bool
}

// New returns a client with no servers; SetConfig gives it some.
func New(opts Options) *Client {
	c := &Client{clock: opts.Clock, rand: opts.Rand, debug: opts.Debug, log: opts.Log,
		byKey: map[serverKey]*server{}, groups: map[string]*groupState{}}
	if c.clock == nil {
		c.clock = systemClock{}
	}
	if c.rand == nil {
		c.rand = rand.Reader
	}
	return c
}

// SetConfig replaces the configuration; it may be called at any time,
// also while exchanges run. A server keeps its counters, dead state and
// sockets while its Name, Auth and Acct stay the same (its secret, timeout
// and retransmit count are updated in place; requests already sent finish
// with the values they were sent with). A server that is gone has its
// sockets closed: its transactions in flight move on to the next server of
// their group. When the same server (name and addresses) appears twice,
// the first appearance's settings win.
func (c *Client) SetConfig(cfg Config) {
	now := c.clock.Now()
	c.mu.Lock()
	old := c.byKey
	byKey := map[serverKey]*server{}
	var order []*server
	add := func(sc *Server) *server {
		n := sc.normalized()
		k := n.key()
		if s := byKey[k]; s != nil {
			return s
		}
		s := old[k]
		if s == nil {
			s = newServer(c, k, now)
		}
		s.cfg.Store(n)
		byKey[k] = s
		order = append(order, s)
		return s
	}
	for _, sc := range cfg.Servers {
		if sc != nil {
			add(sc)
		}
	}
	groups := map[string]*groupState{}
	for _, g := range cfg.Groups {
		if g == nil {
			continue
		}
		gs := &groupState{name: g.Name, deadtime: max(g.Deadtime, 0), least: g.LeastOutstanding}
		for _, sc := range g.Servers {
			if sc != nil {
				gs.servers = append(gs.servers, add(sc))
			}
		}
		groups[g.Name] = gs
	}
	var removed []*server
	for k, s := range old {
		if byKey[k] == nil {
			removed = append(removed, s)
		}
	}
	if c.closed { // a closed client stays empty
		removed, order, byKey, groups = append(removed, order...), nil, map[serverKey]*server{}, map[string]*groupState{}
	}
	c.servers, c.byKey, c.groups, c.criteria = order, byKey, groups, cfg.DeadCriteria
	c.mu.Unlock()
	for _, s := range removed {
		s.remove()
	}
}

// Close closes every socket. Exchanges in flight end with ErrNoServer (or
// their context's error); later ones with ErrClosed.
func (c *Client) Close() error {
	c.mu.Lock()
	servers := c.servers
	c.closed, c.servers, c.byKey, c.groups = true, nil, map[serverKey]*server{}, map[string]*groupState{}
	c.mu.Unlock()
	for _, s := range servers {
		s.remove()
	}
	return nil
}

// Response is a validated answer.
type Response struct {
	// Packet is the answer. Its Secret is the server's secret and its
	// Authenticator the Response Authenticator; salt-encrypted attributes
	// are decrypted against RequestAuthenticator (TunnelPasswords, MSK).
	Packet               *wire.Packet
	RequestAuthenticator [16]byte
	Server               string         // the server's name ("" for a legacy host)
	Addr                 netip.AddrPort // the address that answered
	RTT                  time.Duration  // since the last transmission of the request
}

type ctxKey struct{}

// WithUniqueID returns a context that carries the AAA unique id of a
// request: the hexadecimal number of "RADIUS(0000000E): ..." debug lines.
func WithUniqueID(ctx context.Context, id uint32) context.Context {
	return context.WithValue(ctx, ctxKey{}, id)
}

// UniqueID is the id WithUniqueID stored, or 0.
func UniqueID(ctx context.Context) uint32 {
	id, _ := ctx.Value(ctxKey{}).(uint32)
	return id
}

// requestError is a request that no server could take (too long, a code
// the service does not send): trying another server would not help.
type requestError struct{ err error }

func (e *requestError) Error() string { return e.err.Error() }
func (e *requestError) Unwrap() error { return e.err }

// Exchange sends req to the servers of group, as the service svc, and
// returns the first valid answer.
//
// req is the request in the clear: its User-Password value (if any) is the
// password itself, which Exchange hides for each server (RFC 2865 5.2);
// its Identifier, Authenticator and Secret are ignored and any
// Message-Authenticator is replaced. Authentication and Authorization send
// Access-Request (or Status-Server), Accounting sends Accounting-Request
// (or Status-Server). Exchange does not modify req.
//
// Servers are tried in group order (or by fewest requests in flight with
// LeastOutstanding), skipping dead ones, those without an address for the
// service and those without a secret. Each is sent the request and its
// Retransmit retransmissions, Timeout apart; then it counts as failed and
// the next one is tried. When none answers the error wraps ErrNoServer.
// Exchange returns the context's error as soon as ctx is done; the debug
// lines carry the id of WithUniqueID.
func (c *Client) Exchange(ctx context.Context, group string, svc Service, req *wire.Packet) (*Response, error) {
	return c.exchange(ctx, group, "", svc, req)
}

// ExchangeServer is Exchange restricted to the server of the group named
// server: the later rounds of an EAP conversation must reach the server
// that holds its State (Response.Server names it). The server is tried
// even while marked dead, as the conversation has nowhere else to go; a
// valid answer marks it alive. Without an answer the error wraps
// ErrNoServer. Only named servers can be chosen: an empty server means any,
// as in Exchange.
func (c *Client) ExchangeServer(ctx context.Context, group, server string, svc Service, req *wire.Packet) (*Response, error) {
	return c.exchange(ctx, group, server, svc, req)
}

func (c *Client) exchange(ctx context.Context, group, pin string, svc Service, req *wire.Packet) (*Response, error) {
	if err := checkRequest(svc, req); err != nil {
		return nil, fmt.Errorf("radius: %w", err)
	}
	c.mu.Lock()
	closed, g, crit := c.closed, c.groups[group], c.criteria
	c.mu.Unlock()
	switch {
	case closed:
		return nil, ErrClosed
	case g == nil:
		return nil, fmt.Errorf("radius: server group %q is not configured: %w", group, ErrNoServer)
	}
	order := slices.Clone(g.servers)
	sock := svc.socket()
	if pin != "" {
		order = slices.DeleteFunc(order, func(s *server) bool { return s.key.name != pin })
		if len(order) == 0 {
			return nil, fmt.Errorf("radius: server group %q has no server %q: %w", group, pin, ErrNoServer)
		}
		order = order[:1]
	} else if g.least {
		slices.SortStableFunc(order, func(a, b *server) int { return a.outstanding(sock) - b.outstanding(sock) })
	}
	uid := UniqueID(ctx)
	var failed *server
	for _, s := range order {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		cfg := s.cfg.Load()
		if !cfg.addr(sock).IsValid() || len(cfg.Secret) == 0 || (pin == "" && s.isDead(c.clock.Now())) {
			continue
		}
		if failed != nil {
			failed.countFailover(svc)
		}
		resp, err := c.transact(ctx, s, svc, req, uid, g.deadtime, crit, failed != nil)
		if err == nil {
			return resp, nil
		}
		var reqErr *requestError
		switch {
		case ctx.Err() != nil:
			return nil, ctx.Err()
		case errors.As(err, &reqErr):
			return nil, fmt.Errorf("radius: %w", err)
		}
		failed = s
	}
	if failed != nil {
		c.emit(svc, "RADIUS/DECODE: No response from radius-server; parse response; FAIL")
	}
	return nil, fmt.Errorf("radius: server group %q: %w", group, ErrNoServer)
}

func checkRequest(svc Service, req *wire.Packet) error {
	if req == nil {
		return errors.New("nil request")
	}
	switch {
	case req.Code == wire.CodeStatusServer && svc >= 0 && svc < numServices:
	case req.Code == wire.CodeAccessRequest && (svc == Authentication || svc == Authorization):
	case req.Code == wire.CodeAccountingRequest && svc == Accounting:
	default:
		return fmt.Errorf("%v cannot be sent for %v", req.Code, svc)
	}
	return nil
}

// received is what a socket's reader hands to the transaction waiting for
// the identifier.
type received struct {
	pkt  *wire.Packet
	raw  []byte // the datagram without padding
	from netip.AddrPort
	at   time.Time
}

// transact runs one request against one server: send, retransmit, wait.
func (c *Client) transact(ctx context.Context, s *server, svc Service, req *wire.Packet, uid uint32,
	deadtime time.Duration, crit DeadCriteria, failover bool) (*Response, error) {
	cfg := s.cfg.Load()
	sock := svc.socket()
	ep, err := s.endpoint(sock)
	if err != nil {
		c.emit(svc, fmt.Sprintf("RADIUS: No socket for (%s): %v", cfg.label(), err))
		return nil, err
	}
	p := &pending{svc: svc, resp: make(chan received, 1)}
	id, err := ep.acquire(ctx, p)
	if err != nil {
		return nil, err
	}
	defer ep.release(id)
	b, auth, err := encodeRequest(req, id, cfg.Secret, c.rand)
	if err != nil {
		return nil, &requestError{err}
	}
	status := acctStatus(req)
	ep.arm(id, req.Code, auth, cfg.Secret)
	idText := fmt.Sprintf("id %d/%d", ep.port, id)
	timeout := cfg.timeout()
	if dbg := c.sink(svc); dbg != nil {
		if failover {
			dbg(fmt.Sprintf("RADIUS: Fail-over to (%s) for %s", cfg.label(), idText))
		}
		if ep.local.IsValid() {
			dbg(encodeLine(ep.local, ep.raddr.Addr()))
		}
		dbg(sendLine(uid, req.Code, ep.raddr, ep.port, id, len(b)))
		emitPacket(dbg, b)
		dbg(sendingLine(uid, ep.raddr))
		dbg(startedLine(uid, timeout))
	}
	s.countRequest(svc, status)
	sent := c.clock.Now()
	ep.send(b)
	timer := c.clock.After(timeout)
	retries := cfg.retransmit()
	for {
		select {
		case r := <-p.resp:
			rtt := r.at.Sub(sent)
			s.answered(svc, status, r.pkt.Code, rtt, c.clock.Now())
			if dbg := c.sink(svc); dbg != nil {
				dbg(receivedLine(ep.port, id, r.from, r.pkt.Code, len(r.raw)))
				emitPacket(dbg, r.raw)
				dbg(receivedDoneLine(uid, ep.port, id))
			}
			return &Response{Packet: r.pkt, RequestAuthenticator: auth, Server: cfg.Name, Addr: r.from, RTT: rtt}, nil
		case <-timer:
			s.timedOut(svc, c.clock.Now(), deadtime, crit)
			if retries > 0 {
				retries--
				s.countRetransmission(svc)
				if dbg := c.sink(svc); dbg != nil {
					dbg(fmt.Sprintf("RADIUS: Retransmit to (%s) for %s", cfg.label(), idText))
					dbg(startedLine(uid, timeout))
				}
				sent = c.clock.Now()
				ep.send(b)
				timer = c.clock.After(timeout)
				continue
			}
			s.countFailure(svc)
			c.emit(svc, fmt.Sprintf("RADIUS: No response from (%s) for %s", cfg.label(), idText))
			return nil, errTimeout
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-ep.done:
			return nil, errServerGone
		}
	}
}

// The debug lines of a transaction, as seed 001 shows them (lines 239,
// 259, 484-496, 500-510).

func encodeLine(local, server netip.Addr) string {
	return fmt.Sprintf("RADIUS/ENCODE: Best Local IP-Address %s for Radius-Server %s", local, server)
}

func sendLine(uid uint32, code wire.Code, to netip.AddrPort, port int, id byte, length int) string {
	return fmt.Sprintf("RADIUS(%08X): Send %v to %s id %d/%d, len %d", uid, code, to, port, id, length)
}

func sendingLine(uid uint32, to netip.AddrPort) string {
	v := "IPv6"
	if to.Addr().Is4() {
		v = "IPv4"
	}
	return fmt.Sprintf("RADIUS(%08X): Sending a %s Radius Packet", uid, v)
}

func startedLine(uid uint32, timeout time.Duration) string {
	return fmt.Sprintf("RADIUS(%08X): Started %d sec timeout", uid, int(timeout/time.Second))
}

func receivedLine(port int, id byte, from netip.AddrPort, code wire.Code, length int) string {
	return fmt.Sprintf("RADIUS: Received from id %d/%d %s, %v, len %d", port, id, from, code, length)
}

func receivedDoneLine(uid uint32, port int, id byte) string {
	return fmt.Sprintf("RADIUS(%08X): Received from id %d/%d", uid, port, id)
}

// sink is the debug destination of svc, or nil.
func (c *Client) sink(svc Service) func(string) {
	if c.debug == nil {
		return nil
	}
	return c.debug(svc)
}

func (c *Client) emit(svc Service, line string) {
	if dbg := c.sink(svc); dbg != nil {
		dbg(line)
	}
}

func (c *Client) logf(format string, args ...any) {
	if c.log != nil {
		c.log(fmt.Sprintf(format, args...))
	}
}

// acctStatus is the Acct-Status-Type of an Accounting-Request (0 if none).
func acctStatus(req *wire.Packet) uint32 {
	if req.Code != wire.CodeAccountingRequest {
		return 0
	}
	v, err := wire.Integer(req.Get(typeAcctStatusType))
	if err != nil {
		return 0
	}
	return v
}
