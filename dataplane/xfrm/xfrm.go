//go:build linux

package xfrm

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netns"
	"golang.org/x/sys/unix"
)

// EventBuffer is the capacity of the Events channel; events beyond it are
// dropped, counted and logged rather than block the netlink reader.
const EventBuffer = 4096

// dumpAttempts bounds the retries of a dump the kernel marked
// NLM_F_DUMP_INTR (the table changed while it was being read).
const dumpAttempts = 5

// Options shape a Backend. The zero value programs the daemon's own
// network namespace.
type Options struct {
	// NetNS is the path of the network namespace to program, e.g.
	// /run/netns/NAME; "" is the daemon's own.
	NetNS  string
	Logger *slog.Logger
	// Now is the clock used to judge time lifetimes after lost
	// notifications (default time.Now).
	Now func() time.Time
}

var _ dataplane.Dataplane = (*Backend)(nil)

// Backend is the XFRM data plane. Create it with New.
type Backend struct {
	h   netlinkHandle
	log *slog.Logger
	now func() time.Time

	events *dataplane.EventQueue
	done   chan struct{}
	wg     sync.WaitGroup

	// mu guards everything below and serialises the requests, so that the
	// kernel sees each call's requests together and in order.
	mu      sync.Mutex
	closed  bool
	ifaces  map[string]*vaccess // by IOS name
	byLinux map[string]*vaccess
	slots   map[uint32]int // if_id -> interface and SAs using it
	vrfs    map[string]*vrf
	sas     map[dataplane.SAID]*childSA
	byState map[stateID]dataplane.SAID
	routes  map[routeOwner]map[routeKey]*netlink.Route
	claims  map[routeClaim]string // which owner holds a route, across owners
}

// vaccess is one virtual-access interface: an XFRM interface.
type vaccess struct {
	spec  dataplane.InterfaceSpec
	linux string
	ifid  uint32
	index int
	vrf   *vrf // inside VRF; nil = global table
	fvrf  *vrf // underlay of the outer packets; nil = global table
	// policy is what the interface's policies say; nil until its first SA.
	policy *policyTemplate
}

func (va *vaccess) link() *netlink.Xfrmi {
	return &netlink.Xfrmi{LinkAttrs: netlink.LinkAttrs{Name: va.linux, Index: va.index}, Ifid: va.ifid}
}

// vrf is one VRF device, shared by the interfaces, SAs and route owners
// that use it; it goes when the last of them does.
type vrf struct {
	name, device string
	table        uint32
	index        int
	users        int
}

func (v *vrf) link() *netlink.Vrf {
	return &netlink.Vrf{LinkAttrs: netlink.LinkAttrs{Name: v.device, Index: v.index}, Table: v.table}
}

type childSA struct {
	spec    dataplane.ChildSA // keys cleared
	ifid    uint32
	in, out *netlink.XfrmState
	soft    bool // soft expiry reported
	hard    bool // hard expiry reported (the kernel deleted a direction)
}

type stateID struct {
	dst netip.Addr
	spi uint32
}

type routeOwner struct{ vrf, owner string }

type routeClaim struct {
	vrf    string
	prefix netip.Prefix
	metric int
}

// routeKey is what makes two kernel routes the same route.
type routeKey struct {
	table  int
	prefix netip.Prefix
	metric int
}

// New opens netlink in the namespace opts names, removes what an earlier
// Gatehouse left there (see doc.go, "Ownership") and listens for SA
// expiries. Call Probe first to learn whether the kernel can do XFRM.
func New(opts Options) (*Backend, error) {
	ns, own := netns.None(), false
	if opts.NetNS != "" {
		var err error
		if ns, err = netns.GetFromPath(opts.NetNS); err != nil {
			return nil, fmt.Errorf("xfrm: network namespace %s: %w", opts.NetNS, err)
		}
		own = true
	}
	h, err := openKernelHandle(ns, own)
	if err != nil {
		if own {
			ns.Close()
		}
		return nil, fmt.Errorf("xfrm: %w", err)
	}
	return newBackend(h, opts)
}

