package modes

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerIPsec) }

// transformSetDef is the transform list of "crypto ipsec transform-set".
// Each role is one alternative of the {} group, so the grammar itself
// allows at most one AH transform, one ESP cipher and one ESP
// authentication transform, in any order, as IOS does.
const transformSetDef = "{<ah-md5-hmac|ah-sha-hmac|ah-sha256-hmac|ah-sha384-hmac|ah-sha512-hmac>$ah" +
	"|<esp-3des|esp-aes [<128$bits|192$bits|256$bits>]|esp-des|esp-gcm [<128$bits|256$bits>]|esp-gmac [<128$bits|256$bits>]|esp-null>$cipher" +
	"|<esp-md5-hmac|esp-sha-hmac|esp-sha256-hmac|esp-sha384-hmac|esp-sha512-hmac>$auth}"

const transformSetHelp = "AH-HMAC-MD5 transform\nAH-HMAC-SHA transform\nAH-HMAC-SHA256 transform\nAH-HMAC-SHA384 transform\nAH-HMAC-SHA512 transform\n" +
	"ESP transform using 3DES(EDE) cipher (168 bits)\nESP transform using AES cipher\n128 bit keys.\n192 bit keys.\n256 bit keys.\n" +
	"ESP transform using DES cipher (56 bits)\nESP transform using GCM cipher\n\n\nESP transform using GMAC cipher\n\n\nESP transform w/o cipher\n" +
	"ESP transform using HMAC-MD5 auth\nESP transform using HMAC-SHA auth\nESP transform using HMAC-SHA256 auth\nESP transform using HMAC-SHA384 auth\nESP transform using HMAC-SHA512 auth"

// dhGroups are the PFS groups of "set pfs", with IOS's help.
const dhGroups = "<group1|group14|group15|group16|group19|group2|group20|group21|group24|group5>"

const dhGroupsHelp = "D-H Group1 (768-bit modulus)\nD-H Group14 (2048-bit modulus)\nD-H Group15 (3072-bit modulus)\nD-H Group16 (4096-bit modulus)\n" +
	"D-H Group19 (256-bit order ECP)\nD-H Group2 (1024-bit modulus)\nD-H Group20 (384-bit order ECP)\nD-H Group21 (521-bit order ECP)\n" +
	"D-H Group24 (2048-bit modulus & 256-bit subgroup)\nD-H Group5 (1536-bit modulus)"

// replayWindows are the anti-replay window sizes IOS offers.
const replayWindows = "<64|128|256|512|1024>"

const replayWindowsHelp = "Window size 64 (default)\nWindow size 128\nWindow size 256\nWindow size 512\nWindow size 1024"

