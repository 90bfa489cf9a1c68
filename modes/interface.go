package modes

import (
	"fmt"
	"net/netip"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerInterface) }

// vtLocked is IOS's refusal to touch a template that live virtual-access
// interfaces were cloned from (seed 001:700).
const vtLocked = "% Virtual-template config is locked, active vaccess present"

// ifSpec is what an interface name says about the interface it names.
type ifSpec struct {
	name   string // canonical: Ethernet0/0, Loopback0, Virtual-Template1, eth0
	typ    string // schema.IfPhysical, IfLoopback or IfVirtualTemplate
	number int    // Loopback and Virtual-Template number
	linux  bool   // the name is a Linux link name, not an IOS alias
}

// parseIfName classifies an interface name as typed. Virtual-Access
// interfaces are the vtemplate service's clones, and static Tunnel
// interfaces are not part of a remote-access head-end: both are refused.
func parseIfName(word string) (ifSpec, error) {
	canon, ios := schema.CanonicalIfName(word)
	if !ios {
		if !schema.IsLinuxIfName(word) {
			return ifSpec{}, IOSError("% Invalid interface name " + word)
		}
		return ifSpec{name: word, typ: schema.IfPhysical, linux: true}, nil
	}
	kind, num, _ := schema.SplitIfName(canon)
	switch kind {
	case "Loopback":
		n, err := strconv.ParseInt(num, 10, 64)
		if err != nil || n > 2147483647 {
			return ifSpec{}, IOSError("% Invalid interface number " + canon)
		}
		return ifSpec{name: "Loopback" + strconv.Itoa(int(n)), typ: schema.IfLoopback, number: int(n)}, nil
	case "Virtual-Template":
		n, err := strconv.Atoi(num)
		if err != nil || n < 1 || n > 200 {
			return ifSpec{}, IOSError("% Invalid interface number " + canon + " (Virtual-Template numbers are 1-200)")
		}
		return ifSpec{name: "Virtual-Template" + strconv.Itoa(n), typ: schema.IfVirtualTemplate, number: n}, nil
	case "Virtual-Access":
		return ifSpec{}, IOSError("% " + canon + " is cloned from a virtual-template: configure the template instead")
	case "Tunnel":
		return ifSpec{}, IOSError("% Tunnel interfaces are not supported: use interface Virtual-Template<n> type tunnel")
	}
	return ifSpec{name: canon, typ: schema.IfPhysical}, nil
}

// wordPos is the byte offset of the i-th word of line, or len(line).
func wordPos(line string, i int) int {
	if w := grammar.Split(line); i < len(w) {
		return w[i].Pos
	}
	return len(line)
}

// invalidAt rejects a command as IOS's parser would reject a word it does
// not know there: i counts the words after a leading "no". Used for
// commands that exist in config-if but not for this type of interface.
func invalidAt(c *Ctx, i int) error {
	if c.Args.No() {
		i++
	}
	return &grammar.Error{Kind: grammar.ErrInvalid, Line: c.Line, Pos: wordPos(c.Line, i)}
}

func vtActive(c *Ctx, number int) bool {
	return c.Env.VTemplateActive != nil && c.Env.VTemplateActive(number) > 0
}

const (
	helpIfName  = "Interface name (e.g. Ethernet0/0, Loopback0, Virtual-Template1, eth0)"
	helpVTType  = "type of the virtual-template\nSet VT type as ethernet\nSet VT type as serial\nSet VT type as tunnel"
	helpACLName = "IP access list (standard or extended)\nIP expanded access list (standard or extended)\nAccess-list name"
)

