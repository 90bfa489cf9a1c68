package modes

import (
	"fmt"
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerACL) }

// A named number: an IP protocol, a TCP/UDP port or an ICMP type, with the
// help IOS gives its keyword. IOS shows the name wherever the number has one.
type named struct {
	name string
	num  int
	help string
}

var ipProtocols = []named{
	{"ahp", 51, "Authentication Header Protocol"}, {"eigrp", 88, "Cisco's EIGRP routing protocol"},
	{"esp", 50, "Encapsulation Security Payload"}, {"gre", 47, "Cisco's GRE tunneling"},
	{"icmp", 1, "Internet Control Message Protocol"}, {"igmp", 2, "Internet Gateway Message Protocol"},
	{"ipinip", 4, "IP in IP tunneling"}, {"nos", 94, "KA9Q NOS compatible IP over IP tunneling"},
	{"ospf", 89, "OSPF routing protocol"}, {"pcp", 108, "Payload Compression Protocol"},
	{"pim", 103, "Protocol Independent Multicast"}, {"tcp", 6, "Transmission Control Protocol"},
	{"udp", 17, "User Datagram Protocol"},
}

var tcpPorts = []named{
	{"bgp", 179, "Border Gateway Protocol (179)"}, {"chargen", 19, "Character generator (19)"},
	{"cmd", 514, "Remote commands (rcmd, 514)"}, {"daytime", 13, "Daytime (13)"},
	{"discard", 9, "Discard (9)"}, {"domain", 53, "Domain Name Service (53)"},
	{"echo", 7, "Echo (7)"}, {"exec", 512, "Exec (rsh, 512)"}, {"finger", 79, "Finger (79)"},
	{"ftp", 21, "File Transfer Protocol (21)"}, {"ftp-data", 20, "FTP data connections (20)"},
	{"gopher", 70, "Gopher (70)"}, {"hostname", 101, "NIC hostname server (101)"},
	{"ident", 113, "Ident Protocol (113)"}, {"irc", 194, "Internet Relay Chat (194)"},
	{"klogin", 543, "Kerberos login (543)"}, {"kshell", 544, "Kerberos shell (544)"},
	{"login", 513, "Login (rlogin, 513)"}, {"lpd", 515, "Printer service (515)"},
	{"nntp", 119, "Network News Transport Protocol (119)"}, {"pim-auto-rp", 496, "PIM Auto-RP (496)"},
	{"pop2", 109, "Post Office Protocol v2 (109)"}, {"pop3", 110, "Post Office Protocol v3 (110)"},
	{"smtp", 25, "Simple Mail Transport Protocol (25)"}, {"sunrpc", 111, "Sun Remote Procedure Call (111)"},
	{"tacacs", 49, "TAC Access Control System (49)"}, {"talk", 517, "Talk (517)"},
	{"telnet", 23, "Telnet (23)"}, {"time", 37, "Time (37)"},
	{"uucp", 540, "Unix-to-Unix Copy Program (540)"}, {"whois", 43, "Nicname (43)"},
	{"www", 80, "World Wide Web (HTTP, 80)"},
}

var udpPorts = []named{
	{"biff", 512, "Biff (mail notification, comsat, 512)"}, {"bootpc", 68, "Bootstrap Protocol (BOOTP) client (68)"},
	{"bootps", 67, "Bootstrap Protocol (BOOTP) server (67)"}, {"discard", 9, "Discard (9)"},
	{"dnsix", 195, "DNSIX security protocol auditing (195)"}, {"domain", 53, "Domain Name Service (DNS, 53)"},
	{"echo", 7, "Echo (7)"}, {"isakmp", 500, "Internet Security Association and Key Management Protocol (500)"},
	{"mobile-ip", 434, "Mobile IP registration (434)"}, {"nameserver", 42, "IEN116 name service (obsolete, 42)"},
	{"netbios-dgm", 138, "NetBios datagram service (138)"}, {"netbios-ns", 137, "NetBios name service (137)"},
	{"netbios-ss", 139, "NetBios session service (139)"},
	{"non500-isakmp", 4500, "Internet Security Association and Key Management Protocol (4500)"},
	{"ntp", 123, "Network Time Protocol (123)"}, {"pim-auto-rp", 496, "PIM Auto-RP (496)"},
	{"rip", 520, "Routing Information Protocol (router, in.routed, 520)"},
	{"snmp", 161, "Simple Network Management Protocol (161)"}, {"snmptrap", 162, "SNMP Traps (162)"},
	{"sunrpc", 111, "Sun Remote Procedure Call (111)"}, {"syslog", 514, "System Logger (514)"},
	{"tacacs", 49, "TAC Access Control System (49)"}, {"talk", 517, "Talk (517)"},
	{"tftp", 69, "Trivial File Transfer Protocol (69)"}, {"time", 37, "Time (37)"},
	{"who", 513, "Who service (rwho, 513)"}, {"xdmcp", 177, "X Display Manager Control Protocol (177)"},
}

