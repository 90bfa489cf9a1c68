package vtemplate

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// IfVirtualAccess is the Type of VirtualAccess.Config: an interface no
// configuration block describes.
const IfVirtualAccess = "virtual-access"

// ErrNotFound is returned (wrapped) for a virtual-access interface that
// does not exist.
var ErrNotFound = errors.New("no such virtual-access interface")

// Request is what a session brings to its clone.
type Request struct {
	Template int    // virtual-template number from the IKEv2 profile (0 = none: Clone refuses)
	Owner    string // session key, e.g. "ikev2:7"
	// VRF is the profile's ivrf; the template's (or AAA's) "vrf
	// forwarding" overrides it.
	VRF string
	// TunnelSource and TunnelDestination are the session's outer local
	// and remote addresses.
	TunnelSource, TunnelDestination netip.Addr
	// ModeAuto is "virtual-template N mode auto": the tunnel mode comes
	// from the session, not the template or AAA (seed 001:854).
	ModeAuto bool
	// InnerIPv6: the traffic selectors are IPv6. GRE: they carry GRE
	// (protocol 47). Both are read only with ModeAuto.
	InnerIPv6, GRE bool
	// Group, Implicit and User are the interface-config lines of each
	// authorization, applied group, implicit, user; with GroupOverride
	// ("aaa authorization group override") implicit, user, group (seed
	// 001:765-773).
	Group, Implicit, User []string
	GroupOverride         bool
}

// RejectedLine is an interface-config line that was not applied, and why.
type RejectedLine struct {
	Line, Reason string
}

// VirtualAccess is one live virtual-access interface. Values handed out
// are copies: changing one changes nothing in the service.
type VirtualAccess struct {
	Number    int
	Name      string // "Virtual-Access1"
	LinuxName string // "va1"
	Template  int
	Owner     string
	Created   time.Time
	Spec      dataplane.InterfaceSpec // what was programmed
	// Derived is the derived configuration, one command a line without
	// indentation, in IOS order ("show derived-config").
	Derived []string
	// Config is the same configuration as an interface object, the
	// session's tunnel source and destination and mode filled in.
	Config schema.Interface
	Mode   string // tunnel mode: "ipsec ipv4", "ipsec ipv6", "gre ip", ...
	// Rejected lists the interface-config lines of the authorizations
	// that IOS's parser would have refused; the interface came up without
	// them.
	Rejected []RejectedLine
	// SessionACLs are the interface's per-session access lists (CoA
	// inacl/outacl, "Virtual-Access1#2601"), inbound first; they are in no
	// configuration and go with the interface.
	SessionACLs []schema.ACL
}

// Service clones virtual-templates into virtual-access interfaces. It is
// safe for concurrent use; no call costs more than O(log n) in the number
// of interfaces, except List. The query methods (Active, Get, List,
// Counters) answer "none" on a nil *Service.
//
// Locking: mu guards the tables and is never held across a data plane
// call or a configdb read. Each interface has its own mutex that
// serialises the data plane calls for it (a CoA against a teardown).
//
// Memory: an interface holds only what is its own (number, owner, outer
// addresses, creation time) and a pointer to its configuration before
// the session's part, which interfaces cloned from the same template
// revision without authorization lines share. The VirtualAccess handed
// out (derived lines, Config, Spec) is rendered from them on each call:
// at 10,000 sessions, storing it cost more than the rest of the session.
type Service struct {
	db    *configdb.DB
	dp    dataplane.Dataplane
	debug *logging.Debug
	now   func() time.Time

	mu        sync.Mutex
	byNumber  map[int]*entry // Virtual-Access number -> interface
	active    map[int]int    // template number -> live clones
	nums      numbers
	templates map[int]*cachedTemplate
	acls      map[string]cachedACL // compiled access lists by name

	// debugMu keeps the debug lines of one clone together when several
	// clone at once (only taken when the debug flag is on).
	debugMu sync.Mutex
}