func registerInterface(t *Tree) {
	ifMode := t.NewMode("config-if", nil, "Interface configuration commands:")
	enter := ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return enterInterface(c, tx, ifMode) })
	t.Config.Add(
		&grammar.Command{Def: "[no] interface IFNAME$name [type <ethernet|serial|tunnel>$vttype]",
			Help: "\n" + helpIfName + "\n" + helpVTType, Action: enter},
		&grammar.Command{Def: "[no] interface virtual-template <1-200>$vt [type <ethernet|serial|tunnel>$vttype]",
			Help: "\nVirtual Template interface\nVirtual-Template interface number\n" + helpVTType, Action: enter},
		&grammar.Command{Def: "[no] interface loopback <0-2147483647>$lo",
			Help: "\nLoopback interface\nLoopback interface number", Action: enter},
		&grammar.Command{Def: "[no] interface ethernet WORD$eth",
			Help: "\nIEEE 802.3\nEthernet interface number (slot/port)", Action: enter},
		&grammar.Command{Def: "[no] interface gigabitethernet WORD$gig",
			Help: "\nGigabit Ethernet (IEEE 802.3z)\nGigabitEthernet interface number (slot/port)", Action: enter},
	)
	ifMode.Add(
		&grammar.Command{Def: "[no] description LINE$text", ShortNo: true,
			Help: "Interface specific description\nUp to 240 characters describing this interface",
			Action: ifFunc(func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
				if len(c.Args.Str("text")) > 240 {
					return IOSError("% Description is limited to 240 characters")
				}
				i.Description = noOr(c, c.Args.Str("text"))
				return nil
			})},
		&grammar.Command{Def: "[no] ip address A.B.C.D$addr A.B.C.D$mask [secondary$secondary]", ShortNo: true,
			Help:   "Interface Internet Protocol config commands\nSet the IP address of an interface\nIP address\nIP subnet mask\nMake this IP address a secondary address",
			Action: ifFunc(setIPAddress)},
		&grammar.Command{Def: "[no] ip unnumbered IFNAME$if", ShortNo: true,
			Help:   "\nEnable IP processing without an explicit address\n" + helpIfName,
			Action: ifFunc(setUnnumbered(func(i *schema.Interface) *string { i.IPv4 = nil; return &i.IPUnnumbered }))},
		&grammar.Command{Def: "[no] ip mtu <68-65535>$mtu", ShortNo: true,
			Help: "\nSet IP Maximum Transmission Unit\nMTU (bytes)",
			Action: ifFunc(func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
				i.IPMTU = int(noOr(c, c.Args.Int("mtu")))
				return nil
			})},
		&grammar.Command{Def: "[no] ip tcp adjust-mss <500-1460>$mss", ShortNo: true,
			Help: "\nTCP header compression and/or ACK suppression parameters\nAdjust the mss of transit packets\nMaximum segment size in bytes",
			Action: ifFunc(func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
				i.TCPAdjustMSS = int(noOr(c, c.Args.Int("mss")))
				return nil
			})},
		&grammar.Command{Def: "[no] ip access-group <<1-199>|<1300-2699>|WORD>$acl <in|out>$dir",
			Help:   "\nSpecify access control for packets\n" + helpACLName + "\ninbound packets\noutbound packets",
			Action: ifFunc(setAccessGroup)},
		&grammar.Command{Def: "no ip access-group <in|out>$dir", Hidden: true,
			Help: "\n\n\ninbound packets\noutbound packets", Action: ifFunc(setAccessGroup)},
		&grammar.Command{Def: "[no] ip vrf forwarding WORD$vrf", ShortNo: true,
			Help:   "\nVPN Routing/Forwarding parameters on the interface\nConfigure forwarding table\nVRF name",
			Action: ifFunc(setIfVRF(schema.VRFStyleLegacy))},
		&grammar.Command{Def: "[no] vrf forwarding WORD$vrf", ShortNo: true,
			Help:   "VPN Routing/Forwarding parameters on the interface\nConfigure forwarding table\nVRF name",
			Action: ifFunc(setIfVRF(schema.VRFStyleDefinition))},
		&grammar.Command{Def: "[no] ipv6 address X:X::X:X/M$prefix", ShortNo: true,
			Help:   "IPv6 interface subcommands\nConfigure IPv6 address on interface\nIPv6 prefix",
			Action: ifFunc(setIPv6Address)},
		&grammar.Command{Def: "[no] ipv6 enable",
			Help: "\nEnable IPv6 on interface",
			Action: ifFunc(func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
				i.IPv6Enable = !c.Args.No()
				return nil
			})},
		&grammar.Command{Def: "[no] ipv6 unnumbered IFNAME$if", ShortNo: true,
			Help:   "\nPreferred interface for source address selection\n" + helpIfName,
			Action: ifFunc(setUnnumbered(func(i *schema.Interface) *string { return &i.IPv6Unnumbered }))},
		&grammar.Command{Def: "[no] shutdown", Help: "Shutdown the selected interface",
			Action: ifFunc(func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
				i.Shutdown = !c.Args.No()
				return nil
			})},
		&grammar.Command{Def: "[no] linux-name WORD$link", ShortNo: true,
			Help:   "Bind this interface to a Linux link of the router's namespace\nLinux link name",
			Action: ifFunc(setLinuxName)},
		&grammar.Command{Def: "[no] service-policy <input|output>$dir WORD$policy",
			Help: "Configure QoS Service Policy\nAssign policy-map to the input of an interface\nAssign policy-map to the output of an interface\npolicy-map name",
			Action: ifFunc(func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
				field := &i.ServicePolicyIn
				if c.Args.Str("dir") == "output" {
					field = &i.ServicePolicyOut
				}
				*field = noOr(c, c.Args.Str("policy"))
				return nil
			})},
	)
	registerTunnel(ifMode)
	t.Section(OrderInterface, func(r *Renderer, tx Reader) {
		for _, i := range sortedInterfaces(tx) {
			renderInterface(r, i)
		}
	})
	registerInterfaceShow(t)
}

