package modes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerQoS) }

// dscpNames are the DSCP code points IOS shows by name.
var dscpNames = []named{
	{"af11", 10, ""}, {"af12", 12, ""}, {"af13", 14, ""}, {"af21", 18, ""}, {"af22", 20, ""}, {"af23", 22, ""},
	{"af31", 26, ""}, {"af32", 28, ""}, {"af33", 30, ""}, {"af41", 34, ""}, {"af42", 36, ""}, {"af43", 38, ""},
	{"cs1", 8, ""}, {"cs2", 16, ""}, {"cs3", 24, ""}, {"cs4", 32, ""}, {"cs5", 40, ""}, {"cs6", 48, ""}, {"cs7", 56, ""},
	{"default", 0, ""}, {"ef", 46, ""},
}

func init() {
	for k := range dscpNames {
		d := &dscpNames[k]
		shown := strings.ToUpper(d.name)
		if d.name == "default" {
			shown = d.name
		}
		d.help = fmt.Sprintf("Match packets with %s dscp (%06b)", shown, d.num)
	}
}

func registerQoS(t *Tree) {
	cmapMode := t.NewMode("config-cmap", nil, "QoS class-map configuration commands:")
	pmapMode := t.NewMode("config-pmap", nil, "QoS policy-map configuration commands:")
	classMode := t.NewMode("config-pmap-c", pmapMode, "QoS policy-map class configuration commands:")
	t.Config.Add(
		&grammar.Command{Def: "[no] class-map [<match-any|match-all>$match] WORD$name",
			Help:   "Configure CPL Class Map\nLogical-OR all matching statements under this classmap\nLogical-AND all matching statements under this classmap\nclass-map name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return enterClassMap(c, tx, cmapMode) })},
		&grammar.Command{Def: "[no] policy-map WORD$name",
			Help: "Configure QoS Policy Map\npolicy-map name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				name := c.Args.Str("name")
				if c.Args.No() {
					tx.Delete(schema.KindPolicyMap, name)
					return nil
				}
				if err := update(tx, schema.KindPolicyMap, name, func(p *schema.PolicyMap) error { p.Name = name; return nil }); err != nil {
					return err
				}
				c.Sess.Enter(pmapMode, name)
				return nil
			})},
	)
	cmapMode.Add(
		&grammar.Command{Def: "[no] match any", Help: "classification criteria\nAny packets",
			Action: classMapMatch(func(c *Ctx) schema.ClassMatch { return schema.ClassMatch{Kind: "any"} })},
		&grammar.Command{Def: "[no] match access-group <<1-2699>$acl|name WORD$acl>",
			Help: "\nAccess group\nAccess list index\nNamed Access List\nAccess List name",
			Action: classMapMatch(func(c *Ctx) schema.ClassMatch {
				return schema.ClassMatch{Kind: "access-group", ACL: c.Args.Str("acl")}
			})},
		&grammar.Command{Def: "[no] description LINE$text", ShortNo: true,
			Help: "Class-Map description\nDescription of this class-map (up to 200 characters)",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				return update(tx, schema.KindClassMap, c.Key(0), func(m *schema.ClassMap) error {
					m.Description = noOr(c, c.Args.Str("text"))
					return nil
				})
			})},
	)
	pmapMode.Add(
		&grammar.Command{Def: "[no] class <class-default$class|WORD$class>",
			Help:   "policy criteria\nSystem default class matching otherwise unclassified packets\nclass-map name",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error { return enterPolicyClass(c, tx, classMode) })},
		&grammar.Command{Def: "[no] description LINE$text", ShortNo: true,
			Help: "Policy-Map description\nDescription of this policy-map (up to 200 characters)",
			Action: ConfigFunc(func(c *Ctx, tx *configdb.Tx) error {
				return update(tx, schema.KindPolicyMap, c.Key(0), func(p *schema.PolicyMap) error {
					p.Description = noOr(c, c.Args.Str("text"))
					return nil
				})
			})},
	)
	dscp := (&defSpec{}).raw("[no]").tok("set", "Set QoS values").tok("dscp", "Set DSCP in IP(v4) and IPv6 packets").
		choice("<0-63>", "Differentiated services codepoint value", dscpNames).raw("$dscp")
	setDSCP := classAction(func(c *Ctx, k *schema.PolicyClass) error {
		k.SetDSCP = nil
		if !c.Args.No() {
			v := numberOf(dscpNames, c.Args.Str("dscp"))
			if v < 0 {
				v, _ = strconv.Atoi(c.Args.Str("dscp"))
			}
			k.SetDSCP = &v
		}
		return nil
	})
	police := classAction(func(c *Ctx, k *schema.PolicyClass) error {
		k.Police = nil
		if !c.Args.No() {
			k.Police = &schema.Police{CIR: c.Args.Int("cir"), BC: c.Args.Int("bc"), BE: c.Args.Int("be")}
		}
		return nil
	})
	classMode.Add(
		// IOS takes the bare "no police" and "no set dscp".
		&grammar.Command{Def: "no police", Hidden: true, Help: "\nPolice", Action: police},
		&grammar.Command{Def: "no set dscp", Hidden: true, Help: "\nSet QoS values\nSet DSCP in IP(v4) and IPv6 packets", Action: setDSCP},
		&grammar.Command{Def: "[no] police cir <8000-100000000000>$cir [bc <1000-512000000>$bc [be <1000-512000000>$be]]", ShortNo: true,
			Help:   "Police\nCommitted information rate\nBits per second\nConform burst\nBurst bytes\nExcess burst\nBurst bytes",
			Action: police},
		&grammar.Command{Def: "[no] shape average <8000-100000000000>$rate", ShortNo: true,
			Help: "Traffic Shaping\nconfigure token bucket: CIR (bps)\nTarget Bit Rate (bits per second)",
			Action: classAction(func(c *Ctx, k *schema.PolicyClass) error {
				k.ShapeAverage = noOr(c, c.Args.Int("rate"))
				return nil
			})},
		&grammar.Command{Def: "[no] bandwidth <<8-100000000>$kbps|percent <1-100>$pct|remaining percent <1-100>$rpct>", ShortNo: true,
			Help: "Bandwidth\nKilo Bits per second\n% of total Bandwidth\nPercentage\npercent/ratio of the remaining bandwidth\n% of the remaining bandwidth\nPercentage",
			Action: classAction(func(c *Ctx, k *schema.PolicyClass) error {
				k.Bandwidth = nil
				if c.Args.No() {
					return nil
				}
				if k.Priority != nil {
					return IOSError("% Must remove priority configuration first.")
				}
				k.Bandwidth = &schema.Bandwidth{Kbps: c.Args.Int("kbps"), Percent: int(c.Args.Int("pct")), RemainingPercent: int(c.Args.Int("rpct"))}
				return nil
			})},
		&grammar.Command{Def: "[no] priority [<<8-2000000>$kbps [<32-2000000>$burst]|percent <1-100>$pct>]",
			Help: "Strict Scheduling Priority for this Class\nKilo Bits per second\nBurst in bytes\n% of total bandwidth\nPercentage",
			Action: classAction(func(c *Ctx, k *schema.PolicyClass) error {
				k.Priority = nil
				if c.Args.No() {
					return nil
				}
				if k.Bandwidth != nil {
					return IOSError("% Must remove bandwidth configuration first.")
				}
				k.Priority = &schema.Priority{Kbps: c.Args.Int("kbps"), Burst: c.Args.Int("burst"), Percent: int(c.Args.Int("pct"))}
				return nil
			})},
		dscp.command(setDSCP),
		&grammar.Command{Def: "[no] service-policy WORD$child", ShortNo: true,
			Help: "Configure Flow Next\npolicy-map name",
			Action: classAction(func(c *Ctx, k *schema.PolicyClass) error {
				k.ServicePolicy = noOr(c, c.Args.Str("child"))
				return nil
			})},
	)
	t.Section(OrderPolicyMap, func(r *Renderer, tx Reader) {
		each(tx, schema.KindClassMap, func(_ string, m *schema.ClassMap) { renderClassMap(r, m) })
	})
	t.Section(OrderPolicyMap+10, func(r *Renderer, tx Reader) {
		each(tx, schema.KindPolicyMap, func(_ string, p *schema.PolicyMap) { renderPolicyMap(r, p) })
	})
}

