//go:build linux

package xfrm

import (
	"cmp"
	"crypto/sha256"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/vishvananda/netlink"
	"github.com/vishvananda/netlink/nl"
	"golang.org/x/sys/unix"
)

// recorder is the tests' netlinkHandle: a small in-memory kernel that
// answers as Linux does (EEXIST, ESRCH, ENODEV) and writes one canonical
// line per request. Keys appear as their length and a hash prefix.
type recorder struct {
	mu       sync.Mutex
	log      []string
	links    map[string]netlink.Link
	index    int
	states   map[stateID]*netlink.XfrmState
	policies map[string]*netlink.XfrmPolicy
	routes   map[string]*netlink.Route
	fail     map[string]error // request verb ("state add") -> error, once
	intr     int              // dumps still to answer NLM_F_DUMP_INTR
	expire   chan expiry
	closed   bool
}

var _ netlinkHandle = (*recorder)(nil)

func newRecorder() *recorder {
	return &recorder{
		links: map[string]netlink.Link{}, index: 1,
		states: map[stateID]*netlink.XfrmState{}, policies: map[string]*netlink.XfrmPolicy{},
		routes: map[string]*netlink.Route{}, fail: map[string]error{},
	}
}

// request logs line and says whether a test asked for its verb to fail.
func (r *recorder) request(verb, line string) error {
	err := r.fail[verb]
	delete(r.fail, verb)
	if err != nil {
		line += " -> " + err.Error()
	}
	r.log = append(r.log, line)
	return err
}

func (r *recorder) Log() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.log, "\n") + "\n"
}

func (r *recorder) failNext(verb string, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.fail[verb] = err
}

func (r *recorder) nameOf(index int) string {
	for name, l := range r.links {
		if l.Attrs().Index == index {
			return name
		}
	}
	return fmt.Sprintf("if%d", index)
}

func (r *recorder) lookup(l netlink.Link) (netlink.Link, error) {
	if got, ok := r.links[l.Attrs().Name]; ok {
		return got, nil
	}
	return nil, unix.ENODEV
}

func linkLine(l netlink.Link) string {
	switch l := l.(type) {
	case *netlink.Xfrmi:
		s := fmt.Sprintf("xfrm %s if_id=0x%x", l.Name, l.Ifid)
		if l.MTU != 0 {
			s += fmt.Sprintf(" mtu=%d", l.MTU)
		}
		return s
	case *netlink.Vrf:
		return fmt.Sprintf("vrf %s table=0x%x", l.Name, l.Table)
	}
	return l.Type() + " " + l.Attrs().Name
}

func (r *recorder) LinkAdd(l netlink.Link) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("link add", "link add "+linkLine(l)); err != nil {
		return err
	}
	if _, ok := r.links[l.Attrs().Name]; ok {
		return unix.EEXIST
	}
	var c netlink.Link
	switch l := l.(type) {
	case *netlink.Xfrmi:
		x := *l
		c = &x
	case *netlink.Vrf:
		v := *l
		c = &v
	default:
		return unix.EOPNOTSUPP
	}
	r.index++
	c.Attrs().Index = r.index
	c.Attrs().Statistics = &netlink.LinkStatistics{}
	r.links[c.Attrs().Name] = c
	return nil
}

func (r *recorder) LinkModify(l netlink.Link) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	x, _ := l.(*netlink.Xfrmi)
	line := "link set " + l.Attrs().Name
	if x != nil {
		line += fmt.Sprintf(" type xfrm if_id=0x%x link=%s", x.Ifid, r.underlay(x.ParentIndex))
	}
	if err := r.request("link set", line); err != nil {
		return err
	}
	got, err := r.lookup(l)
	if err != nil {
		return err
	}
	if gx, ok := got.(*netlink.Xfrmi); ok && x != nil {
		gx.ParentIndex, gx.Ifid = x.ParentIndex, x.Ifid
	}
	return nil
}

func (r *recorder) underlay(index int) string {
	if index == 0 {
		return "none"
	}
	return r.nameOf(index)
}

func (r *recorder) LinkDel(l netlink.Link) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("link del", "link del "+l.Attrs().Name); err != nil {
		return err
	}
	got, err := r.lookup(l)
	if err != nil {
		return err
	}
	delete(r.links, l.Attrs().Name)
	for k, rt := range r.routes { // as the kernel does
		if rt.LinkIndex == got.Attrs().Index {
			delete(r.routes, k)
		}
	}
	return nil
}

func (r *recorder) linkSet(l netlink.Link, what string, apply func(netlink.Link)) error {
	if err := r.request("link set", "link set "+l.Attrs().Name+" "+what); err != nil {
		return err
	}
	got, err := r.lookup(l)
	if err != nil {
		return err
	}
	apply(got)
	return nil
}

func (r *recorder) LinkSetUp(l netlink.Link) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.linkSet(l, "up", func(got netlink.Link) { got.Attrs().Flags |= net.FlagUp })
}

func (r *recorder) LinkSetMTU(l netlink.Link, mtu int) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.linkSet(l, fmt.Sprintf("mtu %d", mtu), func(got netlink.Link) { got.Attrs().MTU = mtu })
}