var icmpTypes = []named{
	{"echo", 8, "Echo (ping)"}, {"echo-reply", 0, "Echo reply"},
	{"information-reply", 16, "Information replies"}, {"information-request", 15, "Information requests"},
	{"mask-reply", 18, "Mask replies"}, {"mask-request", 17, "Mask requests"},
	{"parameter-problem", 12, "All parameter problems"}, {"redirect", 5, "All redirects"},
	{"router-advertisement", 9, "Router discovery advertisements"},
	{"router-solicitation", 10, "Router discovery solicitations"},
	{"source-quench", 4, "Source quenches"}, {"time-exceeded", 11, "All time exceededs"},
	{"timestamp-reply", 14, "Timestamp replies"}, {"timestamp-request", 13, "Timestamp requests"},
	{"traceroute", 30, "Traceroute"}, {"unreachable", 3, "All unreachables"},
}

func nameOf(table []named, num int) string {
	for _, n := range table {
		if n.num == num {
			return n.name
		}
	}
	return strconv.Itoa(num)
}

func names(table []named) []string {
	out := make([]string, len(table))
	for k, n := range table {
		out[k] = n.name
	}
	return out
}

// portTable is the port names a protocol's ACEs know.
func portTable(proto string) []named {
	if proto == "udp" {
		return udpPorts
	}
	return tcpPorts
}

// Numbered access-list ranges.
func isStandardNumber(n int) bool { return 1 <= n && n <= 99 || 1300 <= n && n <= 1999 }
func isExtendedNumber(n int) bool { return 100 <= n && n <= 199 || 2000 <= n && n <= 2699 }

// aclNumber is the list's number when its name is one, else 0.
func aclNumber(name string) int {
	n, err := strconv.Atoi(name)
	if err != nil || !isStandardNumber(n) && !isExtendedNumber(n) {
		return 0
	}
	return n
}

// aceParser reads an ACE the way the grammar matched it: keywords may be
// abbreviated to a prefix that is unique among what may come next.
type aceParser struct {
	words     []string
	i         int
	ambiguous bool // the last keyword lookup found several candidates
}

func (p *aceParser) peek() string {
	if p.i < len(p.words) {
		return p.words[p.i]
	}
	return ""
}