func registerIPsec(t *Tree) {
	trans := t.NewMode("cfg-crypto-trans", nil, "Crypto transform configuration commands:")
	prof := t.NewMode("ipsec-profile", nil, "Crypto Map configuration commands:")
	t.Config.Add(
		&grammar.Command{Def: "crypto ipsec transform-set WORD$name " + transformSetDef,
			Help: "\nConfigure IPSEC policy\nDefine transform and settings\nTransform set tag\n" + transformSetHelp,
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				if err := setTransformSet(c, tx); err != nil {
					return err
				}
				c.Sess.Enter(trans, c.Args.Str("name"))
				return nil
			})},
		&grammar.Command{Def: "no crypto ipsec transform-set WORD$name",
			Help: "\n\n\n\nTransform set tag",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				// Deleting the smart default brings its IOS values back.
				tx.Delete(schema.KindTransformSet, c.Args.Str("name"))
				return nil
			})},
		&grammar.Command{Def: "[no] crypto ipsec profile WORD$name",
			Help:   "\n\nConfigure an ipsec policy profile\nProfile name",
			Action: subModeObject(prof, schema.KindIPsecProfile, newIPsecProfile)},
		&grammar.Command{Def: "[no] crypto ipsec security-association lifetime seconds <120-2592000>$seconds", ShortNo: true,
			Help: "\n\nSecurity association parameters\nsecurity association lifetime\nTime-based key duration in seconds\nSecurity association duration in seconds",
			Action: updateIPsecGlobal(func(c *Ctx, g *schema.IPsecGlobal) {
				g.LifetimeSeconds = int(ifOnInt(c.Args, "seconds"))
			})},
		&grammar.Command{Def: "[no] crypto ipsec security-association lifetime kilobytes <<2560-4294967295>$kilobytes|disable$disable>", ShortNo: true,
			Help: "\n\n\n\nVolume-based key duration\nSecurity association duration in kilobytes encrypted\nDisable Volume-based Rekey",
			Action: updateIPsecGlobal(func(c *Ctx, g *schema.IPsecGlobal) {
				g.LifetimeKilobytes = ifOnInt(c.Args, "kilobytes")
				g.LifetimeKilobytesDisabled = !c.Args.No() && c.Args.Has("disable")
			})},
		&grammar.Command{Def: "[no] crypto ipsec security-association replay window-size [" + replayWindows + "$size]",
			Help: "\n\n\nSet replay checking.\nSet replay window size.\n" + replayWindowsHelp,
			Action: updateIPsecGlobal(func(c *Ctx, g *schema.IPsecGlobal) {
				g.ReplayWindowSize = int(ifOnInt(c.Args, "size"))
			})},
		&grammar.Command{Def: "[no] crypto ipsec security-association replay disable",
			Help: "\n\n\n\nDisable replay checking",
			Action: updateIPsecGlobal(func(c *Ctx, g *schema.IPsecGlobal) {
				g.ReplayDisabled = !c.Args.No()
			})},
	)
	trans.Add(&grammar.Command{Def: "[no] mode <tunnel|transport>$mode", ShortNo: true,
		Help: "encapsulation mode (transport/tunnel)\ntunnel (datagram encapsulation) mode\ntransport (payload encapsulation) mode",
		Action: editObject(schema.KindTransformSet, func(c *Ctx, ts *schema.TransformSet) error {
			ts.Mode = schema.ModeTunnel
			if !c.Args.No() {
				ts.Mode = c.Args.Str("mode")
			}
			return nil
		})})
	prof.Add(
		&grammar.Command{Def: "[no] set transform-set WORD$ts [WORD$ts] [WORD$ts] [WORD$ts] [WORD$ts] [WORD$ts]", ShortNo: true,
			Help: "Set values for encryption/decryption\nSpecify list of transform sets in priority order\nTransform set name\nTransform set name\nTransform set name\nTransform set name\nTransform set name\nTransform set name",
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				names := c.Args.All("ts")
				switch {
				case !c.Args.No():
					p.TransformSets = uniqueInOrder(names)
				case len(names) == 0:
					p.TransformSets = nil
				default:
					p.TransformSets = slices.DeleteFunc(p.TransformSets, func(s string) bool { return slices.Contains(names, s) })
				}
				return nil
			})},
		&grammar.Command{Def: "[no] set ikev2-profile WORD$profile", ShortNo: true,
			Help:   "\nSpecify ikev2 Profile\nikev2 Profile Name",
			Action: setString(schema.KindIPsecProfile, func(p *schema.IPsecProfile) *string { return &p.IKEv2Profile }, "profile")},
		&grammar.Command{Def: "[no] set pfs [" + dhGroups + "$group]",
			Help: "\nSpecify pfs settings\n" + dhGroupsHelp,
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				p.PFS = !c.Args.No()
				p.PFSGroup = ifOn(p.PFS, c.Args.Str("group"))
				return nil
			})},
		&grammar.Command{Def: "[no] set security-association lifetime seconds <120-2592000>$seconds", ShortNo: true,
			Help: "\nSecurity association parameters\nsecurity association lifetime\nTime-based key duration in seconds\nSecurity association duration in seconds",
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				// Seconds and days are two spellings of one lifetime.
				p.LifetimeSeconds, p.LifetimeDays = int(ifOnInt(c.Args, "seconds")), 0
				return nil
			})},
		&grammar.Command{Def: "[no] set security-association lifetime days <1-30>$days", ShortNo: true,
			Help: "\n\n\nTime-based key duration in days\nSecurity association duration in days",
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				p.LifetimeSeconds, p.LifetimeDays = 0, int(ifOnInt(c.Args, "days"))
				return nil
			})},
		&grammar.Command{Def: "[no] set security-association lifetime kilobytes <<2560-4294967295>$kilobytes|disable$disable>", ShortNo: true,
			Help: "\n\n\nVolume-based key duration\nSecurity association duration in kilobytes encrypted\nDisable Volume-based Rekey",
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				p.LifetimeKilobytes = ifOnInt(c.Args, "kilobytes")
				p.LifetimeKilobytesDisabled = !c.Args.No() && c.Args.Has("disable")
				return nil
			})},
		&grammar.Command{Def: "[no] set security-association replay window-size " + replayWindows + "$size", ShortNo: true,
			Help: "\n\nSet replay checking.\nSet replay window size.\n" + replayWindowsHelp,
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				p.ReplayWindowSize = int(ifOnInt(c.Args, "size"))
				return nil
			})},
		&grammar.Command{Def: "[no] set security-association replay disable",
			Help: "\n\n\nDisable replay checking",
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				p.ReplayDisabled = !c.Args.No()
				return nil
			})},
		&grammar.Command{Def: "[no] set security-association idle-time <60-86400>$seconds", ShortNo: true,
			Help: "\n\nAutomatically delete IPSec SAs after a given idle period.\nIdle time in seconds",
			Action: updateProfile(func(c *Ctx, p *schema.IPsecProfile) error {
				p.IdleTime = int(ifOnInt(c.Args, "seconds"))
				return nil
			})},
		&grammar.Command{Def: "[no] responder-only",
			Help:   "Do not initiate SAs from this device",
			Action: setFlag(schema.KindIPsecProfile, func(p *schema.IPsecProfile) *bool { return &p.ResponderOnly })},
		&grammar.Command{Def: "[no] description LINE", ShortNo: true,
			Help:   "Description of the crypto map statement policy\nUp to 80 characters describing this crypto map",
			Action: setString(schema.KindIPsecProfile, func(p *schema.IPsecProfile) *string { return &p.Description }, "LINE")},
	)
	t.Section(OrderIPsec-5, renderIPsecGlobal)
	t.Section(OrderIPsec+0, func(r *Renderer, tx Reader) {
		each(tx, schema.KindTransformSet, func(name string, ts *schema.TransformSet) {
			if name == schema.DefaultName && transformSetEqual(ts, schema.DefaultTransformSet()) {
				return // the untouched smart default is not shown
			}
			r.Line(0, "crypto ipsec transform-set %s %s", name, strings.Join(transformWords(ts), " "))
			r.Line(1, "mode %s", ts.Mode)
			r.Bang()
		})
	})
	t.Section(OrderIPsec+10, func(r *Renderer, tx Reader) {
		each(tx, schema.KindIPsecProfile, func(name string, p *schema.IPsecProfile) {
			lines := ipsecProfileLines(p)
			if name == schema.DefaultName && slices.Equal(lines, ipsecProfileLines(schema.DefaultIPsecProfile())) {
				return
			}
			r.Line(0, "crypto ipsec profile %s", name)
			for _, l := range lines {
				r.Line(1, "%s", l)
			}
			r.Bang()
		})
	})
	t.Exec.Add(
		show("show crypto ipsec transform-set [WORD$name]", "\n\nShow IPSEC policy\nCrypto IPSEC transform set\nTransform set name", 1, showTransformSets),
		show("show crypto ipsec profile [WORD$name]", "\n\n\nShow ipsec profile information\nipsec profile name", 1, showIPsecProfiles),
	)
}