func newBackend(h netlinkHandle, opts Options) (*Backend, error) {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	b := &Backend{
		h: h, log: opts.Logger, now: opts.Now,
		events:  dataplane.NewEventQueue(EventBuffer),
		done:    make(chan struct{}),
		ifaces:  map[string]*vaccess{},
		byLinux: map[string]*vaccess{},
		slots:   map[uint32]int{},
		vrfs:    map[string]*vrf{},
		sas:     map[dataplane.SAID]*childSA{},
		byState: map[stateID]dataplane.SAID{},
		routes:  map[routeOwner]map[routeKey]*netlink.Route{},
		claims:  map[routeClaim]string{},
	}
	if err := b.removeLeftovers(); err != nil {
		h.Close()
		return nil, fmt.Errorf("xfrm: removing an earlier run's objects: %w", err)
	}
	exp, err := h.SubscribeExpire(b.done)
	if err != nil {
		h.Close()
		return nil, fmt.Errorf("xfrm: %w", err)
	}
	b.wg.Go(func() { b.watchExpiries(exp) })
	return b, nil
}

// Name returns "xfrm".
func (b *Backend) Name() string { return "xfrm" }

// Events delivers soft and hard expiries. It is closed by Close.
func (b *Backend) Events() <-chan dataplane.Event { return b.events.C() }

func closedErr(op string) error { return fmt.Errorf("xfrm: %s: %w", op, dataplane.ErrClosed) }

// gone reports an error that means the object is already absent: a state
// the kernel hard-expired, a route or link deleted with its interface.
func gone(err error) bool {
	var lnf netlink.LinkNotFoundError
	return errors.Is(err, unix.ENOENT) || errors.Is(err, unix.ESRCH) || errors.Is(err, unix.ENODEV) || errors.As(err, &lnf)
}

func ignoreGone(err error) error {
	if gone(err) {
		return nil
	}
	return err
}

// retryDump runs a dump again while the kernel reports it interrupted.
func retryDump[T any](what string, dump func() ([]T, error)) ([]T, error) {
	var err error
	for range dumpAttempts {
		var v []T
		v, err = dump()
		if !errors.Is(err, netlink.ErrDumpInterrupted) {
			return v, err
		}
	}
	return nil, fmt.Errorf("%s: interrupted %d times: %w", what, dumpAttempts, err)
}