func (r *recorder) LinkSetMaster(l, master netlink.Link) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.linkSet(l, "master "+master.Attrs().Name, func(got netlink.Link) { got.Attrs().MasterIndex = master.Attrs().Index })
}

func (r *recorder) LinkSetNoMaster(l netlink.Link) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.linkSet(l, "nomaster", func(got netlink.Link) { got.Attrs().MasterIndex = 0 })
}

func (r *recorder) LinkByName(name string) (netlink.Link, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("link get", "link get "+name); err != nil {
		return nil, err
	}
	l, ok := r.links[name]
	if !ok {
		return nil, netlink.LinkNotFoundError{}
	}
	return l, nil
}

func (r *recorder) LinkList() ([]netlink.Link, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("link dump", "link dump"); err != nil {
		return nil, err
	}
	var out []netlink.Link
	for _, name := range slices.Sorted(maps.Keys(r.links)) {
		out = append(out, r.links[name])
	}
	return out, r.interrupted()
}

func (r *recorder) interrupted() error {
	if r.intr > 0 {
		r.intr--
		r.log[len(r.log)-1] += " -> interrupted"
		return netlink.ErrDumpInterrupted
	}
	return nil
}

func (r *recorder) AddrReplace(l netlink.Link, a *netlink.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.request("addr replace", fmt.Sprintf("addr replace %v dev %s", a.IPNet, l.Attrs().Name))
}

func (r *recorder) AddrDel(l netlink.Link, a *netlink.Addr) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.request("addr del", fmt.Sprintf("addr del %v dev %s", a.IPNet, l.Attrs().Name))
}

// keyLine shows a key by length and the first bytes of its SHA-256.
func keyLine(k []byte) string {
	sum := sha256.Sum256(k)
	return fmt.Sprintf("%dB#%x", len(k), sum[:4])
}

func stateLine(st *netlink.XfrmState) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s spi=0x%08x src=%v dst=%v %s reqid=0x%x if_id=0x%x", st.Proto, uint32(st.Spi), st.Src, st.Dst, st.Mode, st.Reqid, st.Ifid)
	if a := st.Aead; a != nil {
		fmt.Fprintf(&b, " aead=%s/icv%d key=%s", a.Name, a.ICVLen, keyLine(a.Key))
	}
	if a := st.Crypt; a != nil {
		fmt.Fprintf(&b, " enc=%s key=%s", a.Name, keyLine(a.Key))
	}
	if a := st.Auth; a != nil {
		fmt.Fprintf(&b, " auth=%s/trunc%d key=%s", a.Name, a.TruncateLen, keyLine(a.Key))
	}
	if e := st.Encap; e != nil {
		fmt.Fprintf(&b, " encap=%s/%d->%d", e.Type, e.SrcPort, e.DstPort)
	}
	fmt.Fprintf(&b, " replay=%v", replayOf(st))
	var flags []string
	if f := stateFlags(st); f&32 != 0 {
		flags = append(flags, "af-unspec")
	}
	if st.ESN {
		flags = append(flags, "esn")
	}
	if len(flags) > 0 {
		fmt.Fprintf(&b, " flags=%s", strings.Join(flags, ","))
	}
	l := st.Limits
	if l != (netlink.XfrmStateLimits{}) {
		fmt.Fprintf(&b, " lifetime=s:%d/%d,bytes:%d/%d,packets:%d/%d", l.TimeSoft, l.TimeHard, l.ByteSoft, l.ByteHard, l.PacketSoft, l.PacketHard)
	}
	if st.Mark != nil || st.OutputMark != nil {
		b.WriteString(" MARKED")
	}
	return b.String()
}

func idOf(st *netlink.XfrmState) stateID {
	a, _ := netip.AddrFromSlice(st.Dst)
	return stateID{a.Unmap(), uint32(st.Spi)}
}

func (r *recorder) XfrmStateAdd(st *netlink.XfrmState) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("state add", "state add "+stateLine(st)); err != nil {
		return err
	}
	if _, ok := r.states[idOf(st)]; ok {
		return unix.EEXIST
	}
	c := *st
	r.states[idOf(st)] = &c
	return nil
}

func (r *recorder) XfrmStateDel(st *netlink.XfrmState) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("state del", fmt.Sprintf("state del %s spi=0x%08x dst=%v", st.Proto, uint32(st.Spi), st.Dst)); err != nil {
		return err
	}
	if _, ok := r.states[idOf(st)]; !ok {
		return unix.ESRCH
	}
	delete(r.states, idOf(st))
	return nil
}

func (r *recorder) XfrmStateGet(st *netlink.XfrmState) (*netlink.XfrmState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("state get", fmt.Sprintf("state get %s spi=0x%08x dst=%v", st.Proto, uint32(st.Spi), st.Dst)); err != nil {
		return nil, err
	}
	got, ok := r.states[idOf(st)]
	if !ok {
		return nil, unix.ESRCH
	}
	c := *got
	return &c, nil
}

