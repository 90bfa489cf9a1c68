package modes

import (
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerAAA) }

// aaaHelp is the help of the leading "aaa" keyword, as system.go gives it.
const aaaHelp = "Authentication, Authorization and Accounting."

// methodSyntax is what one kind of method list accepts as a method: a
// grammar alternation binding every word to "method", and its help.
type methodSyntax struct{ def, help string }

var (
	loginMethods = methodSyntax{
		def: "<enable|group <radius|WORD>|line|local|local-case|none>$method",
		help: "Use enable password for authentication.\nUse Server-group\nUse list of all Radius hosts.\nServer-group name\n" +
			"Use line password for authentication.\nUse local username authentication.\nUse case-sensitive local username authentication.\nNO authentication.",
	}
	enableMethods = methodSyntax{
		def:  "<enable|group <radius|WORD>|line|none>$method",
		help: "Use enable password for authentication.\nUse Server-group\nUse list of all Radius hosts.\nServer-group name\nUse line password for authentication.\nNO authentication.",
	}
	authorMethods = methodSyntax{
		def:  "<group <radius|WORD>|if-authenticated|local|none>$method",
		help: "Use server-group.\nUse list of all Radius hosts.\nServer-group name\nSucceed if user has authenticated.\nUse local database.\nNo authorization (always succeeds).",
	}
	acctMethods = methodSyntax{
		def:  "group$method <radius|WORD>$method",
		help: "Use Server-group\nUse list of all Radius hosts.\nServer-group name",
	}
)

// upTo is the definition of one to n methods in a row, and its help.
func (m methodSyntax) upTo(n int) (def, help string) {
	def, help = m.def, m.help
	for i := 1; i < n; i++ {
		def = m.def + " [" + def + "]"
		help += "\n" + m.help
	}
	return def, help
}

// parseMethods turns the words bound to "method" back into methods: a
// "group" takes the next word as the group's name.
func parseMethods(words []string) []schema.Method {
	var out []schema.Method
	for i := 0; i < len(words); i++ {
		m := schema.Method{Kind: words[i]}
		if m.Kind == schema.MethodGroup && i+1 < len(words) {
			m.Group = words[i+1]
			i++
		}
		out = append(out, m)
	}
	return out
}

// methodsText renders methods as they are typed.
func methodsText(ms []schema.Method) string {
	var words []string
	for _, m := range ms {
		words = append(words, m.Kind)
		if m.Kind == schema.MethodGroup {
			words = append(words, m.Group)
		}
	}
	return strings.Join(words, " ")
}

// maxListName is the longest method list name IOS takes (its help says
// longer names are rejected).
const maxListName = 31

const (
	listTypeHelp = "For starting an exec (shell).\nFor network services. (PPP, SLIP, ARAP)"
	acctHelp     = "Accounting configurations parameters.\n"
)

func registerAAA(t *Tree) {
	registerMethodLists(t)
	registerAttributeLists(t)
	registerDynamicAuthor(t)
	t.Exec.Add(show("show aaa method-lists <all|authentication|authorization|accounting>$which",
		"\nShow AAA values\nShow AAA method-lists\nAll method-lists\nShow authentication method-lists\nShow authorization method-lists\nShow accounting method-lists",
		1, showMethodLists))
}