func enterClassMap(c *Ctx, tx *configdb.Tx, cmapMode *Mode) error {
	name := c.Args.Str("name")
	if c.Args.No() {
		tx.Delete(schema.KindClassMap, name)
		return nil
	}
	if name == schema.ClassDefault {
		return IOSError("% class-default is a reserved class name")
	}
	m, exists := load[schema.ClassMap](tx, schema.KindClassMap, name)
	matchAny := c.Args.Str("match") == "match-any"
	if exists && m.MatchAny != matchAny {
		return IOSError("% Class-map " + name + " already exists with the other match type: remove it first")
	}
	m.Name, m.MatchAny = name, matchAny
	if err := store(tx, schema.KindClassMap, name, m); err != nil {
		return err
	}
	c.Sess.Enter(cmapMode, name)
	return nil
}

// classMapMatch adds (or removes) a match line of the class-map being edited.
func classMapMatch(match func(c *Ctx) schema.ClassMatch) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return update(tx, schema.KindClassMap, c.Key(0), func(m *schema.ClassMap) error {
			want := match(c)
			var kept []schema.ClassMatch
			for _, old := range m.Matches {
				if old != want {
					kept = append(kept, old)
				}
			}
			if !c.Args.No() {
				kept = append(kept, want)
			}
			m.Matches = kept
			return nil
		})
	}
}