// entry is one live interface. Everything but cfg is immutable.
type entry struct {
	number  int
	sess    session
	created time.Time
	// rejected is nil unless an authorization line was refused (rare:
	// a pointer keeps the common entry small).
	rejected *[]RejectedLine

	mu      sync.Mutex // serialises data plane calls for the interface
	removed bool
	// cfg is the template and AAA, before the session's part. It is
	// read-only, often shared with other interfaces (a template's own
	// cachedTemplate.cfg, or its ivrf variant), and replaced (never
	// changed) with both mu and Service.mu held.
	cfg *ifConfig
}

// session is what finalize needs of a Request: the session's part of the
// configuration.
type session struct {
	owner                    string
	template                 int
	src, dst                 netip.Addr // TunnelSource, TunnelDestination
	modeAuto, innerIPv6, gre bool
}

// cachedTemplate is a template as read at a configuration revision.
type cachedTemplate struct {
	rev uint64
	cfg *ifConfig // shared, read-only: clones work on copies
	err error
	// ivrf holds the template with a profile's ivrf beneath it, by VRF,
	// shared by the clones that add nothing else (Service.mu).
	ivrf map[string]*ifConfig
}

// New returns a service that reads templates from db, programs dp and
// writes "debug vtemplate cloning" lines through debug. dp and debug may
// be nil (no data plane: nothing is programmed; no debug output).
func New(db *configdb.DB, dp dataplane.Dataplane, debug *logging.Debug) *Service {
	return &Service{db: db, dp: dp, debug: debug, now: time.Now,
		byNumber: map[int]*entry{}, active: map[int]int{}, templates: map[int]*cachedTemplate{}, acls: map[string]cachedACL{}}
}

// Name is the IOS name of virtual-access interface n.
func Name(n int) string { return "Virtual-Access" + strconv.Itoa(n) }

// vaNumber is the number of the interface Name(n) names, or false for
// any other spelling ("Virtual-Access01" is not "Virtual-Access1").
func vaNumber(name string) (int, bool) {
	digits, ok := strings.CutPrefix(name, "Virtual-Access")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n <= 0 || strconv.Itoa(n) != digits {
		return 0, false
	}
	return n, true
}

// linuxName is the Linux link of virtual-access interface n ("va1"): short
// enough for IFNAMSIZ up to va999999999999.
func linuxName(n int) string { return "va" + strconv.Itoa(n) }

// Clone instantiates a virtual-access interface for a session: the
// lowest free number, the template's configuration, the AAA layers, the
// session's tunnel endpoints (seed 001:640-655), programmed in the data
// plane. When anything fails no interface and no number are left behind.
func (s *Service) Clone(r Request) (*VirtualAccess, error) {
	if r.Template <= 0 {
		return nil, fmt.Errorf("vtemplate: session %s: no virtual-template", r.Owner)
	}
	tmpl, err := s.template(r.Template)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	n := s.nums.take()
	s.mu.Unlock()
	va, e, err := s.build(n, r, tmpl)
	if err == nil {
		err = s.ensure(va.Spec, e.cfg)
	}
	if err != nil {
		s.mu.Lock()
		s.nums.put(n)
		s.mu.Unlock()
		return nil, err
	}
	s.mu.Lock()
	s.byNumber[n] = e
	s.active[r.Template]++
	s.mu.Unlock()
	return va, nil
}