func registerMethodLists(t *Tree) {
	loginDef, loginHelp := loginMethods.upTo(schema.MaxMethods)
	enableDef, enableHelp := enableMethods.upTo(schema.MaxMethods)
	authorDef, authorHelp := authorMethods.upTo(schema.MaxMethods)
	acctDef, acctMethodsHelp := acctMethods.upTo(schema.MaxMethods)
	const (
		authen   = aaaHelp + "\nAuthentication configurations parameters.\n"
		login    = authen + "Set authentication lists for logins.\nThe default authentication list.\nNamed authentication list (max 31 characters, longer will be rejected).\n"
		enable   = authen + "Set authentication list for enable.\nThe default authentication list.\n"
		author   = aaaHelp + "\nAuthorization configurations parameters.\n" + listTypeHelp + "\nThe default authorization list.\nNamed authorization list (max 31 characters, longer will be rejected).\n"
		acct     = aaaHelp + "\n" + acctHelp + listTypeHelp + "\nThe default accounting list.\nNamed Accounting list (max 31 characters, longer will be rejected).\n"
		acctKind = "Record start and stop without waiting\nRecord stop when service terminates.\n"
	)
	acctMode := t.NewMode("cfg-acct-mlist", nil, "Accounting method list configuration commands:")
	t.Config.Add(
		&grammar.Command{Def: "[no] aaa authentication login <default|WORD>$list " + loginDef,
			Help: login + loginHelp, Action: setMethodList(schema.ServiceAuthentication, schema.ListLogin)},
		&grammar.Command{Def: "no aaa authentication login <default|WORD>$list",
			Help: "\n" + strings.TrimSuffix(login, "\n"), Action: setMethodList(schema.ServiceAuthentication, schema.ListLogin)},
		&grammar.Command{Def: "[no] aaa authentication enable default$list " + enableDef,
			Help: enable + enableHelp, Action: setMethodList(schema.ServiceAuthentication, schema.ListEnable)},
		&grammar.Command{Def: "no aaa authentication enable default$list",
			Help: "\n" + strings.TrimSuffix(enable, "\n"), Action: setMethodList(schema.ServiceAuthentication, schema.ListEnable)},
		&grammar.Command{Def: "[no] aaa authorization <exec|network>$type <default|WORD>$list " + authorDef,
			Help: author + authorHelp, Action: setMethodList(schema.ServiceAuthorization, "")},
		&grammar.Command{Def: "no aaa authorization <exec|network>$type <default|WORD>$list",
			Help: "\n" + strings.TrimSuffix(author, "\n"), Action: setMethodList(schema.ServiceAuthorization, "")},
		&grammar.Command{Def: "[no] aaa accounting <exec|network>$type <default|WORD>$list <start-stop|stop-only>$action " + acctDef,
			Help: acct + acctKind + acctMethodsHelp, Action: setMethodList(schema.ServiceAccounting, "")},
		&grammar.Command{Def: "[no] aaa accounting <exec|network>$type <default|WORD>$list none$action",
			Help: acct + "No accounting.", Action: setMethodList(schema.ServiceAccounting, "")},
		// Without an action the list is edited in its own sub-mode, as
		// the seed configures "aaa accounting network acc_list".
		&grammar.Command{Def: "[no] aaa accounting <exec|network>$type <default|WORD>$list",
			Help: strings.TrimSuffix(acct, "\n"),
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				if err := setMethodList(schema.ServiceAccounting, "")(c, tx); err != nil || c.Args.No() {
					return err
				}
				c.Sess.Enter(acctMode, c.Args.Str("type"), c.Args.Str("list"))
				return nil
			})},
		&grammar.Command{Def: "[no] aaa accounting update <newinfo$newinfo [periodic <1-71582>$min]|periodic <1-71582>$min>", ShortNo: true,
			Help: aaaHelp + "\n" + acctHelp + "Enable accounting update records.\nOnly send accounting update records when we have new acct info. (For periodic use 'aaa acc update [newinfo] periodic')\n" +
				"Periodic intervals to send accounting update records(in minutes)\nPeriodic intervals to send accounting update records(in minutes)\n" +
				"Periodic intervals to send accounting update records(in minutes)\nPeriodic intervals to send accounting update records(in minutes)",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				return updateAAAGlobal(tx, func(g *schema.AAAGlobal) {
					g.AccountingUpdate = nil
					if !c.Args.No() {
						g.AccountingUpdate = &schema.AccountingUpdate{NewInfo: c.Args.Has("newinfo"), Periodic: int(c.Args.Int("min"))}
					}
				})
			})},
	)
	acctMode.Add(
		&grammar.Command{Def: "[no] action-type <none|start-stop|stop-only>$action", ShortNo: true,
			Help:   "Accounting action type (start-stop/stop-only/none)\nNo accounting.\n" + acctKind,
			Action: acctSubMode(stringSetting(func(l *schema.MethodList) *string { return &l.Action }, "action"))},
		&grammar.Command{Def: "[no] group <radius|WORD>$group",
			Help: acctMethods.help,
			Action: acctSubMode(func(l *schema.MethodList, a grammar.Args) error {
				m := schema.Method{Kind: schema.MethodGroup, Group: a.Str("group")}
				if !a.No() && !slices.Contains(l.Methods, m) && len(l.Methods) == schema.MaxMethods {
					return IOSError("% Maximum of " + strconv.Itoa(schema.MaxMethods) + " methods allowed in a method list")
				}
				setEntry(&l.Methods, m, func(x schema.Method) bool { return x == m }, a.No())
				return nil
			})},
	)
	t.Section(OrderAAA+20, func(r *Renderer, tx Reader) {
		renderMethodLists(r, tx, schema.ServiceAuthentication, schema.ListLogin, schema.ListEnable)
	})
	t.Section(OrderAAA+30, func(r *Renderer, tx Reader) {
		renderMethodLists(r, tx, schema.ServiceAuthorization, schema.ListExec, schema.ListNetwork)
	})
	t.Section(OrderAAA+40, func(r *Renderer, tx Reader) {
		if u := loadAAAGlobal(tx).AccountingUpdate; u != nil {
			r.Line(0, "aaa accounting update%s%s", ifSet(u.NewInfo, " newinfo"), numOpt(" periodic ", u.Periodic))
		}
		renderMethodLists(r, tx, schema.ServiceAccounting, schema.ListExec, schema.ListNetwork)
		r.Bang()
	})
}