// EnsureInterface creates the XFRM interface of a virtual-access
// interface, or brings an existing one to spec: MTU, VRF membership and
// addresses. Its Linux name cannot change.
func (b *Backend) EnsureInterface(spec dataplane.InterfaceSpec) error {
	if err := spec.Validate(); err != nil {
		return fmt.Errorf("xfrm: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return closedErr("EnsureInterface")
	}
	if va, ok := b.ifaces[spec.Name]; ok {
		if err := b.updateInterface(va, spec); err != nil {
			return fmt.Errorf("xfrm: interface %q: %w", spec.Name, err)
		}
		return nil
	}
	if err := b.createInterface(spec); err != nil {
		return fmt.Errorf("xfrm: interface %q: %w", spec.Name, err)
	}
	return nil
}

// defaultLinuxName is "va" and the interface's number ("Virtual-Access7"
// is va7), or "va" and the if_id's slot for a name without one.
func defaultLinuxName(name string, ifid uint32) string {
	i := len(name)
	for i > 0 && name[i-1] >= '0' && name[i-1] <= '9' {
		i--
	}
	if n := name[i:]; n != "" && len(n) <= dataplane.MaxLinuxName-2 {
		return "va" + n
	}
	return "va" + strconv.Itoa(int(ifid-IfIDBase))
}

// allocIfID returns the lowest free if_id. An if_id stays taken while any
// state carrying it is installed, so that a new interface never inherits
// the SAs of a removed one.
func (b *Backend) allocIfID() (uint32, error) {
	for slot := uint32(1); slot <= MaxInterfaces; slot++ {
		if b.slots[IfIDBase+slot] == 0 {
			return IfIDBase + slot, nil
		}
	}
	return 0, fmt.Errorf("all %d XFRM interface ids in use", MaxInterfaces)
}

func (b *Backend) releaseIfID(ifid uint32) {
	if b.slots[ifid]--; b.slots[ifid] <= 0 {
		delete(b.slots, ifid)
	}
}

func (b *Backend) createInterface(spec dataplane.InterfaceSpec) (err error) {
	ifid, err := b.allocIfID()
	if err != nil {
		return err
	}
	linux := spec.LinuxName
	if linux == "" {
		linux = defaultLinuxName(spec.Name, ifid)
	}
	if other, ok := b.byLinux[linux]; ok {
		return fmt.Errorf("linux name %q used by %q: %w", linux, other.spec.Name, dataplane.ErrExists)
	}
	va := &vaccess{spec: spec, linux: linux, ifid: ifid}
	if spec.VRF != "" {
		if va.vrf, err = b.holdVRF(spec.VRF); err != nil {
			return err
		}
		defer func() {
			if err != nil {
				b.releaseVRF(va.vrf)
			}
		}()
	}
	link := &netlink.Xfrmi{LinkAttrs: netlink.LinkAttrs{Name: linux, MTU: spec.EffectiveMTU()}, Ifid: ifid}
	if err := b.h.LinkAdd(link); err != nil {
		return fmt.Errorf("add xfrm interface %s if_id 0x%x: %w", linux, ifid, err)
	}
	defer func() {
		if err != nil {
			if derr := ignoreGone(b.h.LinkDel(va.link())); derr != nil {
				b.log.Warn("xfrm: rollback left an interface behind", "linux", linux, "err", derr)
			}
		}
	}()
	got, err := b.h.LinkByName(linux)
	if err != nil {
		return fmt.Errorf("xfrm interface %s: %w", linux, err)
	}
	va.index = got.Attrs().Index
	if va.vrf != nil {
		if err := b.h.LinkSetMaster(va.link(), va.vrf.link()); err != nil {
			return fmt.Errorf("enslave %s to %s: %w", linux, va.vrf.device, err)
		}
	}
	for _, p := range spec.Addresses {
		if err := b.h.AddrReplace(va.link(), &netlink.Addr{IPNet: ipNet(p)}); err != nil {
			return fmt.Errorf("address %v on %s: %w", p, linux, err)
		}
	}
	if err := b.h.LinkSetUp(va.link()); err != nil {
		return fmt.Errorf("set %s up: %w", linux, err)
	}
	va.spec = cloneSpec(spec)
	b.ifaces[spec.Name] = va
	b.byLinux[linux] = va
	b.slots[ifid]++
	return nil
}

func (b *Backend) updateInterface(va *vaccess, spec dataplane.InterfaceSpec) error {
	if spec.LinuxName != "" && spec.LinuxName != va.linux {
		return fmt.Errorf("linux name cannot change from %s to %s (remove the interface first)", va.linux, spec.LinuxName)
	}
	old := va.spec
	if spec.EffectiveMTU() != old.EffectiveMTU() {
		if err := b.h.LinkSetMTU(va.link(), spec.EffectiveMTU()); err != nil {
			return fmt.Errorf("mtu of %s: %w", va.linux, err)
		}
		va.spec.MTU = spec.MTU
	}
	moved := spec.VRF != old.VRF
	if moved {
		var next *vrf
		if spec.VRF != "" {
			var err error
			if next, err = b.holdVRF(spec.VRF); err != nil {
				return err
			}
			if err := b.h.LinkSetMaster(va.link(), next.link()); err != nil {
				b.releaseVRF(next)
				return fmt.Errorf("enslave %s to %s: %w", va.linux, next.device, err)
			}
		} else if err := b.h.LinkSetNoMaster(va.link()); err != nil {
			return fmt.Errorf("release %s from %s: %w", va.linux, va.vrf.device, err)
		}
		if va.vrf != nil {
			b.releaseVRF(va.vrf)
		}
		va.vrf, va.spec.VRF = next, spec.VRF
	}
	// A change of VRF can drop the addresses: program them all again then.
	for _, p := range old.Addresses {
		if !slices.Contains(spec.Addresses, p) {
			if err := ignoreGone(b.h.AddrDel(va.link(), &netlink.Addr{IPNet: ipNet(p)})); err != nil {
				return fmt.Errorf("remove address %v from %s: %w", p, va.linux, err)
			}
		}
	}
	for _, p := range spec.Addresses {
		if moved || !slices.Contains(old.Addresses, p) {
			if err := b.h.AddrReplace(va.link(), &netlink.Addr{IPNet: ipNet(p)}); err != nil {
				return fmt.Errorf("address %v on %s: %w", p, va.linux, err)
			}
		}
	}
	spec.LinuxName = old.LinuxName
	va.spec = cloneSpec(spec)
	return nil
}

// holdVRF takes a reference on the VRF device of name, creating it (and
// choosing its table) on first use.
func (b *Backend) holdVRF(name string) (*vrf, error) {
	if v, ok := b.vrfs[name]; ok {
		v.users++
		return v, nil
	}
	v := &vrf{name: name, device: vrfDevice(name), table: b.vrfTable(name)}
	for _, other := range b.vrfs {
		if other.device == v.device {
			return nil, fmt.Errorf("vrf %s: device name %s used by vrf %s", name, v.device, other.name)
		}
	}
	if err := b.h.LinkAdd(v.link()); err != nil {
		return nil, fmt.Errorf("add vrf device %s table %d: %w", v.device, v.table, err)
	}
	got, err := b.h.LinkByName(v.device)
	if err == nil {
		v.index = got.Attrs().Index
		err = b.h.LinkSetUp(v.link())
	}
	if err != nil {
		_ = b.h.LinkDel(v.link())
		return nil, fmt.Errorf("vrf device %s: %w", v.device, err)
	}
	v.users = 1
	b.vrfs[name] = v
	return v, nil
}

// vrfTable is the routing table of a new VRF: TableBase plus a hash of its
// name, so that a VRF keeps its table across restarts, moved on to the next
// free table when two names collide.
func (b *Backend) vrfTable(name string) uint32 {
	used := map[uint32]bool{}
	for _, v := range b.vrfs {
		used[v.table] = true
	}
	t := fnv32(name) % MaxTables
	for used[TableBase+t] {
		t = (t + 1) % MaxTables
	}
	return TableBase + t
}

func (b *Backend) releaseVRF(v *vrf) {
	if v.users--; v.users > 0 {
		return
	}
	delete(b.vrfs, v.name)
	if err := ignoreGone(b.h.LinkDel(v.link())); err != nil {
		b.log.Warn("xfrm: vrf device left behind", "vrf", v.name, "device", v.device, "err", err)
	}
}

// RemoveInterface deletes the XFRM interface and its policies; the kernel
// drops the routes through it. Its SAs stay until RemoveSA, and its if_id
// stays reserved until then.
func (b *Backend) RemoveInterface(name string) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return closedErr("RemoveInterface")
	}
	va, ok := b.ifaces[name]
	if !ok {
		return fmt.Errorf("xfrm: interface %q: %w", name, dataplane.ErrNotFound)
	}
	var errs []error
	if va.policy != nil {
		for _, p := range interfacePolicies(va.ifid, *va.policy) {
			if err := ignoreGone(b.h.XfrmPolicyDel(policyKey(p))); err != nil {
				errs = append(errs, fmt.Errorf("delete policy %s: %w", p.Dir, err))
			}
		}
	}
	if err := ignoreGone(b.h.LinkDel(va.link())); err != nil {
		errs = append(errs, fmt.Errorf("delete %s: %w", va.linux, err))
	}
	if va.vrf != nil {
		b.releaseVRF(va.vrf)
	}
	if va.fvrf != nil {
		b.releaseVRF(va.fvrf)
	}
	delete(b.ifaces, name)
	delete(b.byLinux, va.linux)
	b.releaseIfID(va.ifid)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("xfrm: interface %q: %w", name, err)
	}
	return nil
}

