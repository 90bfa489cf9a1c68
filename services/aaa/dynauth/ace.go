package dynauth

import (
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// ACLEntry is one per-user access-list entry of a CoA, the Cisco AV pair
// "ip:inacl#N=TEXT" or "ip:outacl#N=TEXT" (seed 001:1262-1264).
type ACLEntry struct {
	N    int        // the entry's #N; a list holds its entries in ascending N
	Text string     // the entry as received: "permit 1.1.1.1"
	ACE  schema.ACE // Text parsed (Seq not set)
}

// ACLName is the name IOS gives a per-user access list on a virtual-access
// interface: "Virtual-Access1#2601" (seed 001:1277-1286). The number comes
// from a counter the caller keeps (the seed's inbound and outbound lists of
// one CoA got 2601 and 2602), not from the entries' #N.
func ACLName(iface string, n int) string { return iface + "#" + strconv.Itoa(n) }

// BuildACL makes the access list name from a CoA's entries of one
// direction: in ascending #N (the order of the request for equal N),
// numbered 10, 20, ... as IOS shows them, standard when every entry is
// standard and extended when every entry is extended. It returns nil for
// no entries; the server refuses a CoA that mixes the two forms in one
// direction, so entries from a Change always build.
func BuildACL(name string, entries []ACLEntry) (*schema.ACL, error) {
	if len(entries) == 0 {
		return nil, nil
	}
	typ, err := aclType(entries)
	if err != nil {
		return nil, fmt.Errorf("dynauth: access list %q: %w", name, err)
	}
	sorted := slices.Clone(entries)
	slices.SortStableFunc(sorted, func(a, b ACLEntry) int { return a.N - b.N })
	acl := &schema.ACL{Name: name, Type: typ}
	for i, e := range sorted {
		ace := e.ACE
		ace.Seq = 10 * (i + 1)
		acl.Entries = append(acl.Entries, ace)
	}
	return acl, nil
}

// aclType is the type of list the entries make.
func aclType(entries []ACLEntry) (string, error) {
	typ := ""
	for _, e := range entries {
		t := schema.ACLStandard
		if e.ACE.Protocol != "" {
			t = schema.ACLExtended
		}
		if typ != "" && t != typ {
			return "", fmt.Errorf("entry #%d %q: standard and extended entries mixed", e.N, e.Text)
		}
		typ = t
	}
	return typ, nil
}

// Well-known numbers an entry may name. A small set: RADIUS servers send
// what an administrator typed for IOS, and these are the common ones.
var (
	aceProtocols = map[string]int{"ip": 0, "icmp": 1, "igmp": 2, "ipinip": 4, "tcp": 6, "udp": 17, "gre": 47,
		"esp": 50, "ahp": 51, "eigrp": 88, "ospf": 89, "nos": 94, "pim": 103, "pcp": 108}
	aceTCPPorts = map[string]int{"bgp": 179, "domain": 53, "ftp": 21, "ftp-data": 20, "pop3": 110, "smtp": 25,
		"telnet": 23, "www": 80}
	aceUDPPorts = map[string]int{"bootpc": 68, "bootps": 67, "domain": 53, "isakmp": 500, "non500-isakmp": 4500,
		"ntp": 123, "snmp": 161, "syslog": 514, "tftp": 69}
	aceICMPTypes = map[string]int{"echo-reply": 0, "unreachable": 3, "source-quench": 4, "redirect": 5, "echo": 8,
		"time-exceeded": 11, "parameter-problem": 12}
)

// ParseACE reads one access-list entry as IOS's "access-list" command
// takes it, without the list number: a standard entry ("permit 1.1.1.1",
// "deny 10.0.0.0 0.0.0.255 log", "permit any") or an extended one
// ("permit tcp any host 10.1.1.1 eq www", "deny icmp any any echo").
// Keywords must be complete (no abbreviation) and lower case, as a RADIUS
// server sends them. An address with bits under its wildcard is masked,
// as IOS does.
func ParseACE(text string) (schema.ACE, error) {
	p := aceWords{words: strings.Fields(text)}
	var ace schema.ACE
	switch w := p.next(); w {
	case "permit", "deny":
		ace.Action = w
	default:
		return ace, fmt.Errorf("dynauth: entry %q: expected permit or deny", text)
	}
	if _, isProto := protocolOf(p.peek()); !isProto {
		// Standard: a source, then perhaps "log".
		src, err := p.addr(false)
		if err != nil {
			return ace, fmt.Errorf("dynauth: entry %q: %w", text, err)
		}
		ace.Source = src
		if p.peek() == "log" {
			ace.Log = p.next()
		}
		if w := p.peek(); w != "" {
			return ace, fmt.Errorf("dynauth: entry %q: unexpected %q", text, w)
		}
		return ace, nil
	}
	if err := p.extended(&ace); err != nil {
		return ace, fmt.Errorf("dynauth: entry %q: %w", text, err)
	}
	return ace, nil
}

// extended reads the rest of an extended entry after its action.
func (p *aceWords) extended(ace *schema.ACE) error {
	word := p.next()
	n, _ := protocolOf(word)
	ace.Protocol = protocolName(n, word)
	keyword := word
	if _, err := strconv.Atoi(word); err == nil {
		keyword = "" // "permit 6 ..." takes no ports, as on IOS
	}
	ported := keyword == "tcp" || keyword == "udp"
	var err error
	if ace.Source, err = p.addr(true); err != nil {
		return err
	}
	if ported {
		if ace.SourcePorts, err = p.ports(keyword); err != nil {
			return err
		}
	}
	if ace.Dest, err = p.addr(true); err != nil {
		return err
	}
	if ported {
		if ace.DestPorts, err = p.ports(keyword); err != nil {
			return err
		}
	}
	if keyword == "icmp" {
		if t, ok := aceICMPTypes[p.peek()]; ok {
			p.next()
			ace.ICMPType = &t
		} else if t, ok := byteNumber(p.peek()); ok {
			p.next()
			ace.ICMPType = &t
			if c, ok := byteNumber(p.peek()); ok {
				p.next()
				ace.ICMPCode = &c
			}
		}
	}
	if keyword == "tcp" && p.peek() == "established" {
		p.next()
		ace.Established = true
	}
	if w := p.peek(); w == "log" || w == "log-input" {
		ace.Log = p.next()
	}
	if w := p.peek(); w != "" {
		return fmt.Errorf("unexpected %q", w)
	}
	return nil
}

// FormatACE writes an entry as ParseACE reads it (and IOS shows it),
// ports and ICMP types as numbers: for every entry ParseACE returns,
// ParseACE(FormatACE(e)) gives e again.
func FormatACE(e schema.ACE) string { return e.Text(schema.ACEStyle{Extended: e.Protocol != ""}) }

// aceWords walks the words of an entry.
type aceWords struct {
	words []string
}

func (p *aceWords) peek() string {
	if len(p.words) == 0 {
		return ""
	}
	return p.words[0]
}

func (p *aceWords) next() string {
	w := p.peek()
	if w != "" {
		p.words = p.words[1:]
	}
	return w
}

// addr reads "any", "host A.B.C.D" or "A.B.C.D [W.X.Y.Z]"; the wildcard is
// required in an extended entry and optional (a host) in a standard one.
func (p *aceWords) addr(extended bool) (schema.AddrMatch, error) {
	switch w := p.next(); w {
	case "":
		return schema.AddrMatch{}, fmt.Errorf("address missing")
	case "any":
		return schema.AddrMatch{Address: schema.HostWildcard, Wildcard: schema.AnyWildcard}, nil
	case "host":
		a, err := parseIPv4(p.next())
		if err != nil {
			return schema.AddrMatch{}, err
		}
		return schema.AddrMatch{Address: a.String(), Wildcard: schema.HostWildcard}, nil
	default:
		a, err := parseIPv4(w)
		if err != nil {
			return schema.AddrMatch{}, err
		}
		wild := netip.IPv4Unspecified()
		if isAddress(p.peek()) {
			wild, _ = parseIPv4(p.next())
		} else if extended {
			return schema.AddrMatch{}, fmt.Errorf("wildcard missing after %s", w)
		}
		if wild.As4() == [4]byte{255, 255, 255, 255} {
			return schema.AddrMatch{Address: schema.HostWildcard, Wildcard: schema.AnyWildcard}, nil
		}
		ab, wb := a.As4(), wild.As4()
		for i := range ab {
			ab[i] &^= wb[i]
		}
		return schema.AddrMatch{Address: netip.AddrFrom4(ab).String(), Wildcard: wild.String()}, nil
	}
}

// ports reads an optional port condition of a tcp or udp entry.
func (p *aceWords) ports(proto string) (*schema.PortMatch, error) {
	op := p.peek()
	switch op {
	case "eq", "neq", "gt", "lt", "range":
	default:
		return nil, nil
	}
	p.next()
	port := func() (int, error) {
		w := p.next()
		names := aceTCPPorts
		if proto == "udp" {
			names = aceUDPPorts
		}
		if n, ok := names[w]; ok {
			return n, nil
		}
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 || n > 65535 || strconv.Itoa(n) != w {
			return 0, fmt.Errorf("bad port %q", w)
		}
		return n, nil
	}
	m := &schema.PortMatch{Op: op}
	var err error
	if m.Port, err = port(); err != nil {
		return nil, err
	}
	if op == "range" {
		if m.Port2, err = port(); err != nil {
			return nil, err
		}
		if m.Port2 < m.Port {
			return nil, fmt.Errorf("bad range %d %d", m.Port, m.Port2)
		}
	}
	return m, nil
}

// protocolOf reads a protocol keyword or number.
func protocolOf(w string) (int, bool) {
	if n, ok := aceProtocols[w]; ok {
		return n, true
	}
	return byteNumber(w)
}

// protocolName is how an entry stores its protocol: the keyword for a
// known number (as the CLI stores it), else the number.
func protocolName(n int, word string) string {
	if _, ok := aceProtocols[word]; ok {
		return word
	}
	for name, m := range aceProtocols {
		if m == n && name != "ip" {
			return name
		}
	}
	return strconv.Itoa(n)
}

// byteNumber reads a decimal 0-255 written without leading zeros.
func byteNumber(w string) (int, bool) {
	n, err := strconv.Atoi(w)
	if err != nil || n < 0 || n > 255 || strconv.Itoa(n) != w {
		return 0, false
	}
	return n, true
}

func isAddress(w string) bool {
	_, err := parseIPv4(w)
	return err == nil
}

func parseIPv4(w string) (netip.Addr, error) {
	a, err := netip.ParseAddr(w)
	if err != nil || !a.Is4() {
		return netip.Addr{}, fmt.Errorf("bad address %q", w)
	}
	return a, nil
}
