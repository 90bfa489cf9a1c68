package userspace

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/dataplane/esp"
)

// EventBuffer is the capacity of the Events channel; events beyond it are
// dropped and counted (the IKE engine reads them promptly).
const EventBuffer = 4096

// Options shape a Backend. The zero value is usable.
type Options struct {
	Logger *slog.Logger
	// TUNName names each VRF's TUN device (default "gh0"; each VRF has its
	// own namespace, so the name can repeat).
	TUNName string
	// Queues is the number of TUN queues, and reader goroutines, per VRF
	// (default GOMAXPROCS).
	Queues int
	// Namespace maps a VRF to its network namespace. The default is the
	// VRF's own name, and "" (the global table) is the daemon's namespace.
	Namespace func(vrf string) string
	// Now is the clock for lifetimes (default time.Now).
	Now func() time.Time
	// Tick is how often time-based lifetimes are checked (default 1 s).
	Tick time.Duration
	// NoOffload opens the TUN devices without virtio-net headers and
	// segmentation offloads, as on a kernel that refuses them: one packet
	// per read and write. The environment variable
	// GATEHOUSE_TUN_OFFLOAD=off does the same for a daemon.
	NoOffload bool
}

var (
	_ dataplane.Dataplane      = (*Backend)(nil)
	_ dataplane.ESPReceiver    = (*Backend)(nil)
	_ dataplane.UDPTransmitter = (*Backend)(nil)

	_ dataplane.UDPBatchTransmitter = (*Backend)(nil)
	_ dataplane.ESPBatchReceiver    = (*Backend)(nil)
)

// Backend is the userspace data plane. Create it with New.
type Backend struct {
	opt Options
	log *slog.Logger

	mu     sync.Mutex // control-plane calls
	vrfs   map[string]*vrf
	ifaces map[string]*vaccess
	closed bool
	// lastFwd is the forwarding state set last, shared by the interfaces
	// whose spec asks for the same (clones of one template revision):
	// one allocation for them all instead of one each.
	lastFwd *forwarding

	saMu  sync.RWMutex
	bySPI map[uint32]*childSA

	transmit      atomic.Pointer[transmitFunc]
	transmitBatch atomic.Pointer[transmitBatchFunc]
	raw4          atomic.Pointer[rawESP]
	raw6          atomic.Pointer[rawESP]
	udpRx         udpReceiver

	events     *dataplane.EventQueue
	unknownSPI atomic.Uint64
	malformed  atomic.Uint64
	sendErrors atomic.Uint64
	// transportRefused counts packets routed to a transport-mode SA that
	// it cannot carry (transportPayload).
	transportRefused atomic.Uint64
	// The offloads at work: super-packets read from the TUN devices and
	// cut into segments, and runs of segments coalesced into one write.
	gsoPackets, gsoSegments atomic.Uint64
	groPackets, groSegments atomic.Uint64

	stop chan struct{}
	wg   sync.WaitGroup
}

type transmitFunc func(fvrf string, from, to netip.AddrPort, pkt []byte) error

type transmitBatchFunc func(fvrf string, from, to netip.AddrPort, pkts [][]byte) (int, error)

// vaccess is one logical virtual-access interface. It keeps of its spec
// only what forwarding needs: the VRF (vrf.name is the spec's VRF) and
// the forwarding state.
type vaccess struct {
	name    string
	vrf     *vrf
	routes  []netip.Prefix
	addrs   []netip.Prefix          // on the VRF TUN (a client interface's virtual IP)
	out     atomic.Pointer[childSA] // the SA outbound traffic uses
	sas     []*childSA              // installed SAs, oldest first (mu)
	c       ifCounters
	removed atomic.Bool
	fwd     atomic.Pointer[forwarding] // what the packet path reads of spec
}

// forwarding is the part of an interface's spec the packet path needs,
// swapped whole when the spec changes. It is never changed once stored:
// interfaces share it.
type forwarding struct {
	mtu     int
	mss     uint16 // TCP MSS clamp, 0 = off
	in, out *dataplane.ACL
}

// setSpec takes the forwarding state of spec (b.mu held).
func (b *Backend) setSpec(va *vaccess, spec dataplane.InterfaceSpec) {
	f := forwarding{mtu: spec.EffectiveMTU(), mss: uint16(spec.TCPAdjustMSS), in: spec.InFilter, out: spec.OutFilter}
	if b.lastFwd == nil || *b.lastFwd != f {
		b.lastFwd = &f
	}
	va.fwd.Store(b.lastFwd)
}