// registerTunnel declares the tunnel sub-commands; they exist on
// virtual-templates only (IOS has no tunnel commands on Ethernet or
// Loopback interfaces).
func registerTunnel(ifMode *Mode) {
	tunnel := func(fn func(c *Ctx, t *schema.Tunnel)) ConfigFunc {
		return ifFunc(func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
			if i.Type != schema.IfVirtualTemplate {
				return invalidAt(c, 0)
			}
			if i.Tunnel == nil {
				i.Tunnel = &schema.Tunnel{}
			}
			fn(c, i.Tunnel)
			if i.Tunnel.IsZero() {
				i.Tunnel = nil
			}
			return nil
		})
	}
	ifMode.Add(
		&grammar.Command{Def: "[no] tunnel source <A.B.C.D$addr|IFNAME$if>", ShortNo: true,
			Help: "protocol-over-protocol tunneling\nsource of tunnel packets\nip address\n" + helpIfName,
			Action: tunnel(func(c *Ctx, t *schema.Tunnel) {
				t.Source = c.Args.Str("addr")
				if c.Args.Has("if") {
					t.Source, _ = schema.CanonicalIfName(c.Args.Str("if"))
				}
				t.Source = noOr(c, t.Source)
			})},
		&grammar.Command{Def: "[no] tunnel destination A.B.C.D$addr", ShortNo: true,
			Help: "\ndestination of tunnel\nip address",
			Action: tunnel(func(c *Ctx, t *schema.Tunnel) {
				t.Destination = noOr(c, c.Args.Str("addr"))
			})},
		&grammar.Command{Def: "[no] tunnel mode <gre$kind <ip|ipv6|multipoint>$over|ipsec$kind <ipv4$over [v6-overlay$overlay]|ipv6$over [v4-overlay$overlay]>>",
			ShortNo: true,
			Help: "\ntunnel encapsulation method\ngeneric route encapsulation protocol\nover IP\nover IPv6\nover IP (multipoint)\n" +
				"IPSec tunnel encapsulation\nover IPv4\nIPv6 over IPv4 IPSec tunnel\nover IPv6\nIPv4 over IPv6 IPSec tunnel",
			Action: tunnel(setTunnelMode)},
		&grammar.Command{Def: "[no] tunnel key <0-4294967295>$tkey", ShortNo: true,
			Help: "\nsecurity or selector key\nkey",
			Action: tunnel(func(c *Ctx, t *schema.Tunnel) {
				t.HasKey = !c.Args.No()
				t.Key = noOr(c, c.Args.Int("tkey"))
			})},
		&grammar.Command{Def: "[no] tunnel protection ipsec profile WORD$profile [shared$shared]", ShortNo: true,
			Help: "\nEnable tunnel protection\nUse ipsec to protect this tunnel\nDetermine the ipsec policy profile to use.\nName of the ipsec profile\nShare SA database between tunnel interfaces",
			Action: tunnel(func(c *Ctx, t *schema.Tunnel) {
				t.ProtectionProfile = noOr(c, c.Args.Str("profile"))
				t.ProtectionShared = !c.Args.No() && c.Args.Has("shared")
			})},
	)
}

