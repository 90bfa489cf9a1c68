package modes

import (
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerRADIUS) }

// hostVar is IOS's "Hostname or A.B.C.D" argument: an IPv4 address (ranked
// like one) or a DNS host name. Dotted numbers that are not an address
// (300.1.1.1) are neither, so they are rejected with a caret.
var hostVar = &grammar.VarType{
	Name:    "HOSTNAME_OR_IPV4",
	Display: "Hostname or A.B.C.D",
	Match: func(word string) (grammar.Rank, bool) {
		if a, err := netip.ParseAddr(word); err == nil && a.Is4() {
			return grammar.RankAddress, true
		}
		if validHostname(word) {
			return grammar.RankWord, true
		}
		return 0, false
	},
}

// validHostname accepts DNS names: dot-separated labels of letters, digits,
// '-' and '_' (not at a label's ends), with at least one label that is not
// all digits so that mistyped addresses are not taken for names.
func validHostname(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	numeric := true
	for _, label := range strings.Split(strings.TrimSuffix(s, "."), ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-', c == '_':
				numeric = false
			default:
				return false
			}
		}
	}
	return !numeric
}

// Shared-secret arguments: "[0|6|7] KEY".
const (
	keyTypesDef  = "[<0|6|7>$type]"
	keyTypesHelp = "Specifies an UNENCRYPTED key will follow\nSpecifies an ENCRYPTED key will follow\nSpecifies HIDDEN key will follow"
)

// canonicalIPv6 is an IPv6 address as IOS shows it (compressed, upper case).
func canonicalIPv6(s string) string {
	a, err := netip.ParseAddr(s)
	if err != nil {
		return s
	}
	return strings.ToUpper(a.String())
}

// portsOf reads "[auth-port N] [acct-port N]" with IOS's defaults.
func portsOf(a grammar.Args) (auth, acct int) {
	auth, acct = schema.DefaultAuthPort, schema.DefaultAcctPort
	if a.Has("auth") {
		auth = int(a.Int("auth"))
	}
	if a.Has("acct") {
		acct = int(a.Int("acct"))
	}
	return auth, acct
}

const portsHelp = "UDP port for RADIUS authentication server (default is 1645)\nPort number\nUDP port for RADIUS accounting server (default is 1646)\nPort number"

func registerRADIUS(t *Tree) {
	registerRADIUSServer(t)
	registerRADIUSGlobals(t)
	registerServerGroup(t)
	t.Exec.Add(
		show("show aaa servers", "\nShow AAA values\nAll AAA servers as seen by the AAA Server MIB", 1, showAAAServers),
		show("show aaa user all", "\nShow AAA values\nShow current AAA users\nAll users", 15, func(c *Ctx) error {
			if c.Env.AAA == nil {
				return nil
			}
			return c.Env.AAA.RenderUsers(c.Out)
		}),
		show("show aaa sessions", "\nShow AAA values\nShow AAA sessions as seen by the AAA Session MIB", 1, func(c *Ctx) error {
			if c.Env.AAA == nil {
				c.Printf("Total sessions since last reload: 0\n")
				return nil
			}
			return c.Env.AAA.RenderSessions(c.Out)
		}),
		show("show radius server-group <all|WORD>$group", "\nShows radius information\nShow radius server-group information\nAll radius server-groups\nRadius server-group name", 1, showServerGroups),
	)
}

