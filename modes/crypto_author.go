package modes

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerNameMangler, registerAuthorPolicy) }

// dnParts is the alternation of the DN parts a name mangler can extract.
const dnParts = "<common-name|country|domain|locality|organization|organization-unit|state>"

const dnPartsHelp = "Common name portion of the DN\nCountry portion of the DN\nDomain portion of the DN\nLocality portion of the DN\nOrganization portion of the DN\nOrganization unit portion of the DN\nState portion of the DN"

func registerNameMangler(t *Tree) {
	m := t.NewMode("config-ikev2-name-mangler", nil, "IKEv2 name mangler commands:")
	t.Config.Add(&grammar.Command{Def: "[no] crypto ikev2 name-mangler WORD$name",
		Help: "\n\nName mangler\nName of the name mangler",
		Action: subModeObject(m, schema.KindNameMangler, func(name string) *schema.NameMangler {
			return &schema.NameMangler{Name: name}
		})})
	m.Add(
		&grammar.Command{Def: "[no] fqdn <all|domain|hostname>$part", ShortNo: true,
			Help:   "Derive name from FQDN\nEntire FQDN\nDomain portion of the FQDN\nHostname portion of the FQDN",
			Action: mangle(func(nm *schema.NameMangler, a grammar.Args, on bool) { nm.FQDN = ifOn(on, a.Str("part")) })},
		&grammar.Command{Def: "[no] email <all|domain|username>$part", ShortNo: true,
			Help:   "Derive name from email\nEntire email\nDomain portion of the email\nUsername portion of the email",
			Action: mangle(func(nm *schema.NameMangler, a grammar.Args, on bool) { nm.Email = ifOn(on, a.Str("part")) })},
		&grammar.Command{Def: "[no] dn " + dnParts + "$part", ShortNo: true,
			Help:   "Derive name from DN\n" + dnPartsHelp,
			Action: mangle(func(nm *schema.NameMangler, a grammar.Args, on bool) { nm.DN = ifOn(on, a.Str("part")) })},
		&grammar.Command{Def: "[no] eap <all$part|dn$part " + dnParts + "$dn|prefix$part delimiter <.|@|\\>$delim|suffix$part delimiter <.|@|\\>$delim>", ShortNo: true,
			Help: "Derive name from EAP identity\nEntire EAP identity\nDerive name from DN portion of EAP identity\n" + dnPartsHelp +
				"\nDerive name from the prefix of EAP identity\nSpecify the delimiter\nThe delimiter is '.'\nThe delimiter is '@'\nThe delimiter is '\\'" +
				"\nDerive name from the suffix of EAP identity\n\n\n\n",
			Action: mangle(func(nm *schema.NameMangler, a grammar.Args, on bool) {
				nm.EAP = nil
				if on {
					nm.EAP = &schema.EAPMangler{Part: a.Str("part"), Delimiter: a.Str("delim"), DN: a.Str("dn")}
				}
			})},
	)
	t.Section(OrderIKEv2+0, func(r *Renderer, tx Reader) {
		each(tx, schema.KindNameMangler, func(name string, nm *schema.NameMangler) {
			r.Line(0, "crypto ikev2 name-mangler %s", name)
			for _, l := range nameManglerLines(nm) {
				r.Line(1, "%s", l)
			}
			r.Bang()
		})
	})
}

// mangle is the handler of a name-mangler rule; set receives on=false
// for the "no" form and then clears its rule.
func mangle(set func(nm *schema.NameMangler, a grammar.Args, on bool)) ConfigFunc {
	return editObject(schema.KindNameMangler, func(c *Ctx, nm *schema.NameMangler) error {
		set(nm, c.Args, !c.Args.No())
		return nil
	})
}