// noOr is v, or the zero value for the "no" form.
func noOr[T any](c *Ctx, v T) T {
	if c.Args.No() {
		var zero T
		return zero
	}
	return v
}

// ifFunc runs fn on the interface the config-if session edits.
func ifFunc(fn func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		name := c.Key(0)
		i, ok := load[schema.Interface](tx, schema.KindInterface, name)
		if !ok {
			// Removed by another session while this one was in config-if:
			// the line recreates it, as IOS recreates a deleted loopback.
			spec, err := parseIfName(name)
			if err != nil {
				return err
			}
			i = newInterface(spec, "")
		}
		if err := fn(c, tx, i); err != nil {
			return err
		}
		return store(tx, schema.KindInterface, name, i)
	}
}

func newInterface(spec ifSpec, vtType string) *schema.Interface {
	return &schema.Interface{Name: spec.name, Type: spec.typ, Number: spec.number, VTType: vtType}
}

// ifNameArg is the interface the "interface" command names, in whichever
// of its spellings it was typed.
func ifNameArg(c *Ctx) (ifSpec, error) {
	switch {
	case c.Args.Has("vt"):
		return parseIfName("Virtual-Template" + c.Args.Str("vt"))
	case c.Args.Has("lo"):
		return parseIfName("Loopback" + c.Args.Str("lo"))
	case c.Args.Has("eth"), c.Args.Has("gig"):
		num, typ := c.Args.Str("eth"), "Ethernet"
		if c.Args.Has("gig") {
			num, typ = c.Args.Str("gig"), "GigabitEthernet"
		}
		if !schema.IsIfNumber(num) {
			return ifSpec{}, invalidAt(c, 2)
		}
		return parseIfName(typ + num)
	}
	return parseIfName(c.Args.Str("name"))
}

// enterInterface creates (or removes, for "no") an interface and enters
// config-if for it.
func enterInterface(c *Ctx, tx *configdb.Tx, ifMode *Mode) error {
	spec, err := ifNameArg(c)
	if err != nil {
		return err
	}
	if spec.typ == schema.IfVirtualTemplate && vtActive(c, spec.number) {
		return IOSError(vtLocked)
	}
	if c.Args.No() {
		tx.Delete(schema.KindInterface, spec.name)
		return nil
	}
	vtType := c.Args.Str("vttype")
	if vtType == schema.VTSerial {
		vtType = "" // IOS's default type
	}
	if c.Args.Has("type") && spec.typ != schema.IfVirtualTemplate {
		return invalidAt(c, 2)
	}
	i, exists := load[schema.Interface](tx, schema.KindInterface, spec.name)
	switch {
	case !exists:
		if spec.linux {
			if owner := linkOwner(tx, spec.name, ""); owner != "" {
				return IOSError("% Linux link " + spec.name + " is bound to " + owner + ": configure it there")
			}
		}
		i = newInterface(spec, vtType)
	case c.Args.Has("type") && i.VTType != vtType:
		return IOSError("% " + spec.name + " already exists with another type: remove it first (no interface " + spec.name + ")")
	}
	if err := store(tx, schema.KindInterface, spec.name, i); err != nil {
		return err
	}
	c.Sess.Enter(ifMode, spec.name)
	return nil
}

// linkOwner names the configured interface, other than except, that uses
// the Linux link: an IOS alias bound to it or the link's own block.
func linkOwner(tx Reader, link, except string) string {
	owner := ""
	each(tx, schema.KindInterface, func(name string, i *schema.Interface) {
		if name != except && owner == "" && (i.LinuxName == link || name == link) {
			owner = name
		}
	})
	return owner
}

