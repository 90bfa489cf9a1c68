package dynauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"layeh.com/radius"
)

// Defaults of Options.
const (
	DefaultMaxConcurrent   = 16
	DefaultHandlerTimeout  = 5 * time.Second
	DefaultDuplicateWindow = 30 * time.Second
	DefaultMaxCached       = 4096
)

// Options are fixed for the life of a Server.
type Options struct {
	// MaxConcurrent bounds the Handler calls running at once; a request
	// arriving when all are busy is answered Resources Unavailable.
	MaxConcurrent int
	// HandlerTimeout bounds a Handler call (see Handler).
	HandlerTimeout time.Duration
	// DuplicateWindow is how long a response is kept for retransmissions
	// of its request. A request with an Event-Timestamp is kept for the
	// Event-Timestamp window if that is longer, so that a replay inside
	// the window is answered from the cache rather than run again.
	DuplicateWindow time.Duration
	// MaxCached bounds the responses kept.
	MaxCached int
	// Debug, when set, is asked at each request's arrival for the function
	// that takes its debug lines ("debug aaa pod" for KindDisconnect,
	// "debug aaa coa" for KindCoA); nil from it means that debug is off.
	// DebugTo(registry) is the usual value.
	Debug func(k Kind) func(line string)
	// Logger gets errors (sockets, handler panics); nil discards.
	Logger *slog.Logger
	// Now is the clock the Event-Timestamp and the cache use; nil is
	// time.Now.
	Now func() time.Time
}

// Server is the RFC 5176 Dynamic Authorization Server. Its methods are
// safe for concurrent use.
//
// One goroutine per socket reads and checks datagrams and answers what it
// can at once (refusals, retransmissions); Handler calls run on their own
// goroutines, bounded by Options.MaxConcurrent.
type Server struct {
	h   Handler
	opt Options
	log *slog.Logger

	ctx    context.Context // ends at Close; Handler contexts derive from it
	cancel context.CancelFunc
	sem    chan struct{} // one token per running Handler call
	cache  *dupCache
	stats  counters
	live   atomic.Pointer[liveConfig] // nil: not configured
	wg     sync.WaitGroup             // socket and worker goroutines

	mu     sync.Mutex // serialises SetConfig and Close; guards the fields below
	sock   *socket
	closed bool
}

// socket is one bound UDP socket and what it was asked for.
type socket struct {
	conn     *net.UDPConn
	wantAddr netip.Addr
	wantPort int
	port     int // the port bound
}

// New returns a Server that is not listening: SetConfig starts it.
func New(h Handler, opt Options) *Server {
	if opt.MaxConcurrent <= 0 {
		opt.MaxConcurrent = DefaultMaxConcurrent
	}
	if opt.HandlerTimeout <= 0 {
		opt.HandlerTimeout = DefaultHandlerTimeout
	}
	if opt.DuplicateWindow <= 0 {
		opt.DuplicateWindow = DefaultDuplicateWindow
	}
	if opt.MaxCached <= 0 {
		opt.MaxCached = DefaultMaxCached
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	s := &Server{h: h, opt: opt, log: opt.Logger, sem: make(chan struct{}, opt.MaxConcurrent),
		cache: newDupCache(opt.MaxCached)}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s
}

// SetConfig makes cfg the desired state: nil stops listening (the
// dynamic-author block was removed). A change of address or port closes
// the socket and binds the new one; a bind failure is returned and leaves
// the server configured but not listening, and the next SetConfig tries
// again. Changing the clients or keys forgets the cached responses.
func (s *Server) SetConfig(cfg *Config) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return errors.New("dynauth: server closed")
	}
	if cfg == nil {
		s.live.Store(nil)
		s.cache.flush()
		s.closeSocket()
		return nil
	}
	lc, err := compile(cfg)
	if err != nil {
		return err
	}
	if !sameClients(s.live.Load(), lc) {
		s.cache.flush()
	}
	s.live.Store(lc)
	if s.sock != nil && s.sock.wantAddr == cfg.Address && s.sock.wantPort == cfg.Port {
		return nil
	}
	s.closeSocket()
	laddr := &net.UDPAddr{Port: cfg.Port}
	if cfg.Address.IsValid() {
		laddr.IP = cfg.Address.AsSlice()
	}
	conn, err := net.ListenUDP("udp", laddr)
	if err != nil {
		return fmt.Errorf("dynauth: listening on UDP port %d: %w", cfg.Port, err)
	}
	sk := &socket{conn: conn, wantAddr: cfg.Address, wantPort: cfg.Port,
		port: int(conn.LocalAddr().(*net.UDPAddr).AddrPort().Port())}
	s.sock = sk
	s.wg.Add(1)
	go s.serve(sk)
	return nil
}