// registerRADIUSServer declares "radius server NAME" and its sub-mode.
func registerRADIUSServer(t *Tree) {
	m := t.NewMode("config-radius-server", nil, "RADIUS server sub-mode commands:")
	t.Config.Add(&grammar.Command{Def: "[no] radius server WORD$name",
		Help: "RADIUS server configuration command\nServer configuration\nName for the radius server configuration",
		Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
			name := c.Args.Str("name")
			if c.Args.No() {
				tx.Delete(schema.KindRADIUSServer, name)
				return nil
			}
			err := updateServer(tx, name, func(s *schema.RADIUSServer) error { return nil })
			c.Sess.Enter(m, name)
			return err
		})})
	m.Add(
		&grammar.Command{Def: "[no] address <ipv4 HOSTNAME_OR_IPV4$host|ipv6 X:X:X:X::X$host6> [auth-port <0-65535>$auth] [acct-port <0-65535>$acct]", ShortNo: true,
			Help: "Specify the radius server address\nIPv4 address or Hostname for radius server\nIPv4 address or Hostname for radius server\nIPv6 address of radius server\nIPv6 address of radius server\n" + portsHelp,
			Action: radiusServer(func(s *schema.RADIUSServer, a grammar.Args) error {
				s.Address = nil
				if a.No() {
					return nil
				}
				auth, acct := portsOf(a)
				s.Address = &schema.RADIUSAddress{Host: a.Str("host"), AuthPort: auth, AcctPort: acct}
				if a.Has("ipv6") {
					s.Address.IPv6, s.Address.Host = true, canonicalIPv6(a.Str("host6"))
				}
				return nil
			})},
		&grammar.Command{Def: "[no] key " + keyTypesDef + " LINE$secret", ShortNo: true,
			Help: "Per-server encryption key\n" + keyTypesHelp + "\nThe UNENCRYPTED (cleartext) server key",
			Action: radiusServer(func(s *schema.RADIUSServer, a grammar.Args) (err error) {
				s.Key, err = newSharedSecret(a)
				return err
			})},
		&grammar.Command{Def: "[no] timeout <1-1000>$sec", ShortNo: true,
			Help:   "Time to wait for a RADIUS server to reply\nWait time (default 5 seconds)",
			Action: radiusServer(intSetting(func(s *schema.RADIUSServer) *int { return &s.Timeout }, "sec"))},
		&grammar.Command{Def: "[no] retransmit <0-100>$n", ShortNo: true,
			Help: "Number of retries to active server (overrides default)\nNumber of retries for a transaction (default is 3)",
			Action: radiusServer(func(s *schema.RADIUSServer, a grammar.Args) error {
				s.Retransmit = optionalInt(a, "n")
				return nil
			})},
		&grammar.Command{Def: "[no] automate-tester username WORD$user [probe-on]", ShortNo: true,
			Help:   "Configure server automated testing.\nConfigure the user for automated testing\nUser name\nSend a packet to verify the server status only while it is marked dead",
			Action: radiusServer(setAutomateTester)},
		&grammar.Command{Def: "no automate-tester", Hidden: true,
			Help: "\nConfigure server automated testing.", Action: radiusServer(setAutomateTester)},
	)
	t.Section(OrderRADIUS+10, func(r *Renderer, tx Reader) {
		for _, s := range radiusServers(tx) {
			r.Line(0, "radius server %s", s.Name)
			if a := s.Address; a != nil {
				r.Line(1, "address %s %s auth-port %d acct-port %d", addressFamily(a), a.Host, a.AuthPort, a.AcctPort)
			}
			if s.Timeout != 0 {
				r.Line(1, "timeout %d", s.Timeout)
			}
			if s.Retransmit != nil {
				r.Line(1, "retransmit %d", *s.Retransmit)
			}
			if at := s.AutomateTester; at != nil {
				r.Line(1, "automate-tester username %s%s", at.Username, ifSet(at.ProbeOn, " probe-on"))
			}
			if s.Key != nil {
				r.Line(1, "key %s", keyText(r, s.Key))
			}
			r.Bang()
		}
	})
}

func setAutomateTester(s *schema.RADIUSServer, a grammar.Args) error {
	s.AutomateTester = nil
	if !a.No() {
		s.AutomateTester = &schema.AutomateTester{Username: a.Str("user"), ProbeOn: a.Has("probe-on")}
	}
	return nil
}