type ifCounters struct {
	inPackets, inBytes, outPackets, outBytes atomic.Uint64
	inDrops, outDrops, aclDrops              atomic.Uint64
}

// childSA is both directions of one installed SA.
type childSA struct {
	id dataplane.SAID
	// pending: installed as a rekey of the interface's outbound SA, and
	// not carrying outbound traffic yet. It takes over when the peer
	// first uses it or the SA it replaces goes (make-before-break: the
	// peer may not have installed its end of the new SA when ours is).
	pending   atomic.Bool
	soft      atomic.Bool // soft expiry reported
	hard      atomic.Bool // hard expiry reached: the SA carries nothing more
	spec      saPath
	va        *vaccess
	in        *esp.Inbound
	out       *esp.Outbound
	installed time.Time
	c         saCounters
	steered   *vrf // transport mode: the VRF that steers the peer's traffic to its TUN device (mu)
}

// saPath is what the packet path and the lifetime checks read of an SA's
// dataplane.ChildSA, under the same field names; the rest of the spec
// (keys, transforms, local selectors) is in the esp state or not needed,
// and is not kept: it was the larger half of an installed SA.
type saPath struct {
	FVRF          string
	Local, Remote netip.AddrPort
	RemoteTS      []dataplane.TrafficSelector // the caller's slice (not copied)
	Lifetime      dataplane.Lifetime
	Encap         bool
	Mode          dataplane.Mode
	rawAddr       *sockaddr // plain ESP: the raw socket's destination, built once
}

type saCounters struct {
	inPackets, inBytes, outPackets, outBytes atomic.Uint64
	replay, auth, decrypt                    atomic.Uint64
}

// New returns a backend. It touches nothing in the kernel until the first
// interface of a VRF is ensured.
func New(opt Options) *Backend {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.TUNName == "" {
		opt.TUNName = "gh0"
	}
	if opt.Queues <= 0 {
		opt.Queues = runtime.GOMAXPROCS(0)
	}
	if opt.Namespace == nil {
		opt.Namespace = func(vrf string) string { return vrf }
	}
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.Tick <= 0 {
		opt.Tick = time.Second
	}
	if os.Getenv("GATEHOUSE_TUN_OFFLOAD") == "off" {
		opt.NoOffload = true
	}
	b := &Backend{opt: opt, log: opt.Logger, vrfs: map[string]*vrf{}, ifaces: map[string]*vaccess{},
		bySPI: map[uint32]*childSA{}, events: dataplane.NewEventQueue(EventBuffer), stop: make(chan struct{})}
	b.wg.Go(b.lifetimes)
	return b
}

// bufSize holds the largest IP packet plus ESP's overhead.
const bufSize = 65535 + 256

// Name returns "userspace".
func (b *Backend) Name() string { return "userspace" }

// Events delivers soft and hard SA expiries.
func (b *Backend) Events() <-chan dataplane.Event { return b.events.C() }

// SetTransmit is how ESP-in-UDP leaves: through the IKE engine's NAT-T
// socket.
func (b *Backend) SetTransmit(fn func(fvrf string, from, to netip.AddrPort, pkt []byte) error) {
	f := transmitFunc(fn)
	b.transmit.Store(&f)
}

// SetTransmitBatch is how runs of ESP-in-UDP packets of one SA leave,
// when the IKE engine can send them together.
func (b *Backend) SetTransmitBatch(fn func(fvrf string, from, to netip.AddrPort, pkts [][]byte) (int, error)) {
	f := transmitBatchFunc(fn)
	b.transmitBatch.Store(&f)
}

