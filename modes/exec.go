package modes

import (
	"fmt"
	"strings"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/configdb/secret"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerExec) }

// show wraps an exec handler as a show command (its output may be piped).
func show(def, help string, priv int, run ExecFunc) *grammar.Command {
	return &grammar.Command{Def: def, Help: help, Privilege: priv, Action: PipeShow{Run: run}}
}

func registerExec(t *Tree) {
	t.Exec.Add(
		&grammar.Command{Def: "enable [<0-15>$level]", Privilege: 1,
			Help: "Turn on privileged commands\nEnable level", Action: ExecFunc(enable)},
		&grammar.Command{Def: "disable [<0-15>$level]", Privilege: 1,
			Help: "Turn off privileged commands\nPrivilege level to go to",
			Action: ExecFunc(func(c *Ctx) error {
				lvl := 1
				if c.Args.Has("level") {
					lvl = int(c.Args.Int("level"))
				}
				if lvl > c.Sess.Privilege() {
					return IOSError("% New privilege level must be less than current privilege level")
				}
				c.Sess.SetPrivilege(lvl)
				return nil
			})},
		&grammar.Command{Def: "exit", Privilege: 1, Help: "Exit from the EXEC", Action: ExecFunc(func(c *Ctx) error { c.Sess.Exit(); return nil })},
		&grammar.Command{Def: "logout", Privilege: 1, Help: "Exit from the EXEC", Action: ExecFunc(func(c *Ctx) error { c.Sess.Exit(); return nil })},
		&grammar.Command{Def: "configure [terminal]", Help: "Enter configuration mode\nConfigure from the terminal",
			Action: ExecFunc(func(c *Ctx) error {
				if c.Sess.Interactive() {
					c.Printf("Enter configuration commands, one per line.  End with CNTL/Z.\n")
				}
				c.Sess.Enter(Modes().Config)
				return nil
			})},
		&grammar.Command{Def: "write [memory]", Help: "Write running configuration to memory, network, or terminal\nWrite to NV memory",
			Action: ExecFunc(saveStartup)},
		&grammar.Command{Def: "copy running-config startup-config", Help: "Copy from one file to another\nCopy from current system configuration\nCopy to startup configuration",
			Action: ExecFunc(saveStartup)},
		&grammar.Command{Def: "copy startup-config running-config", Help: "\nCopy from startup configuration\nUpdate (merge with) current system configuration",
			Action: ExecFunc(func(c *Ctx) error {
				p, err := c.Env.DB.LoadStartup(configdb.Meta{Session: c.Sess.ID(), Line: c.Line})
				if err != nil {
					return IOSError("%% Error opening nvram:startup-config (" + err.Error() + ")")
				}
				return p.Wait()
			})},
		&grammar.Command{Def: "terminal length <0-512>$n", Privilege: 1,
			Help:   "Set terminal line parameters\nSet number of lines on a screen\nNumber of lines on screen (0 for no pausing)",
			Action: ExecFunc(func(c *Ctx) error { c.Sess.SetTerminalLength(int(c.Args.Int("n"))); return nil })},
		&grammar.Command{Def: "terminal width <0-512>$n", Privilege: 1,
			Help:   "\nSet width of the display terminal\nNumber of characters on a screen line",
			Action: ExecFunc(func(c *Ctx) error { c.Sess.SetTerminalWidth(int(c.Args.Int("n"))); return nil })},
		&grammar.Command{Def: "terminal [no] monitor", Privilege: 1,
			Help:   "\nNegate a command or set its defaults\nCopy debug output to the current terminal line",
			Action: ExecFunc(func(c *Ctx) error { c.Sess.SetMonitor(!c.Args.Has("no")); return nil })},
		show("show running-config", "\nCurrent operating configuration", 15, func(c *Ctx) error {
			return c.Env.DB.View(func(tx *configdb.ReadTx) error {
				c.Printf("%s", Modes().RunningConfig(tx, true))
				return nil
			})
		}),
		show("show startup-config", "\nContents of startup configuration", 15, func(c *Ctx) error {
			ok, err := c.Env.DB.StartupView(func(tx *configdb.ReadTx) error {
				c.Printf("%s", Modes().RunningConfig(tx, false))
				return nil
			})
			if err == nil && !ok {
				return IOSError("startup-config is not present")
			}
			return err
		}),
		show("show version", "\nSystem hardware and software status", 1, showVersion),
		show("show clock", "\nDisplay the system clock", 1, func(c *Ctx) error {
			c.Printf("*%s\n", c.Env.now().UTC().Format("15:04:05.000 MST Mon Jan 2 2006"))
			return nil
		}),
		show("show history", "\nDisplay the session command history", 1, func(c *Ctx) error {
			for _, h := range c.Sess.History() {
				c.Printf("  %s\n", h)
			}
			return nil
		}),
		show("show privilege", "\nShow current privilege level", 1, func(c *Ctx) error {
			c.Printf("Current privilege level is %d\n", c.Sess.Privilege())
			return nil
		}),
		show("show users", "\nDisplay information about terminal lines", 1, showUsers),
		show("show logging", "\nShow the contents of logging buffers", 1, func(c *Ctx) error {
			level := ""
			c.Env.DB.View(func(tx *configdb.ReadTx) error {
				if lb := loadSystem(tx).LoggingBuffered; lb != nil {
					level = lb.Level
				}
				return nil
			})
			c.Printf("%s", c.Env.Log.Render(level))
			return nil
		}),
		show("show archive", "\nArchive functions", 15, showArchive),
	)
}

func saveStartup(c *Ctx) error {
	c.Printf("Building configuration...\n")
	p, err := c.Env.DB.SaveStartup(configdb.Meta{Session: c.Sess.ID(), Line: c.Line})
	if err == nil {
		err = p.Wait()
	}
	if err != nil {
		return IOSError("% Error writing nvram:startup-config (" + err.Error() + ")")
	}
	c.Printf("[OK]\n")
	return nil
}

// enable raises the privilege level, asking for the enable secret (or
// password) when one is configured. Without one, only the console and the
// local attach socket may enable, as IOS allows on the console only.
func enable(c *Ctx) error {
	level := 15
	if c.Args.Has("level") {
		level = int(c.Args.Int("level"))
	}
	if level <= c.Sess.Privilege() {
		c.Sess.SetPrivilege(level)
		return nil
	}
	var sys *schema.System
	c.Env.DB.View(func(tx *configdb.ReadTx) error { sys = loadSystem(tx); return nil })
	stored := sys.EnableSecret
	if stored == nil {
		stored = sys.EnablePassword
	}
	if stored == nil {
		if strings.HasPrefix(c.Sess.ID(), "vty") {
			return IOSError("% No password set")
		}
		c.Sess.SetPrivilege(level)
		return nil
	}
	for i := 0; i < 3; i++ {
		pw, err := c.Sess.ReadSecret("Password: ")
		if err != nil {
			break
		}
		if secret.Check(stored.Type, stored.Value, pw) {
			c.Sess.SetPrivilege(level)
			return nil
		}
	}
	return IOSError("% Bad secrets")
}

func showVersion(c *Ctx) error {
	var host string
	c.Env.DB.View(func(tx *configdb.ReadTx) error { host = Hostname(tx); return nil })
	up := c.Env.now().Sub(c.Env.Started).Truncate(time.Minute)
	c.Printf("Gatehouse Software, Version %s\n", c.Env.Version)
	c.Printf("Technical Support: see docs/ in the source tree\n\n")
	c.Printf("%s uptime is %s\n", host, uptime(up))
	c.Printf("System image file is \"gatehouse\"\n\n")
	c.Printf("Configuration register is 0x2102\n")
	return nil
}

// uptime formats a duration the way IOS does ("1 day, 2 hours, 3 minutes").
func uptime(d time.Duration) string {
	days := int(d.Hours()) / 24
	hours := int(d.Hours()) % 24
	mins := int(d.Minutes()) % 60
	var parts []string
	plural := func(n int, unit string) string {
		if n == 1 {
			return fmt.Sprintf("%d %s", n, unit)
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	if days > 0 {
		parts = append(parts, plural(days, "day"))
	}
	if hours > 0 {
		parts = append(parts, plural(hours, "hour"))
	}
	parts = append(parts, plural(mins, "minute"))
	return strings.Join(parts, ", ")
}

func showUsers(c *Ctx) error {
	c.Printf("    Line       User       Host(s)              Idle       Location\n")
	if c.Env.Sessions == nil {
		return nil
	}
	for i, s := range c.Env.Sessions(c.Sess) {
		mark := " "
		if s.Current {
			mark = "*"
		}
		idle := s.Idle.Truncate(time.Second)
		c.Printf("%s %3d %-10s %-10s %-20s %02d:%02d:%02d %s\n", mark, i, s.Line, s.User, "idle",
			int(idle.Hours()), int(idle.Minutes())%60, int(idle.Seconds())%60, s.Host)
	}
	return nil
}

func showArchive(c *Ctx) error {
	c.Printf("The running configuration is at revision %d.\n", c.Env.DB.Rev())
	if rev, at, ok := c.Env.DB.StartupInfo(); ok {
		c.Printf("The startup configuration was saved at revision %d, %s.\n", rev, at.UTC().Format("2006-01-02 15:04:05 MST"))
	} else {
		c.Printf("There is no startup configuration.\n")
	}
	c.Printf("\n Rev  Time (UTC)           Session          Changes  Command\n")
	for _, h := range c.Env.DB.History(50) {
		c.Printf("%4d  %s  %-15s  %7d  %s\n", h.Rev, h.Time.UTC().Format("2006-01-02 15:04:05"), h.Session, h.NumChanges, h.Line)
	}
	return nil
}
