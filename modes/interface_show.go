package modes

import (
	"fmt"
	"net"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

func registerInterfaceShow(t *Tree) {
	t.Exec.Add(
		show("show ip interface brief", "\n\nIP interface status and configuration\nBrief summary of IP status and configuration", 1, showIPInterfaceBrief),
		show("show interfaces [IFNAME$name]", "\nInterface status and configuration\n"+helpIfName, 1, showInterfaces),
		show("show interfaces virtual-template <1-200>$vt", "\n\nVirtual Template interface\nVirtual-Template interface number", 1, showInterfaces),
		show("show interfaces loopback <0-2147483647>$lo", "\n\nLoopback interface\nLoopback interface number", 1, showInterfaces),
		show("show vtemplate [<1-200>$vt]", "\nVirtual Template interface information\nVirtual-Template interface number", 1, showVTemplate),
	)
}

// ifRow is one interface as the show commands list it: configured, a
// Linux link, or both.
type ifRow struct {
	name string
	cfg  *schema.Interface // nil for a Linux link with no interface block
	link *net.Interface    // nil for virtual, unbound or absent links
}

// linkName is the Linux link a configured interface stands for, or "".
func linkName(i *schema.Interface) string {
	switch {
	case i.Type != schema.IfPhysical:
		return ""
	case i.LinuxName != "":
		return i.LinuxName
	case !isIOSName(i.Name):
		return i.Name
	}
	return ""
}

// interfaceRows lists the configured interfaces and the namespace's Linux
// links that no interface block uses, in IOS order.
func interfaceRows(tx Reader) []ifRow {
	links := map[string]*net.Interface{}
	if ifs, err := net.Interfaces(); err == nil {
		for k := range ifs {
			links[ifs[k].Name] = &ifs[k]
		}
	}
	var rows []ifRow
	for _, i := range sortedInterfaces(tx) {
		row := ifRow{name: i.Name, cfg: i}
		if l := linkName(i); l != "" {
			row.link = links[l]
			delete(links, l)
		}
		rows = append(rows, row)
	}
	var spare []ifRow
	for name, l := range links {
		spare = append(spare, ifRow{name: name, link: l})
	}
	sortNatural(spare, func(r ifRow) (int, string) { return 0, r.name })
	// Unconfigured links go with the physical interfaces, before the templates.
	at := sort.Search(len(rows), func(k int) bool { return ifClass(rows[k].cfg) > 1 })
	return append(rows[:at], append(spare, rows[at:]...)...)
}

// state is the IOS status and line protocol of a row.
func (r ifRow) state() (status, protocol string) {
	if r.cfg != nil && r.cfg.Shutdown {
		return "administratively down", "down"
	}
	if r.cfg != nil {
		switch r.cfg.Type {
		case schema.IfLoopback:
			return "up", "up"
		case schema.IfVirtualTemplate:
			return "up", "down" // a template carries no traffic itself
		}
	}
	switch {
	case r.link == nil:
		return "down", "down"
	case r.link.Flags&net.FlagUp == 0:
		return "administratively down", "down"
	case r.link.Flags&net.FlagRunning == 0:
		return "up", "down"
	}
	return "up", "up"
}

// ipv4 is the row's address as "show ip interface brief" shows it; an
// unnumbered interface shows the address it borrows.
func (r ifRow) ipv4(tx Reader) (addr, method string) {
	if r.cfg == nil {
		return "unassigned", "unset"
	}
	if p := r.cfg.Primary(); p != nil {
		return p.Address, "manual"
	}
	if r.cfg.IPUnnumbered != "" {
		if src, ok := load[schema.Interface](tx, schema.KindInterface, r.cfg.IPUnnumbered); ok && src.Primary() != nil {
			return src.Primary().Address, "unset"
		}
	}
	return "unassigned", "unset"
}

func showIPInterfaceBrief(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		line := func(cols ...any) {
			c.Printf("%s\n", strings.TrimRight(fmt.Sprintf("%-26s %-15s %-3s %-6s %-21s %s", cols...), " "))
		}
		line("Interface", "IP-Address", "OK?", "Method", "Status", "Protocol")
		for _, r := range interfaceRows(tx) {
			addr, method := r.ipv4(tx)
			status, proto := r.state()
			line(r.name, addr, "YES", method, status, proto)
		}
		for _, va := range vaccessList(c.Env) {
			addr, method := ifRow{cfg: &va.Config}.ipv4(tx)
			status, proto := vaccessState(&va)
			line(va.Name, addr, "YES", method, status, proto)
		}
		return nil
	})
}