// setMethodList is the handler of the one-line method list commands: it
// replaces the list, or deletes it for the "no" form. fixedType is the list
// type when the command fixes it, else it is read from the "type" binding.
func setMethodList(service, fixedType string) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		typ := fixedType
		if typ == "" {
			typ = c.Args.Str("type")
		}
		name := c.Args.Str("list")
		key := schema.MethodListKey(service, typ, name)
		if c.Args.No() {
			tx.Delete(schema.KindMethodList, key)
			return nil
		}
		if len(name) > maxListName {
			return IOSError("% Method list name longer than " + strconv.Itoa(maxListName) + " characters: " + name)
		}
		methods := parseMethods(c.Args.All("method"))
		action := c.Args.Str("action")
		return update(tx, schema.KindMethodList, key, func(l *schema.MethodList) error {
			l.Service, l.Type, l.Name = service, typ, name
			if methods != nil || action != "" {
				// Entering the accounting sub-mode keeps the list as is.
				l.Action, l.Methods = action, methods
			}
			return nil
		})
	}
}

// acctSubMode is the handler of a cfg-acct-mlist command; the mode's keys
// are the list type and name.
func acctSubMode(set func(l *schema.MethodList, a grammar.Args) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		typ, name := c.Key(0), c.Key(1)
		return update(tx, schema.KindMethodList, schema.MethodListKey(schema.ServiceAccounting, typ, name), func(l *schema.MethodList) error {
			l.Service, l.Type, l.Name = schema.ServiceAccounting, typ, name
			return set(l, c.Args)
		})
	}
}