// nameManglerLines renders a name mangler's rules in canonical order.
func nameManglerLines(nm *schema.NameMangler) []string {
	var out []string
	if nm.FQDN != "" {
		out = append(out, "fqdn "+nm.FQDN)
	}
	if nm.Email != "" {
		out = append(out, "email "+nm.Email)
	}
	if nm.DN != "" {
		out = append(out, "dn "+nm.DN)
	}
	if e := nm.EAP; e != nil {
		switch e.Part {
		case "dn":
			out = append(out, "eap dn "+e.DN)
		case "prefix", "suffix":
			out = append(out, "eap "+e.Part+" delimiter "+e.Delimiter)
		default:
			out = append(out, "eap "+e.Part)
		}
	}
	return out
}

func registerAuthorPolicy(t *Tree) {
	m := t.NewMode("config-ikev2-author-policy", nil, "IKEv2 authorization policy commands:")
	// "no crypto ikev2 authorization policy default" empties IOS's
	// smart-default policy, which keeps existing.
	t.Config.Add(&grammar.Command{Def: "[no] crypto ikev2 authorization policy WORD$name",
		Help: "\n\nIKEv2 authorization data\nIKEv2 authorization policy\nName of the policy",
		Action: subModeObject(m, schema.KindAuthorizationPolicy, func(name string) *schema.AuthorizationPolicy {
			return &schema.AuthorizationPolicy{Name: name}
		})})
	m.Add(
		&grammar.Command{Def: "[no] aaa attribute list WORD$list", ShortNo: true,
			Help:   "Specify AAA related configs\nAAA attribute\nAAA attribute list\nAAA attribute list name",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.AAAAttributeList }, "list")},
		&grammar.Command{Def: "[no] pool WORD$pool", ShortNo: true,
			Help:   "Specify local address pool\nLocal address pool name",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.Pool }, "pool")},
		&grammar.Command{Def: "[no] ipv6 pool WORD$pool", ShortNo: true,
			Help:   "Specify IPv6 related configs\nSpecify local IPv6 address pool\nLocal IPv6 address pool name",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.IPv6Pool }, "pool")},
		&grammar.Command{Def: "[no] dhcp server <A.B.C.D$server|WORD$server>", ShortNo: true,
			Help:   "Specify DHCP related configs\nSpecify DHCP server\nDHCP server address\nDHCP server host name",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.DHCPServer }, "server")},
		&grammar.Command{Def: "[no] dhcp giaddr A.B.C.D$giaddr", ShortNo: true,
			Help:   "\nSpecify the gateway address used to contact the DHCP server\nGateway IP address",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.DHCPGiaddr }, "giaddr")},
		&grammar.Command{Def: "[no] dhcp timeout <1-60>$timeout", ShortNo: true,
			Help: "\nSpecify the DHCP server response timeout\nTimeout in seconds",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				p.DHCPTimeout = 0
				if !c.Args.No() {
					p.DHCPTimeout = int(c.Args.Int("timeout"))
				}
				return nil
			})},
		&grammar.Command{Def: "[no] dns A.B.C.D$addr [A.B.C.D$addr]", ShortNo: true,
			Help:   "Specify DNS servers\nPrimary DNS server\nSecondary DNS server",
			Action: policyServers(func(p *schema.AuthorizationPolicy) *[]string { return &p.DNS })},
		&grammar.Command{Def: "[no] ipv6 dns X:X::X:X$addr [X:X::X:X$addr]", ShortNo: true,
			Help:   "\nSpecify IPv6 DNS servers\nPrimary IPv6 DNS server\nSecondary IPv6 DNS server",
			Action: policyServers(func(p *schema.AuthorizationPolicy) *[]string { return &p.IPv6DNS })},
		&grammar.Command{Def: "[no] wins A.B.C.D$addr [A.B.C.D$addr]", ShortNo: true,
			Help:   "Specify WINS servers\nPrimary WINS server\nSecondary WINS server",
			Action: policyServers(func(p *schema.AuthorizationPolicy) *[]string { return &p.WINS })},
		&grammar.Command{Def: "[no] netmask A.B.C.D$mask", ShortNo: true,
			Help: "Specify subnet mask\nSubnet mask",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				p.Netmask = ""
				if c.Args.No() {
					return nil
				}
				if _, err := maskBits(c.Args.Str("mask")); err != nil {
					return err
				}
				p.Netmask = c.Args.Str("mask")
				return nil
			})},
		&grammar.Command{Def: "[no] subnet-acl WORD$acl", ShortNo: true,
			Help:   "Specify subnet ACL\nAccess list name or number",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.SubnetACL }, "acl")},
		&grammar.Command{Def: "[no] route set interface [IFNAME$ifname]",
			Help: "Specify route related configs\nSpecify route set parameters\nPush an interface's address (default: the virtual-access)\nInterface name",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				p.RouteSetInterface = nil
				if !c.Args.No() {
					name, _ := schema.CanonicalIfName(c.Args.Str("ifname"))
					p.RouteSetInterface = &schema.RouteSetInterface{Interface: name}
				}
				return nil
			})},
		&grammar.Command{Def: "[no] route set access-list [ipv6$v6] WORD$acl", ShortNo: true,
			Help: "\n\nSpecify the access list of networks pushed to the peer\nIPv6 access list\nAccess list name or number",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				acl := &p.RouteSetACL
				if c.Args.Has("v6") {
					acl = &p.RouteSetACLv6
				}
				switch {
				case !c.Args.No():
					*acl = c.Args.Str("acl")
				case c.Args.Has("acl"):
					*acl = ""
				default: // "no route set access-list"
					p.RouteSetACL, p.RouteSetACLv6 = "", ""
				}
				return nil
			})},
		&grammar.Command{Def: "[no] route set remote <ipv4 A.B.C.D$addr A.B.C.D$mask|ipv6 X:X::X:X/M$prefix>", ShortNo: true,
			Help: "\n\nSpecify a network protected by this router, pushed to the peer\nIPv4 network\nNetwork address\nNetwork mask\nIPv6 network\nIPv6 prefix",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				if !c.Args.Has("addr") && !c.Args.Has("prefix") {
					p.RouteSetRemote = nil
					return nil
				}
				prefix, err := routePrefix(c.Args)
				if err != nil {
					return err
				}
				p.RouteSetRemote = slices.DeleteFunc(p.RouteSetRemote, func(s string) bool { return s == prefix })
				if !c.Args.No() {
					p.RouteSetRemote = append(p.RouteSetRemote, prefix)
				}
				return nil
			})},
		&grammar.Command{Def: "[no] route set local <ipv4 A.B.C.D$addr A.B.C.D$mask|ipv6 X:X::X:X/M$prefix> [next-hop <A.B.C.D$nexthop|X:X::X:X$nexthop>] {tag <1-4294967295>$tag|distance <1-255>$distance}", ShortNo: true,
			Help:   "\n\nSpecify a network protected by the peer, routed to its session\nIPv4 network\nNetwork address\nNetwork mask\nIPv6 network\nIPv6 prefix\nNext hop of the static route\nNext hop IPv4 address\nNext hop IPv6 address\nTag of the static route\nTag value\nAdministrative distance of the static route\nDistance value",
			Action: updateAuthor(setLocalRoute)},
		&grammar.Command{Def: "[no] route accept any {tag <1-4294967295>$tag|distance <1-255>$distance}", ShortNo: true,
			Help: "\nSpecify which routes from the peer are accepted\nAccept any route\nTag of the installed routes\nTag value\nAdministrative distance of the installed routes\nDistance value",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				p.RouteAccept = nil
				if !c.Args.No() {
					p.RouteAccept = &schema.RouteAccept{Tag: uint32(c.Args.Int("tag")), Distance: int(c.Args.Int("distance"))}
				}
				return nil
			})},
		&grammar.Command{Def: "[no] ipsec flow-limit <0-50000>$limit", ShortNo: true,
			Help: "Specify IPsec related configs\nMaximum number of IPsec SAs of a session\nNumber of IPsec SAs",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				p.IPsecFlowLimit = nil
				if !c.Args.No() {
					n := int(c.Args.Int("limit"))
					p.IPsecFlowLimit = &n
				}
				return nil
			})},
		&grammar.Command{Def: "[no] banner LINE", ShortNo: true,
			Help:   "Specify banner\nc banner-text c, where 'c' is a delimiting character",
			Action: ExecFunc(setPolicyBanner)},
		&grammar.Command{Def: "[no] def-domain WORD$domain", ShortNo: true,
			Help:   "Specify default domain\nDefault domain name",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.DefaultDomain }, "domain")},
		&grammar.Command{Def: "[no] split-dns WORD$name", ShortNo: true,
			Help:   "Specify split DNS name\nDomain name resolved through the tunnel",
			Action: policyList(func(p *schema.AuthorizationPolicy) *[]string { return &p.SplitDNS }, "name", 0, "")},
		&grammar.Command{Def: "[no] backup-gateway WORD$gateway", ShortNo: true,
			Help:   "Specify backup gateway\nBackup gateway address or name",
			Action: policyList(func(p *schema.AuthorizationPolicy) *[]string { return &p.BackupGateways }, "gateway", schema.MaxBackupGateways, "backup gateways")},
		&grammar.Command{Def: "[no] pfs",
			Help:   "Specify PFS",
			Action: setFlag(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *bool { return &p.PFS })},
		&grammar.Command{Def: "[no] include-local-lan",
			Help:   "Specify include local LAN",
			Action: setFlag(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *bool { return &p.IncludeLocalLAN })},
		&grammar.Command{Def: "[no] smartcard-removal-disconnect",
			Help:   "Specify smartcard removal disconnect",
			Action: setFlag(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *bool { return &p.SmartcardRemovalDisconnect })},
		&grammar.Command{Def: "[no] configuration url WORD$url", ShortNo: true,
			Help:   "Specify configuration URL or version\nSpecify configuration URL\nConfiguration URL",
			Action: setString(schema.KindAuthorizationPolicy, func(p *schema.AuthorizationPolicy) *string { return &p.ConfigurationURL }, "url")},
		&grammar.Command{Def: "[no] configuration version <1-4294967295>$version", ShortNo: true,
			Help: "\nSpecify configuration version\nConfiguration version",
			Action: updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
				p.ConfigurationVersion = 0
				if !c.Args.No() {
					p.ConfigurationVersion = c.Args.Int("version")
				}
				return nil
			})},
	)
	t.Section(OrderIKEv2+10, func(r *Renderer, tx Reader) {
		each(tx, schema.KindAuthorizationPolicy, func(name string, p *schema.AuthorizationPolicy) {
			lines := authorPolicyLines(p)
			if name == schema.DefaultAuthorizationPolicy && len(lines) == 0 {
				return // the untouched smart default is not shown
			}
			r.Line(0, "crypto ikev2 authorization policy %s", name)
			for _, l := range lines {
				r.Line(1, "%s", l)
			}
			r.Bang()
		})
	})
}