// showInterfaces is "show interfaces [NAME]": a short IOS-shaped report.
func showInterfaces(c *Ctx) error {
	if _, isVA := isVAccessName(c.Args.Str("name")); isVA {
		return showVAccessInterface(c)
	}
	want := ""
	if c.Args.Has("name") || c.Args.Has("vt") || c.Args.Has("lo") {
		spec, err := ifNameArg(c)
		if err != nil {
			return err
		}
		want = spec.name
	}
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		found := false
		for _, r := range interfaceRows(tx) {
			if want == "" || r.name == want {
				found = true
				r.describe(c, tx)
			}
		}
		if want == "" {
			for _, va := range vaccessList(c.Env) {
				found = true
				describeVAccess(c, tx, &va)
			}
		}
		if !found {
			return IOSError("% Interface " + want + " does not exist")
		}
		return nil
	})
}

func (r ifRow) describe(c *Ctx, tx Reader) {
	status, proto := r.state()
	c.Printf("%s is %s, line protocol is %s\n", r.name, status, proto)
	i := r.cfg
	if i == nil {
		i = &schema.Interface{Name: r.name, Type: schema.IfPhysical}
	}
	mtu := 1500
	switch {
	case i.Type == schema.IfLoopback:
		c.Printf("  Hardware is Loopback\n")
		mtu = 1514
	case i.Type == schema.IfVirtualTemplate:
		c.Printf("  Hardware is Virtual Template interface\n")
	case r.link != nil:
		c.Printf("  Hardware is Linux link %s", r.link.Name)
		if mac := ciscoMAC(r.link.HardwareAddr); mac != "" {
			c.Printf(", address is %s (bia %s)", mac, mac)
		}
		c.Printf("\n")
		mtu = r.link.MTU
	case linkName(i) != "":
		c.Printf("  Hardware is Linux link %s (not present)\n", linkName(i))
	default:
		c.Printf("  Hardware is not bound to a Linux link (see linux-name)\n")
	}
	if i.Description != "" {
		c.Printf("  Description: %s\n", i.Description)
	}
	if i.VRF != "" {
		c.Printf("  VPN Routing/Forwarding \"%s\"\n", i.VRF)
	}
	describeIPv4(c, tx, i)
	c.Printf("  MTU %d bytes\n", mtu)
	if i.VTType == schema.VTTunnel {
		describeTunnel(c, i.Tunnel, 0)
	}
}

// describeIPv4 writes the IPv4 address lines of "show interfaces" and
// "show ip interface"; false when the interface has no IPv4.
func describeIPv4(c *Ctx, tx Reader, i *schema.Interface) bool {
	for _, a := range i.IPv4 {
		n, _ := maskLen(netip.MustParseAddr(a.Mask))
		what := "Internet address is"
		if a.Secondary {
			what = "Secondary address"
		}
		c.Printf("  %s %s/%d\n", what, a.Address, n)
	}
	if i.IPUnnumbered != "" {
		addr, _ := ifRow{cfg: i}.ipv4(tx)
		c.Printf("  Interface is unnumbered. Using address of %s (%s)\n", i.IPUnnumbered, addr)
	}
	return len(i.IPv4) > 0 || i.IPUnnumbered != ""
}