// InstallSA adds both XFRM states of the SA on its interface's if_id, then
// points the interface's policies at the SA's outer addresses if they do
// not already. The SA it Replaces stays until RemoveSA: the kernel sends
// on the newest outbound state, and both inbound states accept.
func (b *Backend) InstallSA(sa dataplane.ChildSA) error {
	if err := sa.Validate(); err != nil {
		return fmt.Errorf("xfrm: %w", err)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return closedErr("InstallSA")
	}
	if err := b.installSA(sa); err != nil {
		return fmt.Errorf("xfrm: child SA %v: %w", sa.ID, err)
	}
	return nil
}

func (b *Backend) installSA(sa dataplane.ChildSA) (err error) {
	if _, ok := b.sas[sa.ID]; ok {
		return dataplane.ErrExists
	}
	va, ok := b.ifaces[sa.Interface]
	if !ok {
		return fmt.Errorf("interface %q: %w", sa.Interface, dataplane.ErrNotFound)
	}
	in, out, err := saStates(sa, va.ifid)
	if err != nil {
		return err
	}
	if err := b.setUnderlay(va, sa.FVRF); err != nil {
		return err
	}
	if err := b.h.XfrmStateAdd(in); err != nil {
		return fmt.Errorf("add inbound state: %w", err)
	}
	defer func() {
		if err != nil {
			_ = b.h.XfrmStateDel(stateKey(in))
		}
	}()
	if err := b.h.XfrmStateAdd(out); err != nil {
		return fmt.Errorf("add outbound state 0x%08x: %w", sa.OutboundSPI, err)
	}
	defer func() {
		if err != nil {
			_ = b.h.XfrmStateDel(stateKey(out))
		}
	}()
	if err := b.pointPolicies(va, templateOf(sa)); err != nil {
		return err
	}
	rec := &childSA{spec: sa, ifid: va.ifid, in: stateKey(in), out: stateKey(out)}
	rec.spec.In, rec.spec.Out = dataplane.Keys{}, dataplane.Keys{}
	b.sas[sa.ID] = rec
	b.byState[stateID{sa.Local.Addr().Unmap(), sa.ID.SPI}] = sa.ID
	b.byState[stateID{sa.Remote.Addr().Unmap(), sa.OutboundSPI}] = sa.ID
	b.slots[va.ifid]++
	return nil
}

