package modes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
	"github.com/gatehouse-vpn/gatehouse/services/vtemplate"
)

func init() { areas = append(areas, registerVAccessShow) }

const helpVAccess = "Virtual Access interface\nVirtual-Access interface number"

// registerVAccessShow declares the show commands about live
// virtual-access interfaces, which the vtemplate service answers through
// Env.VirtualAccess. "show interfaces" and "show ip interface brief" list
// them too (interface_show.go).
func registerVAccessShow(t *Tree) {
	t.Exec.Add(
		show("show derived-config interface virtual-access <1-2147483647>$va",
			"\nDerived operating configuration\nShow interface derived configuration\n"+helpVAccess, 15, showDerivedConfig),
		show("show derived-config interface IFNAME$name", "\n\nShow interface derived configuration\n"+helpIfName, 15, showDerivedConfig),
		show("show interfaces virtual-access <1-2147483647>$va", "\n\n"+helpVAccess, 1, showVAccessInterface),
		show("show ip interface virtual-access <1-2147483647>$va", "\n\nIP interface status and configuration\n"+helpVAccess, 1, showVAccessIPInterface),
	)
}

// isVAccessName reports whether an interface name typed in one word
// names a virtual-access interface, and gives its canonical name.
func isVAccessName(word string) (string, bool) {
	name, ios := schema.CanonicalIfName(word)
	return name, ios && strings.HasPrefix(name, "Virtual-Access")
}

// vaccessArg finds the virtual-access interface the command names. As in
// IOS, naming one that does not exist is invalid input at the name.
func vaccessArg(c *Ctx) (vtemplate.VirtualAccess, error) {
	name := ""
	if c.Args.Has("va") {
		name = vtemplate.Name(int(c.Args.Int("va")))
	} else {
		name, _ = isVAccessName(c.Args.Str("name"))
	}
	if c.Env.VirtualAccess != nil {
		if va, ok := c.Env.VirtualAccess.Get(name); ok {
			return va, nil
		}
	}
	pos := len(c.Line)
	if w := grammar.Split(c.Line); len(w) > 0 {
		pos = w[len(w)-1].Pos
	}
	return vtemplate.VirtualAccess{}, &grammar.Error{Kind: grammar.ErrInvalid, Line: c.Line, Pos: pos}
}

// vaccessList is the live virtual-access interfaces by number.
func vaccessList(env *Env) []vtemplate.VirtualAccess {
	if env.VirtualAccess == nil {
		return nil
	}
	return env.VirtualAccess.List()
}

// showDerivedConfig is "show derived-config interface NAME" (seed
// 001:834-850): a virtual-access interface's configuration as the
// template, AAA and the session made it. For any other interface it is
// the interface's running configuration, as in IOS. The byte count is
// the seed's: the block plus three bytes (222 for its 219-byte block).
func showDerivedConfig(c *Ctx) error {
	var block strings.Builder
	if _, isVA := isVAccessName(c.Args.Str("name")); c.Args.Has("va") || isVA {
		va, err := vaccessArg(c)
		if err != nil {
			return err
		}
		block.WriteString("interface " + va.Name + "\n")
		for _, l := range va.Derived {
			block.WriteString(" " + l + "\n")
		}
	} else {
		spec, err := parseIfName(c.Args.Str("name"))
		if err != nil {
			return err
		}
		var i *schema.Interface
		found := false
		c.Env.DB.View(func(tx *configdb.ReadTx) error {
			i, found = load[schema.Interface](tx, schema.KindInterface, spec.name)
			return nil
		})
		if !found {
			return IOSError("% Interface " + spec.name + " does not exist")
		}
		r := &Renderer{}
		renderInterface(r, i)
		block.WriteString(strings.TrimSuffix(r.String(), "!\n"))
	}
	block.WriteString("end\n")
	c.Printf("Building configuration...\n\nDerived configuration : %d bytes\n\n%s", block.Len()+3, block.String())
	return nil
}

// vaccessState is the status and line protocol of a live interface: up
// unless its configuration shuts it down.
func vaccessState(va *vtemplate.VirtualAccess) (status, protocol string) {
	if va.Config.Shutdown {
		return "administratively down", "down"
	}
	return "up", "up"
}

// showVAccessInterface is "show interfaces virtual-access N", IOS-shaped:
// the tunnel lines follow seed 001:880-894, the Linux link and the data
// plane counters are this router's own.
func showVAccessInterface(c *Ctx) error {
	va, err := vaccessArg(c)
	if err != nil {
		return err
	}
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		describeVAccess(c, tx, &va)
		return nil
	})
}

func describeVAccess(c *Ctx, tx Reader, va *vtemplate.VirtualAccess) {
	status, proto := vaccessState(va)
	i := &va.Config
	c.Printf("%s is %s, line protocol is %s\n", va.Name, status, proto)
	c.Printf("  Hardware is Virtual Access interface, Linux link %s\n", va.LinuxName)
	if i.Description != "" {
		c.Printf("  Description: %s\n", i.Description)
	}
	if va.Spec.VRF != "" {
		c.Printf("  VPN Routing/Forwarding \"%s\"\n", va.Spec.VRF)
	}
	describeIPv4(c, tx, i)
	c.Printf("  MTU %d bytes\n", va.Spec.EffectiveMTU())
	describeTunnel(c, i.Tunnel, va.Template)
	if c.Env.VirtualAccess == nil {
		return
	}
	if n, err := c.Env.VirtualAccess.Counters(va.Name); err == nil {
		c.Printf("     %d packets input, %d bytes, %d input drops\n", n.InPackets, n.InBytes, n.InDrops)
		c.Printf("     %d packets output, %d bytes, %d output drops\n", n.OutPackets, n.OutBytes, n.OutDrops)
		c.Printf("     %d packets dropped by access lists\n", n.ACLDrops)
	}
}

// showVAccessIPInterface is "show ip interface virtual-access N". The
// access list lines are the seed's (001:1283-1285): a list applied by AAA
// in place of the template's shows the template's as the default.
func showVAccessIPInterface(c *Ctx) error {
	va, err := vaccessArg(c)
	if err != nil {
		return err
	}
	return c.Env.DB.View(func(tx *configdb.ReadTx) error {
		status, proto := vaccessState(&va)
		c.Printf("%s is %s, line protocol is %s\n", va.Name, status, proto)
		if !describeIPv4(c, tx, &va.Config) {
			c.Printf("  Internet protocol processing disabled\n")
			return nil
		}
		c.Printf("  Broadcast address is 255.255.255.255\n")
		c.Printf("  MTU is %d bytes\n", va.Spec.EffectiveMTU())
		tmpl, _ := load[schema.Interface](tx, schema.KindInterface, "Virtual-Template"+strconv.Itoa(va.Template))
		c.Printf("  Outgoing access list is %s\n", aclState(va.Config.AccessGroupOut, tmpl.AccessGroupOut))
		c.Printf("  Inbound  access list is %s\n", aclState(va.Config.AccessGroupIn, tmpl.AccessGroupIn))
		if va.Spec.VRF != "" {
			c.Printf("  VPN Routing/Forwarding \"%s\"\n", va.Spec.VRF)
		}
		return nil
	})
}

// aclState is IOS's "X, default is Y" when the list in effect is not the
// interface's own.
func aclState(effective, def string) string {
	text := func(s string) string {
		if s == "" {
			return "not set"
		}
		return s
	}
	if effective == def {
		return text(effective)
	}
	return fmt.Sprintf("%s, default is %s", text(effective), text(def))
}
