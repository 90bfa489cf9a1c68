package modes

import (
	"fmt"
	"math/big"
	"net/netip"
	"strconv"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/grammar"
)

func init() { areas = append(areas, registerPool) }

// poolListLimit is the largest pool "show ip local pool NAME" lists
// address by address; bigger ones are listed as ranges.
const poolListLimit = 1024

func registerPool(t *Tree) {
	t.Config.Add(
		&grammar.Command{Def: "[no] ip local pool WORD$name A.B.C.D$start [A.B.C.D$end]",
			Help:   "\nIP Local options\nIP Local address pool lists\nName of this pool\nFirst IP address of range\nLast IP address of range",
			Action: ConfigFunc(setIPPool)},
		&grammar.Command{Def: "no ip local pool WORD$name", Hidden: true,
			Help: "\n\n\n\nName of this pool", Action: ConfigFunc(setIPPool)},
		&grammar.Command{Def: "[no] ipv6 local pool WORD$name X:X::X:X/M$prefix <1-128>$len",
			Help:   "\nIPv6 local options\nIPv6 local pool\nName of this pool\nIPv6 prefix\nPrefix length to assign",
			Action: ConfigFunc(setIPv6Pool)},
		&grammar.Command{Def: "no ipv6 local pool WORD$name", Hidden: true,
			Help: "\n\n\n\nName of this pool", Action: ConfigFunc(setIPv6Pool)},
	)
	t.Exec.Add(
		show("show ip local pool [WORD$name]", "\n\nIP Local options\nIP Local address pool statistics\nName of this pool", 1, showIPPool),
		show("show ipv6 local pool [WORD$name]", "\n\nIPv6 local options\nIPv6 local pool statistics\nName of this pool", 1, showIPv6Pool),
	)
	t.Section(OrderPool, func(r *Renderer, tx Reader) {
		each(tx, schema.KindIPPool, func(name string, p *schema.IPPool) {
			for _, rg := range p.Ranges {
				r.Line(0, "ip local pool %s %s", name, rangeText(rg, " "))
			}
		})
		each(tx, schema.KindIPv6Pool, func(name string, p *schema.IPv6Pool) {
			r.Line(0, "ipv6 local pool %s %s %d", name, p.Prefix, p.AssignLength)
		})
		r.Bang()
	})
}

// rangeText is "START END", or "START" for a one-address range.
func rangeText(rg schema.IPRange, sep string) string {
	if rg.End == rg.Start {
		return rg.Start
	}
	return rg.Start + sep + rg.End
}

// rangeBounds parses a stored range as numbers.
func rangeBounds(rg schema.IPRange) (uint32, uint32) {
	return addrUint(netip.MustParseAddr(rg.Start)), addrUint(netip.MustParseAddr(rg.End))
}

func setIPPool(c *Ctx, tx *configdb.Tx) error {
	name := c.Args.Str("name")
	if c.Args.No() && !c.Args.Has("start") {
		tx.Delete(schema.KindIPPool, name)
		return nil
	}
	rg := schema.IPRange{Start: c.Args.Str("start"), End: c.Args.Str("end")}
	if rg.End == "" {
		rg.End = rg.Start
	}
	lo, hi := rangeBounds(rg)
	if hi < lo {
		return IOSError("% Invalid range: the last address " + rg.End + " is below the first address " + rg.Start)
	}
	p, _ := load[schema.IPPool](tx, schema.KindIPPool, name)
	p.Name = name
	if c.Args.No() {
		for k, old := range p.Ranges {
			if old == rg {
				p.Ranges = append(p.Ranges[:k], p.Ranges[k+1:]...)
				if len(p.Ranges) == 0 {
					tx.Delete(schema.KindIPPool, name)
					return nil
				}
				return store(tx, schema.KindIPPool, name, p)
			}
		}
		return IOSError("% Pool " + name + " has no range " + rangeText(rg, " "))
	}
	var err error
	each(tx, schema.KindIPPool, func(other string, q *schema.IPPool) {
		for _, old := range q.Ranges {
			if other == name && old == rg {
				continue // entered again: nothing to add
			}
			if olo, ohi := rangeBounds(old); err == nil && lo <= ohi && olo <= hi {
				err = IOSError(fmt.Sprintf("%% Range %s overlaps with range %s of pool %s", rangeText(rg, " - "), rangeText(old, " - "), other))
			}
		}
	})
	if err != nil {
		return err
	}
	for _, old := range p.Ranges {
		if old == rg {
			return nil
		}
	}
	p.Ranges = append(p.Ranges, rg)
	return store(tx, schema.KindIPPool, name, p)
}

