package vtemplate

import (
	"net/netip"
	"strconv"

	"github.com/gatehouse-vpn/gatehouse/configdb"
	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

// cachedACL is an access list compiled at a configuration revision.
type cachedACL struct {
	rev uint64
	acl *dataplane.ACL
}

// accessList compiles the IPv4 access list name for the data plane. An
// undefined list, as in IOS, filters nothing (nil).
func (s *Service) accessList(name string) *dataplane.ACL {
	if name == "" || s.db == nil {
		return nil
	}
	rev := s.db.Rev()
	s.mu.Lock()
	c, ok := s.acls[name]
	s.mu.Unlock()
	if ok && c.rev == rev {
		return c.acl
	}
	var a schema.ACL
	found := false
	s.db.View(func(tx *configdb.ReadTx) error {
		c.rev = tx.Rev()
		found, _ = tx.GetJSON(schema.KindACL, name, &a)
		return nil
	})
	c.acl = nil
	if found {
		c.acl = compileACL(a)
	}
	s.mu.Lock()
	s.acls[name] = c
	s.mu.Unlock()
	return c.acl
}

// ipProtocolNumbers are the protocol keywords an extended entry may store
// ("ip" matches every protocol).
var ipProtocolNumbers = map[string]int{
	"ip": dataplane.ProtoAny, "icmp": 1, "igmp": 2, "ipinip": 4, "tcp": 6, "udp": 17, "gre": 47,
	"esp": 50, "ahp": 51, "eigrp": 88, "ospf": 89, "nos": 94, "pim": 103, "pcp": 108,
}

// compileACL turns a stored list into rules; an entry that cannot be
// read (it cannot come from the CLI) matches nothing.
func compileACL(a schema.ACL) *dataplane.ACL {
	out := &dataplane.ACL{Name: a.Name}
	for _, e := range a.Entries {
		if e.Remark != "" || e.Action == "" {
			continue
		}
		r := dataplane.ACLRule{Permit: e.Action == "permit", Proto: dataplane.ProtoAny, Dst: dataplane.AnyAddr,
			ICMPType: -1, ICMPCode: -1, Established: e.Established}
		ok := true
		if a.Type == schema.ACLExtended {
			if p, known := ipProtocolNumbers[e.Protocol]; known {
				r.Proto = p
			} else if n, err := strconv.Atoi(e.Protocol); err == nil && n >= 0 && n <= 255 {
				r.Proto = n
			} else {
				ok = false
			}
			r.Dst, ok = addrWildcard(e.Dest, ok)
		}
		r.Src, ok = addrWildcard(e.Source, ok)
		var okS, okD bool
		r.SrcPorts, okS = portRange(e.SourcePorts)
		r.DstPorts, okD = portRange(e.DestPorts)
		ok = ok && okS && okD
		if e.ICMPType != nil {
			r.ICMPType = *e.ICMPType
		}
		if e.ICMPCode != nil {
			r.ICMPCode = *e.ICMPCode
		}
		if ok {
			out.Rules = append(out.Rules, r)
		}
	}
	return out
}

// addrWildcard reads an address and wildcard; ok carries earlier failures.
func addrWildcard(m schema.AddrMatch, ok bool) (dataplane.AddrWildcard, bool) {
	a, err1 := netip.ParseAddr(m.Address)
	w, err2 := netip.ParseAddr(m.Wildcard)
	if err1 != nil || err2 != nil || !a.Is4() || !w.Is4() {
		return dataplane.AddrWildcard{}, false
	}
	return dataplane.AddrWildcard{Addr: dataplane.Addr4(a), Wildcard: dataplane.Addr4(w)}, ok
}

// portRange turns eq/neq/gt/lt/range into an inclusive range; ok is false
// for a condition it cannot read.
func portRange(p *schema.PortMatch) (r *dataplane.PortRange, ok bool) {
	if p == nil {
		return nil, true
	}
	port := uint16(p.Port)
	switch p.Op {
	case "eq":
		return &dataplane.PortRange{Lo: port, Hi: port}, true
	case "neq":
		return &dataplane.PortRange{Lo: port, Hi: port, Neq: true}, true
	case "gt":
		return &dataplane.PortRange{Lo: port + 1, Hi: 65535}, port < 65535
	case "lt":
		return &dataplane.PortRange{Lo: 0, Hi: port - 1}, port > 0
	case "range":
		return &dataplane.PortRange{Lo: port, Hi: uint16(p.Port2)}, p.Port2 >= p.Port
	}
	return nil, false
}