// setUnderlay makes the interface's outer packets use the front-door VRF's
// table: IFLA_XFRM_LINK names the VRF device, and the kernel routes the
// encrypted packet with that device as its output interface.
func (b *Backend) setUnderlay(va *vaccess, fvrf string) error {
	cur := ""
	if va.fvrf != nil {
		cur = va.fvrf.name
	}
	if fvrf == cur {
		return nil
	}
	var next *vrf
	parent := 0
	if fvrf != "" {
		var err error
		if next, err = b.holdVRF(fvrf); err != nil {
			return err
		}
		parent = next.index
	}
	link := va.link()
	link.ParentIndex = parent
	if err := b.h.LinkModify(link); err != nil {
		if next != nil {
			b.releaseVRF(next)
		}
		return fmt.Errorf("front-door vrf of %s: %w", va.linux, err)
	}
	if va.fvrf != nil {
		b.releaseVRF(va.fvrf)
	}
	va.fvrf = next
	return nil
}

// pointPolicies installs the interface's policies, or updates them when
// the peer's outer address changed.
func (b *Backend) pointPolicies(va *vaccess, t policyTemplate) error {
	if va.policy != nil && *va.policy == t {
		return nil
	}
	want := interfacePolicies(va.ifid, t)
	if va.policy != nil {
		have := interfacePolicies(va.ifid, *va.policy)
		if len(have) == len(want) {
			for _, p := range want {
				if err := b.h.XfrmPolicyUpdate(p); err != nil {
					return fmt.Errorf("update policy %s: %w", p.Dir, err)
				}
			}
			va.policy = &t
			return nil
		}
		for _, p := range have { // the mode changed, and with it the families
			if err := ignoreGone(b.h.XfrmPolicyDel(policyKey(p))); err != nil {
				return fmt.Errorf("delete policy %s: %w", p.Dir, err)
			}
		}
		va.policy = nil
	}
	for i, p := range want {
		if err := b.h.XfrmPolicyAdd(p); err != nil {
			for _, done := range want[:i] {
				_ = b.h.XfrmPolicyDel(policyKey(done))
			}
			return fmt.Errorf("add policy %s: %w", p.Dir, err)
		}
	}
	va.policy = &t
	return nil
}

// RemoveSA deletes both states. A state the kernel already deleted (hard
// expiry) is not an error.
func (b *Backend) RemoveSA(id dataplane.SAID) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return closedErr("RemoveSA")
	}
	sa, ok := b.sas[id]
	if !ok {
		return fmt.Errorf("xfrm: child SA %v: %w", id, dataplane.ErrNotFound)
	}
	err := errors.Join(ignoreGone(b.h.XfrmStateDel(sa.in)), ignoreGone(b.h.XfrmStateDel(sa.out)))
	b.forgetSA(id, sa)
	if err != nil {
		return fmt.Errorf("xfrm: child SA %v: %w", id, err)
	}
	return nil
}

