package ike

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Setting an authorization attribute by its AAA name. RADIUS (Cisco
// AV-pairs "ipsec:dns-servers=...", IETF attributes by their IOS names)
// and local "aaa attribute list" entries both land here, so that one table
// says what each attribute of seed 001's list means.

// ErrUnknownAttribute is returned by Apply for a name it does not know.
var ErrUnknownAttribute = errors.New("unknown attribute")

// PSKKeys are the pre-shared keys an authorization answer may carry
// (Tunnel-Password, ipsec:ikev2-password-local/-remote).
type PSKKeys struct {
	Local, Remote []byte
}

// Apply sets one attribute. name is the attribute's AAA name, without the
// protocol ("dns-servers", "route-set", "interface-config", "addr-pool",
// "Framed-IP-Address" ...), matched case-insensitively; keys receives the
// pre-shared keys and may be nil. Values that do not parse are an error;
// an unknown name is ErrUnknownAttribute (the caller decides whether that
// matters: a mandatory RADIUS AV-pair it does, an optional one not).
func (a *Attributes) Apply(keys *PSKKeys, name, value string) error {
	value = strings.TrimSpace(value)
	bad := func(err error) error { return fmt.Errorf("attribute %s=%q: %w", name, value, err) }
	switch strings.ToLower(name) {
	case "addr-pool", "framed-pool":
		a.Pool = value
	case "ipv6-addr-pool", "ipv6-pool":
		a.IPv6Pool = value
	case "addr", "framed-ip-address":
		ip, err := parseIPv4(value)
		if err != nil {
			return bad(err)
		}
		a.FramedIP = ip
	case "netmask", "framed-ip-netmask":
		ip, err := parseIPv4(value)
		if err != nil {
			return bad(err)
		}
		a.Netmask = ip
	case "addrv6", "framed-ipv6-address":
		ip, err := netip.ParseAddr(value)
		if err != nil || !ip.Is6() || ip.Is4In6() {
			return bad(errors.New("not an IPv6 address"))
		}
		a.IPv6Addr = ip
		if a.IPv6PrefixLen == 0 {
			a.IPv6PrefixLen = 64
		}
	case "prefix-len":
		n, err := intIn(value, 1, 128)
		if err != nil {
			return bad(err)
		}
		a.IPv6PrefixLen = n
	case "dns-servers":
		ips, err := addrList(value, true)
		if err != nil {
			return bad(err)
		}
		a.DNS = ips
	case "wins-servers":
		ips, err := addrList(value, true)
		if err != nil {
			return bad(err)
		}
		a.WINS = ips
	case "ipv6-dns-servers-addr", "ipv6-dns":
		ips, err := addrList(value, false)
		if err != nil {
			return bad(err)
		}
		a.IPv6DNS = ips
	case "route-set":
		if err := a.applyRouteSet(value); err != nil {
			return bad(err)
		}
	case "route-accept":
		ra, err := parseRouteAccept(value)
		if err != nil {
			return bad(err)
		}
		a.RouteAccept = ra
	case "interface-config":
		if value != "" {
			a.InterfaceConfig = append(a.InterfaceConfig, value)
		}
	case "ipsec-flow-limit":
		n, err := intIn(value, 0, 50000)
		if err != nil {
			return bad(err)
		}
		a.FlowLimit = &n
	case "banner":
		a.Banner = value
	case "default-domain":
		a.DefaultDomain = value
	case "split-dns":
		a.SplitDNS = append(a.SplitDNS, strings.Fields(value)...)
	case "ipsec-backup-gateway", "backup-gateway":
		a.BackupGateways = append(a.BackupGateways, strings.Fields(value)...)
	case "pfs":
		on, err := flag(value)
		if err != nil {
			return bad(err)
		}
		a.PFS = on
	case "include-local-lan":
		on, err := flag(value)
		if err != nil {
			return bad(err)
		}
		a.IncludeLAN = on
	case "smartcard-removal-disconnect":
		on, err := flag(value)
		if err != nil {
			return bad(err)
		}
		a.SmartcardRemovalDisconnect = on
	case "configuration-url":
		a.ConfigURL = value
	case "configuration-version":
		a.ConfigVersion = value
	case "session-timeout", "timeout":
		d, err := seconds(value)
		if err != nil {
			return bad(err)
		}
		a.SessionTimeout = d
	case "idle-timeout", "idletime":
		d, err := seconds(value)
		if err != nil {
			return bad(err)
		}
		a.IdleTimeout = d
	case "tunnel-password":
		if keys != nil {
			keys.Local, keys.Remote = []byte(value), []byte(value)
		}
	case "ikev2-password-local":
		if keys != nil {
			keys.Local = []byte(value)
		}
	case "ikev2-password-remote":
		if keys != nil {
			keys.Remote = []byte(value)
		}
	case "group-dhcp-server", "dhcp-giaddr", "dhcp-timeout":
		// Known, but Gatehouse leases from local pools only: accepted and
		// ignored, as documented in the configuration guide.
	default:
		return fmt.Errorf("%w %q", ErrUnknownAttribute, name)
	}
	return nil
}

// applyRouteSet handles the forms of ipsec:route-set.
func (a *Attributes) applyRouteSet(v string) error {
	f := strings.Fields(v)
	if len(f) == 0 {
		return errors.New("empty route-set")
	}
	switch f[0] {
	case "interface":
		a.RouteSetInterface = true
		if len(f) > 1 {
			a.RouteSetInterfaceName = f[1]
		}
		return nil
	case "prefix":
		if len(f) != 2 {
			return errors.New("want prefix A.B.C.D/LEN")
		}
		p, err := netip.ParsePrefix(f[1])
		if err != nil {
			return err
		}
		a.Subnets = append(a.Subnets, p.Masked())
		return nil
	case "access-list":
		switch {
		case len(f) == 2:
			a.SubnetACLs = append(a.SubnetACLs, f[1])
		case len(f) == 3 && f[1] == "ipv6":
			a.SubnetACLs = append(a.SubnetACLs, f[2])
		default:
			return errors.New("want access-list [ipv6] NAME")
		}
		return nil
	case "remote", "local":
		if len(f) < 3 {
			return errors.New("want " + f[0] + " ipv4 ADDRESS MASK | ipv6 PREFIX/LEN")
		}
		p, rest, err := familyPrefix(f[1:])
		if err != nil {
			return err
		}
		if f[0] == "remote" {
			if len(rest) != 0 {
				return fmt.Errorf("unexpected %q", strings.Join(rest, " "))
			}
			a.Subnets = append(a.Subnets, p)
			return nil
		}
		r := LocalRoute{Prefix: p}
		for len(rest) > 0 {
			switch {
			case rest[0] == "next-hop" && len(rest) > 1:
				nh, err := netip.ParseAddr(rest[1])
				if err != nil || nh.Is4() != p.Addr().Is4() {
					return fmt.Errorf("bad next-hop %q", rest[1])
				}
				r.NextHop, rest = nh, rest[2:]
			case strings.HasPrefix(rest[0], "tag:"):
				if r.Tag, err = intIn(rest[0][4:], 0, 1<<31-1); err != nil {
					return err
				}
				rest = rest[1:]
			case strings.HasPrefix(rest[0], "distance:"):
				if r.Distance, err = intIn(rest[0][9:], 1, 255); err != nil {
					return err
				}
				rest = rest[1:]
			default:
				return fmt.Errorf("unexpected %q", rest[0])
			}
		}
		a.LocalRoutes = append(a.LocalRoutes, r)
		return nil
	}
	return fmt.Errorf("unknown route-set form %q", f[0])
}

// familyPrefix reads "ipv4 ADDRESS MASK" or "ipv6 PREFIX/LEN".
func familyPrefix(f []string) (netip.Prefix, []string, error) {
	switch f[0] {
	case "ipv4":
		if len(f) < 3 {
			return netip.Prefix{}, nil, errors.New("want ipv4 ADDRESS MASK")
		}
		addr, err := parseIPv4(f[1])
		if err != nil {
			return netip.Prefix{}, nil, err
		}
		mask, err := parseIPv4(f[2])
		if err != nil {
			return netip.Prefix{}, nil, err
		}
		bits, ok := contiguousMask(mask)
		if !ok {
			return netip.Prefix{}, nil, fmt.Errorf("%s is not a contiguous mask", mask)
		}
		return netip.PrefixFrom(addr, bits).Masked(), f[3:], nil
	case "ipv6":
		p, err := netip.ParsePrefix(f[1])
		if err != nil || !p.Addr().Is6() {
			return netip.Prefix{}, nil, fmt.Errorf("bad IPv6 prefix %q", f[1])
		}
		return p.Masked(), f[2:], nil
	}
	return netip.Prefix{}, nil, fmt.Errorf("want ipv4 or ipv6, got %q", f[0])
}

// contiguousMask turns a dotted mask into a prefix length.
func contiguousMask(m netip.Addr) (int, bool) {
	b := m.As4()
	v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	n := 0
	for v&(1<<31) != 0 {
		n++
		v <<= 1
	}
	return n, v == 0
}

func parseRouteAccept(v string) (*RouteAccept, error) {
	f := strings.Fields(v)
	if len(f) == 0 || f[0] != "any" {
		return nil, errors.New("want any [tag:T] [distance:D]")
	}
	ra := &RouteAccept{}
	var err error
	for _, w := range f[1:] {
		switch {
		case strings.HasPrefix(w, "tag:"):
			ra.Tag, err = intIn(w[4:], 0, 1<<31-1)
		case strings.HasPrefix(w, "distance:"):
			ra.Distance, err = intIn(w[9:], 1, 255)
		default:
			err = fmt.Errorf("unexpected %q", w)
		}
		if err != nil {
			return nil, err
		}
	}
	return ra, nil
}

func parseIPv4(s string) (netip.Addr, error) {
	ip, err := netip.ParseAddr(s)
	if err != nil || !ip.Is4() {
		return netip.Addr{}, fmt.Errorf("%q is not an IPv4 address", s)
	}
	return ip, nil
}

// addrList reads up to two space-separated addresses of one family.
func addrList(v string, v4 bool) ([]netip.Addr, error) {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 {
		return nil, errors.New("want one or two addresses")
	}
	out := make([]netip.Addr, 0, len(f))
	for _, s := range f {
		ip, err := netip.ParseAddr(s)
		if err != nil || ip.Is4() != v4 || ip.Is4In6() {
			return nil, fmt.Errorf("bad address %q", s)
		}
		out = append(out, ip)
	}
	return out, nil
}

func intIn(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%q is not a number in %d-%d", s, lo, hi)
	}
	return n, nil
}

func seconds(s string) (time.Duration, error) {
	n, err := intIn(s, 0, 1<<31-1)
	return time.Duration(n) * time.Second, err
}

// flag reads the on/off values Cisco AV-pairs use.
func flag(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "true", "yes", "on", "enable":
		return true, nil
	case "0", "false", "no", "off", "disable":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a flag (true/false, 1/0)", s)
}
