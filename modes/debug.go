package modes

import (
	"github.com/gatehouse-vpn/gatehouse/grammar"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

func init() { areas = append(areas, registerDebug) }

// debugCmd is one debug option: the words after "debug", their help
// lines, and the flags it turns on or off given the bound "kind".
type debugCmd struct {
	def, help string
	flags     func(c *Ctx) []logging.Flag
}

func flags(f ...logging.Flag) func(*Ctx) []logging.Flag {
	return func(*Ctx) []logging.Flag { return f }
}

// byKind maps the keyword bound to $kind to flags; "" is the bare form.
func byKind(m map[string][]logging.Flag) func(*Ctx) []logging.Flag {
	return func(c *Ctx) []logging.Flag { return m[c.Args.Str("kind")] }
}

var debugCmds = []debugCmd{
	{"crypto ikev2 [<internal|packet>$kind]",
		"Cryptographic subsystem\nIKEv2 debug messages\nInternal debug messages\nPacket debug messages",
		byKind(map[string][]logging.Flag{
			"":         {logging.FlagCryptoIKEv2},
			"internal": {logging.FlagCryptoIKEv2Internal},
			"packet":   {logging.FlagCryptoIKEv2Packet},
		})},
	{"crypto ipsec", "Cryptographic subsystem\nIPSEC processing", flags(logging.FlagCryptoIPsec)},
	{"radius [<authentication|accounting>$kind]",
		"RADIUS protocol\nRADIUS authentication packets only\nRADIUS accounting packets only",
		byKind(map[string][]logging.Flag{
			"":               {logging.FlagRadiusAuthentication, logging.FlagRadiusAccounting},
			"authentication": {logging.FlagRadiusAuthentication},
			"accounting":     {logging.FlagRadiusAccounting},
		})},
	{"aaa <authentication|authorization|accounting|per-user|pod|coa>$kind",
		"AAA Authentication, Authorization and Accounting\nAuthentication\nAuthorization\nAccounting\nPer-user attributes\nAAA POD processing\nAAA CoA processing",
		byKind(map[string][]logging.Flag{
			"authentication": {logging.FlagAAAAuthentication},
			"authorization":  {logging.FlagAAAAuthorization},
			"accounting":     {logging.FlagAAAAccounting},
			"per-user":       {logging.FlagAAAPerUser},
			"pod":            {logging.FlagAAAPOD},
			"coa":            {logging.FlagAAACoA},
		})},
	{"vtemplate cloning", "Virtual Template information\nVirtual Template cloning", flags(logging.FlagVTemplateCloning)},
}

const (
	debugHelp   = "Debugging functions (see also 'undebug')"
	undebugHelp = "Disable debugging functions (see also 'debug')"
	allHelp     = "Disable all debugging"
)

// registerDebug declares debug, undebug, "no debug" and "show debugging".
// The flags live in the registry of the logging buffer (Env.Log.Debug()),
// which services read; debug lines go to that buffer and from there to
// the console and "terminal monitor" sessions.
func registerDebug(t *Tree) {
	for _, d := range debugCmds {
		t.Exec.Add(
			&grammar.Command{Def: "[no] debug " + d.def, Help: debugHelp + "\n" + d.help, Privilege: 15,
				Action: ExecFunc(setDebug(d.flags, func(c *Ctx) bool { return !c.Args.No() }))},
			&grammar.Command{Def: "undebug " + d.def, Help: undebugHelp + "\n" + d.help, Privilege: 15,
				Action: ExecFunc(setDebug(d.flags, func(*Ctx) bool { return false }))},
		)
	}
	t.Exec.Add(
		&grammar.Command{Def: "no debug all", Help: "\n" + debugHelp + "\n" + allHelp, Privilege: 15, Action: ExecFunc(undebugAll)},
		&grammar.Command{Def: "undebug all", Help: undebugHelp + "\n" + allHelp, Privilege: 15, Action: ExecFunc(undebugAll)},
		show("show debugging", "\nState of each debugging option", 1, func(c *Ctx) error {
			c.Printf("%s", c.Env.Log.Debug().Render())
			return nil
		}),
	)
}

func setDebug(which func(*Ctx) []logging.Flag, on func(*Ctx) bool) func(c *Ctx) error {
	return func(c *Ctx) error {
		dbg := c.Env.Log.Debug()
		if dbg == nil {
			return IOSError("% Debugging is not available")
		}
		v := on(c)
		for _, f := range which(c) {
			dbg.Set(f, v)
			c.Printf("%s\n", f.Status(v))
		}
		return nil
	}
}

func undebugAll(c *Ctx) error {
	if dbg := c.Env.Log.Debug(); dbg != nil {
		dbg.AllOff()
	}
	c.Printf("%s\n", logging.AllOffMessage)
	return nil
}
