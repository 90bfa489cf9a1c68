package ike

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike/frag"
	"github.com/gatehouse-vpn/gatehouse/services/ike/suite"
	"github.com/gatehouse-vpn/gatehouse/services/ike/wire"
)

type saState uint8

const (
	stInitSent    saState = iota // initiator: IKE_SA_INIT sent
	stInitDone                   // responder: IKE_SA_INIT answered, IKE_AUTH awaited
	stAuthSent                   // initiator: IKE_AUTH sent
	stAuthPending                // responder: IKE_AUTH waiting on authorization (or an AAA key)
	stEAP                        // responder: EAP pass-through under way (eap.go)
	stEstablished
	stDead
)

// ikeSA is one IKE SA and the session it carries. Every field is guarded
// by mu; the engine's tables only point at it.
type ikeSA struct {
	mu        sync.Mutex
	e         *Engine
	initiator bool // we are the original initiator
	spiI      uint64
	spiR      uint64
	sock      *socket
	local     netip.AddrPort
	remote    netip.AddrPort
	fvrf      string
	state     saState
	created   time.Time
	up        time.Time // established
	tunnelID  int       // "Tunnel-id", also the debug SA ID
	connID    int

	// IKE_SA_INIT material, dropped once authenticated.
	nonceI, nonceR []byte
	initI, initR   []byte
	dh             suite.DH
	halfKey        *halfKey

	t          suite.Transforms
	group      int
	prf        *suite.PRF
	keys       suite.Keys
	in, out    suite.Cipher
	natLocal   bool // we are behind a NAT
	natRemote  bool // the peer is behind a NAT
	fragOK     bool // the peer supports RFC 7383 fragmentation
	peerHashes []wire.HashAlgorithm
	reasm      *frag.Reassembler
	window     int

	// Requests from the peer: the lowest ID not yet answered and the
	// cached answers of the last window.
	peerNext  uint32
	respCache map[uint32][][]byte
	inflight  map[uint32]bool

	// Our own requests: one at a time, the rest queued.
	nextReq uint32
	pending *pendingReq
	queue   []*pendingReq

	// After authentication.
	cfg            *config
	profile        *schema.IKEv2Profile
	localID        identity
	remoteID       identity
	authSign       string
	authVerify     string
	lifetime       time.Duration
	sess           *sessionState
	children       []*childSA
	halfOpenTimer  *time.Timer
	lifeTimer      *time.Timer
	dpdTimer       *time.Timer
	keepaliveTimer *time.Timer
	lastHeard      time.Time
	dpdPending     bool

	// Initiator bookkeeping (initiator.go).
	ini *initiatorState

	// AAA: the EAP conversation while it lasts (eap.go), what accounting
	// and show commands need of the session (observer.go), and why the
	// session ended, for SessionDown (0: CauseNASRequest).
	eap       *eapState
	aaa       aaaInfo
	downCause TerminateCause
}

// pendingReq is a request we sent and its retransmission state.
type pendingReq struct {
	id        uint32
	exch      wire.ExchangeType
	payloads  []wire.Payload
	pkts      [][]byte
	tries     int
	schedule  []time.Duration
	timer     *time.Timer
	onReply   func(h wire.Header, ps []wire.Payload)
	onTimeout func()
}

// defaultRetransmits is the back-off of our requests: five retransmits
// over about a minute, as IOS and strongSwan do.
var defaultRetransmits = []time.Duration{2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 32 * time.Second}

func (sa *ikeSA) ourSPI() uint64 {
	if sa.initiator {
		return sa.spiI
	}
	return sa.spiR
}

func (sa *ikeSA) prefix() string {
	if sa.sess != nil {
		return fmt.Sprintf("IKEv2:(SESSION ID = %d,SA ID = %d):", sa.sess.id, sa.tunnelID)
	}
	return fmt.Sprintf("IKEv2:(SA ID = %d):", sa.tunnelID)
}

func (sa *ikeSA) debugf(format string, args ...any) {
	if sa.e.dbg.On(flagIKEv2) {
		sa.e.dbg.Debugf(flagIKEv2, sa.prefix()+format, args...)
	}
}