func (b *Backend) forgetSA(id dataplane.SAID, sa *childSA) {
	delete(b.sas, id)
	delete(b.byState, stateID{sa.spec.Local.Addr().Unmap(), id.SPI})
	delete(b.byState, stateID{sa.spec.Remote.Addr().Unmap(), sa.spec.OutboundSPI})
	b.releaseIfID(sa.ifid)
}

// SetRoutes replaces the routes owner holds in vrf's table (the main table
// for ""). Every route is checked before the first request.
func (b *Backend) SetRoutes(vrfName, owner string, routes []dataplane.Route) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return closedErr("SetRoutes")
	}
	if err := b.setRoutes(vrfName, owner, routes); err != nil {
		return fmt.Errorf("xfrm: routes of %s in vrf %s: %w", owner, vrfLabel(vrfName), err)
	}
	return nil
}

func vrfLabel(v string) string {
	if v == "" {
		return "(global)"
	}
	return v
}

func (b *Backend) setRoutes(vrfName, owner string, routes []dataplane.Route) error {
	if owner == "" {
		return errors.New("empty owner")
	}
	key := routeOwner{vrfName, owner}
	// Check everything before the first request.
	seen := map[routeKey]bool{}
	for _, r := range routes {
		if err := r.Validate(); err != nil {
			return err
		}
		if r.Interface != "" {
			if _, ok := b.ifaces[r.Interface]; !ok {
				return fmt.Errorf("route %v: interface %q: %w", r.Prefix, r.Interface, dataplane.ErrNotFound)
			}
		}
		k := routeKey{prefix: r.Prefix, metric: r.Distance}
		if seen[k] {
			return fmt.Errorf("route %v distance %d listed twice", r.Prefix, r.Distance)
		}
		seen[k] = true
		if o, ok := b.claims[routeClaim{vrfName, r.Prefix, r.Distance}]; ok && o != owner {
			return fmt.Errorf("route %v distance %d held by %s: %w", r.Prefix, r.Distance, o, dataplane.ErrExists)
		}
	}
	held := b.routes[key]
	if held == nil {
		held = map[routeKey]*netlink.Route{}
	}
	// An owner holds a reference on its VRF while it has routes there.
	holding := vrfName != "" && len(held) > 0
	table := mainTable
	var v *vrf
	if vrfName != "" {
		if holding {
			v = b.vrfs[vrfName]
		} else if len(routes) > 0 {
			var err error
			if v, err = b.holdVRF(vrfName); err != nil {
				return err
			}
			holding = true
		}
		if v != nil {
			table = int(v.table)
		}
	}
	defer func() {
		if len(held) > 0 {
			b.routes[key] = held
			return
		}
		delete(b.routes, key)
		if holding {
			b.releaseVRF(v)
		}
	}()
	want := map[routeKey]bool{}
	for _, r := range routes {
		want[routeKey{table, r.Prefix, r.Distance}] = true
	}
	for _, k := range slices.SortedFunc(maps.Keys(held), compareRouteKey) {
		if !want[k] {
			if err := ignoreGone(b.h.RouteDel(held[k])); err != nil {
				return fmt.Errorf("delete route %v: %w", k.prefix, err)
			}
			delete(held, k)
			delete(b.claims, routeClaim{vrfName, k.prefix, k.metric})
		}
	}
	for _, r := range routes {
		k := routeKey{table, r.Prefix, r.Distance}
		nr := b.kernelRoute(k, r)
		if old := held[k]; old != nil && sameRoute(old, nr) {
			continue
		}
		if err := b.h.RouteReplace(nr); err != nil {
			return fmt.Errorf("route %v: %w", r.Prefix, err)
		}
		held[k] = nr
		b.claims[routeClaim{vrfName, r.Prefix, r.Distance}] = owner
	}
	return nil
}

func compareRouteKey(a, b routeKey) int {
	return cmp.Or(cmp.Compare(a.table, b.table), a.prefix.Addr().Compare(b.prefix.Addr()),
		cmp.Compare(a.prefix.Bits(), b.prefix.Bits()), cmp.Compare(a.metric, b.metric))
}

