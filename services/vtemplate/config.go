package vtemplate

import (
	"errors"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// ifConfig is a virtual-access interface's configuration as the template
// and the interface-config lines build it, before the session's part
// (tunnel destination, default tunnel source, auto mode) is added.
type ifConfig struct {
	schema.Interface
	// extra holds the commands this package does not model ("ip nat
	// inside", "ip tcp adjust-mss 1360"), as received, in order: they are
	// part of the derived configuration but program nothing.
	extra []string
	// acls are the per-session access lists (CoA inacl/outacl) that the
	// access groups name; a template's configuration has none.
	acls []*sessionACL
}

// clone is a deep copy: layers are applied to copies so that a failed
// data plane call leaves the previous configuration untouched.
func (c *ifConfig) clone() *ifConfig {
	n := &ifConfig{Interface: c.Interface, extra: slices.Clone(c.extra), acls: slices.Clone(c.acls)}
	n.IPv4 = slices.Clone(c.IPv4)
	n.IPv6 = slices.Clone(c.IPv6)
	if c.Tunnel != nil {
		t := *c.Tunnel
		n.Tunnel = &t
	}
	return n
}

func (c *ifConfig) tunnel() *schema.Tunnel {
	if c.Tunnel == nil {
		c.Tunnel = &schema.Tunnel{}
	}
	return c.Tunnel
}

// errInvalid is IOS's answer to a line its parser refuses.
var errInvalid = errors.New("% Invalid input detected")

// keyword returns the choice that word abbreviates, case-insensitively
// (IOS accepts "IP access-group" and "ip acc"), or "" when none or more
// than one does. An exact match wins over longer choices.
func keyword(word string, choices ...string) string {
	word = strings.ToLower(word)
	found := ""
	for _, c := range choices {
		if !strings.HasPrefix(c, word) {
			continue
		}
		if c == word {
			return c
		}
		if found != "" {
			return ""
		}
		found = c
	}
	return found
}

// apply applies one interface configuration command. coa is true for
// lines that arrive on a live interface (CoA): they replace commands that
// a clone cannot overwrite (service-policy). A command this package does
// not model is kept verbatim (errUnmodelled is not returned for it); a
// modelled command with bad arguments is refused and changes nothing.
func (c *ifConfig) apply(line string, coa bool) error {
	w := strings.Fields(line)
	if len(w) == 0 {
		return nil
	}
	no := strings.EqualFold(w[0], "no")
	if no {
		if len(w) == 1 {
			return errInvalid
		}
		w = w[1:]
	}
	err := c.command(w, no, coa)
	if err == errUnmodelled {
		c.keepExtra(strings.Join(w, " "), no)
		return nil
	}
	return err
}

// errUnmodelled marks a command kept verbatim.
var errUnmodelled = errors.New("unmodelled command")

// keepExtra records an unmodelled command: "X" replaces a "no X" and
// "no X" removes an "X" (or is itself kept, as IOS keeps "no ip
// redirects"). Repeating a command keeps one copy.
func (c *ifConfig) keepExtra(cmd string, no bool) {
	opposite, self := "no "+cmd, cmd
	if no {
		opposite, self = cmd, "no "+cmd
	}
	for i, e := range c.extra {
		if strings.EqualFold(e, opposite) {
			c.extra = slices.Delete(c.extra, i, i+1)
			if no {
				return
			}
			break
		}
	}
	for _, e := range c.extra {
		if strings.EqualFold(e, self) {
			return
		}
	}
	c.extra = append(c.extra, self)
}

func (c *ifConfig) command(w []string, no, coa bool) error {
	switch keyword(w[0], "description", "shutdown", "vrf", "ip", "ipv6", "tunnel", "service-policy") {
	case "description":
		if no {
			c.Description = ""
			return nil
		}
		if len(w) < 2 {
			return errInvalid
		}
		c.Description = strings.Join(w[1:], " ")
		return nil
	case "shutdown":
		if len(w) != 1 {
			return errInvalid
		}
		c.Shutdown = !no
		return nil
	case "vrf":
		return c.vrfForwarding(w[1:], no, schema.VRFStyleDefinition)
	case "ip":
		return c.ipCommand(w[1:], no)
	case "ipv6":
		return c.ipv6Command(w[1:], no)
	case "tunnel":
		return c.tunnelCommand(w[1:], no)
	case "service-policy":
		return c.servicePolicy(w[1:], no, coa)
	}
	return errUnmodelled
}

// vrfForwarding is "[ip] vrf forwarding NAME". As in IOS, moving the
// interface to another VRF removes its addresses: this is why the order
// of interface-config lines matters (seed 001:817).
func (c *ifConfig) vrfForwarding(w []string, no bool, style string) error {
	if len(w) == 0 || keyword(w[0], "forwarding") == "" {
		return errUnmodelled
	}
	vrf := ""
	switch {
	case no && len(w) <= 2:
	case len(w) == 2:
		vrf = w[1]
	default:
		return errInvalid
	}
	if vrf == c.VRF {
		if vrf != "" {
			c.VRFStyle = style
		}
		return nil
	}
	c.IPv4, c.IPUnnumbered = nil, ""
	if style == schema.VRFStyleDefinition {
		c.IPv6, c.IPv6Enable, c.IPv6Unnumbered = nil, false, ""
	}
	c.VRF, c.VRFStyle = vrf, style
	if vrf == "" {
		c.VRFStyle = ""
	}
	return nil
}

func (c *ifConfig) ipCommand(w []string, no bool) error {
	if len(w) == 0 {
		return errInvalid
	}
	switch keyword(w[0], "address", "unnumbered", "mtu", "access-group", "vrf", "tcp") {
	case "address":
		return c.ipAddress(w[1:], no)
	case "unnumbered":
		if no {
			c.IPUnnumbered = ""
			return nil
		}
		name, ok := ifName(w[1:])
		if !ok {
			return errInvalid
		}
		c.IPv4, c.IPUnnumbered = nil, name
		return nil
	case "mtu":
		if no {
			c.IPMTU = 0
			return nil
		}
		n, err := number(w[1:], 68, 65535)
		if err != nil {
			return err
		}
		c.IPMTU = int(n)
		return nil
	case "access-group":
		return c.accessGroup(w[1:], no)
	case "tcp":
		if len(w) < 2 || keyword(w[1], "adjust-mss") != "adjust-mss" {
			return errUnmodelled
		}
		if no {
			c.TCPAdjustMSS = 0
			return nil
		}
		n, err := number(w[2:], 500, 1460)
		if err != nil {
			return err
		}
		c.TCPAdjustMSS = int(n)
		return nil
	case "vrf":
		return c.vrfForwarding(w[1:], no, schema.VRFStyleLegacy)
	}
	return errUnmodelled
}

func (c *ifConfig) ipAddress(w []string, no bool) error {
	if no && len(w) == 0 {
		c.IPv4, c.IPUnnumbered = nil, ""
		return nil
	}
	if len(w) < 2 || len(w) > 3 {
		return errInvalid
	}
	addr, err1 := netip.ParseAddr(w[0])
	mask, err2 := netip.ParseAddr(w[1])
	if err1 != nil || err2 != nil || !addr.Is4() || !mask.Is4() || !contiguous(mask) {
		return errInvalid
	}
	secondary := false
	if len(w) == 3 {
		if keyword(w[2], "secondary") == "" {
			return errInvalid
		}
		secondary = true
	}
	want := schema.IfAddress{Address: addr.String(), Mask: mask.String(), Secondary: secondary}
	if no {
		c.IPv4 = slices.DeleteFunc(c.IPv4, func(a schema.IfAddress) bool { return a.Address == want.Address && a.Mask == want.Mask })
		return nil
	}
	kept := slices.DeleteFunc(c.IPv4, func(a schema.IfAddress) bool { return a.Address == want.Address || !secondary && !a.Secondary })
	if secondary {
		c.IPv4 = append(kept, want)
	} else {
		c.IPv4 = append([]schema.IfAddress{want}, kept...)
	}
	c.IPUnnumbered = ""
	return nil
}

func contiguous(mask netip.Addr) bool {
	b := mask.As4()
	m := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	inv := ^m // zeros then ones: one less than a power of two
	return inv&(inv+1) == 0
}

func (c *ifConfig) accessGroup(w []string, no bool) error {
	if no && len(w) == 0 {
		c.AccessGroupIn, c.AccessGroupOut = "", ""
		return nil
	}
	if len(w) == 0 || len(w) > 2 || !no && len(w) != 2 {
		return errInvalid
	}
	dir := keyword(w[len(w)-1], "in", "out")
	if dir == "" {
		return errInvalid
	}
	acl := ""
	if !no {
		acl = w[0]
	}
	if dir == "in" {
		c.AccessGroupIn = acl
	} else {
		c.AccessGroupOut = acl
	}
	return nil
}

func (c *ifConfig) ipv6Command(w []string, no bool) error {
	if len(w) == 0 {
		return errInvalid
	}
	switch keyword(w[0], "address", "enable", "unnumbered") {
	case "address":
		if no && len(w) == 1 {
			c.IPv6 = nil
			return nil
		}
		if len(w) != 2 {
			return errInvalid
		}
		p, err := netip.ParsePrefix(w[1])
		if err != nil || !p.Addr().Is6() {
			return errInvalid
		}
		text := strings.ToUpper(p.String())
		c.IPv6 = slices.DeleteFunc(c.IPv6, func(a string) bool { return a == text })
		if !no {
			c.IPv6 = append(c.IPv6, text)
		}
		return nil
	case "enable":
		if len(w) != 1 {
			return errInvalid
		}
		c.IPv6Enable = !no
		return nil
	case "unnumbered":
		if no {
			c.IPv6Unnumbered = ""
			return nil
		}
		name, ok := ifName(w[1:])
		if !ok {
			return errInvalid
		}
		c.IPv6Unnumbered = name
		return nil
	}
	return errUnmodelled
}

func (c *ifConfig) tunnelCommand(w []string, no bool) error {
	if len(w) == 0 {
		return errInvalid
	}
	t := c.tunnel()
	defer func() {
		if c.Tunnel.IsZero() {
			c.Tunnel = nil
		}
	}()
	switch keyword(w[0], "source", "destination", "mode", "key", "protection") {
	case "source":
		if no {
			t.Source = ""
			return nil
		}
		if len(w) != 2 {
			return errInvalid
		}
		if a, err := netip.ParseAddr(w[1]); err == nil {
			t.Source = a.String()
			return nil
		}
		name, ok := ifName(w[1:])
		if !ok {
			return errInvalid
		}
		t.Source = name
		return nil
	case "destination":
		if no {
			t.Destination = ""
			return nil
		}
		a, err := netip.ParseAddr(strings.Join(w[1:], " "))
		if err != nil {
			return errInvalid
		}
		t.Destination = a.String()
		return nil
	case "mode":
		if no {
			t.Mode = ""
			return nil
		}
		mode, ok := tunnelMode(w[1:])
		if !ok {
			return errInvalid
		}
		t.Mode = mode
		return nil
	case "key":
		if no {
			t.Key, t.HasKey = 0, false
			return nil
		}
		n, err := number(w[1:], 0, 4294967295)
		if err != nil {
			return err
		}
		t.Key, t.HasKey = n, true
		return nil
	case "protection":
		return tunnelProtection(t, w[1:], no)
	}
	return errUnmodelled
}

// tunnelProtection is "tunnel protection ipsec profile NAME [shared]". The
// responder never initiates, so "[no] tunnel protection ipsec initiate"
// is accepted and changes nothing: the derived configuration always says
// "no tunnel protection ipsec initiate" (seed 001:848).
func tunnelProtection(t *schema.Tunnel, w []string, no bool) error {
	if len(w) < 2 || keyword(w[0], "ipsec") == "" {
		return errInvalid
	}
	switch keyword(w[1], "profile", "initiate") {
	case "initiate":
		return nil
	case "profile":
	default:
		return errInvalid
	}
	if no {
		t.ProtectionProfile, t.ProtectionShared = "", false
		return nil
	}
	switch {
	case len(w) == 3:
		t.ProtectionProfile, t.ProtectionShared = w[2], false
	case len(w) == 4 && keyword(w[3], "shared") != "":
		t.ProtectionProfile, t.ProtectionShared = w[2], true
	default:
		return errInvalid
	}
	return nil
}

// tunnelMode parses the words after "tunnel mode" into the schema's
// spelling ("" for IOS's default, GRE over IPv4).
func tunnelMode(w []string) (string, bool) {
	if len(w) < 2 {
		return "", false
	}
	switch keyword(w[0], "gre", "ipsec") {
	case "gre":
		over := keyword(w[1], "ip", "ipv6", "multipoint")
		if over == "" || len(w) != 2 {
			return "", false
		}
		if over == "ip" {
			return "", true
		}
		return "gre " + over, true
	case "ipsec":
		over := keyword(w[1], "ipv4", "ipv6")
		if over == "" || len(w) > 3 {
			return "", false
		}
		if len(w) == 3 {
			overlay := keyword(w[2], "v6-overlay", "v4-overlay")
			if overlay == "" || over == "ipv4" && overlay != "v6-overlay" || over == "ipv6" && overlay != "v4-overlay" {
				return "", false
			}
			return "ipsec " + over + " " + overlay, true
		}
		return "ipsec " + over, true
	}
	return "", false
}

// servicePolicy is "service-policy input|output NAME". IOS refuses to
// replace an attached policy without a "no" first, so a later
// authorization layer does not overwrite an earlier one (seed 001:775);
// a CoA does replace it (seed 001:1203).
func (c *ifConfig) servicePolicy(w []string, no, coa bool) error {
	if len(w) == 0 || len(w) > 2 || !no && len(w) != 2 {
		return errInvalid
	}
	field := &c.ServicePolicyIn
	switch keyword(w[0], "input", "output") {
	case "input":
	case "output":
		field = &c.ServicePolicyOut
	default:
		return errInvalid
	}
	if no {
		if len(w) == 1 || *field == w[1] {
			*field = ""
		}
		return nil
	}
	if *field != "" && *field != w[1] && !coa {
		return errors.New("% Remove the attached service-policy " + w[0] + " " + *field + " first")
	}
	*field = w[1]
	return nil
}

func number(w []string, lo, hi int64) (int64, error) {
	if len(w) != 1 {
		return 0, errInvalid
	}
	n, err := strconv.ParseInt(w[0], 10, 64)
	if err != nil || n < lo || n > hi {
		return 0, errInvalid
	}
	return n, nil
}

// ifName is the interface an "unnumbered" or "tunnel source" names, in
// one word ("Ethernet0/0", "e0/0", "eth0").
func ifName(w []string) (string, bool) {
	if len(w) != 1 {
		return "", false
	}
	name, ios := schema.CanonicalIfName(w[0])
	if !ios && !schema.IsLinuxIfName(name) {
		return "", false
	}
	return name, true
}

// lines renders the configuration in IOS's order (that of modes'
// running-config renderer, seed 001:841-849), without indentation.
// For the debug text of a template clone, IP addressing is left out:
// it is copied with the interface, not replayed as a command (the seed's
// 45-byte clone of a template with "ip unnumbered" lists only its
// tunnel protection line, 001:785-788).
func (c *ifConfig) lines(cloneText bool) []string {
	var out []string
	add := func(s string) { out = append(out, s) }
	if c.Description != "" {
		add("description " + c.Description)
	}
	if c.VRF != "" {
		if c.VRFStyle == schema.VRFStyleLegacy {
			add("ip vrf forwarding " + c.VRF)
		} else {
			add("vrf forwarding " + c.VRF)
		}
	}
	if !cloneText {
		for _, a := range c.IPv4 {
			if a.Secondary {
				add("ip address " + a.Address + " " + a.Mask + " secondary")
			}
		}
		switch p := c.Primary(); {
		case p != nil:
			add("ip address " + p.Address + " " + p.Mask)
		case c.IPUnnumbered != "":
			add("ip unnumbered " + c.IPUnnumbered)
		case len(c.IPv4) == 0:
			add("no ip address")
		}
	}
	if c.AccessGroupIn != "" {
		add("ip access-group " + c.AccessGroupIn + " in")
	}
	if c.AccessGroupOut != "" {
		add("ip access-group " + c.AccessGroupOut + " out")
	}
	if c.IPMTU != 0 {
		add("ip mtu " + strconv.Itoa(c.IPMTU))
	}
	if c.TCPAdjustMSS != 0 {
		add("ip tcp adjust-mss " + strconv.Itoa(c.TCPAdjustMSS))
	}
	if c.Shutdown {
		add("shutdown")
	}
	for _, a := range c.IPv6 {
		add("ipv6 address " + a)
	}
	if c.IPv6Enable {
		add("ipv6 enable")
	}
	if c.IPv6Unnumbered != "" && !cloneText {
		add("ipv6 unnumbered " + c.IPv6Unnumbered)
	}
	out = append(out, c.extra...)
	if t := c.Tunnel; t != nil {
		if t.Source != "" {
			add("tunnel source " + t.Source)
		}
		if t.Mode != "" {
			add("tunnel mode " + t.Mode)
		}
		if t.Destination != "" {
			add("tunnel destination " + t.Destination)
		}
		if t.HasKey {
			add("tunnel key " + strconv.FormatInt(t.Key, 10))
		}
		if t.ProtectionProfile != "" {
			line := "tunnel protection ipsec profile " + t.ProtectionProfile
			if t.ProtectionShared {
				line += " shared"
			}
			add(line)
			if !cloneText {
				add("no tunnel protection ipsec initiate")
			}
		}
	}
	if c.ServicePolicyIn != "" {
		add("service-policy input " + c.ServicePolicyIn)
	}
	if c.ServicePolicyOut != "" {
		add("service-policy output " + c.ServicePolicyOut)
	}
	return out
}