// uniqueInOrder drops repeated names, keeping the first of each (the
// order of transform sets is their priority).
func uniqueInOrder(names []string) []string {
	var out []string
	for _, n := range names {
		if !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// setTransformSet validates the transforms of "crypto ipsec transform-set"
// and stores them, keeping the mode of an existing set.
func setTransformSet(c *Ctx, tx *configdb.Tx) error {
	name := c.Args.Str("name")
	ts := loadTransformSet(tx, name)
	if err := setTransforms(ts, c.Args); err != nil {
		return err
	}
	return store(tx, schema.KindTransformSet, name, ts)
}

// setTransforms replaces the transforms of ts with those bound by
// transformSetDef and checks them.
func setTransforms(ts *schema.TransformSet, a grammar.Args) error {
	ts.AH, ts.ESPCipher, ts.ESPKeyBits, ts.ESPAuth = a.Str("ah"), a.Str("cipher"), 0, a.Str("auth")
	if ts.ESPCipher == "esp-aes" || ts.CombinedMode() {
		ts.ESPKeyBits = 128
		if a.Has("bits") {
			ts.ESPKeyBits = int(a.Int("bits"))
		}
	}
	return validateTransforms(ts)
}

// validateTransforms applies the rules the grammar cannot express.
func validateTransforms(ts *schema.TransformSet) error {
	switch {
	case ts.AH == "" && ts.ESPCipher == "" && ts.ESPAuth == "":
		return IOSError("% Incomplete command.")
	case ts.CombinedMode() && ts.ESPAuth != "":
		return IOSError("% " + ts.ESPCipher + " provides its own integrity: it cannot be combined with " + ts.ESPAuth)
	case ts.ESPCipher == "esp-null" && ts.ESPAuth == "":
		// RFC 4303 3.2: ESP with neither confidentiality nor integrity.
		return IOSError("% esp-null needs an ESP authentication transform")
	}
	return nil
}

// loadTransformSet reads a transform set, IOS's smart default for an
// unstored "default", or a new tunnel-mode set.
func loadTransformSet(tx Reader, name string) *schema.TransformSet {
	if ts, ok := load[schema.TransformSet](tx, schema.KindTransformSet, name); ok {
		return ts
	}
	if name == schema.DefaultName {
		return schema.DefaultTransformSet()
	}
	return &schema.TransformSet{Name: name, Mode: schema.ModeTunnel}
}

func transformSetEqual(a, b *schema.TransformSet) bool { return *a == *b }

// transformWords renders the transforms in IOS's canonical order: AH,
// ESP cipher (with its key size when not the default 128), ESP auth.
func transformWords(ts *schema.TransformSet) []string {
	var out []string
	if ts.AH != "" {
		out = append(out, ts.AH)
	}
	if ts.ESPCipher != "" {
		out = append(out, ts.ESPCipher)
		if ts.ESPKeyBits != 0 && ts.ESPKeyBits != 128 {
			out = append(out, strconv.Itoa(ts.ESPKeyBits))
		}
	}
	if ts.ESPAuth != "" {
		out = append(out, ts.ESPAuth)
	}
	return out
}

// espShowWords is the ESP part as IOS's show commands print it: the key
// size goes into the name ("esp-256-aes").
func espShowWords(ts *schema.TransformSet) []string {
	var out []string
	switch {
	case ts.ESPCipher == "esp-aes" && ts.ESPKeyBits != 128:
		out = append(out, fmt.Sprintf("esp-%d-aes", ts.ESPKeyBits))
	case ts.CombinedMode() && ts.ESPKeyBits != 128:
		out = append(out, ts.ESPCipher+" "+strconv.Itoa(ts.ESPKeyBits))
	case ts.ESPCipher != "":
		out = append(out, ts.ESPCipher)
	}
	if ts.ESPAuth != "" {
		out = append(out, ts.ESPAuth)
	}
	return out
}

// transformGroups are the "{ ... }" groups show prints: AH and ESP apart.
func transformGroups(ts *schema.TransformSet) []string {
	var out []string
	if ts.AH != "" {
		out = append(out, "{ "+ts.AH+"  }")
	}
	if esp := espShowWords(ts); len(esp) > 0 {
		out = append(out, "{ "+strings.Join(esp, " ")+"  }")
	}
	return out
}

// allTransformSets lists the stored sets with the smart default merged in
// by name order.
func allTransformSets(tx Reader) []*schema.TransformSet {
	names := tx.Names(schema.KindTransformSet)
	if !slices.Contains(names, schema.DefaultName) {
		names = append(names, schema.DefaultName)
		slices.Sort(names)
	}
	var out []*schema.TransformSet
	for _, n := range names {
		out = append(out, loadTransformSet(tx, n))
	}
	return out
}

// showTransformSets prints "show crypto ipsec transform-set" as IOS does,
// trailing blanks included.
func showTransformSets(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		first := true
		for _, ts := range allTransformSets(tx) {
			if name := c.Args.Str("name"); name != "" && ts.Name != name {
				continue
			}
			if !first {
				c.Printf("   \n")
			}
			first = false
			mode := "Tunnel"
			if ts.Mode == schema.ModeTransport {
				mode = "Transport"
			}
			for i, g := range transformGroups(ts) {
				if i == 0 {
					c.Printf("Transform set %s: %s \n", ts.Name, g)
				} else {
					c.Printf("   %s \n", g)
				}
				c.Printf("   will negotiate = { %s,  }, \n", mode)
			}
		}
		return nil
	})
}