func setLinuxName(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
	if i.Type != schema.IfPhysical || !isIOSName(i.Name) {
		return invalidAt(c, 0) // loopbacks, templates and Linux-named links have no alias to bind
	}
	if c.Args.No() {
		i.LinuxName = ""
		return nil
	}
	link := c.Args.Str("link")
	if !schema.IsLinuxIfName(link) {
		return IOSError("% Invalid Linux link name " + link)
	}
	if owner := linkOwner(tx, link, i.Name); owner != "" {
		return IOSError("% Linux link " + link + " is already used by interface " + owner)
	}
	i.LinuxName = link
	return nil
}

func isIOSName(name string) bool { _, ios := schema.CanonicalIfName(name); return ios }

// setUnnumbered is "ip[v6] unnumbered IFNAME": field clears what the
// borrowed address replaces and returns the setting. The interface lent
// from need not exist yet.
func setUnnumbered(field func(i *schema.Interface) *string) func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
	return func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
		if c.Args.No() {
			*field(i) = ""
			return nil
		}
		name, _ := schema.CanonicalIfName(c.Args.Str("if"))
		if name == i.Name {
			return IOSError("% Interface cannot be unnumbered to itself")
		}
		*field(i) = name
		return nil
	}
}

// maskLen is the prefix length of a contiguous netmask.
func maskLen(mask netip.Addr) (int, bool) {
	m := addrUint(mask)
	n := 0
	for n < 32 && m&(1<<(31-n)) != 0 {
		n++
	}
	return n, n == 32 || m<<n == 0
}

func addrUint(a netip.Addr) uint32 {
	b := a.As4()
	return uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
}

func uintAddr(v uint32) netip.Addr {
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)})
}

// checkHostAddress validates an interface address as IOS does: a host
// address, a contiguous mask, and (below /31) neither the subnet's network
// nor its broadcast address.
func checkHostAddress(addr, mask netip.Addr) (netip.Prefix, error) {
	first := addr.As4()[0]
	if first == 0 || first == 127 || first >= 224 {
		return netip.Prefix{}, IOSError("Not a valid host address - " + addr.String())
	}
	n, ok := maskLen(mask)
	if !ok {
		return netip.Prefix{}, IOSError(fmt.Sprintf("Bad mask 0x%X for address %s", addrUint(mask), addr))
	}
	host := addrUint(addr) &^ addrUint(mask)
	if n == 0 || n <= 30 && (host == 0 || host == ^addrUint(mask)) {
		return netip.Prefix{}, IOSError(fmt.Sprintf("Bad mask /%d for address %s", n, addr))
	}
	return netip.PrefixFrom(addr, n), nil
}

func setIPAddress(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
	if c.Args.No() && !c.Args.Has("addr") {
		i.IPv4, i.IPUnnumbered = nil, ""
		return nil
	}
	addr := netip.MustParseAddr(c.Args.Str("addr"))
	mask := netip.MustParseAddr(c.Args.Str("mask"))
	secondary := c.Args.Has("secondary")
	want := schema.IfAddress{Address: addr.String(), Mask: mask.String(), Secondary: secondary}
	if c.Args.No() {
		return removeIPAddress(i, want)
	}
	p, err := checkHostAddress(addr, mask)
	if err != nil {
		return err
	}
	if err := checkOverlap(tx, i, p); err != nil {
		return err
	}
	var kept []schema.IfAddress
	for _, a := range i.IPv4 {
		if a.Address != want.Address && (secondary || a.Secondary) {
			kept = append(kept, a)
		}
	}
	if secondary {
		i.IPv4 = append(kept, want)
	} else {
		i.IPv4 = append([]schema.IfAddress{want}, kept...)
	}
	i.IPUnnumbered = ""
	return nil
}