// enterPolicyClass adds a class to the policy-map being edited (IOS keeps
// class-default last) and enters its actions; "no" removes it.
func enterPolicyClass(c *Ctx, tx *configdb.Tx, classMode *Mode) error {
	name := c.Args.Str("class")
	policy := c.Key(0)
	err := update(tx, schema.KindPolicyMap, policy, func(p *schema.PolicyMap) error {
		p.Name = policy
		at := -1
		for k, cl := range p.Classes {
			if cl.Name == name {
				at = k
			}
		}
		switch {
		case c.Args.No() && at >= 0:
			p.Classes = append(p.Classes[:at], p.Classes[at+1:]...)
		case !c.Args.No() && at < 0:
			n := len(p.Classes)
			if n > 0 && p.Classes[n-1].Name == schema.ClassDefault {
				n--
			}
			p.Classes = append(p.Classes[:n], append([]schema.PolicyClass{{Name: name}}, p.Classes[n:]...)...)
		}
		return nil
	})
	if err == nil && !c.Args.No() {
		c.Sess.Enter(classMode, policy, name)
	}
	return err
}

// classAction changes the class the config-pmap-c session edits.
func classAction(fn func(c *Ctx, k *schema.PolicyClass) error) ConfigFunc {
	return func(c *Ctx, tx *configdb.Tx) error {
		return update(tx, schema.KindPolicyMap, c.Key(0), func(p *schema.PolicyMap) error {
			for k := range p.Classes {
				if p.Classes[k].Name == c.Key(1) {
					return fn(c, &p.Classes[k])
				}
			}
			return IOSError("% Class " + c.Key(1) + " has been removed from policy-map " + c.Key(0))
		})
	}
}

func renderClassMap(r *Renderer, m *schema.ClassMap) {
	kind := "match-all"
	if m.MatchAny {
		kind = "match-any"
	}
	r.Line(0, "class-map %s %s", kind, m.Name)
	if m.Description != "" {
		r.Line(1, "description %s", m.Description)
	}
	for _, mt := range m.Matches {
		switch {
		case mt.Kind == "any":
			r.Line(1, "match any")
		case aclNumber(mt.ACL) != 0:
			r.Line(1, "match access-group %s", mt.ACL)
		default:
			r.Line(1, "match access-group name %s", mt.ACL)
		}
	}
	r.Bang()
}

func renderPolicyMap(r *Renderer, p *schema.PolicyMap) {
	r.Line(0, "policy-map %s", p.Name)
	if p.Description != "" {
		r.Line(1, "description %s", p.Description)
	}
	for _, k := range p.Classes {
		r.Line(1, "class %s", k.Name)
		if q := k.Priority; q != nil {
			switch {
			case q.Percent != 0:
				r.Line(2, "priority percent %d", q.Percent)
			case q.Burst != 0:
				r.Line(2, "priority %d %d", q.Kbps, q.Burst)
			case q.Kbps != 0:
				r.Line(2, "priority %d", q.Kbps)
			default:
				r.Line(2, "priority")
			}
		}
		if b := k.Bandwidth; b != nil {
			switch {
			case b.Percent != 0:
				r.Line(2, "bandwidth percent %d", b.Percent)
			case b.RemainingPercent != 0:
				r.Line(2, "bandwidth remaining percent %d", b.RemainingPercent)
			default:
				r.Line(2, "bandwidth %d", b.Kbps)
			}
		}
		if k.ShapeAverage != 0 {
			r.Line(2, "shape average %d", k.ShapeAverage)
		}
		if pol := k.Police; pol != nil {
			line := "police cir " + strconv.FormatInt(pol.CIR, 10)
			if pol.BC != 0 {
				line += " bc " + strconv.FormatInt(pol.BC, 10)
			}
			if pol.BE != 0 {
				line += " be " + strconv.FormatInt(pol.BE, 10)
			}
			r.Line(2, "%s", line)
		}
		if k.SetDSCP != nil {
			r.Line(2, "set dscp %s", nameOf(dscpNames, *k.SetDSCP))
		}
		if k.ServicePolicy != "" {
			r.Line(2, "service-policy %s", k.ServicePolicy)
		}
	}
	r.Bang()
}