// loadIPsecProfile reads a profile, or the one newIPsecProfile makes.
func loadIPsecProfile(tx Reader, name string) *schema.IPsecProfile {
	if p, ok := load[schema.IPsecProfile](tx, schema.KindIPsecProfile, name); ok {
		return p
	}
	return newIPsecProfile(name)
}

// newIPsecProfile is a profile before any configuration: IOS's smart
// default for "default", else an empty one.
func newIPsecProfile(name string) *schema.IPsecProfile {
	if name == schema.DefaultName {
		return schema.DefaultIPsecProfile()
	}
	return &schema.IPsecProfile{Name: name}
}

// updateProfile is the handler of an ipsec-profile sub-command.
func updateProfile(fn func(c *Ctx, p *schema.IPsecProfile) error) ConfigFunc {
	return editObject(schema.KindIPsecProfile, fn)
}

// ipsecProfileLines renders a profile's sub-commands in IOS order. The
// default profile's transform set is part of its smart default, so
// removing it has to be written out for the configuration to paste back.
func ipsecProfileLines(p *schema.IPsecProfile) []string {
	var out []string
	if p.Description != "" {
		out = append(out, "description "+p.Description)
	}
	if p.LifetimeKilobytesDisabled {
		out = append(out, "set security-association lifetime kilobytes disable")
	} else if p.LifetimeKilobytes != 0 {
		out = append(out, fmt.Sprintf("set security-association lifetime kilobytes %d", p.LifetimeKilobytes))
	}
	if p.LifetimeSeconds != 0 {
		out = append(out, fmt.Sprintf("set security-association lifetime seconds %d", p.LifetimeSeconds))
	}
	if p.LifetimeDays != 0 {
		out = append(out, fmt.Sprintf("set security-association lifetime days %d", p.LifetimeDays))
	}
	if p.ReplayDisabled {
		out = append(out, "set security-association replay disable")
	}
	if p.ReplayWindowSize != 0 {
		out = append(out, fmt.Sprintf("set security-association replay window-size %d", p.ReplayWindowSize))
	}
	if p.IdleTime != 0 {
		out = append(out, fmt.Sprintf("set security-association idle-time %d", p.IdleTime))
	}
	switch {
	case len(p.TransformSets) > 0:
		out = append(out, "set transform-set "+strings.Join(p.TransformSets, " "))
	case p.Name == schema.DefaultName:
		out = append(out, "no set transform-set")
	}
	if p.PFS {
		out = append(out, strings.TrimSpace("set pfs "+p.PFSGroup))
	}
	if p.IKEv2Profile != "" {
		out = append(out, "set ikev2-profile "+p.IKEv2Profile)
	}
	if p.ResponderOnly {
		out = append(out, "responder-only")
	}
	return out
}