func (r *recorder) XfrmStateList(int) ([]netlink.XfrmState, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("state dump", "state dump"); err != nil {
		return nil, err
	}
	var out []netlink.XfrmState
	for _, id := range slices.SortedFunc(maps.Keys(r.states), func(a, b stateID) int { return cmp.Compare(a.spi, b.spi) }) {
		out = append(out, *r.states[id])
	}
	return out, r.interrupted()
}

func policyID(p *netlink.XfrmPolicy) string {
	return fmt.Sprintf("%s %v -> %v if_id=0x%x", p.Dir, p.Src, p.Dst, p.Ifid)
}

func policyLine(p *netlink.XfrmPolicy) string {
	s := policyID(p)
	for _, t := range p.Tmpls {
		s += fmt.Sprintf(" tmpl %s %s %v->%v reqid=0x%x", t.Proto, t.Mode, t.Src, t.Dst, t.Reqid)
	}
	if p.Mark != nil {
		s += " MARKED"
	}
	return s
}

func (r *recorder) XfrmPolicyAdd(p *netlink.XfrmPolicy) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("policy add", "policy add "+policyLine(p)); err != nil {
		return err
	}
	if _, ok := r.policies[policyID(p)]; ok {
		return unix.EEXIST
	}
	c := *p
	r.policies[policyID(p)] = &c
	return nil
}

func (r *recorder) XfrmPolicyUpdate(p *netlink.XfrmPolicy) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("policy update", "policy update "+policyLine(p)); err != nil {
		return err
	}
	c := *p
	r.policies[policyID(p)] = &c
	return nil
}

func (r *recorder) XfrmPolicyDel(p *netlink.XfrmPolicy) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("policy del", "policy del "+policyID(p)); err != nil {
		return err
	}
	if _, ok := r.policies[policyID(p)]; !ok {
		return unix.ENOENT
	}
	delete(r.policies, policyID(p))
	return nil
}

func (r *recorder) XfrmPolicyList(family int) ([]netlink.XfrmPolicy, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("policy dump", fmt.Sprintf("policy dump family=%d", family)); err != nil {
		return nil, err
	}
	var out []netlink.XfrmPolicy
	for _, k := range slices.Sorted(maps.Keys(r.policies)) {
		p := r.policies[k]
		if family != netlink.FAMILY_ALL && nl.GetIPFamily(p.Dst.IP) != family {
			continue
		}
		out = append(out, *p)
	}
	return out, r.interrupted()
}

func (r *recorder) routeLine(rt *netlink.Route) string {
	table := fmt.Sprintf("0x%x", rt.Table)
	if rt.Table == mainTable {
		table = "main"
	}
	s := fmt.Sprintf("table=%s %v", table, rt.Dst)
	if rt.Gw != nil {
		s += fmt.Sprintf(" via %v", rt.Gw)
	}
	if rt.LinkIndex != 0 {
		s += " dev " + r.nameOf(rt.LinkIndex)
	}
	return s + fmt.Sprintf(" scope %s proto %d metric %d", rt.Scope, rt.Protocol, rt.Priority)
}

func routeID(rt *netlink.Route) string { return fmt.Sprintf("%d %v %d", rt.Table, rt.Dst, rt.Priority) }

func (r *recorder) RouteReplace(rt *netlink.Route) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("route replace", "route replace "+r.routeLine(rt)); err != nil {
		return err
	}
	c := *rt
	r.routes[routeID(rt)] = &c
	return nil
}

func (r *recorder) RouteDel(rt *netlink.Route) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("route del", "route del "+r.routeLine(rt)); err != nil {
		return err
	}
	if _, ok := r.routes[routeID(rt)]; !ok {
		return unix.ESRCH
	}
	delete(r.routes, routeID(rt))
	return nil
}

func (r *recorder) SubscribeExpire(done <-chan struct{}) (<-chan expiry, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if err := r.request("subscribe", "subscribe expire"); err != nil {
		return nil, err
	}
	in := make(chan expiry)
	out := make(chan expiry)
	r.expire = in
	go func() {
		defer close(out)
		for {
			select {
			case e := <-in:
				select {
				case out <- e:
				case <-done:
					return
				}
			case <-done:
				return
			}
		}
	}()
	return out, nil
}

// sendExpiry plays the kernel sending XFRM_MSG_EXPIRE (or losing some).
func (r *recorder) sendExpiry(e expiry) {
	r.mu.Lock()
	ch := r.expire
	r.mu.Unlock()
	ch <- e
}

func (r *recorder) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closed = true
	r.log = append(r.log, "close")
}

// dump renders what the recorder's kernel holds, sorted.
func (r *recorder) dump() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var lines []string
	for _, l := range r.links {
		lines = append(lines, "link "+linkLine(l))
	}
	for _, st := range r.states {
		lines = append(lines, "state "+stateLine(st))
	}
	for _, p := range r.policies {
		lines = append(lines, "policy "+policyLine(p))
	}
	for _, rt := range r.routes {
		lines = append(lines, "route "+r.routeLine(rt))
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n") + "\n"
}
