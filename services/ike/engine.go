package ike

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

// Pools is what the engine needs of the address pool service.
type Pools interface {
	Allocate(pool string, requested netip.Addr, owner string) (netip.Addr, error)
	AllocateIPv6(pool string, owner string) (netip.Prefix, error)
	ReleaseOwner(owner string) int
}

// Options configure an Engine. DB and Dataplane are required.
type Options struct {
	DB        *configdb.DB
	Pools     Pools // nil: no address assignment
	Dataplane dataplane.Dataplane
	Debug     *logging.Debug // nil: debugging off
	Logger    *slog.Logger   // nil: discard
	Rand      io.Reader      // nil: crypto/rand
	Now       func() time.Time

	// Address the sockets bind to (invalid: every address, both
	// families) and their ports (0: IKEPort 500 and NATTPort 4500 unless
	// EphemeralPorts, which picks free ones, for tests).
	Address          netip.Addr
	IKEPort, NATPort uint16
	EphemeralPorts   bool

	// Workers is the number of goroutines processing packets (0:
	// GOMAXPROCS).
	Workers int
	// Version is reported in APPLICATION_VERSION.
	Version string
	// HalfOpenTimeout bounds how long an SA may stay half-open (0: 30 s).
	HalfOpenTimeout time.Duration
	// Authorizer answers authorization requests that are not local
	// (RADIUS); nil: only local authorization policies.
	Authorizer Authorizer
	// VirtualAccess clones each session's virtual-access interface from
	// its profile's virtual template (services/vtemplate); nil: the
	// engine makes its own over DB and Dataplane.
	VirtualAccess VirtualAccess
	// EAP relays EAP pass-through conversations ("authentication remote
	// eap"), PSK looks up "keyring aaa" keys and Observer hears of
	// sessions coming up and going down (aaa.go); nil: profiles that
	// need the first two fail authentication, and no one is told.
	EAP      EAPAuthenticator
	PSK      PSKLookup
	Observer SessionObserver
}

// VirtualAccess is what the engine needs of the virtual-template service.
type VirtualAccess interface {
	Clone(r vtemplate.Request) (*vtemplate.VirtualAccess, error)
	Remove(name string) error
}