func removeIPAddress(i *schema.Interface, want schema.IfAddress) error {
	for k, a := range i.IPv4 {
		if a.Address != want.Address || a.Mask != want.Mask {
			continue
		}
		if !a.Secondary && !want.Secondary && len(i.IPv4) > 1 {
			return IOSError("Must delete secondary before deleting primary")
		}
		if a.Secondary != want.Secondary {
			break
		}
		i.IPv4 = append(i.IPv4[:k], i.IPv4[k+1:]...)
		return nil
	}
	return IOSError("% Address " + want.Address + " " + want.Mask + " is not configured on this interface")
}

// checkOverlap refuses a subnet that overlaps another interface's in the
// same VRF, as IOS does.
func checkOverlap(tx Reader, self *schema.Interface, p netip.Prefix) error {
	var err error
	each(tx, schema.KindInterface, func(name string, other *schema.Interface) {
		if err != nil || name == self.Name || other.VRF != self.VRF {
			return
		}
		for _, a := range other.IPv4 {
			n, _ := maskLen(netip.MustParseAddr(a.Mask))
			q := netip.PrefixFrom(netip.MustParseAddr(a.Address), n)
			if q.Masked().Overlaps(p.Masked()) {
				err = IOSError("% " + p.Masked().Addr().String() + " overlaps with " + name)
				return
			}
		}
	})
	return err
}

func setIPv6Address(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
	if c.Args.No() && !c.Args.Has("prefix") {
		i.IPv6 = nil
		return nil
	}
	p := ipv6Text(netip.MustParsePrefix(c.Args.Str("prefix")).String())
	kept := i.IPv6[:0]
	for _, a := range i.IPv6 {
		if a != p {
			kept = append(kept, a)
		}
	}
	i.IPv6 = kept
	if !c.Args.No() {
		i.IPv6 = append(i.IPv6, p)
	}
	return nil
}

// ipv6Text is an IPv6 address or prefix as IOS shows it: upper case.
func ipv6Text(s string) string { return strings.ToUpper(s) }

func setAccessGroup(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
	acl := noOr(c, c.Args.Str("acl"))
	if c.Args.Has("dir") {
		if c.Args.Str("dir") == "in" {
			i.AccessGroupIn = acl
		} else {
			i.AccessGroupOut = acl
		}
		return nil
	}
	i.AccessGroupIn, i.AccessGroupOut = "", "" // bare "no ip access-group"
	return nil
}

// setIfVRF is "[ip] vrf forwarding NAME". Moving an interface between VRFs
// removes its addresses, with IOS's notice; a legacy ip vrf is IPv4 only,
// so it leaves IPv6 alone.
func setIfVRF(style string) func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
	return func(c *Ctx, tx *configdb.Tx, i *schema.Interface) error {
		vrf := noOr(c, c.Args.Str("vrf"))
		if vrf == i.VRF {
			if vrf != "" {
				i.VRFStyle = style
			}
			return nil
		}
		verb, shown := "enabling", vrf
		if vrf == "" {
			verb, shown = "disabling", i.VRF
		}
		if len(i.IPv4) > 0 || i.IPUnnumbered != "" {
			c.Printf("%% Interface %s IPv4 disabled and address(es) removed due to %s VRF %s\n", i.Name, verb, shown)
			i.IPv4, i.IPUnnumbered = nil, ""
		}
		if style == schema.VRFStyleDefinition && (len(i.IPv6) > 0 || i.IPv6Enable || i.IPv6Unnumbered != "") {
			c.Printf("%% Interface %s IPv6 disabled and address(es) removed due to %s VRF %s\n", i.Name, verb, shown)
			i.IPv6, i.IPv6Enable, i.IPv6Unnumbered = nil, false, ""
		}
		i.VRF, i.VRFStyle = vrf, style
		if vrf == "" {
			i.VRFStyle = ""
		}
		return nil
	}
}

// setTunnelMode stores the encapsulation; GRE over IPv4 is IOS's default
// and is kept as "" so that it is not rendered.
func setTunnelMode(c *Ctx, t *schema.Tunnel) {
	mode := ""
	if !c.Args.No() {
		mode = strings.TrimSpace(c.Args.Str("kind") + " " + c.Args.Str("over") + " " + c.Args.Str("overlay"))
	}
	if mode == "gre ip" {
		mode = ""
	}
	t.Mode = mode
}

