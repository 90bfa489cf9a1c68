package modes

import (
	"net/netip"
	"regexp"
	"sort"
	"strconv"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerRouting) }

func registerRouting(t *Tree) {
	vrfMode := t.NewMode("config-vrf", nil, "VRF configuration commands:")
	afMode := t.NewMode("config-vrf-af", vrfMode, "VRF address-family configuration commands:")
	t.Config.Add(
		&grammar.Command{Def: "[no] vrf definition WORD$name",
			Help:   "\nVRF definition\nVRF name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return enterVRF(c, tx, vrfMode, schema.VRFStyleDefinition) })},
		&grammar.Command{Def: "[no] ip vrf WORD$name",
			Help:   "\nConfigure an IP VPN Routing/Forwarding instance\nVPN Routing/Forwarding instance name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return enterVRF(c, tx, vrfMode, schema.VRFStyleLegacy) })},
		&grammar.Command{Def: "[no] ip route [vrf WORD$vrf] A.B.C.D$prefix A.B.C.D$mask <A.B.C.D$nh|IFNAME$if [A.B.C.D$nh]> [<1-255>$distance] {name WORD$rname|permanent$permanent|tag <1-4294967295>$tag}",
			Help: "\nEstablish static routes\nConfigure static route for a VPN Routing/Forwarding instance\nVPN Routing/Forwarding instance name\n" +
				"Destination prefix\nDestination prefix mask\nForwarding router's address\n" + helpIfName + "\nForwarding router's address\n" +
				"Distance metric for this route\nSpecify name of the next hop\nName of the next hop\npermanent route\nSet tag for this route\nTag value",
			Action: ConfigFunc(setIPRoute)},
		&grammar.Command{Def: "no ip route [vrf WORD$vrf] A.B.C.D$prefix A.B.C.D$mask", Hidden: true,
			Help: "\n\n\n\nVPN Routing/Forwarding instance name\nDestination prefix\nDestination prefix mask", Action: ConfigFunc(setIPRoute)},
		&grammar.Command{Def: "[no] ipv6 route X:X::X:X/M$prefix <X:X::X:X$nh|IFNAME$if [X:X::X:X$nh]> [<1-254>$distance]",
			Help:   "\nConfigure static routing\nIPv6 prefix\nIPv6 address of next-hop\n" + helpIfName + "\nIPv6 address of next-hop\nAdministrative distance",
			Action: ConfigFunc(setIPv6Route)},
		&grammar.Command{Def: "no ipv6 route X:X::X:X/M$prefix", Hidden: true,
			Help: "\n\n\nIPv6 prefix", Action: ConfigFunc(setIPv6Route)},
	)
	vrfMode.Add(
		&grammar.Command{Def: "[no] rd ASN:NN$rd", ShortNo: true,
			Help: "Specify Route Distinguisher\nVPN Route Distinguisher (ASN:nn or IP-address:nn)",
			Action: vrfFunc(func(c *Ctx, tx *configdb.Tx, v *schema.VRF) error {
				if c.Args.No() {
					v.RD = ""
					return nil
				}
				return setRD(tx, v, c.Args.Str("rd"))
			})},
		&grammar.Command{Def: "[no] description LINE$text", ShortNo: true,
			Help: "VRF specific description\nUp to 244 characters describing this VRF",
			Action: vrfFunc(func(c *Ctx, tx *configdb.Tx, v *schema.VRF) error {
				v.Description = noOr(c, c.Args.Str("text"))
				return nil
			})},
		&grammar.Command{Def: "[no] address-family <ipv4|ipv6>$af",
			Help: "Enter Address Family command mode\nAddress family\nAddress family",
			Action: vrfFunc(func(c *Ctx, tx *configdb.Tx, v *schema.VRF) error {
				if v.Style != schema.VRFStyleDefinition {
					return invalidAt(c, 0) // a legacy ip vrf is IPv4 only
				}
				af := &v.IPv4
				if c.Args.Str("af") == "ipv6" {
					af = &v.IPv6
				}
				*af = !c.Args.No()
				if !c.Args.No() {
					c.Sess.Enter(afMode, v.Name, c.Args.Str("af"))
				}
				return nil
			})},
	)
	afMode.Add(&grammar.Command{Def: "exit-address-family", Help: "Exit from Address Family configuration mode",
		Action: ExecFunc(func(c *Ctx) error { c.Sess.Exit(); return nil })})

	t.Section(OrderVRF, func(r *Renderer, tx Reader) {
		each(tx, schema.KindVRF, func(name string, v *schema.VRF) { renderVRF(r, v) })
	})
	t.Section(OrderRoute, func(r *Renderer, tx Reader) {
		var routes []*schema.IPRoute
		each(tx, schema.KindIPRoute, func(_ string, rt *schema.IPRoute) { routes = append(routes, rt) })
		sort.SliceStable(routes, func(a, b int) bool { return routeLess(routes[a], routes[b]) })
		for _, rt := range routes {
			r.Line(0, "%s", routeText(rt))
		}
		var routes6 []*schema.IPv6Route
		each(tx, schema.KindIPv6Route, func(_ string, rt *schema.IPv6Route) { routes6 = append(routes6, rt) })
		sort.SliceStable(routes6, func(a, b int) bool {
			pa, pb := netip.MustParsePrefix(routes6[a].Prefix), netip.MustParsePrefix(routes6[b].Prefix)
			if c := pa.Addr().Compare(pb.Addr()); c != 0 {
				return c < 0
			}
			return pa.Bits() < pb.Bits()
		})
		for _, rt := range routes6 {
			line := "ipv6 route " + rt.Prefix + " " + joinNonEmpty(rt.Interface, rt.NextHop)
			if rt.Distance != 0 {
				line += " " + strconv.Itoa(rt.Distance)
			}
			r.Line(0, "%s", line)
		}
		r.Bang()
	})
}

// vrfFunc runs fn on the VRF the config-vrf session edits.
func vrfFunc(fn func(c *Ctx, tx *configdb.Tx, v *schema.VRF) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		v, ok := load[schema.VRF](tx, schema.KindVRF, c.Key(0))
		if !ok {
			return IOSError("% VRF " + c.Key(0) + " has been removed")
		}
		if err := fn(c, tx, v); err != nil {
			return err
		}
		return store(tx, schema.KindVRF, v.Name, v)
	}
}

func enterVRF(c *Ctx, tx *configdb.Tx, vrfMode *Mode, style string) error {
	name := c.Args.Str("name")
	v, exists := load[schema.VRF](tx, schema.KindVRF, name)
	if c.Args.No() {
		if exists {
			removeVRF(c, tx, v)
		}
		return nil
	}
	if exists && v.Style != style {
		cmd := "vrf definition"
		if v.Style == schema.VRFStyleLegacy {
			cmd = "ip vrf"
		}
		return IOSError("% VRF " + name + " was created with '" + cmd + " " + name + "': use that command or remove it first")
	}
	if !exists {
		v = &schema.VRF{Name: name, Style: style}
	}
	if err := store(tx, schema.KindVRF, name, v); err != nil {
		return err
	}
	c.Sess.Enter(vrfMode, name)
	return nil
}

// removeVRF deletes a VRF with what IOS removes along with it: the
// addresses of its interfaces (which leave the VRF) and its static routes.
func removeVRF(c *Ctx, tx *configdb.Tx, v *schema.VRF) {
	tx.Delete(schema.KindVRF, v.Name)
	had := false
	each(tx, schema.KindInterface, func(name string, i *schema.Interface) {
		if i.VRF != v.Name {
			return
		}
		had = true
		i.VRF, i.VRFStyle, i.IPv4, i.IPUnnumbered = "", "", nil, ""
		if v.Style == schema.VRFStyleDefinition {
			i.IPv6, i.IPv6Enable, i.IPv6Unnumbered = nil, false, ""
		}
		store(tx, schema.KindInterface, name, i)
	})
	each(tx, schema.KindIPRoute, func(key string, rt *schema.IPRoute) {
		if rt.VRF == v.Name {
			tx.Delete(schema.KindIPRoute, key)
		}
	})
	if !had {
		return
	}
	if v.Style == schema.VRFStyleDefinition {
		c.Printf("%% IPv4 and IPv6 addresses from all interfaces in VRF %s have been removed\n", v.Name)
	} else {
		c.Printf("%% IP addresses from all interfaces in VRF %s have been removed\n", v.Name)
	}
}

// rdRe is a route distinguisher: ASN:nn or A.B.C.D:nn.
var rdRe = regexp.MustCompile(`^(\d+|\d+\.\d+\.\d+\.\d+):(\d+)$`)

// validRD checks the three RFC 4364 forms: a 2-byte ASN with a 4-byte
// number, a 4-byte ASN or an IPv4 address with a 2-byte number.
func validRD(rd string) bool {
	m := rdRe.FindStringSubmatch(rd)
	if m == nil {
		return false
	}
	nn, err := strconv.ParseUint(m[2], 10, 32)
	if err != nil {
		return false
	}
	if _, err := netip.ParseAddr(m[1]); err == nil {
		return nn <= 0xffff
	}
	asn, err := strconv.ParseUint(m[1], 10, 32)
	return err == nil && (asn <= 0xffff || nn <= 0xffff)
}

func setRD(tx Reader, v *schema.VRF, rd string) error {
	if !validRD(rd) {
		return IOSError("% Invalid RD " + rd + " (want ASN:nn or IP-address:nn)")
	}
	if v.RD != "" && v.RD != rd {
		return IOSError("% Do \"no rd\" before changing the RD of VRF " + v.Name)
	}
	var err error
	each(tx, schema.KindVRF, func(name string, other *schema.VRF) {
		if name != v.Name && other.RD == rd {
			err = IOSError("% RD " + rd + " is already used by VRF " + name)
		}
	})
	v.RD = rd
	return err
}

func renderVRF(r *Renderer, v *schema.VRF) {
	if v.Style == schema.VRFStyleLegacy {
		r.Line(0, "ip vrf %s", v.Name)
	} else {
		r.Line(0, "vrf definition %s", v.Name)
	}
	if v.Description != "" {
		r.Line(1, "description %s", v.Description)
	}
	if v.RD != "" {
		r.Line(1, "rd %s", v.RD)
	}
	for _, af := range []struct {
		on   bool
		name string
	}{{v.IPv4, "ipv4"}, {v.IPv6, "ipv6"}} {
		if af.on {
			r.Line(1, "!")
			r.Line(1, "address-family %s", af.name)
			r.Line(1, "exit-address-family")
		}
	}
	r.Bang()
}

// routeLess orders routes as IOS lists them: global before VRF routes,
// then by destination and mask.
func routeLess(a, b *schema.IPRoute) bool {
	if a.VRF != b.VRF {
		return a.VRF == "" || b.VRF != "" && a.VRF < b.VRF
	}
	pa, pb := addrUint(netip.MustParseAddr(a.Prefix)), addrUint(netip.MustParseAddr(b.Prefix))
	if pa != pb {
		return pa < pb
	}
	ma, mb := addrUint(netip.MustParseAddr(a.Mask)), addrUint(netip.MustParseAddr(b.Mask))
	return ma < mb
}

func routeText(rt *schema.IPRoute) string {
	line := "ip route "
	if rt.VRF != "" {
		line += "vrf " + rt.VRF + " "
	}
	line += rt.Prefix + " " + rt.Mask + " " + joinNonEmpty(rt.Interface, rt.NextHop)
	if rt.Distance != 0 {
		line += " " + strconv.Itoa(rt.Distance)
	}
	if rt.Name != "" {
		line += " name " + rt.Name
	}
	if rt.Permanent {
		line += " permanent"
	}
	if rt.Tag != 0 {
		line += " tag " + strconv.FormatUint(uint64(rt.Tag), 10)
	}
	return line
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + " " + b
}

// setIPRoute adds or (with "no") removes static routes. "no" with only a
// destination removes every route to it, as IOS does.
func setIPRoute(c *Ctx, tx *configdb.Tx) error {
	prefix := netip.MustParseAddr(c.Args.Str("prefix"))
	mask := netip.MustParseAddr(c.Args.Str("mask"))
	if _, ok := maskLen(mask); !ok || addrUint(prefix)&^addrUint(mask) != 0 {
		return IOSError("%Inconsistent address and mask")
	}
	rt := &schema.IPRoute{VRF: c.Args.Str("vrf"), Prefix: prefix.String(), Mask: mask.String(), NextHop: c.Args.Str("nh")}
	if c.Args.Has("if") {
		rt.Interface, _ = schema.CanonicalIfName(c.Args.Str("if"))
	}
	if c.Args.No() {
		return deleteRoutes(tx, schema.KindIPRoute, func(old *schema.IPRoute) bool {
			return old.VRF == rt.VRF && old.Prefix == rt.Prefix && old.Mask == rt.Mask && sameNextHop(rt.Interface, rt.NextHop, old.Interface, old.NextHop)
		})
	}
	rt.Distance = int(c.Args.Int("distance"))
	rt.Tag = uint32(c.Args.Int("tag"))
	rt.Name = c.Args.Str("rname")
	rt.Permanent = c.Args.Has("permanent")
	return store(tx, schema.KindIPRoute, rt.Key(), rt)
}

func setIPv6Route(c *Ctx, tx *configdb.Tx) error {
	rt := &schema.IPv6Route{Prefix: ipv6Text(netip.MustParsePrefix(c.Args.Str("prefix")).Masked().String())}
	if c.Args.Has("nh") {
		rt.NextHop = ipv6Text(c.Args.Str("nh"))
	}
	if c.Args.Has("if") {
		rt.Interface, _ = schema.CanonicalIfName(c.Args.Str("if"))
	}
	if c.Args.No() {
		return deleteRoutes(tx, schema.KindIPv6Route, func(old *schema.IPv6Route) bool {
			return old.Prefix == rt.Prefix && sameNextHop(rt.Interface, rt.NextHop, old.Interface, old.NextHop)
		})
	}
	rt.Distance = int(c.Args.Int("distance"))
	return store(tx, schema.KindIPv6Route, rt.Key(), rt)
}

// deleteRoutes removes the routes of a kind that match, as "no ip[v6]
// route" does; that none does is IOS's error.
func deleteRoutes[T any](tx *configdb.Tx, kind string, match func(*T) bool) error {
	found := false
	each(tx, kind, func(key string, old *T) {
		if match(old) {
			tx.Delete(kind, key)
			found = true
		}
	})
	if !found {
		return IOSError("%No matching route to delete")
	}
	return nil
}

// sameNextHop reports whether a stored next hop matches the one a "no"
// form gave; what the "no" form leaves out matches anything.
func sameNextHop(ifName, addr, oldIf, oldAddr string) bool {
	return (ifName == "" || ifName == oldIf) && (addr == "" || addr == oldAddr)
}