// describeTunnel writes the tunnel lines of "show interfaces" for a
// tunnel virtual-template or, when template is not 0, for a
// virtual-access interface cloned from Virtual-Template<template>.
func describeTunnel(c *Ctx, t *schema.Tunnel, template int) {
	if t == nil {
		t = &schema.Tunnel{}
	}
	c.Printf("  Encapsulation TUNNEL\n")
	if template != 0 {
		c.Printf("  Tunnel vaccess, cloned from Virtual-Template%d\n", template)
	}
	src, dst := t.Source, t.Destination
	if src == "" {
		src = "UNKNOWN"
	}
	if dst == "" {
		dst = "UNKNOWN"
	}
	c.Printf("  Tunnel source %s, destination %s\n", src, dst)
	c.Printf("  Tunnel protocol/transport %s\n", tunnelTransport(t.Mode))
	if t.HasKey {
		c.Printf("  Key %d\n", t.Key)
	}
	if t.ProtectionProfile != "" {
		c.Printf("  Tunnel protection via IPSec (profile \"%s\")\n", t.ProtectionProfile)
	}
}

// tunnelTransport names a tunnel mode as "show interfaces" does (seed
// 001:864-894: GRE/IP by default, IPSEC/IP for tunnel mode ipsec ipv4).
func tunnelTransport(mode string) string {
	switch {
	case mode == "":
		return "GRE/IP"
	case mode == "gre ipv6":
		return "GRE/IPv6"
	case mode == "gre multipoint":
		return "multi-GRE/IP"
	case strings.HasPrefix(mode, "ipsec ipv6"):
		return "IPSEC/IPV6"
	}
	return "IPSEC/IP"
}

// ciscoMAC writes a MAC address as IOS does: 0242.ac11.0002.
func ciscoMAC(hw net.HardwareAddr) string {
	if len(hw) != 6 {
		return ""
	}
	return fmt.Sprintf("%02x%02x.%02x%02x.%02x%02x", hw[0], hw[1], hw[2], hw[3], hw[4], hw[5])
}

// showVTemplate prints the virtual-template table of seed 001:691.
func showVTemplate(c *Ctx) error {
	var vts []*schema.Interface
	c.Env.DB.View(func(tx *configdb.ReadTx) error {
		for _, i := range sortedInterfaces(tx) {
			if i.Type == schema.IfVirtualTemplate && (!c.Args.Has("vt") || i.Number == int(c.Args.Int("vt"))) {
				vts = append(vts, i)
			}
		}
		return nil
	})
	if len(vts) == 0 && c.Args.Has("vt") {
		return IOSError("% Virtual-Template" + c.Args.Str("vt") + " does not exist")
	}
	c.Printf("Virtual-access subinterface creation is globally enabled\n\n")
	c.Printf("         Active     Active    Subint  Interface\n")
	c.Printf("       Interface Subinterface Capable Type\n")
	c.Printf("       --------- ------------ ------- ---------\n")
	for _, i := range vts {
		active := 0
		if c.Env.VTemplateActive != nil {
			active = c.Env.VTemplateActive(i.Number)
		}
		typ, capable := "Serial", "Yes"
		switch i.VTType {
		case schema.VTTunnel:
			typ, capable = "Tunnel", "No"
		case schema.VTEthernet:
			typ = "Ether"
		}
		c.Printf("%-7s%9d%13d%6s   %s\n", "Vt"+strconv.Itoa(i.Number), active, 0, capable, typ)
	}
	return nil
}

// sortNatural sorts items by a class and then by name, comparing runs of
// digits as numbers (Ethernet0/2 before Ethernet0/10).
func sortNatural[T any](items []T, key func(T) (int, string)) {
	sort.SliceStable(items, func(a, b int) bool {
		ca, na := key(items[a])
		cb, nb := key(items[b])
		if ca != cb {
			return ca < cb
		}
		return naturalLess(na, nb)
	})
}

func naturalLess(a, b string) bool {
	for a != "" && b != "" {
		da, db := digitRun(a), digitRun(b)
		if da > 0 && db > 0 {
			na, _ := strconv.ParseUint(a[:da], 10, 64)
			nb, _ := strconv.ParseUint(b[:db], 10, 64)
			if na != nb {
				return na < nb
			}
			a, b = a[da:], b[db:]
			continue
		}
		if a[0] != b[0] {
			return a[0] < b[0]
		}
		a, b = a[1:], b[1:]
	}
	return len(a) < len(b)
}

func digitRun(s string) int {
	n := 0
	for n < len(s) && n < 18 && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}