// build derives the configuration of interface n and says so under debug.
func (s *Service) build(n int, r Request, tmpl *cachedTemplate) (*VirtualAccess, *entry, error) {
	base := tmpl.cfg
	if base.VRF == "" && r.VRF != "" {
		// The profile's ivrf lies under the template: the template's
		// addressing survives it.
		base = s.underIVRF(tmpl, r.VRF)
	}
	cfg := base // copied before the first authorization line changes it
	layers := [][]string{r.Group, r.Implicit, r.User}
	if r.GroupOverride {
		layers = [][]string{r.Implicit, r.User, r.Group}
	}
	debugging := s.debug.On(logging.FlagVTemplateCloning)
	var rejected []RejectedLine
	var blocks [][]string // the AAA layers, for the debug lines
	for _, layer := range layers {
		var applied []string
		for _, line := range layer {
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			applied = append(applied, line)
			if cfg == base {
				cfg = base.clone()
			}
			if err := cfg.apply(line, false); err != nil {
				rejected = append(rejected, RejectedLine{Line: line, Reason: err.Error()})
			}
		}
		if len(applied) > 0 && debugging {
			blocks = append(blocks, applied)
		}
	}
	if debugging {
		s.debugMu.Lock()
		s.debugBlock(n, "Virtual-Template"+strconv.Itoa(r.Template), tmpl.cfg.lines(true))
		for _, b := range blocks {
			s.debugBlock(n, "AAA", b)
		}
		s.debugMu.Unlock()
	}
	// The authorizations are in cfg now; a session keeps only what
	// finalize needs.
	e := &entry{number: n, created: s.now(), cfg: cfg, sess: session{owner: r.Owner, template: r.Template,
		src: r.TunnelSource, dst: r.TunnelDestination, modeAuto: r.ModeAuto, innerIPv6: r.InnerIPv6, gre: r.GRE}}
	if rejected != nil {
		e.rejected = &rejected
	}
	va, err := e.render(cfg)
	if err != nil {
		return nil, nil, err
	}
	return va, e, nil
}

// underIVRF is the template with a profile's ivrf beneath it, made once
// per template revision and VRF.
func (s *Service) underIVRF(tmpl *cachedTemplate, vrf string) *ifConfig {
	s.mu.Lock()
	cfg := tmpl.ivrf[vrf]
	s.mu.Unlock()
	if cfg != nil {
		return cfg
	}
	cfg = tmpl.cfg.clone()
	cfg.VRF, cfg.VRFStyle = vrf, schema.VRFStyleDefinition
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := tmpl.ivrf[vrf]; c != nil {
		return c
	}
	if tmpl.ivrf == nil {
		tmpl.ivrf = map[string]*ifConfig{}
	}
	tmpl.ivrf[vrf] = cfg
	return cfg
}

// render is the interface as Get hands it out, with configuration cfg
// (e.cfg, or the one Reapply is about to publish).
func (e *entry) render(cfg *ifConfig) (*VirtualAccess, error) {
	name := Name(e.number)
	va := &VirtualAccess{Number: e.number, Name: name, LinuxName: linuxName(e.number), Template: e.sess.template,
		Owner: e.sess.owner, Created: e.created}
	if e.rejected != nil {
		va.Rejected = slices.Clone(*e.rejected)
	}
	if err := finalize(va, cfg, &e.sess); err != nil {
		return nil, err
	}
	return va, nil
}

// debugBlock writes one "debug vtemplate cloning" block (seed 001:785-812).
// The byte count is that of the command text IOS applies: each line and
// "end", newline-terminated, and the string's terminating NUL (45 bytes
// for the seed's one-line template clone, 30 for "tunnel key 1" and "ip
// mtu 1000", 86 for its template ACLs).
func (s *Service) debugBlock(n int, from string, lines []string) {
	size := len("end\n") + 1
	for _, l := range lines {
		size += len(l) + 1
	}
	f := logging.FlagVTemplateCloning
	s.debug.Debugf(f, "VT[Vi%d]:Clone Vaccess from %s (%d bytes)", n, from, size)
	for _, l := range lines {
		s.debug.Debugf(f, "VT[Vi%d]:%s", n, l)
	}
	s.debug.Debugf(f, "VT[Vi%d]:end", n)
}

