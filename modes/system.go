package modes

import (
	"strconv"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/configdb/secret"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerSystem) }

func registerSystem(t *Tree) {
	t.Config.Add(
		&grammar.Command{Def: "[no] hostname WORD$name", ShortNo: true,
			Help: "Set system's network name\nThis system's network name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				return updateSystem(tx, func(s *schema.System) error {
					s.Hostname = ""
					if !c.Args.No() {
						s.Hostname = c.Args.Str("name")
					}
					return nil
				})
			})},
		&grammar.Command{Def: "[no] service password-encryption",
			Help:   "Modify use of network based services\nEncrypt system passwords",
			Action: systemFlag(func(s *schema.System) *bool { return &s.ServicePasswordEncryption })},
		&grammar.Command{Def: "[no] aaa new-model",
			Help:   "Authentication, Authorization and Accounting.\nEnable NEW access control commands and functions.(Disables OLD commands.)",
			Action: systemFlag(func(s *schema.System) *bool { return &s.AAANewModel })},
		&grammar.Command{Def: "[no] aaa session-id common",
			Help:   "Authentication, Authorization and Accounting.\nAAA Session ID\nCommon Session ID for all records of a call (default)",
			Action: systemFlag(func(s *schema.System) *bool { return &s.AAASessionIDCommon })},
		&grammar.Command{Def: "[no] enable secret [<0|5|8|9>$type] WORD$secret", ShortNo: true,
			Help: "Modify enable password parameters\nAssign the privileged level secret (MAX of 25 characters)\nSpecifies an UNENCRYPTED password will follow\nSpecifies a MD5 HASHED secret will follow\nSpecifies a PBKDF2 HASHED secret will follow\nSpecifies a SCRYPT HASHED secret will follow\nThe UNENCRYPTED (cleartext) 'enable' secret",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				s, err := newSecret(c.Args)
				if err != nil {
					return err
				}
				return updateSystem(tx, func(sys *schema.System) error { sys.EnableSecret = s; return nil })
			})},
		&grammar.Command{Def: "[no] enable password [<0|7>$type] WORD$secret", ShortNo: true,
			Help: "Modify enable password parameters\nAssign the privileged level password (MAX of 25 characters)\nSpecifies an UNENCRYPTED password will follow\nSpecifies a HIDDEN password will follow\nThe UNENCRYPTED (cleartext) 'enable' password",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				p, err := newPassword(c.Args)
				if err != nil {
					return err
				}
				return updateSystem(tx, func(sys *schema.System) error { sys.EnablePassword = p; return nil })
			})},
		&grammar.Command{Def: "[no] username WORD$name [privilege <0-15>$priv] [<secret|password>$kind [<0|5|7|8|9>$type] WORD$secret]",
			Help:   "Establish User Name Authentication\nUser name\nSet user privilege level\nUser privilege level\nSpecify the secret for the user\nSpecify the password for the user\nSpecifies an UNENCRYPTED secret will follow\nSpecifies a MD5 HASHED secret will follow\nSpecifies a HIDDEN password will follow\nSpecifies a PBKDF2 HASHED secret will follow\nSpecifies a SCRYPT HASHED secret will follow\nThe secret or password for the user",
			Action: ConfigFunc(setUsername)},
		&grammar.Command{Def: "[no] ip domain name WORD$name", ShortNo: true,
			Help:   "\nIP DNS Resolver\nDefine the default domain name\nDefault domain name",
			Action: ConfigFunc(setDomain)},
		&grammar.Command{Def: "[no] ip domain-name WORD$name", ShortNo: true, Hidden: true,
			Help:   "\nDefine the default domain name\nDefault domain name",
			Action: ConfigFunc(setDomain)},
		&grammar.Command{Def: "[no] logging buffered [<4096-2147483647>$size] [<emergencies|alerts|critical|errors|warnings|notifications|informational|debugging>$level]",
			Help:   "Modify message logging facilities\nSet buffered logging parameters\nLogging buffer size\nImmediate action needed           (severity=0)\nImmediate action needed           (severity=1)\nCritical conditions               (severity=2)\nError conditions                  (severity=3)\nWarning conditions                (severity=4)\nNormal but significant conditions (severity=5)\nInformational messages            (severity=6)\nDebugging messages                (severity=7)",
			Action: ConfigFunc(setLogging)},
		&grammar.Command{Def: "[no] banner motd LINE", ShortNo: true,
			Help:   "Define a login banner\nSet Message of the Day banner\nc banner-text c, where 'c' is a delimiting character",
			Action: ExecFunc(setBanner)},
		&grammar.Command{Def: "version LINE", Hidden: true,
			Help:   "Version of the configuration\nVersion number",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return nil })},
	)
	t.Section(OrderService, func(r *Renderer, tx Reader) {
		if loadSystem(tx).ServicePasswordEncryption {
			r.Line(0, "service password-encryption")
			r.Bang()
		}
	})
	t.Section(OrderHostname, func(r *Renderer, tx Reader) {
		r.Line(0, "hostname %s", Hostname(tx))
		r.Bang()
	})
	t.Section(OrderLogging, func(r *Renderer, tx Reader) {
		if lb := loadSystem(tx).LoggingBuffered; lb != nil {
			line := "logging buffered"
			if lb.Size != 0 {
				line += " " + strconv.Itoa(lb.Size)
			}
			if lb.Level != "" {
				line += " " + lb.Level
			}
			r.Line(0, "%s", line)
		}
	})
	t.Section(OrderEnable, func(r *Renderer, tx Reader) {
		s := loadSystem(tx)
		if s.EnableSecret != nil {
			r.Line(0, "enable secret %s", r.Secret(s.EnableSecret))
		}
		if s.EnablePassword != nil {
			r.Line(0, "enable password %s", r.Secret(s.EnablePassword))
		}
		r.Bang()
	})
	t.Section(OrderAAA, func(r *Renderer, tx Reader) {
		if loadSystem(tx).AAANewModel {
			r.Line(0, "aaa new-model")
			r.Bang()
		}
	})
	t.Section(OrderAAA+90, func(r *Renderer, tx Reader) {
		if loadSystem(tx).AAASessionIDCommon {
			r.Line(0, "aaa session-id common")
			r.Bang()
		}
	})
	t.Section(OrderDomain, func(r *Renderer, tx Reader) {
		if d := loadSystem(tx).DomainName; d != "" {
			r.Line(0, "ip domain name %s", d)
			r.Bang()
		}
	})
	t.Section(OrderUsername, func(r *Renderer, tx Reader) {
		each(tx, schema.KindUsername, func(name string, u *schema.Username) {
			line := "username " + name
			if u.Privilege != 0 {
				line += " privilege " + strconv.Itoa(u.Privilege)
			}
			if u.Secret != nil {
				line += " secret " + r.Secret(u.Secret)
			} else if u.Password != nil {
				line += " password " + r.Secret(u.Password)
			}
			r.Line(0, "%s", line)
		})
		r.Bang()
	})
	t.Section(OrderBanner, func(r *Renderer, tx Reader) {
		if b := loadSystem(tx).BannerMOTD; b != nil {
			r.Line(0, "banner motd %s%s%s", b.Delimiter, b.Text, b.Delimiter)
			r.Bang()
		}
	})
}