// showIPsecProfiles prints "show crypto ipsec profile" in IOS's layout and
// names transform sets and IKEv2 profiles that do not exist.
func showIPsecProfiles(c *Ctx) error {
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		global := loadIPsecGlobal(tx)
		names := tx.Names(schema.KindIPsecProfile)
		if !slices.Contains(names, schema.DefaultName) {
			names = append(names, schema.DefaultName)
			slices.Sort(names)
		}
		const in1, in2 = "        ", "                "
		for _, name := range names {
			if want := c.Args.Str("name"); want != "" && name != want {
				continue
			}
			p := loadIPsecProfile(tx, name)
			c.Printf("IPSEC profile %s\n", name)
			if p.Description != "" {
				c.Printf("%sDescription: %s\n", in1, p.Description)
			}
			if p.IKEv2Profile != "" {
				missing := ""
				if _, ok := tx.Get(schema.KindIKEv2Profile, p.IKEv2Profile); !ok {
					missing = " (not configured)"
				}
				c.Printf("%sIKEv2 Profile: %s%s\n", in1, p.IKEv2Profile, missing)
			}
			c.Printf("%sSecurity association lifetime: %s\n", in1, saLifetime(p, global))
			if p.ReplayDisabled {
				c.Printf("%sReplay detection: disabled\n", in1)
			} else if p.ReplayWindowSize != 0 {
				c.Printf("%sReplay window size: %d\n", in1, p.ReplayWindowSize)
			}
			if p.IdleTime != 0 {
				c.Printf("%sIdle time: %d seconds\n", in1, p.IdleTime)
			}
			c.Printf("%sDualstack (Y/N): N\n", in1)
			c.Printf("%sResponder-Only (Y/N): %s\n", in1, yesNo(p.ResponderOnly))
			c.Printf("%sPFS (Y/N): %s\n", in1, yesNo(p.PFS))
			if p.PFS {
				c.Printf("%sDH group:  %s\n", in1, p.DHGroup())
			}
			c.Printf("%sMixed-mode : Disabled\n", in1)
			c.Printf("%sTransform sets={ \n", in1)
			for _, tsName := range p.TransformSets {
				if ts, ok := load[schema.TransformSet](tx, schema.KindTransformSet, tsName); ok || tsName == schema.DefaultName {
					if !ok {
						ts = schema.DefaultTransformSet()
					}
					c.Printf("%s%s:  %s , \n", in2, tsName, strings.Join(transformGroups(ts), " "))
				} else {
					c.Printf("%s%s:  (not configured) , \n", in2, tsName)
				}
			}
			c.Printf("%s}\n\n", in1)
		}
		return nil
	})
}