// updateAuthor is the handler of an authorization-policy sub-command; fn
// handles both the set and the "no" form (c.Args.No()).
func updateAuthor(fn func(c *Ctx, p *schema.AuthorizationPolicy) error) ConfigFunc {
	return editObject(schema.KindAuthorizationPolicy, fn)
}

// policyList adds a value to a list (at most max entries of what, 0 = no
// limit); "no" removes the value given, or every value.
func policyList(field func(p *schema.AuthorizationPolicy) *[]string, bind string, max int, what string) ConfigFunc {
	return updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
		list, v := field(p), c.Args.Str(bind)
		switch {
		case c.Args.No() && v == "":
			*list = nil
		case c.Args.No():
			*list = slices.DeleteFunc(*list, func(s string) bool { return s == v })
		case slices.Contains(*list, v):
		case max > 0 && len(*list) >= max:
			return IOSError("% Maximum of " + strconv.Itoa(max) + " " + what + " reached")
		default:
			*list = append(*list, v)
		}
		return nil
	})
}

// policyServers handles "dns|wins|ipv6 dns PRIMARY [SECONDARY]": the set
// form replaces both servers; "no" with addresses removes those, bare
// "no" removes all.
func policyServers(field func(p *schema.AuthorizationPolicy) *[]string) ConfigFunc {
	return updateAuthor(func(c *Ctx, p *schema.AuthorizationPolicy) error {
		var addrs []string
		for _, a := range c.Args.All("addr") {
			addrs = append(addrs, netip.MustParseAddr(a).String())
		}
		list := field(p)
		switch {
		case !c.Args.No():
			*list = addrs
		case len(addrs) == 0:
			*list = nil
		default:
			*list = slices.DeleteFunc(*list, func(s string) bool { return slices.Contains(addrs, s) })
		}
		return nil
	})
}