// finalize adds the session's part to cfg (seed 001:779-783) and fills in
// va's derived configuration, mode and data plane spec.
func finalize(va *VirtualAccess, cfg *ifConfig, r *session) error {
	f := cfg.clone()
	t := f.tunnel()
	src := r.src.Unmap()
	if t.Source == "" {
		if src.IsValid() {
			t.Source = src.String()
		}
	} else if a, err := netip.ParseAddr(t.Source); err == nil {
		// A configured source must be the address the session came to.
		if src.IsValid() && a.Unmap() != src {
			return fmt.Errorf("vtemplate: %s: tunnel source %s is not the session's local address %s", va.Name, a, src)
		}
		src = a.Unmap()
	}
	dst := r.dst.Unmap()
	if dst.IsValid() {
		t.Destination = dst.String()
	} else if a, err := netip.ParseAddr(t.Destination); err == nil {
		dst = a.Unmap()
	}
	if r.modeAuto {
		t.Mode = autoMode(src, dst, r)
	}
	va.Mode = t.Mode
	if va.Mode == "" {
		va.Mode = "gre ip"
	}
	if t.IsZero() {
		f.Tunnel = nil
	}
	va.Config = f.Interface
	va.Config.Name, va.Config.Type, va.Config.Number, va.Config.VTType = va.Name, IfVirtualAccess, va.Number, schema.VTTunnel
	va.Derived = f.lines(false)
	va.SessionACLs = f.sessionACLs()
	va.Spec = dataplane.InterfaceSpec{Name: va.Name, LinuxName: va.LinuxName, VRF: f.VRF, Template: va.Template,
		MTU: f.IPMTU, TCPAdjustMSS: f.TCPAdjustMSS, InACL: f.AccessGroupIn, OutACL: f.AccessGroupOut, TunnelSource: src, TunnelDestination: dst}
	switch {
	case f.IPUnnumbered != "":
		// The data plane takes addresses or an unnumbered source, not
		// both: IPv6 addresses beside "ip unnumbered" are not programmed.
		va.Spec.Unnumbered = f.IPUnnumbered
	default:
		for _, a := range f.IPv4 {
			addr, mask := netip.MustParseAddr(a.Address), netip.MustParseAddr(a.Mask)
			va.Spec.Addresses = append(va.Spec.Addresses, netip.PrefixFrom(addr, maskBits(mask)))
		}
		for _, a := range f.IPv6 {
			if p, err := netip.ParsePrefix(a); err == nil {
				va.Spec.Addresses = append(va.Spec.Addresses, p)
			}
		}
		if len(va.Spec.Addresses) == 0 {
			va.Spec.Unnumbered = f.IPv6Unnumbered
		}
	}
	return nil
}

func maskBits(mask netip.Addr) int {
	n := 0
	for _, b := range mask.As4() {
		for ; b&0x80 != 0; b <<= 1 {
			n++
		}
	}
	return n
}

// autoMode is the tunnel mode "virtual-template N mode auto" derives: GRE
// when the selectors carry GRE, IPsec otherwise, over the family of the
// outer addresses, with an overlay when the inner family differs (seed
// 001:854-894).
func autoMode(src, dst netip.Addr, r *session) string {
	outer6 := src.Is6() || !src.IsValid() && dst.Is6()
	switch {
	case r.gre && outer6:
		return "gre ipv6"
	case r.gre:
		return "" // gre ip, IOS's default
	case outer6 && r.innerIPv6:
		return "ipsec ipv6"
	case outer6:
		return "ipsec ipv6 v4-overlay"
	case r.innerIPv6:
		return "ipsec ipv4 v6-overlay"
	}
	return "ipsec ipv4"
}

// ensure programs the data plane, if there is one, for an interface with
// configuration cfg (whose per-session lists win over configured lists of
// the same name).
func (s *Service) ensure(spec dataplane.InterfaceSpec, cfg *ifConfig) error {
	if s.dp == nil {
		return nil
	}
	spec.InFilter, spec.OutFilter = s.filter(spec.InACL, cfg), s.filter(spec.OutACL, cfg)
	if err := s.dp.EnsureInterface(spec); err != nil {
		return fmt.Errorf("vtemplate: %s: %w", spec.Name, err)
	}
	return nil
}