// closeSocket closes the current socket; its goroutine ends by itself.
func (s *Server) closeSocket() {
	if s.sock != nil {
		s.sock.conn.Close()
		s.sock = nil
	}
}

// LocalAddr is the address the server listens on; the zero AddrPort when
// it is not listening.
func (s *Server) LocalAddr() netip.AddrPort {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.sock == nil {
		return netip.AddrPort{}
	}
	return s.sock.conn.LocalAddr().(*net.UDPAddr).AddrPort()
}

// Stats returns the counters.
func (s *Server) Stats() Stats { return s.stats.snapshot() }

// Close stops listening, cancels the Handler calls' contexts and waits
// for the server's goroutines (at most a HandlerTimeout).
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	s.live.Store(nil)
	s.closeSocket()
	s.cancel()
	s.mu.Unlock()
	s.wg.Wait()
	return nil
}

// serve reads sk until it is closed.
func (s *Server) serve(sk *socket) {
	defer s.wg.Done()
	buf := make([]byte, radius.MaxPacketLength+1)
	for {
		n, from, err := sk.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			s.log.Warn("dynauth: reading", "port", sk.port, "err", err)
			continue
		}
		s.receive(buf[:n], from, sk.port, func(b []byte) error {
			_, err := sk.conn.WriteToUDPAddrPort(b, from)
			return err
		})
	}
}

// receive handles one datagram from the socket goroutine: it drops,
// answers from the cache, refuses, or starts a Handler call. send answers
// on the socket it came in on; localPort is that socket's port, for the
// debug lines. pkt is not kept.
func (s *Server) receive(pkt []byte, from netip.AddrPort, localPort int, send func([]byte) error) {
	s.stats.update(func(st *Stats) { st.Datagrams++ })
	lc := s.live.Load()
	if lc == nil {
		return
	}
	src := netip.AddrPortFrom(from.Addr().Unmap(), from.Port())
	cl := lc.clients[src.Addr()]
	if cl == nil {
		s.stats.drop(DropUnknownClient)
		return
	}
	req, reason := inspect(pkt, cl.secret, !lc.ignoreServerKey)
	if req == nil {
		s.stats.drop(reason)
		return
	}
	req.from, req.secret = src, cl.secret
	now := s.opt.Now()
	key := dupKey{from: src, id: req.id, auth: req.auth}
	if found, resp := s.cache.get(key, now); found {
		if resp == nil {
			s.stats.drop(DropInProgress)
			return
		}
		s.stats.update(func(st *Stats) { st.Retransmissions++ })
		s.sendResponse(send, resp)
		return
	}
	if req.hasTime {
		if d := now.Sub(req.time); d > lc.eventWindow || d < -lc.eventWindow {
			s.stats.drop(DropStaleTimestamp)
			return
		}
	}
	ttl := s.opt.DuplicateWindow
	if req.hasTime && lc.eventWindow > ttl {
		ttl = lc.eventWindow
	}
	entry := s.cache.add(key, now, ttl)
	s.stats.update(func(st *Stats) { kindStats(st, req.kind).Requests++ })

	dbg := debugLines{kind: req.kind}
	if s.opt.Debug != nil {
		dbg.out = s.opt.Debug(req.kind)
	}
	dec := decode(req, lc)
	dbg.received(req, dec)
	if dec.refuse != nil {
		s.finish(req, dec, *dec.refuse, entry, dbg, localPort, send)
		return
	}
	select {
	case s.sem <- struct{}{}:
	default:
		// Busy: refuse, and let a retransmission try again.
		s.cache.remove(entry)
		s.finish(req, dec, NAK(CauseResourcesUnavailable, ""), nil, dbg, localPort, send)
		return
	}
	s.wg.Add(1)
	go s.work(req, dec, entry, dbg, localPort, send)
}