// setLocalRoute handles "route set local": one entry per prefix, replaced
// when typed again.
func setLocalRoute(c *Ctx, p *schema.AuthorizationPolicy) error {
	if c.Args.No() && !c.Args.Has("addr") && !c.Args.Has("prefix") {
		p.RouteSetLocal = nil
		return nil
	}
	prefix, err := routePrefix(c.Args)
	if err != nil {
		return err
	}
	p.RouteSetLocal = slices.DeleteFunc(p.RouteSetLocal, func(r schema.LocalRoute) bool { return r.Prefix == prefix })
	if c.Args.No() {
		return nil
	}
	route := schema.LocalRoute{Prefix: prefix, Tag: uint32(c.Args.Int("tag")), Distance: int(c.Args.Int("distance"))}
	if nh := c.Args.Str("nexthop"); nh != "" {
		a := netip.MustParseAddr(nh)
		if a.Is4() != c.Args.Has("addr") {
			return IOSError("% The next hop must be of the same address family as the network")
		}
		route.NextHop = a.String()
	}
	p.RouteSetLocal = append(p.RouteSetLocal, route)
	return nil
}

// routePrefix reads "ipv4 ADDR MASK" or "ipv6 PREFIX" into a canonical
// prefix, refusing host bits as IOS refuses them on static routes.
func routePrefix(a grammar.Args) (string, error) {
	var p netip.Prefix
	if a.Has("addr") {
		bits, err := maskBits(a.Str("mask"))
		if err != nil {
			return "", err
		}
		p = netip.PrefixFrom(netip.MustParseAddr(a.Str("addr")), bits)
	} else {
		p = netip.MustParsePrefix(a.Str("prefix"))
	}
	if p.Masked() != p {
		return "", IOSError("% Inconsistent address and mask")
	}
	return p.String(), nil
}