// radiusServer is the handler of a config-radius-server command; for a
// negated line set sees only the "no" and clears its setting.
func radiusServer(set func(s *schema.RADIUSServer, a grammar.Args) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return updateServer(tx, c.Key(0), func(s *schema.RADIUSServer) error { return set(s, noArgs(c.Args)) })
	}
}

// updateServer changes a radius server block, creating it (numbered after
// the existing ones) when it does not exist, also when another session
// removed it while this one was in its sub-mode.
func updateServer(tx *configdb.Tx, name string, fn func(s *schema.RADIUSServer) error) error {
	seq := nextServerSeq(tx)
	return update(tx, schema.KindRADIUSServer, name, func(s *schema.RADIUSServer) error {
		if s.Name == "" {
			s.Name, s.Seq = name, seq
		}
		return fn(s)
	})
}

// noArgs keeps only the "no" of a negated line: a "no" form resets a
// setting whatever value it names.
func noArgs(a grammar.Args) grammar.Args {
	if a.No() {
		return grammar.NewArgs(true)
	}
	return a
}

// intSetting is the setter of a number field: the bound value, or 0 (not
// configured) for the "no" form.
func intSetting[T any](field func(v *T) *int, bind string) func(v *T, a grammar.Args) error {
	return func(v *T, a grammar.Args) error {
		*field(v) = int(noArgs(a).Int(bind))
		return nil
	}
}

// stringSetting is the setter of a text field: the bound value, or ""
// (not configured) for the "no" form.
func stringSetting[T any](field func(v *T) *string, bind string) func(v *T, a grammar.Args) error {
	return func(v *T, a grammar.Args) error {
		*field(v) = noArgs(a).Str(bind)
		return nil
	}
}

// optionalInt is a bound number, or nil for the "no" form.
func optionalInt(a grammar.Args, name string) *int {
	if a.No() {
		return nil
	}
	n := int(a.Int(name))
	return &n
}

// ifSet is text when on, else "".
func ifSet(on bool, text string) string {
	if on {
		return text
	}
	return ""
}

func addressFamily(a *schema.RADIUSAddress) string {
	if a.IPv6 {
		return "ipv6"
	}
	return "ipv4"
}

// nextServerSeq is the creation number of a new radius server block.
func nextServerSeq(tx Reader) int {
	seq := 0
	each(tx, schema.KindRADIUSServer, func(_ string, s *schema.RADIUSServer) { seq = max(seq, s.Seq) })
	return seq + 1
}

// radiusServers lists the radius server blocks in creation order.
func radiusServers(tx Reader) []*schema.RADIUSServer {
	var out []*schema.RADIUSServer
	each(tx, schema.KindRADIUSServer, func(_ string, s *schema.RADIUSServer) { out = append(out, s) })
	slices.SortStableFunc(out, func(a, b *schema.RADIUSServer) int { return a.Seq - b.Seq })
	return out
}

func loadRADIUSGlobal(tx Reader) *schema.RADIUSGlobal {
	g, _ := load[schema.RADIUSGlobal](tx, schema.KindRADIUSGlobal, schema.Global)
	return g
}

// radiusGlobal is the handler of a "radius-server ..." command.
func radiusGlobal(set func(g *schema.RADIUSGlobal, a grammar.Args) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return update(tx, schema.KindRADIUSGlobal, schema.Global, func(g *schema.RADIUSGlobal) error {
			return set(g, c.Args)
		})
	}
}