// systemFlag is the handler of a "[no] keyword" that sets a boolean.
func systemFlag(field func(s *schema.System) *bool) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return updateSystem(tx, func(s *schema.System) error {
			*field(s) = !c.Args.No()
			return nil
		})
	}
}

// newSecret turns "[type] value" of a secret command into what is stored:
// clear text is hashed (type 9); a hash is kept as given after a sanity check.
func newSecret(a grammar.Args) (*schema.Secret, error) {
	if a.No() {
		return nil, nil
	}
	typ, _ := strconv.Atoi(a.Str("type"))
	val := a.Str("secret")
	switch typ {
	case 0:
		h, err := secret.HashType9(val)
		if err != nil {
			return nil, err
		}
		return &schema.Secret{Type: 9, Value: h}, nil
	case 9:
		if !secret.ValidType9(val) {
			return nil, IOSError("ERROR: The secret you entered is not a valid encrypted secret.\nTo enter an UNENCRYPTED secret, do not specify type 9 encryption.\nWhen you properly enter an UNENCRYPTED secret, it will be encrypted.")
		}
	case 7:
		return newPassword(a)
	}
	return &schema.Secret{Type: typ, Value: val}, nil
}

// newPassword turns "[0|7] value" of a password or key into what is stored:
// type 7 is decoded so every service reads clear text.
func newPassword(a grammar.Args) (*schema.Secret, error) {
	if a.No() {
		return nil, nil
	}
	val := a.Str("secret")
	switch a.Str("type") {
	case "7":
		plain, err := secret.DecodeType7(val)
		if err != nil {
			return nil, IOSError("% Invalid encrypted password: " + err.Error())
		}
		return &schema.Secret{Type: 0, Value: plain}, nil
	case "", "0":
		return &schema.Secret{Type: 0, Value: val}, nil
	}
	return nil, IOSError("% Password type " + a.Str("type") + " is not supported for passwords")
}

func setUsername(c *Ctx, tx *configdb.Tx) error {
	name := c.Args.Str("name")
	if c.Args.No() {
		tx.Delete(schema.KindUsername, name)
		return nil
	}
	return update(tx, schema.KindUsername, name, func(u *schema.Username) error {
		u.Name = name
		if c.Args.Has("priv") {
			u.Privilege = int(c.Args.Int("priv"))
		}
		switch c.Args.Str("kind") {
		case "secret":
			s, err := newSecret(c.Args)
			if err != nil {
				return err
			}
			u.Secret, u.Password = s, nil
		case "password":
			if typ := c.Args.Str("type"); typ != "" && typ != "0" && typ != "7" {
				return IOSError("% Password type " + typ + " is not supported for passwords")
			}
			p, err := newPassword(c.Args)
			if err != nil {
				return err
			}
			u.Password, u.Secret = p, nil
		}
		return nil
	})
}

func setDomain(c *Ctx, tx *configdb.Tx) error {
	return updateSystem(tx, func(s *schema.System) error {
		s.DomainName = ""
		if !c.Args.No() {
			s.DomainName = c.Args.Str("name")
		}
		return nil
	})
}

func setLogging(c *Ctx, tx *configdb.Tx) error {
	return updateSystem(tx, func(s *schema.System) error {
		if c.Args.No() {
			s.LoggingBuffered = nil
			return nil
		}
		s.LoggingBuffered = &schema.LoggingBuffered{Size: int(c.Args.Int("size")), Level: c.Args.Str("level")}
		if c.Env.Log != nil {
			c.Env.Log.SetSize(s.LoggingBuffered.Size)
		}
		return nil
	})
}

// setBanner takes "banner motd cTEXTc": the first character delimits the
// text, which may span lines (read until the delimiter comes back).
func setBanner(c *Ctx) error {
	if c.Args.No() {
		return c.Update(func(tx *configdb.Tx) error {
			return updateSystem(tx, func(s *schema.System) error { s.BannerMOTD = nil; return nil })
		})
	}
	banner, err := readDelimited(c, c.Args.Str("LINE"))
	if err != nil {
		return err
	}
	return c.Update(func(tx *configdb.Tx) error {
		return updateSystem(tx, func(s *schema.System) error {
			s.BannerMOTD = banner
			return nil
		})
	})
}