// maskBits is the prefix length of a dotted-quad mask, which must be
// contiguous.
func maskBits(mask string) (int, error) {
	m := netip.MustParseAddr(mask).As4()
	v := uint32(m[0])<<24 | uint32(m[1])<<16 | uint32(m[2])<<8 | uint32(m[3])
	ones := 0
	for v&0x80000000 != 0 {
		v <<= 1
		ones++
	}
	if v != 0 {
		return 0, IOSError("% Invalid mask " + mask)
	}
	return ones, nil
}

// dottedMask is the dotted-quad form of an IPv4 prefix length.
func dottedMask(bits int) string {
	v := ^uint32(0) << (32 - bits)
	if bits == 0 {
		v = 0
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}).String()
}

// iosPrefix renders a stored prefix as IOS writes it in route commands:
// "ipv4 10.0.0.0 255.0.0.0" or "ipv6 2001:DB8::/32".
func iosPrefix(s string) string {
	p := netip.MustParsePrefix(s)
	if p.Addr().Is4() {
		return "ipv4 " + p.Addr().String() + " " + dottedMask(p.Bits())
	}
	return "ipv6 " + strings.ToUpper(p.String())
}

// setPolicyBanner takes "banner cTEXTc" like the global banner.
func setPolicyBanner(c *Ctx) error {
	var b *schema.Banner
	if !c.Args.No() {
		var err error
		if b, err = readDelimited(c, c.Args.Str("LINE")); err != nil {
			return err
		}
	}
	return c.Update(func(tx *configdb.Tx) error {
		return updateAuthor(func(_ *Ctx, p *schema.AuthorizationPolicy) error { p.Banner = b; return nil })(c, tx)
	})
}