func registerRADIUSGlobals(t *Tree) {
	const rs = "Modify RADIUS query parameters\n"
	t.Config.Add(
		&grammar.Command{Def: "[no] radius-server host A.B.C.D$addr [auth-port <0-65535>$auth] [acct-port <0-65535>$acct] [key " + keyTypesDef + " LINE$secret]",
			Help:   rs + "Specify a RADIUS server\nIP address of RADIUS server\n" + portsHelp + "\nper-server encryption key (overrides default)\n" + keyTypesHelp + "\nThe UNENCRYPTED (cleartext) server key",
			Action: radiusGlobal(setRADIUSHost)},
		&grammar.Command{Def: "[no] radius-server key " + keyTypesDef + " LINE$secret", ShortNo: true,
			Help: rs + "Encryption key shared with the radius servers\n" + keyTypesHelp + "\nThe UNENCRYPTED (cleartext) shared key",
			Action: radiusGlobal(func(g *schema.RADIUSGlobal, a grammar.Args) (err error) {
				g.Key, err = newSharedSecret(a)
				return err
			})},
		&grammar.Command{Def: "[no] radius-server timeout <1-1000>$sec", ShortNo: true,
			Help:   rs + "Time to wait for a RADIUS server to reply\nWait time (default 5 seconds)",
			Action: radiusGlobal(intSetting(func(g *schema.RADIUSGlobal) *int { return &g.Timeout }, "sec"))},
		&grammar.Command{Def: "[no] radius-server retransmit <0-100>$n", ShortNo: true,
			Help: rs + "Specify the number of retries to active server\nNumber of retries for a transaction (default is 3)",
			Action: radiusGlobal(func(g *schema.RADIUSGlobal, a grammar.Args) error {
				g.Retransmit = optionalInt(a, "n")
				return nil
			})},
		&grammar.Command{Def: "[no] radius-server deadtime <1-1440>$min", ShortNo: true,
			Help:   rs + "Time to stop using a server that doesn't respond\nDead-time interval in minutes",
			Action: radiusGlobal(intSetting(func(g *schema.RADIUSGlobal) *int { return &g.Deadtime }, "min"))},
		&grammar.Command{Def: "[no] radius-server dead-criteria {time <1-120>$time|tries <1-100>$tries}",
			Help: rs + "Set the criteria used to decide when a radius server is marked dead\n" +
				"The time during which no properly formed response must be received from the RADIUS server\n" +
				"Time in seconds during which no properly formed response must be received from the RADIUS server\n" +
				"The number of times the router must fail to receive a response from the radius server to mark it as dead\n" +
				"Number of times the router must fail to receive a response from the radius server to mark it as dead",
			Action: radiusGlobal(func(g *schema.RADIUSGlobal, a grammar.Args) error {
				g.DeadCriteria = nil
				if !a.No() {
					g.DeadCriteria = &schema.DeadCriteria{Time: int(a.Int("time")), Tries: int(a.Int("tries"))}
				}
				return nil
			})},
		&grammar.Command{Def: "[no] radius-server attribute 44 include-in-access-req",
			Help: rs + "Private RADIUS attributes\nAcct-Session-ID attribute\nInclude Acct-Session-ID attribute in access-req",
			Action: radiusGlobal(func(g *schema.RADIUSGlobal, a grammar.Args) error {
				g.Attribute44InAccessReq = !a.No()
				return nil
			})},
		&grammar.Command{Def: "[no] radius-server attribute 6 on-for-login-auth",
			Help: rs + "\nService-Type attribute\nSends the Service Type attribute in Authentication request",
			Action: radiusGlobal(func(g *schema.RADIUSGlobal, a grammar.Args) error {
				g.Attribute6OnForLoginAuth = !a.No()
				return nil
			})},
		&grammar.Command{Def: "[no] radius-server vsa send [<accounting|authentication>$what]",
			Help: rs + "Vendor specific attribute configuration\nSend vendor specific attributes in requests\nSend vendor specific attributes in accounting requests\nSend vendor specific attributes in authentication requests",
			Action: radiusGlobal(func(g *schema.RADIUSGlobal, a grammar.Args) error {
				what := a.Str("what")
				if what == "" || what == "accounting" {
					g.VSASendAccounting = !a.No()
				}
				if what == "" || what == "authentication" {
					g.VSASendAuthentication = !a.No()
				}
				return nil
			})},
	)
	t.Section(OrderRADIUS, func(r *Renderer, tx Reader) {
		g := loadRADIUSGlobal(tx)
		if g.Attribute6OnForLoginAuth {
			r.Line(0, "radius-server attribute 6 on-for-login-auth")
		}
		if g.Attribute44InAccessReq {
			r.Line(0, "radius-server attribute 44 include-in-access-req")
		}
		if dc := g.DeadCriteria; dc != nil {
			r.Line(0, "radius-server dead-criteria%s%s", numOpt(" time ", dc.Time), numOpt(" tries ", dc.Tries))
		}
		if g.Deadtime != 0 {
			r.Line(0, "radius-server deadtime %d", g.Deadtime)
		}
		for _, h := range g.Hosts {
			line := "radius-server host " + h.Address + " auth-port " + strconv.Itoa(h.AuthPort) + " acct-port " + strconv.Itoa(h.AcctPort)
			if h.Key != nil {
				line += " key " + keyText(r, h.Key)
			}
			r.Line(0, "%s", line)
		}
		if g.Timeout != 0 {
			r.Line(0, "radius-server timeout %d", g.Timeout)
		}
		if g.Retransmit != nil {
			r.Line(0, "radius-server retransmit %d", *g.Retransmit)
		}
		if g.Key != nil {
			r.Line(0, "radius-server key %s", keyText(r, g.Key))
		}
		if g.VSASendAccounting {
			r.Line(0, "radius-server vsa send accounting")
		}
		if g.VSASendAuthentication {
			r.Line(0, "radius-server vsa send authentication")
		}
		r.Bang()
	})
}