// template reads "interface Virtual-TemplateN" as of the current
// revision; a clone per session costs one atomic load while the
// configuration does not change.
func (s *Service) template(n int) (*cachedTemplate, error) {
	if s.db == nil {
		return nil, fmt.Errorf("vtemplate: Virtual-Template%d: no configuration", n)
	}
	rev := s.db.Rev()
	s.mu.Lock()
	c := s.templates[n]
	s.mu.Unlock()
	if c != nil && c.rev == rev {
		return c, c.err
	}
	c = &cachedTemplate{}
	name := "Virtual-Template" + strconv.Itoa(n)
	var i schema.Interface
	err := s.db.View(func(tx *configdb.ReadTx) error {
		c.rev = tx.Rev()
		found, err := tx.GetJSON(schema.KindInterface, name, &i)
		switch {
		case err != nil:
			return fmt.Errorf("vtemplate: %s: %w", name, err)
		case !found || i.Type != schema.IfVirtualTemplate:
			return fmt.Errorf("vtemplate: %s does not exist", name)
		case i.VTType != schema.VTTunnel:
			return fmt.Errorf("vtemplate: %s is not of type tunnel", name)
		}
		return nil
	})
	c.cfg, c.err = &ifConfig{Interface: i}, err
	if err != nil {
		c.cfg = nil
	}
	s.mu.Lock()
	s.templates[n] = c
	s.mu.Unlock()
	return c, c.err
}

// Reapply applies interface-config lines to a live interface, as a CoA
// does (seed 001:1166-1290): later lines overwrite, service-policy
// included. Either every line applies or none does: a line IOS would
// refuse fails the whole change and leaves the interface as it was.
func (s *Service) Reapply(name string, lines []string) error {
	return s.reapply(name, lines, nil)
}

// ApplySessionACLs is Reapply with per-session access lists (CoA
// inacl/outacl, seed 001:1232-1290): acls are installed on the interface
// for the lines ("IP access-group Virtual-Access1#2601 in") to apply,
// replacing the interface's lists of the same names. Each must be
// applied by the lines; all apply or none does. A per-session list
// belongs to its interface alone: it is never in configdb, it filters
// in place of a configured list of the same name, and it goes when no
// access group names it any more or the interface goes.
func (s *Service) ApplySessionACLs(name string, lines []string, acls []*schema.ACL) error {
	return s.reapply(name, lines, acls)
}

func (s *Service) reapply(name string, lines []string, acls []*schema.ACL) error {
	own := make([]*sessionACL, 0, len(acls))
	for _, a := range acls {
		sa, err := newSessionACL(a)
		if err != nil {
			return fmt.Errorf("vtemplate: %s: %w", name, err)
		}
		own = append(own, sa)
	}
	e := s.lookup(name)
	if e == nil {
		return fmt.Errorf("vtemplate: %s: %w", name, ErrNotFound)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.removed {
		return fmt.Errorf("vtemplate: %s: %w", name, ErrNotFound)
	}
	cfg := e.cfg.clone()
	var applied, refused []string
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		applied = append(applied, line)
		if err := cfg.apply(line, true); err != nil {
			refused = append(refused, fmt.Sprintf("%q: %v", line, err))
		}
	}
	if len(refused) > 0 {
		return fmt.Errorf("vtemplate: %s: interface-config refused: %s", name, strings.Join(refused, "; "))
	}
	for _, a := range own {
		cfg.setSessionACL(a)
	}
	cfg.pruneSessionACLs()
	for _, a := range own {
		if cfg.sessionACL(a.def.Name) != a {
			return fmt.Errorf("vtemplate: %s: access list %s is not applied", name, a.def.Name)
		}
	}
	if len(applied) == 0 {
		return nil
	}
	if s.debug.On(logging.FlagVTemplateCloning) {
		s.debugMu.Lock()
		s.debugBlock(e.number, "AAA", applied)
		s.debugMu.Unlock()
	}
	va, err := e.render(cfg)
	if err != nil {
		return err
	}
	if err := s.ensure(va.Spec, cfg); err != nil {
		return err
	}
	s.mu.Lock()
	e.cfg = cfg
	s.mu.Unlock()
	return nil
}