// ifClass orders interface blocks as IOS does: loopbacks, physical, then
// virtual-templates.
func ifClass(i *schema.Interface) int {
	switch i.Type {
	case schema.IfLoopback:
		return 0
	case schema.IfVirtualTemplate:
		return 2
	}
	return 1
}

func sortedInterfaces(tx Reader) []*schema.Interface {
	var out []*schema.Interface
	each(tx, schema.KindInterface, func(_ string, i *schema.Interface) { out = append(out, i) })
	sortNatural(out, func(i *schema.Interface) (int, string) { return ifClass(i), i.Name })
	return out
}

func renderInterface(r *Renderer, i *schema.Interface) {
	head := "interface " + i.Name
	if i.VTType != "" {
		head += " type " + i.VTType
	}
	r.Line(0, "%s", head)
	if i.Description != "" {
		r.Line(1, "description %s", i.Description)
	}
	if i.LinuxName != "" {
		r.Line(1, "linux-name %s", i.LinuxName)
	}
	if i.VRF != "" {
		if i.VRFStyle == schema.VRFStyleLegacy {
			r.Line(1, "ip vrf forwarding %s", i.VRF)
		} else {
			r.Line(1, "vrf forwarding %s", i.VRF)
		}
	}
	// IOS lists the secondary addresses before the primary.
	for _, a := range i.IPv4 {
		if a.Secondary {
			r.Line(1, "ip address %s %s secondary", a.Address, a.Mask)
		}
	}
	switch p := i.Primary(); {
	case p != nil:
		r.Line(1, "ip address %s %s", p.Address, p.Mask)
	case i.IPUnnumbered != "":
		r.Line(1, "ip unnumbered %s", i.IPUnnumbered)
	case len(i.IPv4) == 0:
		r.Line(1, "no ip address")
	}
	if i.AccessGroupIn != "" {
		r.Line(1, "ip access-group %s in", i.AccessGroupIn)
	}
	if i.AccessGroupOut != "" {
		r.Line(1, "ip access-group %s out", i.AccessGroupOut)
	}
	if i.IPMTU != 0 {
		r.Line(1, "ip mtu %d", i.IPMTU)
	}
	if i.TCPAdjustMSS != 0 {
		r.Line(1, "ip tcp adjust-mss %d", i.TCPAdjustMSS)
	}
	if i.Shutdown {
		r.Line(1, "shutdown")
	}
	for _, a := range i.IPv6 {
		r.Line(1, "ipv6 address %s", a)
	}
	if i.IPv6Enable {
		r.Line(1, "ipv6 enable")
	}
	if i.IPv6Unnumbered != "" {
		r.Line(1, "ipv6 unnumbered %s", i.IPv6Unnumbered)
	}
	renderTunnel(r, i.Tunnel)
	if i.ServicePolicyIn != "" {
		r.Line(1, "service-policy input %s", i.ServicePolicyIn)
	}
	if i.ServicePolicyOut != "" {
		r.Line(1, "service-policy output %s", i.ServicePolicyOut)
	}
	r.Bang()
}

// renderTunnel writes the tunnel lines in the order IOS shows them
// (seed 001:843-847: source, destination, key, protection).
func renderTunnel(r *Renderer, t *schema.Tunnel) {
	if t == nil {
		return
	}
	if t.Source != "" {
		r.Line(1, "tunnel source %s", t.Source)
	}
	if t.Mode != "" {
		r.Line(1, "tunnel mode %s", t.Mode)
	}
	if t.Destination != "" {
		r.Line(1, "tunnel destination %s", t.Destination)
	}
	if t.HasKey {
		r.Line(1, "tunnel key %d", t.Key)
	}
	if t.ProtectionProfile != "" {
		line := "tunnel protection ipsec profile " + t.ProtectionProfile
		if t.ProtectionShared {
			line += " shared"
		}
		r.Line(1, "%s", line)
	}
}