// numOpt is prefix+n, or "" when n is 0 (not configured).
func numOpt(prefix string, n int) string {
	if n == 0 {
		return ""
	}
	return prefix + strconv.Itoa(n)
}

// setRADIUSHost adds or replaces a legacy host (identified, as in IOS, by
// address and ports) or removes it; "no radius-server host A.B.C.D"
// without ports removes every entry of that address.
func setRADIUSHost(g *schema.RADIUSGlobal, a grammar.Args) error {
	addr := a.Str("addr")
	auth, acct := portsOf(a)
	same := func(h schema.RADIUSHost) bool {
		if a.No() && !a.Has("auth") && !a.Has("acct") {
			return h.Address == addr
		}
		return h.Address == addr && h.AuthPort == auth && h.AcctPort == acct
	}
	key, err := optionalKey(a)
	if err != nil {
		return err
	}
	setEntry(&g.Hosts, schema.RADIUSHost{Address: addr, AuthPort: auth, AcctPort: acct, Key: key}, same, a.No())
	return nil
}

// optionalKey is the "[0|6|7] KEY" that may end a command, nil when absent.
func optionalKey(a grammar.Args) (*schema.Secret, error) {
	if !a.Has("secret") || a.No() {
		return nil, nil
	}
	return newSharedSecret(a)
}

// setEntry applies a command to an ordered list whose entries are
// identified by same: the "no" form removes the matching entries, the
// positive form replaces the first match in place or appends e.
func setEntry[E any](list *[]E, e E, same func(E) bool, remove bool) {
	switch i := slices.IndexFunc(*list, same); {
	case remove:
		*list = slices.DeleteFunc(*list, same)
	case i >= 0:
		(*list)[i] = e
	default:
		*list = append(*list, e)
	}
}