func (b *Backend) kernelRoute(k routeKey, r dataplane.Route) *netlink.Route {
	nr := &netlink.Route{Dst: ipNet(r.Prefix), Table: k.table, Priority: r.Distance, Protocol: RouteProtocol, Scope: netlink.SCOPE_UNIVERSE}
	if r.Prefix.Addr().Unmap().Is4() {
		nr.Family = netlink.FAMILY_V4
	} else {
		nr.Family = netlink.FAMILY_V6
	}
	if r.Interface != "" {
		nr.LinkIndex = b.ifaces[r.Interface].index
	}
	if r.NextHop.IsValid() {
		nr.Gw = ipOf(r.NextHop)
	} else {
		nr.Scope = netlink.SCOPE_LINK
	}
	return nr
}

func sameRoute(a, b *netlink.Route) bool {
	return a.LinkIndex == b.LinkIndex && a.Gw.Equal(b.Gw) && a.Scope == b.Scope
}

// Counters are the XFRM interface's link statistics. ACLs are not
// programmed by this backend, so ACLDrops stays zero.
func (b *Backend) Counters(iface string) (dataplane.Counters, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return dataplane.Counters{}, closedErr("Counters")
	}
	va, ok := b.ifaces[iface]
	if !ok {
		return dataplane.Counters{}, fmt.Errorf("xfrm: interface %q: %w", iface, dataplane.ErrNotFound)
	}
	link, err := b.h.LinkByName(va.linux)
	if err != nil {
		return dataplane.Counters{}, fmt.Errorf("xfrm: interface %q: %w", iface, err)
	}
	s := link.Attrs().Statistics
	if s == nil {
		return dataplane.Counters{}, nil
	}
	return dataplane.Counters{
		InPackets: s.RxPackets, InBytes: s.RxBytes, OutPackets: s.TxPackets, OutBytes: s.TxBytes,
		InDrops: s.RxDropped + s.RxErrors, OutDrops: s.TxDropped + s.TxErrors,
	}, nil
}

// SACounters reads both states' lifetime counters and statistics. It asks
// for the two states by SPI rather than dumping the table, which would cost
// O(sessions) per call. A direction the kernel has hard-expired reads zero.
// The kernel counts decryption and integrity failures together
// (integrity_failed): they are reported as AuthErrors.
func (b *Backend) SACounters(id dataplane.SAID) (dataplane.SACounters, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return dataplane.SACounters{}, closedErr("SACounters")
	}
	sa, ok := b.sas[id]
	if !ok {
		return dataplane.SACounters{}, fmt.Errorf("xfrm: child SA %v: %w", id, dataplane.ErrNotFound)
	}
	var c dataplane.SACounters
	in, err := b.h.XfrmStateGet(sa.in)
	if err != nil && !gone(err) {
		return c, fmt.Errorf("xfrm: child SA %v: inbound state: %w", id, err)
	}
	if in != nil {
		c.InPackets, c.InBytes = in.Statistics.Packets, in.Statistics.Bytes
		c.ReplayErrors = uint64(in.Statistics.Replay) + uint64(in.Statistics.ReplayWindow)
		c.AuthErrors = uint64(in.Statistics.Failed)
	}
	out, err := b.h.XfrmStateGet(sa.out)
	if err != nil && !gone(err) {
		return c, fmt.Errorf("xfrm: child SA %v: outbound state: %w", id, err)
	}
	if out != nil {
		c.OutPackets, c.OutBytes = out.Statistics.Packets, out.Statistics.Bytes
	}
	return c, nil
}