// methodLists returns the lists of one service and type, the default list
// first and the others by name.
func methodLists(tx Reader, service, typ string) []*schema.MethodList {
	var out []*schema.MethodList
	each(tx, schema.KindMethodList, func(_ string, l *schema.MethodList) {
		if l.Service == service && l.Type == typ {
			out = append(out, l)
		}
	})
	slices.SortStableFunc(out, func(a, b *schema.MethodList) int {
		switch {
		case a.Name == b.Name:
			return 0
		case a.Name == schema.DefaultMethodList:
			return -1
		case b.Name == schema.DefaultMethodList:
			return 1
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out
}

// renderMethodLists writes the lists of a service, type by type. An
// accounting list that the one-line form cannot express (no action yet,
// or "none" with servers) is written in its sub-mode form.
func renderMethodLists(r *Renderer, tx Reader, service string, types ...string) {
	for _, typ := range types {
		for _, l := range methodLists(tx, service, typ) {
			head := "aaa " + service + " " + typ + " " + l.Name
			if service != schema.ServiceAccounting {
				r.Line(0, "%s %s", head, methodsText(l.Methods))
				continue
			}
			// The one-line form has an action, followed by servers
			// exactly when that action sends records.
			if l.Action != "" && (l.Action == schema.AcctNone) == (len(l.Methods) == 0) {
				r.Line(0, "%s", strings.TrimSuffix(head+" "+l.Action+" "+methodsText(l.Methods), " "))
				continue
			}
			r.Line(0, "%s", head)
			if l.Action != "" {
				r.Line(1, "action-type %s", l.Action)
			}
			for _, m := range l.Methods {
				r.Line(1, "group %s", m.Group)
			}
		}
	}
}

func loadAAAGlobal(tx Reader) *schema.AAAGlobal {
	g, _ := load[schema.AAAGlobal](tx, schema.KindAAAGlobal, schema.Global)
	return g
}

func updateAAAGlobal(tx *configdb.Tx, fn func(g *schema.AAAGlobal)) error {
	return update(tx, schema.KindAAAGlobal, schema.Global, func(g *schema.AAAGlobal) error { fn(g); return nil })
}

// methodQueues are the IOS queue names "show aaa method-lists" prints, in
// its order.
var methodQueues = []struct{ service, typ, title string }{
	{schema.ServiceAuthentication, schema.ListLogin, "authen queue=AAA_ML_AUTHEN_LOGIN"},
	{schema.ServiceAuthentication, schema.ListEnable, "authen queue=AAA_ML_AUTHEN_ENABLE"},
	{schema.ServiceAuthorization, schema.ListExec, "author queue=AAA_ML_AUTHOR_SHELL"},
	{schema.ServiceAuthorization, schema.ListNetwork, "author queue=AAA_ML_AUTHOR_NET"},
	{schema.ServiceAccounting, schema.ListExec, "acct queue=AAA_ML_ACCT_EXEC"},
	{schema.ServiceAccounting, schema.ListNetwork, "acct queue=AAA_ML_ACCT_NET"},
}

// showMethodLists prints the method lists as IOS does. A list naming a
// server group that is not configured is shown valid=FALSE: that is where
// the dangling reference is reported.
func showMethodLists(c *Ctx) error {
	which := c.Args.Str("which")
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		for _, q := range methodQueues {
			if which != "all" && which != q.service {
				continue
			}
			c.Printf("%s\n", q.title)
			for _, l := range methodLists(tx, q.service, q.typ) {
				valid, names := "TRUE", []string{}
				for _, m := range l.Methods {
					if m.Kind != schema.MethodGroup {
						names = append(names, strings.ToUpper(strings.ReplaceAll(m.Kind, "-", "_")))
						continue
					}
					names = append(names, "SERVER_GROUP "+m.Group)
					if _, ok := tx.Get(schema.KindServerGroup, m.Group); !ok && m.Group != schema.GroupRADIUS {
						valid = "FALSE"
					}
				}
				if len(names) == 0 {
					names = []string{"NONE"} // an accounting list sending no records
				}
				c.Printf("  name=%s valid=%s id=0 :state=ALIVE : %s\n", l.Name, valid, strings.Join(names, "  "))
			}
		}
		return nil
	})
}

// registerAttributeLists declares "aaa attribute list NAME" and its sub-mode.
func registerAttributeLists(t *Tree) {
	m := t.NewMode("config-attr-list", nil, "AAA attribute list configuration commands:")
	t.Config.Add(&grammar.Command{Def: "[no] aaa attribute list WORD$name",
		Help:   aaaHelp + "\nAAA attribute definitions\nAAA attribute list definitions\nName of the attribute list",
		Action: subModeObject(m, schema.KindAttributeList, withName(func(l *schema.AttributeList) *string { return &l.Name }))})
	m.Add(
		&grammar.Command{Def: "[no] attribute type WORD$name LINE$value",
			Help:   "Configure an AAA attribute\nType of attribute\nName of the attribute\nValue of the attribute, then [service NAME] [protocol NAME] [mandatory]",
			Action: ConfigFunc(setAttribute)},
		&grammar.Command{Def: "no attribute type WORD$name", Hidden: true,
			Help:   "\nConfigure an AAA attribute\nType of attribute\nName of the attribute",
			Action: ConfigFunc(setAttribute)},
	)
	t.Section(OrderAAA+50, func(r *Renderer, tx Reader) {
		each(tx, schema.KindAttributeList, func(name string, l *schema.AttributeList) {
			r.Line(0, "aaa attribute list %s", name)
			for _, a := range l.Attributes {
				r.Line(1, "attribute type %s", attributeText(a))
			}
			r.Bang()
		})
	})
}

// setAttribute adds an attribute to the list of the mode (an attribute of
// the same name and value is replaced in place), or removes it; "no
// attribute type NAME" removes every attribute of that name.
func setAttribute(c *Ctx, tx *configdb.Tx) error {
	name := c.Args.Str("name")
	var attr schema.Attribute
	if c.Args.Has("value") {
		var err error
		if attr, err = parseAttribute(name, c.Args.Str("value")); err != nil {
			return err
		}
	}
	return update(tx, schema.KindAttributeList, c.Key(0), func(l *schema.AttributeList) error {
		l.Name = c.Key(0)
		same := func(a schema.Attribute) bool {
			return a.Name == name && (!c.Args.Has("value") || a.Value == attr.Value)
		}
		setEntry(&l.Attributes, attr, same, c.Args.No())
		return nil
	})
}

// parseAttribute reads the value of "attribute type NAME VALUE [service S]
// [protocol P] [mandatory]". VALUE is one word or a double-quoted string
// (which may hold blanks but no double quote); the options may be
// abbreviated and come in any order.
func parseAttribute(name, text string) (schema.Attribute, error) {
	a := schema.Attribute{Name: name}
	text = strings.TrimLeft(text, " \t")
	if text == "" {
		return a, IOSError("% Incomplete command.")
	}
	var rest string
	if strings.HasPrefix(text, `"`) {
		end := strings.IndexByte(text[1:], '"')
		if end < 0 {
			return a, IOSError("% Missing closing quote in attribute value")
		}
		a.Value, a.Quoted, rest = text[1:end+1], true, text[end+2:]
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return a, IOSError("% Invalid input after quoted attribute value: " + rest)
		}
	} else {
		a.Value, rest, _ = strings.Cut(strings.ReplaceAll(text, "\t", " "), " ")
	}
	words := strings.Fields(rest)
	for i := 0; i < len(words); i++ {
		opt := attributeOption(words[i])
		switch opt {
		case "service", "protocol":
			if i+1 == len(words) {
				return a, IOSError("% Incomplete command.")
			}
			i++
			if opt == "service" {
				a.Service = words[i]
			} else {
				a.Protocol = words[i]
			}
		case "mandatory":
			a.Mandatory = true
		default:
			return a, IOSError("% Invalid attribute option: " + words[i])
		}
	}
	return a, nil
}