// Engine is the IKEv2 engine: sockets, the SA tables, the state machines.
type Engine struct {
	opt   Options
	log   *slog.Logger
	dbg   *logging.Debug
	dp    dataplane.Dataplane
	vt    VirtualAccess
	rand  io.Reader
	now   func() time.Time
	cfg   atomic.Pointer[config]
	ike   *socket // port 500
	natt  *socket // port 4500
	work  chan packet
	stats stats

	mu        sync.RWMutex
	bySPI     map[uint64]*ikeSA  // our SPI (responder SPI when we respond, initiator SPI when we initiate)
	halfOpen  map[halfKey]*ikeSA // responder SAs before IKE_AUTH, by the peer's SPI and address
	nHalfOpen atomic.Int64
	sessions  map[int]*ikeSA // established sessions by session ID
	childSPIs map[uint32]*ikeSA
	nextSess  int
	nextSA    int
	nextConn  int

	observer observerQueue // SessionObserver calls waiting (observer.go)

	spiLimiter   rateLimiter
	cookieMu     sync.Mutex
	cookieSecret [2][32]byte
	cookieVer    byte

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

type halfKey struct {
	spi  uint64
	peer netip.AddrPort
}

// New creates an engine; Start opens the sockets.
func New(opt Options) *Engine {
	e := &Engine{opt: opt, log: opt.Logger, dbg: opt.Debug, dp: opt.Dataplane, rand: opt.Rand, now: opt.Now,
		bySPI: map[uint64]*ikeSA{}, halfOpen: map[halfKey]*ikeSA{}, sessions: map[int]*ikeSA{},
		childSPIs: map[uint32]*ikeSA{}, spiLimiter: rateLimiter{rate: 10}}
	if e.log == nil {
		e.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	e.vt = opt.VirtualAccess
	if e.vt == nil && opt.Dataplane != nil {
		e.vt = vtemplate.New(opt.DB, opt.Dataplane, opt.Debug)
	}
	if e.rand == nil {
		e.rand = rand.Reader
	}
	if e.now == nil {
		e.now = time.Now
	}
	if e.opt.HalfOpenTimeout == 0 {
		e.opt.HalfOpenTimeout = 30 * time.Second
	}
	if e.opt.Version == "" {
		e.opt.Version = "Gatehouse"
	}
	io.ReadFull(e.rand, e.cookieSecret[0][:])
	e.cfg.Store(loadConfig(opt.DB))
	return e
}

// Start opens the sockets and starts the workers and the configuration
// watcher. It returns once the sockets are bound.
func (e *Engine) Start(ctx context.Context) error {
	ikePort, natPort := e.opt.IKEPort, e.opt.NATPort
	if !e.opt.EphemeralPorts {
		if ikePort == 0 {
			ikePort = 500
		}
		if natPort == 0 {
			natPort = 4500
		}
	}
	var err error
	if e.ike, err = listen(e.opt.Address, ikePort, false); err != nil {
		return fmt.Errorf("ike: listen on UDP %d: %w", ikePort, err)
	}
	if e.natt, err = listen(e.opt.Address, natPort, true); err != nil {
		e.ike.close()
		return fmt.Errorf("ike: listen on UDP %d: %w", natPort, err)
	}
	if k, ok := e.dp.(dataplane.KernelESP); ok && k.KernelESP() {
		if err := e.natt.setKernelESPInUDP(); err != nil {
			e.ike.close()
			e.natt.close()
			return fmt.Errorf("ike: NAT-T socket for kernel ESP: %w", err)
		}
	}
	if t, ok := e.dp.(dataplane.UDPTransmitter); ok {
		t.SetTransmit(func(_ string, from, to netip.AddrPort, pkt []byte) error { return e.natt.sendRaw(from, to, pkt) })
	}
	e.natt.attachDataplane(e.dp) // batched ESP-in-UDP both ways for a userspace data plane (socket_linux.go)
	e.ctx, e.cancel = context.WithCancel(ctx)
	n := e.opt.Workers
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	e.work = make(chan packet, 4096)
	for range n {
		e.wg.Go(func() {
			for p := range e.work {
				e.handle(p)
			}
		})
	}
	var readers sync.WaitGroup
	for _, s := range []*socket{e.ike, e.natt} {
		if s.pc4 != nil {
			readers.Go(func() { s.read4(e.enqueue) })
		}
		if s.pc6 != nil {
			readers.Go(func() { s.read6(e.enqueue) })
		}
	}
	e.wg.Go(func() {
		readers.Wait()
		close(e.work)
	})
	e.wg.Go(func() { e.watchConfig(e.ctx) })
	e.wg.Go(func() { e.dataplaneEvents(e.ctx) })
	e.wg.Go(func() { e.rotateCookies(e.ctx) })
	go func() {
		<-e.ctx.Done()
		e.ike.close()
		e.natt.close()
	}()
	return nil
}

// Stop closes the sockets, tears every SA down locally (no deletes are
// sent) and waits for the workers.
func (e *Engine) Stop() {
	if e.cancel == nil {
		return
	}
	e.cancel()
	e.wg.Wait()
	e.mu.RLock()
	all := make([]*ikeSA, 0, len(e.bySPI))
	for _, sa := range e.bySPI {
		all = append(all, sa)
	}
	e.mu.RUnlock()
	for _, sa := range all {
		sa.mu.Lock()
		sa.teardown("engine stopped", false)
		sa.mu.Unlock()
	}
}

// Ports are the bound IKE and NAT-T ports.
func (e *Engine) Ports() (ike, natt uint16) { return e.ike.port, e.natt.port }

// enqueue hands a datagram to the workers, dropping it when they are
// saturated: the socket buffer is a worse place to queue.
// p.data is the socket's read buffer: ESP is processed in place, IKE
// messages are copied for the workers.
func (e *Engine) enqueue(p packet) {
	if !p.sock.natT {
		p.data = bytes.Clone(p.data)
		e.work <- p
		return
	}
	ike, isIKE := wire.StripNonESPMarker(p.data)
	if !isIKE {
		if len(p.data) == 1 && p.data[0] == 0xff {
			e.stats.keepalivesIn.Add(1)
			return
		}
		if r, ok := e.dp.(dataplane.ESPReceiver); ok {
			r.ReceiveESP("", p.from, p.to, p.data)
		} else {
			e.stats.espDropped.Add(1)
		}
		return
	}
	p.data = bytes.Clone(ike)
	select {
	case e.work <- p:
	default:
		e.stats.dropped.Add(1)
	}
}

// handle processes one IKE message: header only first, so that garbage
// costs little, then the SA's state machine under its lock.
func (e *Engine) handle(p packet) {
	// A bug that a peer's message reaches must not take the head-end and
	// every other session down: the message is dropped, loudly.
	defer func() {
		if r := recover(); r != nil {
			e.stats.internalErrors.Add(1)
			e.log.Error("ike: internal error handling a message: dropped", "from", p.from, "panic", r, "stack", string(debug.Stack()))
		}
	}()
	e.stats.packetsIn.Add(1)
	h, err := wire.ParseHeader(p.data)
	if err != nil {
		e.stats.malformed.Add(1)
		e.debugf("IKEv2:Dropping malformed packet from %s: %v", p.from, err)
		return
	}
	var sa *ikeSA
	if h.IsInitiator() {
		if h.Exchange == wire.IKE_SA_INIT && !h.IsResponse() {
			e.handleInitRequest(p, h)
			return
		}
		e.mu.RLock()
		sa = e.bySPI[h.ResponderSPI]
		e.mu.RUnlock()
	} else {
		e.mu.RLock()
		sa = e.bySPI[h.InitiatorSPI]
		e.mu.RUnlock()
	}
	if sa == nil {
		e.stats.unknownSPI.Add(1)
		e.debugf("IKEv2:Received packet for unknown SA: Initiator SPI : %016X - Responder SPI : %016X from %s",
			h.InitiatorSPI, h.ResponderSPI, p.from)
		e.invalidSPI(p, h)
		return
	}
	sa.mu.Lock()
	defer sa.mu.Unlock()
	if sa.state == stDead {
		return
	}
	sa.receive(p, h)
}

// invalidSPI answers a request for an IKE SA we do not know with an
// unprotected INVALID_IKE_SPI notification (RFC 7296 2.21.4), at most ten
// a second so that it cannot be used for reflection.
func (e *Engine) invalidSPI(p packet, h wire.Header) {
	if h.IsResponse() || !e.spiLimiter.allow(e.now()) {
		return
	}
	m := &wire.Message{Header: wire.Header{InitiatorSPI: h.InitiatorSPI, ResponderSPI: h.ResponderSPI,
		MajorVersion: wire.MajorVersion, Exchange: wire.INFORMATIONAL, Flags: wire.FlagResponse, MessageID: h.MessageID},
		Payloads: []wire.Payload{&wire.Notify{NotifyType: wire.INVALID_IKE_SPI}}}
	if !h.IsInitiator() {
		m.Flags |= wire.FlagInitiator
	}
	if b, err := m.Encode(); err == nil && p.sock.send(p.to, p.from, b) == nil {
		e.stats.invalidSPISent.Add(1)
	}
}

// rateLimiter is a token bucket refilled at rate tokens a second.
type rateLimiter struct {
	mu     sync.Mutex
	rate   float64
	tokens float64
	last   time.Time
}

func (r *rateLimiter) allow(now time.Time) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tokens = min(r.rate, r.tokens+now.Sub(r.last).Seconds()*r.rate)
	r.last = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}

// register adds an SA under our SPI, choosing a fresh random SPI.
func (e *Engine) newSPI() uint64 {
	var b [8]byte
	for {
		io.ReadFull(e.rand, b[:])
		spi := uint64(b[0])<<56 | uint64(b[1])<<48 | uint64(b[2])<<40 | uint64(b[3])<<32 |
			uint64(b[4])<<24 | uint64(b[5])<<16 | uint64(b[6])<<8 | uint64(b[7])
		if spi == 0 {
			continue
		}
		e.mu.RLock()
		_, taken := e.bySPI[spi]
		e.mu.RUnlock()
		if !taken {
			return spi
		}
	}
}

// newChildSPI picks an inbound ESP SPI not in use (values below 256 are
// reserved, RFC 4303 2.1).
func (e *Engine) newChildSPI(owner *ikeSA) uint32 {
	var b [4]byte
	for {
		io.ReadFull(e.rand, b[:])
		spi := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if spi < 256 {
			continue
		}
		e.mu.Lock()
		if _, taken := e.childSPIs[spi]; !taken {
			e.childSPIs[spi] = owner
			e.mu.Unlock()
			return spi
		}
		e.mu.Unlock()
	}
}

func (e *Engine) releaseChildSPI(spi uint32) {
	e.mu.Lock()
	delete(e.childSPIs, spi)
	e.mu.Unlock()
}

// watchConfig swaps in a new snapshot after each relevant commit.
func (e *Engine) watchConfig(ctx context.Context) {
	e.opt.DB.Follow(ctx, relevantKind, func() { e.cfg.Store(loadConfig(e.opt.DB)) })
}

// dataplaneEvents turns SA expiry into rekeys and deletes.
func (e *Engine) dataplaneEvents(ctx context.Context) {
	if e.dp == nil {
		return
	}
	ch := e.dp.Events()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-ch:
			if !ok {
				return
			}
			e.mu.RLock()
			sa := e.childSPIs[ev.SA.SPI]
			e.mu.RUnlock()
			if sa == nil {
				continue
			}
			sa.mu.Lock()
			sa.childExpired(ev)
			sa.mu.Unlock()
		}
	}
}

func (e *Engine) debugf(format string, args ...any) {
	if e.dbg.On(logging.FlagCryptoIKEv2) {
		e.dbg.Debugf(logging.FlagCryptoIKEv2, format, args...)
	}
}

func (e *Engine) internalf(format string, args ...any) {
	if e.dbg.On(logging.FlagCryptoIKEv2Internal) {
		e.dbg.Debugf(logging.FlagCryptoIKEv2Internal, format, args...)
	}
}