// work runs the Handler for one request and answers it.
func (s *Server) work(req *request, dec *decoded, entry *dupEntry, dbg debugLines, localPort int, send func([]byte) error) {
	defer s.wg.Done()
	ctx, cancel := context.WithTimeout(s.ctx, s.opt.HandlerTimeout)
	defer cancel()
	done := make(chan Result, 1)
	go func() {
		// The token is held until the Handler returns, late or not, so
		// that slow Handler calls really bound the concurrency.
		defer func() { <-s.sem }()
		done <- s.call(ctx, req.kind, dec)
	}()
	var res Result
	select {
	case res = <-done:
	case <-ctx.Done():
		s.stats.update(func(st *Stats) { st.HandlerTimeouts++ })
		res = NAK(CauseResourcesUnavailable, "")
	}
	s.finish(req, dec, res, entry, dbg, localPort, send)
}

// call runs the Handler, turning a panic into Resources Unavailable.
func (s *Server) call(ctx context.Context, kind Kind, dec *decoded) (res Result) {
	defer func() {
		if p := recover(); p != nil {
			s.log.Error("dynauth: handler panic", "kind", kind, "panic", p)
			res = NAK(CauseResourcesUnavailable, "")
		}
	}()
	if kind == KindDisconnect {
		return s.h.Disconnect(ctx, dec.match)
	}
	return s.h.CoA(ctx, dec.match, dec.change)
}

// finish builds, caches (entry may be nil) and sends the answer res.
func (s *Server) finish(req *request, dec *decoded, res Result, entry *dupEntry, dbg debugLines, localPort int, send func([]byte) error) {
	if res.NotFound {
		dbg.notFound(req, dec)
		res = NAK(NoSessionCause, NoSessionMessage)
	}
	nak := res.isNAK()
	var attrs radius.Attributes
	if msg := res.ReplyMessage; msg != "" {
		if len(msg) > 253 {
			msg = msg[:253]
		}
		attrs = append(attrs, &radius.AVP{Type: attrReplyMessage, Attribute: radius.Attribute(msg)})
	}
	if res.Cause != 0 {
		attrs = append(attrs, &radius.AVP{Type: attrErrorCause, Attribute: radius.NewInteger(uint32(res.Cause))})
	}
	for _, ps := range dec.proxyState {
		attrs = append(attrs, &radius.AVP{Type: attrProxyState, Attribute: ps})
	}
	resp, err := encodeResponse(req, responseCode(req.kind, nak), attrs, req.secret)
	if err != nil {
		// Only an oversized response can fail; the request stays
		// unanswered, as one the DAC may retransmit.
		s.log.Error("dynauth: encoding response", "err", err)
		if entry != nil {
			s.cache.remove(entry)
		}
		return
	}
	if entry != nil {
		s.cache.complete(entry, resp)
	}
	s.stats.answered(req.kind, nak, res.Cause)
	dbg.answer(req, nak, res, attrs, localPort)
	s.sendResponse(send, resp)
}

func (s *Server) sendResponse(send func([]byte) error, b []byte) {
	if err := send(b); err != nil && !errors.Is(err, net.ErrClosed) {
		s.log.Warn("dynauth: sending response", "err", err)
	}
}