// authorPolicyLines renders a policy's sub-commands in IOS order.
func authorPolicyLines(p *schema.AuthorizationPolicy) []string {
	var out []string
	add := func(format string, args ...any) {
		out = append(out, fmt.Sprintf(format, args...))
	}
	if p.Pool != "" {
		add("pool %s", p.Pool)
	}
	if p.IPv6Pool != "" {
		add("ipv6 pool %s", p.IPv6Pool)
	}
	if p.DHCPServer != "" {
		add("dhcp server %s", p.DHCPServer)
	}
	if p.DHCPGiaddr != "" {
		add("dhcp giaddr %s", p.DHCPGiaddr)
	}
	if p.DHCPTimeout != 0 {
		add("dhcp timeout %d", p.DHCPTimeout)
	}
	if len(p.DNS) > 0 {
		add("dns %s", strings.Join(p.DNS, " "))
	}
	if len(p.IPv6DNS) > 0 {
		add("ipv6 dns %s", strings.ToUpper(strings.Join(p.IPv6DNS, " ")))
	}
	if len(p.WINS) > 0 {
		add("wins %s", strings.Join(p.WINS, " "))
	}
	if p.Netmask != "" {
		add("netmask %s", p.Netmask)
	}
	if b := p.Banner; b != nil {
		add("banner %s%s%s", b.Delimiter, b.Text, b.Delimiter)
	}
	if p.DefaultDomain != "" {
		add("def-domain %s", p.DefaultDomain)
	}
	for _, s := range p.SplitDNS {
		add("split-dns %s", s)
	}
	for _, g := range p.BackupGateways {
		add("backup-gateway %s", g)
	}
	if p.PFS {
		add("pfs")
	}
	if p.IncludeLocalLAN {
		add("include-local-lan")
	}
	if p.SmartcardRemovalDisconnect {
		add("smartcard-removal-disconnect")
	}
	if p.ConfigurationURL != "" {
		add("configuration url %s", p.ConfigurationURL)
	}
	if p.ConfigurationVersion != 0 {
		add("configuration version %d", p.ConfigurationVersion)
	}
	if p.SubnetACL != "" {
		add("subnet-acl %s", p.SubnetACL)
	}
	if ri := p.RouteSetInterface; ri != nil {
		add("%s", strings.TrimSpace("route set interface "+ri.Interface))
	}
	if p.RouteSetACL != "" {
		add("route set access-list %s", p.RouteSetACL)
	}
	if p.RouteSetACLv6 != "" {
		add("route set access-list ipv6 %s", p.RouteSetACLv6)
	}
	for _, r := range p.RouteSetRemote {
		add("route set remote %s", iosPrefix(r))
	}
	for _, r := range p.RouteSetLocal {
		line := "route set local " + iosPrefix(r.Prefix)
		if r.NextHop != "" {
			line += " next-hop " + strings.ToUpper(r.NextHop)
		}
		add("%s%s", line, tagDistance(r.Tag, r.Distance))
	}
	if ra := p.RouteAccept; ra != nil {
		add("route accept any%s", tagDistance(ra.Tag, ra.Distance))
	}
	if p.IPsecFlowLimit != nil {
		add("ipsec flow-limit %d", *p.IPsecFlowLimit)
	}
	if p.AAAAttributeList != "" {
		add("aaa attribute list %s", p.AAAAttributeList)
	}
	return out
}

// tagDistance renders the optional " tag N distance N" of a route.
func tagDistance(tag uint32, distance int) string {
	s := ""
	if tag != 0 {
		s += " tag " + strconv.FormatUint(uint64(tag), 10)
	}
	if distance != 0 {
		s += " distance " + strconv.Itoa(distance)
	}
	return s
}