// Close stops the expiry listener, removes every object the backend
// created (routes, policies, states, interfaces, VRF devices) and closes
// Events. Later calls fail with dataplane.ErrClosed; Close again does
// nothing.
func (b *Backend) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	close(b.done)
	b.mu.Unlock()
	b.wg.Wait() // the listener takes mu: wait without it

	b.mu.Lock()
	defer b.mu.Unlock()
	var errs []error
	note := func(err error) {
		if err = ignoreGone(err); err != nil {
			errs = append(errs, err)
		}
	}
	for _, o := range slices.SortedFunc(maps.Keys(b.routes), func(x, y routeOwner) int {
		return cmp.Or(cmp.Compare(x.vrf, y.vrf), cmp.Compare(x.owner, y.owner))
	}) {
		held := b.routes[o]
		for _, k := range slices.SortedFunc(maps.Keys(held), compareRouteKey) {
			note(b.h.RouteDel(held[k]))
		}
	}
	for _, name := range slices.Sorted(maps.Keys(b.ifaces)) {
		if va := b.ifaces[name]; va.policy != nil {
			for _, p := range interfacePolicies(va.ifid, *va.policy) {
				note(b.h.XfrmPolicyDel(policyKey(p)))
			}
		}
	}
	for _, id := range slices.SortedFunc(maps.Keys(b.sas), func(x, y dataplane.SAID) int { return cmp.Compare(x.SPI, y.SPI) }) {
		note(b.h.XfrmStateDel(b.sas[id].in))
		note(b.h.XfrmStateDel(b.sas[id].out))
	}
	for _, name := range slices.Sorted(maps.Keys(b.ifaces)) {
		note(b.h.LinkDel(b.ifaces[name].link()))
	}
	for _, name := range slices.Sorted(maps.Keys(b.vrfs)) {
		note(b.h.LinkDel(b.vrfs[name].link()))
	}
	clear(b.routes)
	clear(b.claims)
	clear(b.ifaces)
	clear(b.byLinux)
	clear(b.sas)
	clear(b.byState)
	clear(b.vrfs)
	clear(b.slots)
	b.h.Close()
	b.events.Close()
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("xfrm: close: %w", err)
	}
	return nil
}

// removeLeftovers deletes the policies, states, XFRM interfaces and VRF
// devices an earlier Gatehouse left in the namespace, recognised by their
// if_id range and VRF name prefix and table range (see the constants).
func (b *Backend) removeLeftovers() error {
	// One dump per family: netlink v1.3 reads a FAMILY_ALL dump's ::/0
	// selector as 0.0.0.0/0, and the IPv6 policy could not be deleted.
	var policies []netlink.XfrmPolicy
	for _, family := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		got, err := retryDump("dump xfrm policies", func() ([]netlink.XfrmPolicy, error) { return b.h.XfrmPolicyList(family) })
		if err != nil {
			return err
		}
		policies = append(policies, got...)
	}
	var errs []error
	n := 0
	for _, p := range policies {
		if ownedIfID(uint32(p.Ifid)) {
			n++
			if err := ignoreGone(b.h.XfrmPolicyDel(policyKey(&p))); err != nil {
				errs = append(errs, fmt.Errorf("delete policy %s if_id 0x%x: %w", p.Dir, p.Ifid, err))
			}
		}
	}
	states, err := retryDump("dump xfrm states", func() ([]netlink.XfrmState, error) { return b.h.XfrmStateList(netlink.FAMILY_ALL) })
	if err != nil {
		return err
	}
	for _, st := range states {
		if ownedIfID(uint32(st.Ifid)) {
			n++
			if err := ignoreGone(b.h.XfrmStateDel(stateKey(&st))); err != nil {
				errs = append(errs, fmt.Errorf("delete state spi 0x%08x: %w", st.Spi, err))
			}
		}
	}
	links, err := retryDump("dump links", b.h.LinkList)
	if err != nil {
		return err
	}
	var vrfs []netlink.Link
	for _, l := range links {
		switch l := l.(type) {
		case *netlink.Xfrmi:
			if ownedIfID(l.Ifid) {
				n++
				if err := ignoreGone(b.h.LinkDel(l)); err != nil {
					errs = append(errs, fmt.Errorf("delete %s: %w", l.Name, err))
				}
			}
		case *netlink.Vrf:
			if len(l.Name) > len(VRFPrefix) && l.Name[:len(VRFPrefix)] == VRFPrefix && ownedTable(l.Table) {
				vrfs = append(vrfs, l)
			}
		}
	}
	for _, l := range vrfs { // after their members
		n++
		if err := ignoreGone(b.h.LinkDel(l)); err != nil {
			errs = append(errs, fmt.Errorf("delete %s: %w", l.Attrs().Name, err))
		}
	}
	if n > 0 {
		b.log.Info("xfrm: removed objects an earlier run left", "count", n)
	}
	return errors.Join(errs...)
}

func cloneSpec(s dataplane.InterfaceSpec) dataplane.InterfaceSpec {
	s.Addresses = slices.Clone(s.Addresses)
	return s
}