// lookup returns the live interface name names, or nil.
func (s *Service) lookup(name string) *entry {
	n, ok := vaNumber(name)
	if !ok {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byNumber[n]
}

// Remove deletes a virtual-access interface. Its number is free again
// once the data plane has let go of it.
func (s *Service) Remove(name string) error {
	n, ok := vaNumber(name)
	s.mu.Lock()
	e := s.byNumber[n]
	if ok && e != nil {
		delete(s.byNumber, n)
		t := e.sess.template
		if s.active[t]--; s.active[t] <= 0 {
			delete(s.active, t)
		}
	}
	s.mu.Unlock()
	if !ok || e == nil {
		return fmt.Errorf("vtemplate: %s: %w", name, ErrNotFound)
	}
	e.mu.Lock()
	e.removed = true
	var err error
	if s.dp != nil {
		err = s.dp.RemoveInterface(name)
	}
	e.mu.Unlock()
	s.mu.Lock()
	s.nums.put(e.number)
	s.mu.Unlock()
	if err != nil && !errors.Is(err, dataplane.ErrNotFound) {
		return fmt.Errorf("vtemplate: %s: %w", name, err)
	}
	return nil
}

// Active is the number of live virtual-access interfaces cloned from
// virtual-template n: while it is not zero the template is locked (seed
// 001:699-701).
func (s *Service) Active(template int) int {
	if s == nil {
		return 0
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active[template]
}

// Get returns a live virtual-access interface by name ("Virtual-Access1").
func (s *Service) Get(name string) (VirtualAccess, bool) {
	if s == nil {
		return VirtualAccess{}, false
	}
	n, ok := vaNumber(name)
	if !ok {
		return VirtualAccess{}, false
	}
	s.mu.Lock()
	e := s.byNumber[n]
	var cfg *ifConfig
	if e != nil {
		cfg = e.cfg
	}
	s.mu.Unlock()
	if e == nil {
		return VirtualAccess{}, false
	}
	return *e.published(cfg), true
}

// published renders the interface with the configuration published last:
// it rendered without error then, and renders the same now.
func (e *entry) published(cfg *ifConfig) *VirtualAccess {
	va, err := e.render(cfg)
	if err != nil {
		panic("vtemplate: " + Name(e.number) + ": published configuration no longer renders: " + err.Error())
	}
	return va
}

// List returns the live virtual-access interfaces by number.
func (s *Service) List() []VirtualAccess {
	if s == nil {
		return nil
	}
	type published struct {
		e   *entry
		cfg *ifConfig
	}
	s.mu.Lock()
	live := make([]published, 0, len(s.byNumber))
	for _, e := range s.byNumber {
		live = append(live, published{e, e.cfg})
	}
	s.mu.Unlock()
	slices.SortFunc(live, func(a, b published) int { return a.e.number - b.e.number })
	out := make([]VirtualAccess, len(live))
	for i, p := range live {
		out[i] = *p.e.published(p.cfg)
	}
	return out
}

// Counters are the data plane's counters of a live interface.
func (s *Service) Counters(name string) (dataplane.Counters, error) {
	if s == nil || s.dp == nil {
		return dataplane.Counters{}, fmt.Errorf("vtemplate: %s: no data plane: %w", name, dataplane.ErrNotFound)
	}
	return s.dp.Counters(name)
}