// saLifetime is the "Security association lifetime" of a profile: its
// own values, else the global ones, else IOS's defaults.
func saLifetime(p *schema.IPsecProfile, g *schema.IPsecGlobal) string {
	seconds := firstNonZero(p.LifetimeSeconds, p.LifetimeDays*86400, g.LifetimeSeconds, schema.DefaultSALifetimeSeconds)
	if p.LifetimeKilobytesDisabled || (p.LifetimeKilobytes == 0 && g.LifetimeKilobytesDisabled) {
		return fmt.Sprintf("%d seconds, no volume limit", seconds)
	}
	kb := p.LifetimeKilobytes
	if kb == 0 {
		kb = g.LifetimeKilobytes
	}
	if kb == 0 {
		kb = schema.DefaultSALifetimeKilobytes
	}
	return fmt.Sprintf("%d kilobytes/%d seconds", kb, seconds)
}

func firstNonZero(vals ...int) int {
	for _, v := range vals {
		if v != 0 {
			return v
		}
	}
	return 0
}

func yesNo(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

func loadIPsecGlobal(tx Reader) *schema.IPsecGlobal {
	g, _ := load[schema.IPsecGlobal](tx, schema.KindIPsecGlobal, schema.Global)
	return g
}

// updateIPsecGlobal is the handler of a "crypto ipsec security-association"
// global.
func updateIPsecGlobal(fn func(c *Ctx, g *schema.IPsecGlobal)) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return update(tx, schema.KindIPsecGlobal, schema.Global, func(g *schema.IPsecGlobal) error {
			fn(c, g)
			return nil
		})
	}
}

func renderIPsecGlobal(r *Renderer, tx Reader) {
	g := loadIPsecGlobal(tx)
	n := len(r.String())
	if g.LifetimeSeconds != 0 {
		r.Line(0, "crypto ipsec security-association lifetime seconds %d", g.LifetimeSeconds)
	}
	if g.LifetimeKilobytesDisabled {
		r.Line(0, "crypto ipsec security-association lifetime kilobytes disable")
	} else if g.LifetimeKilobytes != 0 {
		r.Line(0, "crypto ipsec security-association lifetime kilobytes %d", g.LifetimeKilobytes)
	}
	if g.ReplayDisabled {
		r.Line(0, "crypto ipsec security-association replay disable")
	}
	if g.ReplayWindowSize != 0 {
		r.Line(0, "crypto ipsec security-association replay window-size %d", g.ReplayWindowSize)
	}
	if len(r.String()) != n {
		r.Bang()
	}
}