// registerServerGroup declares "aaa group server radius NAME" and its sub-mode.
func registerServerGroup(t *Tree) {
	m := t.NewMode("config-sg-radius", nil, "RADIUS Server-group configuration commands:")
	t.Config.Add(&grammar.Command{Def: "[no] aaa group server radius WORD$name",
		Help:   aaaHelp + "\nAAA group definitions\nAAA Server group definitions\nRadius server-group definition\nServer group name",
		Action: subModeObject(m, schema.KindServerGroup, withName(func(g *schema.ServerGroup) *string { return &g.Name }))})
	m.Add(
		&grammar.Command{Def: "[no] server name WORD$name",
			Help: "Specify a RADIUS server\nName of radius server\nName of radius server",
			Action: serverGroup(func(g *schema.ServerGroup, a grammar.Args) error {
				setGroupServer(g, schema.GroupServer{Name: a.Str("name")}, a.No())
				return nil
			})},
		&grammar.Command{Def: "[no] server A.B.C.D$addr [auth-port <0-65535>$auth] [acct-port <0-65535>$acct]",
			Help: "\nIP address of RADIUS server\n" + portsHelp,
			Action: serverGroup(func(g *schema.ServerGroup, a grammar.Args) error {
				auth, acct := portsOf(a)
				setGroupServer(g, schema.GroupServer{Address: a.Str("addr"), AuthPort: auth, AcctPort: acct}, a.No())
				return nil
			})},
		&grammar.Command{Def: "[no] deadtime <1-1440>$min", ShortNo: true,
			Help:   "Specify time in minutes to ignore an unresponsive server\nDeadtime in minutes",
			Action: serverGroup(intSetting(func(g *schema.ServerGroup) *int { return &g.Deadtime }, "min"))},
		&grammar.Command{Def: "[no] ip radius source-interface IFNAME$ifname", ShortNo: true,
			Help: "Internet Protocol config commands\nRADIUS server config commands\nSpecify interface for source address in RADIUS packets\nInterface name",
			Action: serverGroup(func(g *schema.ServerGroup, a grammar.Args) error {
				g.SourceInterface, _ = schema.CanonicalIfName(noArgs(a).Str("ifname"))
				return nil
			})},
		&grammar.Command{Def: "[no] ip vrf forwarding WORD$vrf", ShortNo: true,
			Help:   "\nVPN Routing/Forwarding parameters for server group\nConfigure forwarding table\nVPN Routing/Forwarding instance name",
			Action: serverGroup(stringSetting(func(g *schema.ServerGroup) *string { return &g.VRF }, "vrf"))},
		&grammar.Command{Def: "[no] load-balance method least-outstanding",
			Help: "Server group load-balancing\nMethod to load balance\nPick the server with the least transactions outstanding",
			Action: serverGroup(func(g *schema.ServerGroup, a grammar.Args) error {
				g.LeastOutstanding = !a.No()
				return nil
			})},
	)
	t.Section(OrderAAA+10, func(r *Renderer, tx Reader) {
		each(tx, schema.KindServerGroup, func(name string, g *schema.ServerGroup) {
			r.Line(0, "aaa group server radius %s", name)
			for _, s := range g.Servers {
				r.Line(1, "%s", groupServerText(s))
			}
			if g.Deadtime != 0 {
				r.Line(1, "deadtime %d", g.Deadtime)
			}
			if g.VRF != "" {
				r.Line(1, "ip vrf forwarding %s", g.VRF)
			}
			if g.SourceInterface != "" {
				r.Line(1, "ip radius source-interface %s", g.SourceInterface)
			}
			if g.LeastOutstanding {
				r.Line(1, "load-balance method least-outstanding")
			}
			r.Bang()
		})
	})
}

// serverGroup is the handler of a config-sg-radius command.
func serverGroup(set func(g *schema.ServerGroup, a grammar.Args) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return update(tx, schema.KindServerGroup, c.Key(0), func(g *schema.ServerGroup) error {
			g.Name = c.Key(0)
			return set(g, c.Args)
		})
	}
}

// setGroupServer appends a member to a group (a member already there
// keeps its place) or removes it.
func setGroupServer(g *schema.ServerGroup, s schema.GroupServer, remove bool) {
	setEntry(&g.Servers, s, func(x schema.GroupServer) bool { return x == s }, remove)
}

func groupServerText(s schema.GroupServer) string {
	if s.Name != "" {
		return "server name " + s.Name
	}
	return "server " + s.Address + " auth-port " + strconv.Itoa(s.AuthPort) + " acct-port " + strconv.Itoa(s.AcctPort)
}

