package modes

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

// Terminal lines: "line con 0" and "line vty FIRST [LAST]" hold what the
// console and the SSH server apply to their sessions (idle timeout, login
// method list, starting privilege).

func init() { areas = append(areas, registerLines) }

func registerLines(t *Tree) {
	m := t.NewMode("config-line", nil, "Line configuration commands:")
	t.Config.Add(&grammar.Command{Def: "[no] line <console$type <0-0>$first|vty$type <0-1869>$first [<1-1869>$last]>",
		Help: "Configure a terminal line\nPrimary terminal line\nFirst Line number\nVirtual terminal\nFirst Line number\nLast Line number",
		Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
			typ := schema.LineVTY
			if c.Args.Str("type") == "console" {
				typ = schema.LineConsole
			}
			first, last := int(c.Args.Int("first")), int(c.Args.Int("first"))
			if c.Args.Has("last") {
				last = int(c.Args.Int("last"))
			}
			if last < first {
				return IOSError("% Invalid line range " + strconv.Itoa(first) + " " + strconv.Itoa(last))
			}
			if c.Args.No() {
				for n := first; n <= last; n++ {
					tx.Delete(schema.KindLine, schema.LineKey(typ, n))
				}
				return nil
			}
			c.Sess.Enter(m, typ, strconv.Itoa(first), strconv.Itoa(last))
			return nil
		})})
	m.Add(
		&grammar.Command{Def: "[no] exec-timeout <0-35791>$min [<0-2147483>$sec]", ShortNo: true,
			Help: "Set the EXEC timeout\nTimeout in minutes\nTimeout in seconds",
			Action: lineSetting(func(l *schema.Line, a grammar.Args) {
				l.ExecTimeout = &schema.ExecTimeout{Minutes: int(a.Int("min")), Seconds: int(a.Int("sec"))}
				if a.No() || l.TimeoutSeconds() == schema.DefaultExecTimeout && l.ExecTimeout.Seconds == 0 {
					l.ExecTimeout = nil
				}
			})},
		&grammar.Command{Def: "[no] privilege level <0-15>$level", ShortNo: true,
			Help: "Change privilege level for line\nAssign default privilege level for line\nDefault privilege level for line",
			Action: lineSetting(func(l *schema.Line, a grammar.Args) {
				if l.Privilege = optionalInt(a, "level"); l.Privilege != nil && *l.Privilege == 1 {
					l.Privilege = nil
				}
			})},
		&grammar.Command{Def: "[no] login authentication <default|WORD>$list", ShortNo: true,
			Help: "Enable password checking\nAuthentication parameters.\nUse the default authentication list.\nUse an authentication list with this name.",
			Action: lineSetting(func(l *schema.Line, a grammar.Args) {
				if l.LoginAuthentication = a.Str("list"); l.LoginAuthentication == schema.DefaultMethodList {
					l.LoginAuthentication = ""
				}
			})},
		&grammar.Command{Def: "[no] transport input <all|none|ssh|telnet>$proto", ShortNo: true,
			Help: "Define transport protocols for line\nDefine which protocols to use when connecting to the terminal server\nAll protocols\nNo protocols\nTCP/IP SSH protocol\nTCP/IP Telnet protocol",
			Action: lineSetting(func(l *schema.Line, a grammar.Args) {
				l.TransportInput = a.Str("proto")
			})},
	)
	t.Section(OrderLine, renderLines)
}

// lineSetting is the handler of a config-line command: it applies set to
// every line of the range the mode edits (keys: type, first, last). set
// sees only "no" for a negated line. Lines back at their defaults are
// removed, so the store holds configured lines only.
func lineSetting(set func(l *schema.Line, a grammar.Args)) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		typ := c.Key(0)
		first, _ := strconv.Atoi(c.Key(1))
		last, _ := strconv.Atoi(c.Key(2))
		a := noArgs(c.Args)
		for n := first; n <= last; n++ {
			key := schema.LineKey(typ, n)
			l, _ := load[schema.Line](tx, schema.KindLine, key)
			l.Name = key
			set(l, a)
			if len(lineBody(l)) == 0 {
				tx.Delete(schema.KindLine, key)
			} else if err := store(tx, schema.KindLine, key, l); err != nil {
				return err
			}
		}
		return nil
	}
}

// lineBody is a line's settings as running-config lines, in IOS order.
func lineBody(l *schema.Line) []string {
	var out []string
	if e := l.ExecTimeout; e != nil {
		out = append(out, "exec-timeout "+strconv.Itoa(e.Minutes)+" "+strconv.Itoa(e.Seconds))
	}
	if l.Privilege != nil {
		out = append(out, "privilege level "+strconv.Itoa(*l.Privilege))
	}
	if l.LoginAuthentication != "" {
		out = append(out, "login authentication "+l.LoginAuthentication)
	}
	if l.TransportInput != "" {
		out = append(out, "transport input "+l.TransportInput)
	}
	return out
}

// renderLines writes the configured lines, the console first, grouping
// consecutive vty lines with equal settings into one range as IOS does.
func renderLines(r *Renderer, tx Reader) {
	type numbered struct {
		n    int
		body string
	}
	byType := map[string][]numbered{}
	each(tx, schema.KindLine, func(name string, l *schema.Line) {
		typ, num, _ := strings.Cut(name, " ")
		n, err := strconv.Atoi(num)
		if err != nil {
			return
		}
		byType[typ] = append(byType[typ], numbered{n, strings.Join(lineBody(l), "\n")})
	})
	for _, typ := range []string{schema.LineConsole, schema.LineVTY} {
		lines := byType[typ]
		slices.SortFunc(lines, func(a, b numbered) int { return a.n - b.n })
		for i := 0; i < len(lines); {
			j := i + 1
			for j < len(lines) && lines[j].n == lines[j-1].n+1 && lines[j].body == lines[i].body {
				j++
			}
			head := "line " + typ + " " + strconv.Itoa(lines[i].n)
			if last := lines[j-1].n; last != lines[i].n {
				head += " " + strconv.Itoa(last)
			}
			r.Line(0, "%s", head)
			for _, b := range strings.Split(lines[i].body, "\n") {
				r.Line(1, "%s", b)
			}
			i = j
		}
	}
}

// loadLine reads a terminal line's settings ("con 0", "vty 3"); a line
// never configured reads as all defaults.
func loadLine(tx Reader, line string) *schema.Line {
	l, _ := load[schema.Line](tx, schema.KindLine, line)
	return l
}

// ExecTimeout is how long a session on the line ("con 0", "vty 3") may
// stay idle: IOS's 10 minutes unless configured, 0 for never.
func ExecTimeout(tx Reader, line string) time.Duration {
	return time.Duration(loadLine(tx, line).TimeoutSeconds()) * time.Second
}

// LoginAuthList is the login method list that authenticates sessions on the
// line: its "login authentication" list, else "default".
func LoginAuthList(tx Reader, line string) string {
	if l := loadLine(tx, line).LoginAuthentication; l != "" {
		return l
	}
	return schema.DefaultMethodList
}