// keyword matches the next word against the keywords that may come next:
// an exact match, or a prefix of exactly one. It consumes the word only
// when the match is one of take (all of cands when take is nil).
func (p *aceParser) keyword(cands []string, take ...string) (string, bool) {
	w := strings.ToLower(p.peek())
	p.ambiguous = false
	if w == "" {
		return "", false
	}
	found := ""
	for _, c := range cands {
		if c == w {
			found = c
			break
		}
		if strings.HasPrefix(c, w) {
			if found != "" && found != c {
				p.ambiguous = true
				return "", false
			}
			found = c
		}
	}
	if found == "" || take != nil && !contains(take, found) {
		return found, false
	}
	p.i++
	return found, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// errorf reports a bad word; an abbreviation that fits several keywords
// is reported as such.
func (p *aceParser) errorf(format string, args ...any) error {
	if p.ambiguous {
		return IOSError(fmt.Sprintf("%% Ambiguous %q", p.peek()))
	}
	return IOSError(fmt.Sprintf(format, args...))
}

// ambiguity is the error for an optional keyword that was abbreviated to
// fit several, or nil.
func (p *aceParser) ambiguity() error {
	if p.ambiguous {
		return p.errorf("")
	}
	return nil
}

func (p *aceParser) addr() (netip.Addr, bool) {
	a, err := netip.ParseAddr(p.peek())
	if err != nil || !a.Is4() || strings.ContainsAny(p.peek(), ":%") {
		return netip.Addr{}, false
	}
	p.i++
	return a, true
}

// number reads a decimal in [lo, hi], as the grammar's ranges read it.
func (p *aceParser) number(lo, hi int) (int, bool) {
	n, err := strconv.ParseInt(p.peek(), 10, 64)
	if err != nil || n < int64(lo) || n > int64(hi) {
		return 0, false
	}
	p.i++
	return int(n), true
}

// numberOrName reads a number in [0, hi] or a name of the table.
func (p *aceParser) numberOrName(table []named, hi int) (int, bool) {
	if n, ok := p.number(0, hi); ok {
		return n, true
	}
	name, ok := p.keyword(names(table))
	return numberOf(table, name), ok
}

func numberOf(table []named, name string) int {
	for _, n := range table {
		if n.name == name {
			return n.num
		}
	}
	return -1
}

var portOps = []string{"eq", "gt", "lt", "neq", "range"}

// addrMatch reads "any", "host A.B.C.D" or "A.B.C.D WILDCARD" (a standard
// ACE may leave the wildcard out: a host).
func (p *aceParser) addrMatch(standard bool) (schema.AddrMatch, error) {
	if kw, ok := p.keyword([]string{"any", "host"}); ok {
		if kw == "any" {
			return schema.AddrMatch{Address: "0.0.0.0", Wildcard: schema.AnyWildcard}, nil
		}
		a, ok := p.addr()
		if !ok {
			return schema.AddrMatch{}, p.errorf("%% Bad host address %q", p.peek())
		}
		return schema.AddrMatch{Address: a.String(), Wildcard: schema.HostWildcard}, nil
	}
	a, ok := p.addr()
	if !ok {
		return schema.AddrMatch{}, p.errorf("%% Bad address %q", p.peek())
	}
	w, ok := p.addr()
	if !ok {
		if !standard {
			return schema.AddrMatch{}, p.errorf("%% Wildcard bits missing after %s", a)
		}
		w = netip.IPv4Unspecified()
	}
	// IOS would silently clear the address bits the wildcard ignores;
	// they are nearly always a netmask typed where a wildcard belongs.
	if addrUint(a)&addrUint(w) != 0 {
		return schema.AddrMatch{}, p.errorf("%% Bad wildcard %s for address %s: it ignores bits the address sets (a netmask instead of a wildcard?)", w, a)
	}
	return schema.AddrMatch{Address: a.String(), Wildcard: w.String()}, nil
}

// ports reads an optional "eq|gt|lt|neq P" or "range P P"; follow are the
// keywords that may come instead.
func (p *aceParser) ports(proto string, follow []string) (*schema.PortMatch, error) {
	op, ok := p.keyword(append(append([]string{}, portOps...), follow...), portOps...)
	if !ok {
		return nil, p.ambiguity()
	}
	table := portTable(proto)
	m := &schema.PortMatch{Op: op}
	if m.Port, ok = p.numberOrName(table, 65535); !ok {
		return nil, p.errorf("%% Bad port %q", p.peek())
	}
	if op == "range" {
		if m.Port2, ok = p.numberOrName(table, 65535); !ok {
			return nil, p.errorf("%% Bad port %q", p.peek())
		}
		if m.Port2 < m.Port {
			return nil, p.errorf("%% Bad port range %d - %d", m.Port, m.Port2)
		}
	}
	return m, nil
}

// ParseACE reads an access-list entry, from its permit/deny word on, as
// an access list of type typ (schema.ACLStandard or ACLExtended) takes it.
// RADIUS per-user lists (inacl/outacl attributes) use the same syntax.
func ParseACE(typ string, words []string) (schema.ACE, error) {
	p := &aceParser{words: words}
	var ace schema.ACE
	var ok bool
	if ace.Action, ok = p.keyword([]string{"permit", "deny"}); !ok {
		return ace, p.errorf("%% Expected permit or deny")
	}
	var err error
	if typ == schema.ACLStandard {
		if ace.Source, err = p.addrMatch(true); err != nil {
			return ace, err
		}
		if _, ok := p.keyword([]string{"log"}); ok {
			ace.Log = "log"
		}
		return ace, p.end()
	}
	// Ports, ICMP types and "established" follow the protocol keywords
	// only: "permit 6 ..." takes none, as on IOS.
	keyword := ""
	if n, ok := p.number(0, 255); ok {
		ace.Protocol = nameOf(ipProtocols, n)
	} else if keyword, ok = p.keyword(append(names(ipProtocols), "ip")); ok {
		ace.Protocol = keyword
	} else {
		return ace, p.errorf("%% Bad protocol %q", p.peek())
	}
	ported := keyword == "tcp" || keyword == "udp"
	logs := []string{"log", "log-input"}
	options := logs
	if keyword == "tcp" {
		options = append([]string{"established"}, logs...)
	}
	if ace.Source, err = p.addrMatch(false); err != nil {
		return ace, err
	}
	if ported {
		if ace.SourcePorts, err = p.ports(ace.Protocol, []string{"any", "host"}); err != nil {
			return ace, err
		}
	}
	if ace.Dest, err = p.addrMatch(false); err != nil {
		return ace, err
	}
	if ported {
		if ace.DestPorts, err = p.ports(ace.Protocol, options); err != nil {
			return ace, err
		}
	}
	if keyword == "icmp" {
		// A type is a number (perhaps with a code) or a name.
		if t, ok := p.number(0, 255); ok {
			ace.ICMPType = &t
			if code, ok := p.number(0, 255); ok {
				ace.ICMPCode = &code
			}
		} else if name, ok := p.keyword(append(names(icmpTypes), logs...), names(icmpTypes)...); ok {
			t := numberOf(icmpTypes, name)
			ace.ICMPType = &t
		} else if err := p.ambiguity(); err != nil {
			return ace, err
		}
	}
	for p.peek() != "" {
		opt, ok := p.keyword(options)
		switch {
		case !ok:
			return ace, p.errorf("%% Unexpected %q", p.peek())
		case opt == "established" && !ace.Established:
			ace.Established = true
		case opt != "established" && ace.Log == "":
			ace.Log = opt
		default:
			return ace, p.errorf("%% %s given twice", opt)
		}
	}
	return ace, nil
}

func (p *aceParser) end() error {
	if p.peek() != "" {
		return p.errorf("%% Unexpected %q", p.peek())
	}
	return nil
}

// aceText renders an entry (without its sequence number) as the running
// configuration shows it, ports and ICMP types by name where they have
// one; pad aligns deny under permit as IOS does.
func aceText(typ string, e *schema.ACE, pad bool) string {
	return e.Text(schema.ACEStyle{Extended: typ != schema.ACLStandard, Pad: pad, PortName: portName, ICMPName: icmpName})
}

func portName(proto string, port int) string { return nameOf(portTable(proto), port) }
func icmpName(typ int) string                { return nameOf(icmpTypes, typ) }

// defSpec builds a definition and its help strings side by side.
type defSpec struct{ def, help []string }

func (s *defSpec) tok(t, help string) *defSpec {
	s.def, s.help = append(s.def, t), append(s.help, help)
	return s
}

// raw adds grouping punctuation, which takes no help string.
func (s *defSpec) raw(t ...string) *defSpec { s.def = append(s.def, t...); return s }

func (s *defSpec) add(o *defSpec) *defSpec {
	s.def, s.help = append(s.def, o.def...), append(s.help, o.help...)
	return s
}

// choice adds "<a|b|...>" of the table's keywords, with a leading range
// when rng is not "".
func (s *defSpec) choice(rng, rngHelp string, table []named) *defSpec {
	s.raw("<")
	if rng != "" {
		s.tok(rng, rngHelp)
	}
	for _, n := range table {
		if rng != "" || n != table[0] {
			s.raw("|")
		}
		s.tok(n.name, n.help)
	}
	return s.raw(">")
}

func (s *defSpec) command(action any) *grammar.Command {
	return &grammar.Command{Def: strings.Join(s.def, " "), Help: strings.Join(s.help, "\n"), Action: action}
}

// aceAddrDef is "any | host A.B.C.D | A.B.C.D WILDCARD" for the source or
// destination role.
func aceAddrDef(role string) *defSpec {
	title := strings.ToUpper(role[:1]) + role[1:]
	return (&defSpec{}).raw("<").tok("any", "Any "+role+" host").raw("|").tok("host", "A single "+role+" host").
		tok("A.B.C.D", title+" address").raw("|").tok("A.B.C.D", title+" address").tok("A.B.C.D", title+" wildcard bits").raw(">")
}

func acePortDef(table []named) *defSpec {
	s := (&defSpec{}).raw("[", "<").tok("eq", "Match only packets on a given port number").raw("|").
		tok("gt", "Match only packets with a greater port number").raw("|").
		tok("lt", "Match only packets with a lower port number").raw("|").
		tok("neq", "Match only packets not on a given port number").raw(">")
	s.choice("<0-65535>", "Port number", table).raw("|")
	s.tok("range", "Match only packets in the range of port numbers")
	s.choice("<0-65535>", "Port number", table).choice("<0-65535>", "Port number", table)
	return s.raw("]")
}

func aceLogDef(established bool) *defSpec {
	s := (&defSpec{}).raw("{")
	if established {
		s.tok("established", "Match established connections").raw("|")
	}
	return s.raw("<").tok("log", "Log matches against this entry").raw("|").
		tok("log-input", "Log matches against this entry, including input interface").raw(">", "}")
}

// aceDefs are the entry syntaxes of a list type after "permit|deny", for
// ? help and carets; ParseACE gives the entry its meaning.
func aceDefs(typ string) []*defSpec {
	action := func() *defSpec {
		return (&defSpec{}).raw("<").tok("permit", "Specify packets to forward").raw("|").tok("deny", "Specify packets to reject").raw(">")
	}
	if typ == schema.ACLStandard {
		s := action().raw("<").tok("any", "Any source host").raw("|").tok("host", "A single host address").
			tok("A.B.C.D", "Host address").raw("|").tok("A.B.C.D", "Address to match").
			raw("[").tok("A.B.C.D", "Wildcard bits").raw("]", ">", "[").tok("log", "Log matches against this entry").raw("]")
		return []*defSpec{s}
	}
	var generic []named
	for _, n := range ipProtocols {
		if n.name != "tcp" && n.name != "udp" && n.name != "icmp" {
			generic = append(generic, n)
		}
	}
	generic = append(generic, named{"ip", 0, "Any Internet Protocol"})
	out := []*defSpec{
		action().choice("<0-255>", "An IP protocol number", generic).add(aceAddrDef("source")).add(aceAddrDef("destination")).add(aceLogDef(false)),
		action().tok("icmp", "Internet Control Message Protocol").add(aceAddrDef("source")).add(aceAddrDef("destination")).
			raw("[", "<").tok("<0-255>", "ICMP message type").raw("[").tok("<0-255>", "ICMP message code").raw("]", "|").
			add((&defSpec{}).choice("", "", icmpTypes).raw()).raw(">", "]").add(aceLogDef(false)),
	}
	for _, proto := range []struct {
		name, help  string
		table       []named
		established bool
	}{{"tcp", "Transmission Control Protocol", tcpPorts, true}, {"udp", "User Datagram Protocol", udpPorts, false}} {
		out = append(out, action().tok(proto.name, proto.help).add(aceAddrDef("source")).add(acePortDef(proto.table)).
			add(aceAddrDef("destination")).add(acePortDef(proto.table)).add(aceLogDef(proto.established)))
	}
	return out
}

func registerACL(t *Tree) {
	modes := map[string]*Mode{
		schema.ACLStandard: t.NewMode("config-std-nacl", nil, "Standard Access List configuration commands:"),
		schema.ACLExtended: t.NewMode("config-ext-nacl", nil, "Extended Access List configuration commands:"),
	}
	t.Config.Add(
		&grammar.Command{Def: "[no] ip access-list standard <<1-99>|<1300-1999>|WORD>$name",
			Help:   "\nNamed access list\nStandard Access List\nStandard IP access-list number\nStandard IP access-list number (expanded range)\nAccess-list name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return enterACL(c, tx, modes, schema.ACLStandard) })},
		&grammar.Command{Def: "[no] ip access-list extended <<100-199>|<2000-2699>|WORD>$name",
			Help:   "\n\nExtended Access List\nExtended IP access-list number\nExtended IP access-list number (expanded range)\nAccess-list name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return enterACL(c, tx, modes, schema.ACLExtended) })},
		&grammar.Command{Def: "no access-list <<1-199>|<1300-2699>>$num",
			Help: "\nAdd an access list entry\nIP standard or extended access list\nIP standard or extended access list (expanded range)",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				tx.Delete(schema.KindACL, c.Args.Str("num"))
				return nil
			})},
	)
	numbered := map[string]string{
		schema.ACLStandard: "<<1-99>|<1300-1999>>$num\nIP standard access list\nIP standard access list (expanded range)",
		schema.ACLExtended: "<<100-199>|<2000-2699>>$num\nIP extended access list\nIP extended access list (expanded range)",
	}
	for _, typ := range []string{schema.ACLStandard, schema.ACLExtended} {
		num, numHelp, _ := strings.Cut(numbered[typ], "\n")
		prefix := (&defSpec{}).raw("[no]").tok("access-list", "Add an access list entry").raw(num)
		prefix.help = append(prefix.help, strings.Split(numHelp, "\n")...)
		seq := (&defSpec{}).raw("[no]", "[").tok("<1-2147483647>$seq", "Sequence Number").raw("]")
		remark := (&defSpec{}).tok("remark", "Access list entry comment").tok("LINE$text", "Comment up to 100 characters")
		for _, d := range aceDefs(typ) {
			t.Config.Add((&defSpec{}).add(prefix).add(d).command(ConfigFunc(setNumberedACE)))
			modes[typ].Add((&defSpec{}).add(seq).add(d).command(ConfigFunc(setNamedACE)))
		}
		t.Config.Add((&defSpec{}).add(prefix).add(remark).command(ConfigFunc(setNumberedACE)))
		modes[typ].Add((&defSpec{}).add(seq).add(remark).command(ConfigFunc(setNamedACE)),
			&grammar.Command{Def: "no <1-2147483647>$seq", Help: "\nSequence Number", Action: ConfigFunc(setNamedACE)})
	}
	t.Exec.Add(
		show("show ip access-lists [<<1-199>|<1300-2699>|WORD>$name]",
			"\n\nList IP access lists\nAccess list number\nAccess list number (expanded range)\nAccess list name", 1, showACLs),
		show("show access-lists [<<1-199>|<1300-2699>|WORD>$name]",
			"\nList access lists\nAccess list number\nAccess list number (expanded range)\nAccess list name", 1, showACLs),
	)
	t.Section(OrderACL, renderACLs)
}

// enterACL creates (or removes) a named list and enters its sub-mode. A
// number in the list's range names the numbered list.
func enterACL(c *Ctx, tx *configdb.Tx, modes map[string]*Mode, typ string) error {
	name := c.Args.Str("name")
	if strings.Trim(name, "0123456789") == "" {
		n, _ := strconv.Atoi(name)
		if typ == schema.ACLStandard && !isStandardNumber(n) || typ == schema.ACLExtended && !isExtendedNumber(n) {
			return IOSError("% Invalid access list name.")
		}
	}
	acl, exists := load[schema.ACL](tx, schema.KindACL, name)
	if c.Args.No() {
		tx.Delete(schema.KindACL, name)
		return nil
	}
	if exists && acl.Type != typ {
		return IOSError("% A named " + acl.Type + " IP access list with this name already exists")
	}
	acl.Name, acl.Type = name, typ
	if err := store(tx, schema.KindACL, name, acl); err != nil {
		return err
	}
	c.Sess.Enter(modes[typ], name)
	return nil
}

// entryWords are the words of the line from "permit", "deny" or "remark"
// on, after skip leading words (no, the list number, a sequence number).
func entryWords(c *Ctx, skip int) []string {
	if c.Args.No() {
		skip++
	}
	var out []string
	for _, w := range grammar.Split(c.Line)[skip:] {
		out = append(out, w.Text)
	}
	return out
}

// setNumberedACE is "access-list N ...": it appends an entry; its "no"
// form removes the whole list, as on IOS.
func setNumberedACE(c *Ctx, tx *configdb.Tx) error {
	name := c.Args.Str("num")
	if c.Args.No() {
		tx.Delete(schema.KindACL, name)
		return nil
	}
	typ := schema.ACLExtended
	if n, _ := strconv.Atoi(name); isStandardNumber(n) {
		typ = schema.ACLStandard
	}
	return update(tx, schema.KindACL, name, func(acl *schema.ACL) error {
		acl.Name, acl.Type = name, typ
		e, err := entryFromLine(c, typ, 2)
		if err != nil {
			return err
		}
		return addACE(acl, e)
	})
}

// setNamedACE is an entry line in an access-list sub-mode.
func setNamedACE(c *Ctx, tx *configdb.Tx) error {
	name := c.Key(0)
	acl, ok := load[schema.ACL](tx, schema.KindACL, name)
	if !ok {
		return IOSError("% Access list " + name + " has been removed")
	}
	skip := 0
	if c.Args.Has("seq") {
		skip = 1
	}
	if c.Args.No() && c.Args.Has("seq") {
		removeACE(acl, func(e *schema.ACE) bool { return e.Seq == int(c.Args.Int("seq")) })
		return store(tx, schema.KindACL, name, acl)
	}
	e, err := entryFromLine(c, acl.Type, skip)
	if err != nil {
		return err
	}
	if c.Args.No() {
		text := aceText(acl.Type, &e, false)
		removeACE(acl, func(old *schema.ACE) bool { return aceText(acl.Type, old, false) == text })
	} else {
		e.Seq = int(c.Args.Int("seq"))
		if err := addACE(acl, e); err != nil {
			return err
		}
	}
	return store(tx, schema.KindACL, name, acl)
}

func entryFromLine(c *Ctx, typ string, skip int) (schema.ACE, error) {
	if c.Args.Has("remark") {
		return schema.ACE{Remark: c.Args.Str("text")}, nil
	}
	return ParseACE(typ, entryWords(c, skip))
}

// addACE inserts an entry: at its sequence number, or 10 after the last.
// An entry the list already has is not added twice.
func addACE(acl *schema.ACL, e schema.ACE) error {
	text := aceText(acl.Type, &e, false)
	last := 0
	for k := range acl.Entries {
		old := &acl.Entries[k]
		if e.Remark == "" && aceText(acl.Type, old, false) == text {
			return nil
		}
		if e.Seq != 0 && old.Seq == e.Seq {
			return IOSError("% Duplicate sequence number")
		}
		last = max(last, old.Seq)
	}
	if e.Seq == 0 {
		e.Seq = last + 10
	}
	acl.Entries = append(acl.Entries, e)
	sort.SliceStable(acl.Entries, func(a, b int) bool { return acl.Entries[a].Seq < acl.Entries[b].Seq })
	return nil
}

func removeACE(acl *schema.ACL, match func(e *schema.ACE) bool) {
	kept := acl.Entries[:0]
	for k := range acl.Entries {
		if !match(&acl.Entries[k]) {
			kept = append(kept, acl.Entries[k])
		}
	}
	acl.Entries = kept
}

// sortedACLs lists the named lists and then the numbered ones.
func sortedACLs(tx Reader) (named, numbered []*schema.ACL) {
	each(tx, schema.KindACL, func(name string, a *schema.ACL) {
		if aclNumber(name) != 0 {
			numbered = append(numbered, a)
		} else {
			named = append(named, a)
		}
	})
	byName := func(a *schema.ACL) (int, string) { return 0, a.Name }
	sortNatural(named, byName)
	sortNatural(numbered, byName)
	return named, numbered
}

func renderACLs(r *Renderer, tx Reader) {
	named, numbered := sortedACLs(tx)
	for _, a := range named {
		r.Line(0, "ip access-list %s %s", a.Type, a.Name)
		for k := range a.Entries {
			r.Line(1, "%s", aceText(a.Type, &a.Entries[k], true))
		}
	}
	r.Bang()
	for _, a := range numbered {
		for k := range a.Entries {
			r.Line(0, "access-list %s %s", a.Name, aceText(a.Type, &a.Entries[k], true))
		}
	}
	r.Bang()
}

// showACLs is "show ip access-lists [NAME]" as IOS prints it: sequence
// numbers shown, remarks not, standard wildcards spelled out. The
// per-session lists of live virtual-access interfaces (CoA inacl/outacl,
// "Virtual-Access1#2601", seed 001:1287-1290) are listed among the named
// ones, though they are in no configuration.
func showACLs(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		named, numbered := sortedACLs(tx)
		for _, va := range vaccessList(c.Env) {
			for i := range va.SessionACLs {
				named = append(named, &va.SessionACLs[i])
			}
		}
		sortNatural(named, func(a *schema.ACL) (int, string) { return 0, a.Name })
		for _, a := range append(numbered, named...) {
			if c.Args.Has("name") && a.Name != c.Args.Str("name") {
				continue
			}
			kind := "Standard"
			if a.Type == schema.ACLExtended {
				kind = "Extended"
			}
			c.Printf("%s IP access list %s\n", kind, a.Name)
			for k := range a.Entries {
				e := &a.Entries[k]
				if e.Remark != "" {
					continue
				}
				text := aceText(a.Type, e, false)
				if a.Type == schema.ACLStandard && e.Source.Wildcard != schema.HostWildcard && e.Source.Wildcard != schema.AnyWildcard {
					text = strings.Replace(text, " "+e.Source.Wildcard, ", wildcard bits "+e.Source.Wildcard, 1)
				}
				c.Printf("    %d %s\n", e.Seq, text)
			}
		}
		return nil
	})
}