// EnsureInterface creates or updates a logical virtual-access interface,
// opening its VRF (TUN device, namespace) the first time.
func (b *Backend) EnsureInterface(spec dataplane.InterfaceSpec) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("userspace: interface %s: %w", spec.Name, dataplane.ErrClosed)
	}
	v, err := b.vrf(spec.VRF)
	if err != nil {
		return err
	}
	if err := v.raiseMTU(spec.EffectiveMTU()); err != nil {
		return fmt.Errorf("userspace: interface %s: %w", spec.Name, err)
	}
	va := b.ifaces[spec.Name]
	if va == nil {
		va = &vaccess{name: spec.Name, vrf: v}
		b.setSpec(va, spec)
		b.ifaces[spec.Name] = va
		return b.setAddresses(va, spec.Addresses)
	}
	if va.vrf != v {
		// Moving VRF: the routes and addresses follow.
		routes, addrs := va.routes, va.addrs
		if err := errors.Join(b.setRoutes(va, nil), b.setAddresses(va, nil)); err != nil {
			return err
		}
		va.vrf = v
		b.setSpec(va, spec)
		return errors.Join(b.setRoutes(va, routes), b.setAddresses(va, addrs))
	}
	b.setSpec(va, spec)
	return b.setAddresses(va, spec.Addresses)
}

// setAddresses puts want, and only want, of va's addresses on its VRF's
// TUN device (mu held). Head-end interfaces are unnumbered and have none;
// a client's interface carries its virtual IP.
func (b *Backend) setAddresses(va *vaccess, want []netip.Prefix) error {
	var errs []error
	for _, p := range va.addrs {
		if !slices.Contains(want, p) {
			errs = append(errs, va.vrf.delAddress(p))
		}
	}
	var have []netip.Prefix
	for _, p := range want {
		if err := va.vrf.addAddress(p); err != nil {
			errs = append(errs, err)
			continue
		}
		have = append(have, p)
	}
	va.addrs = have
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("userspace: %s: %w", va.name, err)
	}
	return nil
}

// vrf returns the VRF's state, opening it on first use (mu held).
func (b *Backend) vrf(name string) (*vrf, error) {
	if v := b.vrfs[name]; v != nil {
		return v, nil
	}
	v, err := openVRF(name, b.opt.Namespace(name), b.opt.TUNName, b.opt.Queues, dataplane.DefaultMTU, !b.opt.NoOffload)
	if err != nil {
		return nil, fmt.Errorf("userspace: %w", err)
	}
	b.vrfs[name] = v
	for q := range v.tun {
		b.wg.Go(func() { b.readTUN(v, q) })
	}
	offload := "on"
	if v.noOffload != nil {
		offload = "off: " + v.noOffload.Error()
	}
	b.log.Info("userspace data plane: VRF up", "vrf", displayVRF(name), "namespace", v.nsName, "tun", v.tunName, "queues", len(v.tun),
		"offloads", offload)
	return v, nil
}

// RemoveInterface deletes the interface and its routes. SAs still naming
// it stop carrying traffic; the IKE engine removes them first anyway.
func (b *Backend) RemoveInterface(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	va := b.ifaces[name]
	if va == nil {
		return fmt.Errorf("userspace: interface %q: %w", name, dataplane.ErrNotFound)
	}
	err := errors.Join(b.setRoutes(va, nil), b.setAddresses(va, nil))
	va.removed.Store(true)
	delete(b.ifaces, name)
	return err
}

