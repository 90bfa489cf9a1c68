package vtemplate

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

// sessionACL is a per-session access list ("Virtual-Access1#2601", seed
// 001:1232-1290): made by a CoA's inacl/outacl entries, known only to
// the interface it filters, never in configdb. It is immutable: a CoA
// that changes a list brings a new one.
type sessionACL struct {
	def      schema.ACL
	compiled *dataplane.ACL
}

// newSessionACL checks a per-session list and compiles it.
func newSessionACL(a *schema.ACL) (*sessionACL, error) {
	switch {
	case a == nil:
		return nil, fmt.Errorf("no access list")
	case a.Name == "" || strings.ContainsFunc(a.Name, func(r rune) bool { return r <= ' ' }):
		return nil, fmt.Errorf("access list name %q", a.Name)
	case a.Type != schema.ACLStandard && a.Type != schema.ACLExtended:
		return nil, fmt.Errorf("access list %s: type %q", a.Name, a.Type)
	}
	def := copyACL(*a)
	return &sessionACL{def: def, compiled: compileACL(def)}, nil
}

// copyACL is a deep copy: lists handed in or out share nothing with the
// service's.
func copyACL(a schema.ACL) schema.ACL {
	a.Entries = slices.Clone(a.Entries)
	for i := range a.Entries {
		e := &a.Entries[i]
		for _, p := range []**int{&e.ICMPType, &e.ICMPCode} {
			if *p != nil {
				v := **p
				*p = &v
			}
		}
		for _, p := range []**schema.PortMatch{&e.SourcePorts, &e.DestPorts} {
			if *p != nil {
				v := **p
				*p = &v
			}
		}
	}
	return a
}

// setSessionACL adds a list to the interface, in place of one of the
// same name.
func (c *ifConfig) setSessionACL(a *sessionACL) {
	c.acls = slices.DeleteFunc(c.acls, func(o *sessionACL) bool { return o.def.Name == a.def.Name })
	c.acls = append(c.acls, a)
}

// pruneSessionACLs drops the lists no access group names any more: a list
// a CoA replaced, or one an "ip access-group" line took the place of.
func (c *ifConfig) pruneSessionACLs() {
	c.acls = slices.DeleteFunc(c.acls, func(a *sessionACL) bool {
		return a.def.Name != c.AccessGroupIn && a.def.Name != c.AccessGroupOut
	})
	if len(c.acls) == 0 {
		c.acls = nil
	}
}

// sessionACL is the interface's own list called name, or nil.
func (c *ifConfig) sessionACL(name string) *sessionACL {
	for _, a := range c.acls {
		if a.def.Name == name {
			return a
		}
	}
	return nil
}

// filter compiles the list name for an interface with configuration
// cfg: its own per-session list of that name, else the configured one.
func (s *Service) filter(name string, cfg *ifConfig) *dataplane.ACL {
	if cfg != nil {
		if a := cfg.sessionACL(name); a != nil {
			return a.compiled
		}
	}
	return s.accessList(name)
}

// sessionACLs are copies of the interface's per-session lists, in the
// order IOS shows an interface's lists: inbound, then outbound.
func (c *ifConfig) sessionACLs() []schema.ACL {
	if len(c.acls) == 0 {
		return nil
	}
	out := make([]schema.ACL, 0, len(c.acls))
	for _, name := range []string{c.AccessGroupIn, c.AccessGroupOut} {
		if a := c.sessionACL(name); a != nil && !slices.ContainsFunc(out, func(o schema.ACL) bool { return o.Name == name }) {
			out = append(out, copyACL(a.def))
		}
	}
	return out
}