func setIPv6Pool(c *Ctx, tx *configdb.Tx) error {
	name := c.Args.Str("name")
	if c.Args.No() {
		tx.Delete(schema.KindIPv6Pool, name)
		return nil
	}
	prefix := netip.MustParsePrefix(c.Args.Str("prefix")).Masked()
	assign := int(c.Args.Int("len"))
	if assign < prefix.Bits() {
		return IOSError(fmt.Sprintf("%% Prefix length to assign (%d) is shorter than the pool's prefix /%d", assign, prefix.Bits()))
	}
	var err error
	each(tx, schema.KindIPv6Pool, func(other string, q *schema.IPv6Pool) {
		if other != name && err == nil && netip.MustParsePrefix(q.Prefix).Overlaps(prefix) {
			err = IOSError("% Prefix " + ipv6Text(prefix.String()) + " overlaps with pool " + other + " (" + q.Prefix + ")")
		}
	})
	if err != nil {
		return err
	}
	return store(tx, schema.KindIPv6Pool, name, &schema.IPv6Pool{Name: name, Prefix: ipv6Text(prefix.String()), AssignLength: assign})
}

// poolInUse is how many addresses of a range are allocated, as the pool
// service reports it (none without one).
func poolInUse(c *Ctx, name string, rg schema.IPRange) int {
	if c.Env.Pools == nil {
		return 0
	}
	for _, p := range c.Env.Pools.Stats() {
		if p.Name != name {
			continue
		}
		for _, r := range p.Ranges {
			if r.Start.String() == rg.Start && r.End.String() == rg.End && !r.Retired {
				return r.InUse
			}
		}
	}
	return 0
}

func poolLine(c *Ctx, cols ...any) {
	c.Printf(" %-24s %-15s %-15s%5v%8v%10v\n", cols...)
}

// showIPPool is "show ip local pool [NAME]" in IOS's layout.
func showIPPool(c *Ctx) error {
	var pools []*schema.IPPool
	c.Env.DB.View(func(tx *configdb.ReadTx) error {
		each(tx, schema.KindIPPool, func(name string, p *schema.IPPool) {
			if !c.Args.Has("name") || name == c.Args.Str("name") {
				pools = append(pools, p)
			}
		})
		return nil
	})
	if len(pools) == 0 && c.Args.Has("name") {
		return IOSError("% Pool " + c.Args.Str("name") + " not found")
	}
	c.Printf("\n")
	poolLine(c, "Pool", "Begin", "End", "Free", "In use", "Blocked")
	for _, p := range pools {
		for k, rg := range p.Ranges {
			lo, hi := rangeBounds(rg)
			used := poolInUse(c, p.Name, rg)
			shown := p.Name
			if k > 0 {
				shown = ""
			}
			poolLine(c, shown, rg.Start, rg.End, int(hi-lo)+1-used, used, 0)
		}
	}
	if c.Args.Has("name") {
		listPoolAddresses(c, pools[0])
	}
	return nil
}

// listPoolAddresses is the per-address part of "show ip local pool NAME":
// the free addresses, then those in use with their owners.
func listPoolAddresses(c *Ctx, p *schema.IPPool) {
	total := 0
	for _, rg := range p.Ranges {
		lo, hi := rangeBounds(rg)
		total += int(hi-lo) + 1
	}
	var inUse []string
	c.Printf("Available addresses:\n")
	for _, rg := range p.Ranges {
		if total > poolListLimit {
			c.Printf("  %s\n", rangeText(rg, " - "))
			continue
		}
		lo, hi := rangeBounds(rg)
		for a := uint64(lo); a <= uint64(hi); a++ {
			addr := uintAddr(uint32(a))
			if owner, ok := poolOwner(c, addr); ok {
				inUse = append(inUse, fmt.Sprintf("  %-15s %s", addr, owner))
				continue
			}
			c.Printf("  %s\n", addr)
		}
	}
	c.Printf("Inuse addresses:\n")
	if len(inUse) == 0 {
		c.Printf("  None\n")
	}
	for _, l := range inUse {
		c.Printf("%s\n", l)
	}
}

// poolOwner says who holds an address, per the pool service.
func poolOwner(c *Ctx, addr netip.Addr) (string, bool) {
	if c.Env.Pools == nil {
		return "", false
	}
	return c.Env.Pools.Owner(addr)
}

// showIPv6Pool is "show ipv6 local pool [NAME]".
func showIPv6Pool(c *Ctx) error {
	line := func(cols ...any) { c.Printf("%-21s %-44s %10v %7v\n", cols...) }
	found := false
	c.Env.DB.View(func(tx *configdb.ReadTx) error {
		each(tx, schema.KindIPv6Pool, func(name string, p *schema.IPv6Pool) {
			if c.Args.Has("name") && name != c.Args.Str("name") {
				return
			}
			if !found {
				line("Pool", "Prefix", "Free", "In use")
				found = true
			}
			bits := p.AssignLength - netip.MustParsePrefix(p.Prefix).Bits()
			line(name, p.Prefix, new(big.Int).Lsh(big.NewInt(1), uint(bits)).String(), strconv.Itoa(0))
		})
		return nil
	})
	if !found && c.Args.Has("name") {
		return IOSError("% Pool " + c.Args.Str("name") + " not found")
	}
	return nil
}