// attributeOption expands an abbreviated option keyword ("" if none).
func attributeOption(word string) string {
	for _, opt := range []string{"service", "protocol", "mandatory"} {
		if strings.HasPrefix(opt, strings.ToLower(word)) {
			return opt
		}
	}
	return ""
}

// attributeText renders an attribute after "attribute type": the value is
// quoted when it was typed quoted or could not be read back unquoted.
func attributeText(a schema.Attribute) string {
	v := a.Value
	if a.Quoted || v == "" || strings.ContainsAny(v, " \t") || strings.HasPrefix(v, `"`) {
		v = `"` + v + `"`
	}
	out := a.Name + " " + v
	if a.Service != "" {
		out += " service " + a.Service
	}
	if a.Protocol != "" {
		out += " protocol " + a.Protocol
	}
	if a.Mandatory {
		out += " mandatory"
	}
	return out
}

// registerDynamicAuthor declares "aaa server radius dynamic-author" (RADIUS
// Disconnect and CoA, seed 001) and its sub-mode.
func registerDynamicAuthor(t *Tree) {
	m := t.NewMode("config-locsvr-da-radius", nil, "RADIUS Application commands:")
	t.Config.Add(&grammar.Command{Def: "[no] aaa server radius dynamic-author",
		Help: aaaHelp + "\nLocal AAA server\nLocal RADIUS AAA server\nLocal server profile for RFC 3576 support",
		Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
			if c.Args.No() {
				tx.Delete(schema.KindDynamicAuthor, schema.Global)
				return nil
			}
			err := updateDynamicAuthor(tx, func(d *schema.DynamicAuthor, _ grammar.Args) error { return nil }, c.Args)
			c.Sess.Enter(m)
			return err
		})})
	const keyHelp = keyTypesHelp + "\nThe UNENCRYPTED (cleartext) shared key"
	m.Add(
		&grammar.Command{Def: "[no] client <HOSTNAME_OR_IPV4$addr|X:X:X:X::X$addr6> [vrf WORD$vrf] [server-key " + keyTypesDef + " WORD$secret]",
			Help:   "Specify a RADIUS client\nIP address of RADIUS client\nIPv6 address of RADIUS client\nVirtual Routing and Forwarding\nVRF name\nSpecify a RADIUS client server-key\n" + keyHelp,
			Action: dynamicAuthor(setDynamicAuthorClient)},
		&grammar.Command{Def: "[no] port <1-65535>$port", ShortNo: true,
			Help: "Specify port on which local radius server listens\nPort number",
			Action: dynamicAuthor(func(d *schema.DynamicAuthor, a grammar.Args) error {
				if d.Port = int(noArgs(a).Int("port")); d.Port == schema.DynamicAuthorPort {
					d.Port = 0
				}
				return nil
			})},
		&grammar.Command{Def: "[no] server-key " + keyTypesDef + " WORD$secret", ShortNo: true,
			Help: "Encryption key shared with the radius clients\n" + keyHelp,
			Action: dynamicAuthor(func(d *schema.DynamicAuthor, a grammar.Args) (err error) {
				d.ServerKey, err = newSharedSecret(a)
				return err
			})},
		&grammar.Command{Def: "[no] auth-type <all|any|session-key>$type", ShortNo: true,
			Help:   "Specify the server authorization type\nAll attributes must match for authorization\nAny attribute may match for authorization\nSession-key attribute must match for authorization",
			Action: dynamicAuthor(stringSetting(func(d *schema.DynamicAuthor) *string { return &d.AuthType }, "type"))},
		&grammar.Command{Def: "[no] ignore <server-key|session-key>$what",
			Help: "Specify the ignore options\nIgnore the server-key\nIgnore the session-key",
			Action: dynamicAuthor(func(d *schema.DynamicAuthor, a grammar.Args) error {
				if a.Str("what") == "server-key" {
					d.IgnoreServerKey = !a.No()
				} else {
					d.IgnoreSessionKey = !a.No()
				}
				return nil
			})},
	)
	t.Section(OrderAAA+60, func(r *Renderer, tx Reader) {
		d, ok := load[schema.DynamicAuthor](tx, schema.KindDynamicAuthor, schema.Global)
		if !ok {
			return
		}
		r.Line(0, "aaa server radius dynamic-author")
		for _, cl := range d.Clients {
			line := "client " + cl.Address
			if cl.VRF != "" {
				line += " vrf " + cl.VRF
			}
			if cl.ServerKey != nil {
				line += " server-key " + keyText(r, cl.ServerKey)
			}
			r.Line(1, "%s", line)
		}
		if d.ServerKey != nil {
			r.Line(1, "server-key %s", keyText(r, d.ServerKey))
		}
		if d.Port != 0 {
			r.Line(1, "port %d", d.Port)
		}
		if d.AuthType != "" {
			r.Line(1, "auth-type %s", d.AuthType)
		}
		if d.IgnoreServerKey {
			r.Line(1, "ignore server-key")
		}
		if d.IgnoreSessionKey {
			r.Line(1, "ignore session-key")
		}
		r.Bang()
	})
}

// dynamicAuthor is the handler of a config-locsvr-da-radius command.
func dynamicAuthor(set func(d *schema.DynamicAuthor, a grammar.Args) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error { return updateDynamicAuthor(tx, set, c.Args) }
}

func updateDynamicAuthor(tx *configdb.Tx, set func(d *schema.DynamicAuthor, a grammar.Args) error, a grammar.Args) error {
	return update(tx, schema.KindDynamicAuthor, schema.Global, func(d *schema.DynamicAuthor) error { return set(d, a) })
}

// setDynamicAuthorClient adds or replaces a client (identified by address
// and VRF) or removes it.
func setDynamicAuthorClient(d *schema.DynamicAuthor, a grammar.Args) error {
	cl := schema.DynamicAuthorClient{Address: a.Str("addr"), VRF: a.Str("vrf")}
	if a.Has("addr6") {
		cl.Address = canonicalIPv6(a.Str("addr6"))
	}
	same := func(x schema.DynamicAuthorClient) bool {
		return strings.EqualFold(x.Address, cl.Address) && x.VRF == cl.VRF
	}
	key, err := optionalKey(a)
	if err != nil {
		return err
	}
	cl.ServerKey = key
	setEntry(&d.Clients, cl, same, a.No())
	return nil
}