// aaaServer is one RADIUS server as "show aaa servers" lists it.
type aaaServer struct {
	host       string
	auth, acct int
	name       string // radius server block name, "" for radius-server hosts
}

// aaaServers lists the RADIUS servers, the members of "group radius":
// radius server blocks with an address in creation order, then the
// radius-server hosts.
func aaaServers(tx Reader) []aaaServer {
	var out []aaaServer
	for _, s := range radiusServers(tx) {
		if a := s.Address; a != nil {
			out = append(out, aaaServer{host: a.Host, auth: a.AuthPort, acct: a.AcctPort, name: s.Name})
		}
	}
	for _, h := range loadRADIUSGlobal(tx).Hosts {
		out = append(out, aaaServer{host: h.Address, auth: h.AuthPort, acct: h.AcctPort})
	}
	return out
}

// showAAAServers prints the servers with IOS's layout: the AAA service's
// live counters, or (no service running) the configured servers, all up
// with every counter zero.
func showAAAServers(c *Ctx) error {
	if c.Env.AAA != nil {
		return c.Env.AAA.RenderServers(c.Out)
	}
	var servers []aaaServer
	c.Env.DB.View(func(tx *configdb.ReadTx) error { servers = aaaServers(tx); return nil })
	const pad = "             "
	for i, s := range servers {
		c.Printf("RADIUS: id %d, priority %d, host %s, auth-port %d, acct-port %d%s\n", i+1, i+1, s.host, s.auth, s.acct, ifSet(s.name != "", ", hostname "+s.name))
		c.Printf("     State: current UP, duration 0s, previous duration 0s\n")
		c.Printf("     Dead: total time 0s, count 0\n")
		for _, svc := range []string{"Authen", "Author", "Account"} {
			c.Printf("     %s: request 0, timeouts 0, failover 0, retransmission 0\n", svc)
			if svc == "Account" {
				c.Printf(pad + "Request: start 0, interim 0, stop 0\n")
				c.Printf(pad + "Response: start 0, interim 0, stop 0\n")
			} else {
				c.Printf(pad + "Response: accept 0, reject 0, challenge 0\n")
			}
			c.Printf(pad + "Response: unexpected 0, server error 0, incorrect 0, time 0ms\n")
			c.Printf(pad + "Transaction: success 0, failure 0\n")
		}
	}
	return nil
}

// showServerGroups prints "show radius server-group": the built-in group
// "radius" (every server) and the configured groups with their members.
// A member that names no configured server (a "server name" without its
// radius server block, a "server A.B.C.D" without its radius-server host)
// is reported as such.
func showServerGroups(c *Ctx) error {
	want := c.Args.Str("group")
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		servers := aaaServers(tx)
		group := func(name string, members []string) {
			if want != "all" && want != name {
				return
			}
			c.Printf("Server group %s\n", name)
			c.Printf("    Sharecount = 1  sg_unconfigured = FALSE\n")
			c.Printf("    Type = standard  Memlocks = 1\n")
			for _, m := range members {
				c.Printf("    %s\n", m)
			}
		}
		server := func(s aaaServer) string {
			return "Server(" + s.host + ":" + strconv.Itoa(s.auth) + "," + strconv.Itoa(s.acct) + ") Transactions:\n    Authen: 0   Author: 0       Acct: 0"
		}
		var all []string
		for _, s := range servers {
			all = append(all, server(s))
		}
		group(schema.GroupRADIUS, all)
		each(tx, schema.KindServerGroup, func(name string, g *schema.ServerGroup) {
			var members []string
			for _, m := range g.Servers {
				i := slices.IndexFunc(servers, func(s aaaServer) bool {
					if m.Name != "" {
						return s.name == m.Name
					}
					return s.name == "" && s.host == m.Address && s.auth == m.AuthPort && s.acct == m.AcctPort
				})
				if i >= 0 {
					members = append(members, server(servers[i]))
				} else {
					members = append(members, groupServerText(m)+" is not configured")
				}
			}
			group(name, members)
		})
		return nil
	})
}