// SetRoutes replaces the routes owner holds. Every route goes through the
// owner interface (the access route to a client's address, routes from
// "route accept"): the kernel routes it to the VRF's TUN, the route table
// here to the interface.
func (b *Backend) SetRoutes(vrfName, owner string, routes []dataplane.Route) error {
	for _, r := range routes {
		if err := r.Validate(); err != nil {
			return err
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	va := b.ifaces[owner]
	if va == nil {
		if len(routes) == 0 {
			return nil
		}
		return fmt.Errorf("userspace: routes of %q: %w", owner, dataplane.ErrNotFound)
	}
	if va.vrf.name != vrfName {
		return fmt.Errorf("userspace: routes of %s in VRF %q, but it is in VRF %q", owner, displayVRF(vrfName), displayVRF(va.vrf.name))
	}
	prefixes := make([]netip.Prefix, 0, len(routes))
	for _, r := range routes {
		if r.Interface != "" && r.Interface != owner {
			return fmt.Errorf("userspace: route %v of %s through %s: only routes through the owner are supported", r.Prefix, owner, r.Interface)
		}
		prefixes = append(prefixes, r.Prefix)
	}
	return b.setRoutes(va, prefixes)
}

// setRoutes programs the difference between va's routes and want (mu held).
func (b *Backend) setRoutes(va *vaccess, want []netip.Prefix) error {
	var errs []error
	for _, p := range va.routes {
		if !slices.Contains(want, p) {
			errs = append(errs, va.vrf.delRoute(p))
		}
	}
	var added []netip.Prefix
	for _, p := range want {
		if err := va.vrf.addRoute(p); err != nil {
			errs = append(errs, err)
			continue
		}
		added = append(added, p)
	}
	va.vrf.routes.replace(va, va.routes, added)
	va.routes = added
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("userspace: %s: %w", va.name, err)
	}
	return nil
}

// InstallSA keys both directions. A new SA carries outbound traffic at
// once; a rekey (Replaces naming the current outbound SA) only once the
// peer sends on it or the old SA is removed, and the old SA keeps
// decrypting until RemoveSA (make-before-break both ways). A
// transport-mode SA also has the kernel of the interface's VRF steer
// what this host sends to the SA's remote endpoint into the TUN device
// (transport.go); its local endpoint must be an address of that VRF.
func (b *Backend) InstallSA(spec dataplane.ChildSA) error {
	if err := spec.Validate(); err != nil {
		return err
	}
	in, err := esp.NewInbound(esp.Config{SPI: spec.ID.SPI, Encr: spec.Encr, EncrKeyBits: spec.EncrKeyBits, Integ: spec.Integ,
		EncrKey: spec.In.Encr, IntegKey: spec.In.Integ, ESN: spec.ESN, ReplayWindow: spec.ReplayWindow})
	if err != nil {
		return fmt.Errorf("userspace: SA %v: %w", spec.ID, err)
	}
	out, err := esp.NewOutbound(esp.Config{SPI: spec.OutboundSPI, Encr: spec.Encr, EncrKeyBits: spec.EncrKeyBits, Integ: spec.Integ,
		EncrKey: spec.Out.Encr, IntegKey: spec.Out.Integ, ESN: spec.ESN})
	if err != nil {
		return fmt.Errorf("userspace: SA %v: %w", spec.ID, err)
	}
	if !spec.Encap {
		if err := b.openRaw(spec.Remote.Addr().Is4(), spec.FVRF); err != nil {
			return fmt.Errorf("userspace: SA %v: %w", spec.ID, err)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return fmt.Errorf("userspace: SA %v: %w", spec.ID, dataplane.ErrClosed)
	}
	va := b.ifaces[spec.Interface]
	if va == nil {
		return fmt.Errorf("userspace: SA %v: interface %q: %w", spec.ID, spec.Interface, dataplane.ErrNotFound)
	}
	sa := &childSA{id: spec.ID, va: va, in: in, out: out, installed: b.opt.Now(), spec: saPath{FVRF: spec.FVRF,
		Local: spec.Local, Remote: spec.Remote, Encap: spec.Encap, Mode: spec.Mode, RemoteTS: spec.RemoteTS, Lifetime: spec.Lifetime}}
	if !spec.Encap {
		sa.spec.rawAddr = rawSockaddr(spec.Remote.Addr())
	}
	b.saMu.Lock()
	if b.bySPI[spec.ID.SPI] != nil {
		b.saMu.Unlock()
		return fmt.Errorf("userspace: SA %v: %w", spec.ID, dataplane.ErrExists)
	}
	b.bySPI[spec.ID.SPI] = sa
	b.saMu.Unlock()
	if spec.Mode == dataplane.Transport {
		// Before the SA carries anything: once the kernel steers the
		// peer's packets to the TUN device, only an SA can send them.
		if err := va.vrf.steer(sa); err != nil {
			b.saMu.Lock()
			delete(b.bySPI, spec.ID.SPI)
			b.saMu.Unlock()
			return fmt.Errorf("userspace: SA %v: %w", spec.ID, err)
		}
		sa.steered = va.vrf
	}
	va.sas = append(va.sas, sa)
	if cur := va.out.Load(); cur != nil && spec.Replaces != nil && cur.id == *spec.Replaces {
		sa.pending.Store(true)
	} else {
		va.out.Store(sa)
	}
	return nil
}

// RemoveSA deletes the SA. If it was its interface's outbound SA, the
// newest remaining one takes over.
func (b *Backend) RemoveSA(id dataplane.SAID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.saMu.Lock()
	sa := b.bySPI[id.SPI]
	delete(b.bySPI, id.SPI)
	b.saMu.Unlock()
	if sa == nil {
		return fmt.Errorf("userspace: SA %v: %w", id, dataplane.ErrNotFound)
	}
	if sa.steered != nil {
		sa.steered.unsteer(sa)
		sa.steered = nil
	}
	va := sa.va
	va.sas = slices.DeleteFunc(va.sas, func(s *childSA) bool { return s == sa })
	if va.out.Load() == sa {
		var next *childSA
		if n := len(va.sas); n > 0 {
			next = va.sas[n-1]
			next.pending.Store(false)
		}
		va.out.Store(next)
	}
	return nil
}

// Counters returns an interface's counters.
func (b *Backend) Counters(name string) (dataplane.Counters, error) {
	b.mu.Lock()
	va := b.ifaces[name]
	b.mu.Unlock()
	if va == nil {
		return dataplane.Counters{}, fmt.Errorf("userspace: interface %q: %w", name, dataplane.ErrNotFound)
	}
	c := &va.c
	return dataplane.Counters{InPackets: c.inPackets.Load(), InBytes: c.inBytes.Load(), OutPackets: c.outPackets.Load(),
		OutBytes: c.outBytes.Load(), InDrops: c.inDrops.Load(), OutDrops: c.outDrops.Load(), ACLDrops: c.aclDrops.Load()}, nil
}

// SACounters returns a child SA's counters.
func (b *Backend) SACounters(id dataplane.SAID) (dataplane.SACounters, error) {
	b.saMu.RLock()
	sa := b.bySPI[id.SPI]
	b.saMu.RUnlock()
	if sa == nil {
		return dataplane.SACounters{}, fmt.Errorf("userspace: SA %v: %w", id, dataplane.ErrNotFound)
	}
	c := &sa.c
	return dataplane.SACounters{InPackets: c.inPackets.Load(), InBytes: c.inBytes.Load(), OutPackets: c.outPackets.Load(),
		OutBytes: c.outBytes.Load(), ReplayErrors: c.replay.Load(), AuthErrors: c.auth.Load(), DecryptErrors: c.decrypt.Load()}, nil
}

// Stats are backend-wide drop counters, for "show platform dataplane",
// and what the TUN offloads did.
type Stats struct {
	UnknownSPI, Malformed, SendErrors, NoRoute, EventsDropped uint64
	VRFs, Interfaces, SAs                                     int
	// GSOPackets super-packets were read from the TUN devices and cut
	// into GSOSegments segments; GROPackets super-packets of GROSegments
	// segments were written to them.
	GSOPackets, GSOSegments, GROPackets, GROSegments uint64
	// TransportRefused packets were routed to a transport-mode SA that
	// cannot carry them: fragments, IPv4 options, IPv6 hop-by-hop,
	// routing or fragment headers, or addresses other than the SA's
	// endpoints (docs/dataplane.md, "Transport mode").
	TransportRefused uint64
}

// Stats returns the backend-wide counters.
func (b *Backend) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.saMu.RLock()
	defer b.saMu.RUnlock()
	s := Stats{UnknownSPI: b.unknownSPI.Load(), Malformed: b.malformed.Load(), SendErrors: b.sendErrors.Load(),
		EventsDropped: b.events.Dropped(), VRFs: len(b.vrfs), Interfaces: len(b.ifaces), SAs: len(b.bySPI),
		GSOPackets: b.gsoPackets.Load(), GSOSegments: b.gsoSegments.Load(), GROPackets: b.groPackets.Load(), GROSegments: b.groSegments.Load(),
		TransportRefused: b.transportRefused.Load()}
	for _, v := range b.vrfs {
		s.NoRoute += v.noRoute.Load()
	}
	return s
}

// Close stops the readers and removes the TUN devices, the routes through
// them and any namespace the backend created.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.stop)
	for _, v := range b.vrfs {
		v.close()
	}
	for _, r := range []*rawESP{b.raw4.Load(), b.raw6.Load()} {
		if r != nil {
			r.conn.Close()
		}
	}
	b.mu.Unlock()
	b.wg.Wait()
	return nil
}

// emit delivers an event without blocking.
func (b *Backend) emit(kind dataplane.EventKind, id dataplane.SAID) {
	b.events.Emit(dataplane.Event{Kind: kind, SA: id})
}