// receive handles a message for this SA (mu held).
func (sa *ikeSA) receive(p packet, h wire.Header) {
	if h.IsResponse() {
		sa.receiveResponse(p, h)
		return
	}
	if h.MessageID < sa.peerNext || sa.respCache[h.MessageID] != nil {
		if pkts := sa.respCache[h.MessageID]; pkts != nil {
			sa.e.stats.retransmitsIn.Add(1)
			sa.debugf("Retransmitted request %d: sending the cached response", h.MessageID)
			sa.transmit(pkts)
		}
		return
	}
	if sa.inflight[h.MessageID] {
		return // still being answered (authorization under way)
	}
	if h.MessageID >= sa.peerNext+uint32(max(sa.window, 1)) {
		sa.e.stats.badMessageID.Add(1)
		return
	}
	ps, ok := sa.open(p, h)
	if !ok {
		return
	}
	sa.packetDebug("Received Packet [From %s/To %s/VRF i0:f0]", p.from, p.to, h, ps)
	sa.lastHeard = sa.e.now()
	if p.from != sa.remote || p.sock != sa.sock {
		sa.peerMoved(p)
	}
	switch {
	case h.Exchange == wire.IKE_AUTH && sa.state == stInitDone && !sa.initiator:
		sa.handleAuth(p, h, ps)
	case h.Exchange == wire.IKE_AUTH && sa.state == stEAP && !sa.initiator:
		sa.handleEAP(h, ps)
	case h.Exchange == wire.INFORMATIONAL && sa.state >= stAuthPending:
		sa.handleInformational(h, ps)
	case h.Exchange == wire.CREATE_CHILD_SA && sa.state == stEstablished:
		sa.handleCreateChild(h, ps)
	default:
		sa.e.stats.unexpected.Add(1)
		sa.debugf("Unexpected %s request in state %d: dropped", h.Exchange, sa.state)
	}
}

// open authenticates and decrypts a protected message, reassembling
// fragments. ok is false when the message must be dropped (or is an
// incomplete set of fragments).
func (sa *ikeSA) open(p packet, h wire.Header) ([]wire.Payload, bool) {
	if sa.in == nil {
		return nil, false
	}
	m, err := wire.Parse(p.data)
	if err != nil || len(m.Payloads) == 0 {
		sa.e.stats.malformed.Add(1)
		return nil, false
	}
	var first wire.PayloadType
	var inner []byte
	switch m.Payloads[len(m.Payloads)-1].(type) {
	case *wire.SK:
		first, inner, err = frag.Open(p.data, m, sa.in)
	case *wire.SKF:
		// A forged fragment must not spoil a set being collected: a
		// fragment of a later message starts a new set only once it
		// verifies; Add empties the reassembler itself when done.
		r := sa.reasm
		if r == nil {
			r = frag.NewReassembler(0, 0)
			sa.reasm = r
		} else if id, ok := r.MessageID(); ok && h.MessageID > id {
			r = frag.NewReassembler(0, 0)
		}
		var done bool
		done, first, inner, err = r.Add(p.data, m, sa.in)
		if err == nil {
			sa.reasm = r
			if !done {
				return nil, false
			}
		}
	default:
		sa.e.stats.malformed.Add(1)
		return nil, false
	}
	if err != nil {
		sa.e.stats.integrity.Add(1)
		sa.debugf("Failed to decrypt/verify packet from %s: %v", p.from, err)
		return nil, false
	}
	ps, err := wire.ParsePayloads(first, inner)
	if err != nil {
		sa.e.stats.malformed.Add(1)
		var crit *wire.UnsupportedCriticalPayloadError
		if errors.As(err, &crit) && !h.IsResponse() {
			sa.respondNotify(h, wire.UNSUPPORTED_CRITICAL_PAYLOAD, []byte{byte(crit.Type)})
		}
		return nil, false
	}
	return ps, true
}

// peerMoved follows a peer behind a NAT whose mapping changed (RFC 7296
// 2.23): only authenticated requests move the SA.
func (sa *ikeSA) peerMoved(p packet) {
	floated := p.sock.natT && !sa.sock.natT // the peer switched to port 4500
	if !floated && !sa.natRemote {
		return
	}
	sa.debugf("Peer moved from %s to %s", sa.remote, p.from)
	sa.remote, sa.local, sa.sock = p.from, p.to, p.sock
	for _, c := range sa.children {
		c.remoteMoved(sa)
	}
}

// respond protects and sends a response, caching it for retransmits.
func (sa *ikeSA) respond(h wire.Header, ps []wire.Payload) {
	hdr := sa.header(h.Exchange, h.MessageID, true)
	pkts, err := sa.protect(hdr, ps)
	if err != nil {
		sa.e.log.Error("ike: protecting a response failed", "err", err)
		return
	}
	sa.packetDebug("Sending Packet [To %s/From %s/VRF i0:f0]", sa.remote, sa.local, hdr, ps)
	if sa.respCache == nil {
		sa.respCache = map[uint32][][]byte{}
	}
	sa.respCache[h.MessageID] = pkts
	delete(sa.inflight, h.MessageID)
	for sa.respCache[sa.peerNext] != nil {
		sa.peerNext++
	}
	w := uint32(max(sa.window, 1))
	for id := range sa.respCache {
		if id+w < sa.peerNext {
			delete(sa.respCache, id)
		}
	}
	sa.transmit(pkts)
}

// respondNotify answers a request with a single (error) notification.
func (sa *ikeSA) respondNotify(h wire.Header, t wire.NotifyType, data []byte) {
	sa.respond(h, []wire.Payload{&wire.Notify{NotifyType: t, Data: data}})
}

func (sa *ikeSA) header(exch wire.ExchangeType, id uint32, response bool) wire.Header {
	h := wire.Header{InitiatorSPI: sa.spiI, ResponderSPI: sa.spiR, MajorVersion: wire.MajorVersion,
		Exchange: exch, MessageID: id}
	if response {
		h.Flags |= wire.FlagResponse
	}
	if sa.initiator {
		h.Flags |= wire.FlagInitiator
	}
	return h
}

// protect encodes and encrypts payloads, fragmenting when the peer
// supports it and the message exceeds the configured MTU.
func (sa *ikeSA) protect(hdr wire.Header, ps []wire.Payload) ([][]byte, error) {
	first, inner, err := wire.EncodePayloads(ps)
	if err != nil {
		return nil, err
	}
	cfg := sa.e.cfg.Load()
	if mtu := cfg.fragmentationMTU(); sa.fragOK && mtu > 0 && hdr.Exchange != wire.IKE_SA_INIT {
		return frag.SealFragments(hdr, first, inner, sa.out, sa.e.rand, mtu, sa.remote.Addr().Is6(), sa.sock.natT)
	}
	b, err := frag.Seal(hdr, first, inner, sa.out, sa.e.rand)
	if err != nil {
		return nil, err
	}
	return [][]byte{b}, nil
}

func (sa *ikeSA) transmit(pkts [][]byte) {
	for _, b := range pkts {
		if err := sa.sock.send(sa.local, sa.remote, b); err != nil {
			sa.e.stats.sendErrors.Add(1)
		} else {
			sa.e.stats.packetsOut.Add(1)
		}
	}
}

// request sends a protected request, one at a time; onReply runs with the
// decrypted response, onTimeout after the last retransmission.
func (sa *ikeSA) request(exch wire.ExchangeType, ps []wire.Payload, schedule []time.Duration,
	onReply func(wire.Header, []wire.Payload), onTimeout func()) {
	r := &pendingReq{exch: exch, payloads: ps, schedule: schedule, onReply: onReply, onTimeout: onTimeout}
	if r.schedule == nil {
		r.schedule = defaultRetransmits
	}
	if sa.pending != nil {
		sa.queue = append(sa.queue, r)
		return
	}
	sa.sendRequest(r)
}

func (sa *ikeSA) sendRequest(r *pendingReq) {
	r.id = sa.nextReq
	sa.nextReq++
	hdr := sa.header(r.exch, r.id, false)
	var err error
	if r.pkts, err = sa.protect(hdr, r.payloads); err != nil {
		sa.e.log.Error("ike: protecting a request failed", "err", err)
		return
	}
	sa.packetDebug("Sending Packet [To %s/From %s/VRF i0:f0]", sa.remote, sa.local, hdr, r.payloads)
	sa.pending = r
	sa.transmit(r.pkts)
	sa.armRetransmit(r)
}

func (sa *ikeSA) armRetransmit(r *pendingReq) {
	if r.tries >= len(r.schedule) {
		r.timer = sa.after(r.schedule[len(r.schedule)-1], func() {
			if sa.pending != r {
				return
			}
			sa.pending = nil
			if r.onTimeout != nil {
				r.onTimeout()
			}
		})
		return
	}
	r.timer = sa.after(r.schedule[r.tries], func() {
		if sa.pending != r {
			return
		}
		r.tries++
		sa.e.stats.retransmitsOut.Add(1)
		sa.debugf("Retransmitting packet, message id %d (attempt %d)", r.id, r.tries)
		sa.transmit(r.pkts)
		sa.armRetransmit(r)
	})
}

// receiveResponse matches a response to our pending request.
func (sa *ikeSA) receiveResponse(p packet, h wire.Header) {
	r := sa.pending
	if sa.state == stInitSent {
		sa.initResponse(p, h)
		return
	}
	if r == nil || h.MessageID != r.id {
		return
	}
	ps, ok := sa.open(p, h)
	if !ok {
		return
	}
	sa.packetDebug("Received Packet [From %s/To %s/VRF i0:f0]", p.from, p.to, h, ps)
	sa.lastHeard = sa.e.now()
	r.timer.Stop()
	sa.pending = nil
	if r.onReply != nil {
		r.onReply(h, ps)
	}
	if sa.state != stDead && sa.pending == nil && len(sa.queue) > 0 {
		next := sa.queue[0]
		sa.queue = sa.queue[1:]
		sa.sendRequest(next)
	}
}

// after runs fn under the SA's lock after d, unless the SA died.
func (sa *ikeSA) after(d time.Duration, fn func()) *time.Timer {
	t := time.AfterFunc(d, func() {
		sa.mu.Lock()
		defer sa.mu.Unlock()
		if sa.state != stDead {
			fn()
		}
	})
	return t
}
