package aaa

import (
	"context"
	"fmt"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/aaa/dynauth"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
)

// The session side of RADIUS Disconnect and CoA (RFC 5176): requests name
// sessions by audit-session-id, Acct-Session-Id, User-Name or
// Framed-IP-Address; a Disconnect clears them (IKE DELETE, accounting
// stop with Admin-Reset), a CoA applies interface configuration to their
// virtual-access interfaces.
//
// Per-user access lists (inacl/outacl) of a CoA become lists of the
// session's own, named as IOS names them: the interface, "#", and a
// number (seed 001:1276-1290, "Virtual-Access1#2601"). The seed shows the
// numbers a session's first CoA gets, 2601 for its inbound list and 2602
// for its outbound one; IOS's rule beyond that is not documented. Here
// each session counts from 2601, one number per list a CoA brings,
// inbound before outbound, and never gives a number twice: a later CoA's
// lists (which replace the earlier ones in their direction) have new
// names, so a name says which CoA made the list. A refused CoA uses no
// number when it was the session's last.

// sessionHandler implements dynauth.Handler over the live sessions.
type sessionHandler struct{ s *Service }

// identities lists the live sessions with what requests can name them by.
func (s *Service) identities() []identified {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	out := make([]identified, 0, len(s.live))
	for _, r := range s.live {
		id := dynauth.Identity{AuditSessionID: r.AuditSessionID, UserName: r.Username, FramedIP: r.FramedIP}
		if as := s.acct.session(r.ID); as != nil {
			id.AcctSessionID = fmt.Sprintf("%08X", as.sessionID)
		}
		out = append(out, identified{id: id, rec: r})
	}
	slices.SortFunc(out, func(a, b identified) int { return a.rec.ID - b.rec.ID })
	return out
}

type identified struct {
	id  dynauth.Identity
	rec ike.SessionRecord
}

func (h sessionHandler) matching(m dynauth.Match) []ike.SessionRecord {
	var out []ike.SessionRecord
	for _, c := range h.s.identities() {
		if m.Matches(c.id) {
			out = append(out, c.rec)
		}
	}
	return out
}

// Disconnect implements dynauth.Handler.
func (h sessionHandler) Disconnect(ctx context.Context, m dynauth.Match) dynauth.Result {
	if h.s.opt.Sessions == nil {
		return dynauth.NotFound()
	}
	found := h.matching(m)
	if len(found) == 0 {
		return dynauth.NotFound()
	}
	cleared := 0
	for _, r := range found {
		if h.s.opt.Sessions.ClearSession(r.ID, ike.CauseAdminReset) {
			cleared++
		}
	}
	if cleared == 0 {
		return dynauth.NotFound()
	}
	return dynauth.ACK()
}

// firstSessionACL is the number of a session's first per-session list.
const firstSessionACL = 2601

// CoA implements dynauth.Handler: interface-config lines, QoS policies and
// per-user access lists (inacl/outacl, applied with "IP access-group",
// replacing the interface's list in that direction) go to the session's
// virtual-access interface, all or none. Idle-Timeout and attributes
// Gatehouse cannot apply are refused with Unsupported-Attribute, so the
// server knows nothing changed.
func (h sessionHandler) CoA(ctx context.Context, m dynauth.Match, c dynauth.Change) dynauth.Result {
	if h.s.opt.Sessions == nil {
		return dynauth.NotFound()
	}
	found := h.matching(m)
	if len(found) == 0 {
		return dynauth.NotFound()
	}
	if len(found) > 1 {
		return dynauth.NAK(dynauth.CauseMultipleSessionSelection, "")
	}
	if len(c.Other) > 0 || c.IdleTimeout != nil {
		return dynauth.NAK(dynauth.CauseUnsupportedAttribute, "")
	}
	lines := slices.Clone(c.InterfaceConfig)
	for _, p := range []struct{ dir, a, b string }{{"input", c.QoSPolicyIn, c.SubPolicyIn}, {"output", c.QoSPolicyOut, c.SubPolicyOut}} {
		for _, pol := range []string{p.a, p.b} {
			if pol != "" {
				lines = append(lines, "service-policy "+p.dir+" "+pol)
			}
		}
	}
	var err error
	switch {
	case len(c.InACL) > 0 || len(c.OutACL) > 0:
		err = h.applyACLs(found[0], lines, c.InACL, c.OutACL)
	case len(lines) > 0:
		err = h.s.opt.Sessions.ApplyInterfaceConfig(found[0].ID, lines)
	}
	if err != nil {
		h.s.log.Info("aaa: CoA not applied", "session", found[0].ID, "err", err)
		return dynauth.NAK(dynauth.CauseInvalidAttributeValue, err.Error())
	}
	if c.SessionTimeout != nil && *c.SessionTimeout > 0 {
		if err := h.s.opt.Sessions.SetSessionTimeout(found[0].ID, *c.SessionTimeout); err != nil {
			return dynauth.NAK(dynauth.CauseInvalidAttributeValue, err.Error())
		}
	}
	return dynauth.ACK()
}

// applyACLs builds a session's per-session lists from a CoA's entries and
// applies them, after the CoA's other lines, to its virtual-access
// interface (seed 001:1276-1279).
func (h sessionHandler) applyACLs(r ike.SessionRecord, lines []string, in, out []dynauth.ACLEntry) error {
	if r.VirtualAccess == "" {
		return fmt.Errorf("session %d has no virtual-access interface", r.ID)
	}
	dirs := []struct {
		dir     string
		entries []dynauth.ACLEntry
	}{{"in", in}, {"out", out}}
	n := 0
	for _, d := range dirs {
		if len(d.entries) > 0 {
			n++
		}
	}
	first, ok := h.s.takeACLNumbers(r.ID, n)
	if !ok {
		return fmt.Errorf("session %d is gone", r.ID)
	}
	var acls []*schema.ACL
	num := first
	for _, d := range dirs {
		if len(d.entries) == 0 {
			continue
		}
		acl, err := dynauth.BuildACL(dynauth.ACLName(r.VirtualAccess, num), d.entries)
		if err != nil {
			h.s.giveBackACLNumbers(r.ID, first, n)
			return err
		}
		num++
		acls = append(acls, acl)
		lines = append(lines, "IP access-group "+acl.Name+" "+d.dir)
	}
	if err := h.s.opt.Sessions.ApplySessionACLs(r.ID, lines, acls); err != nil {
		h.s.giveBackACLNumbers(r.ID, first, n)
		return err
	}
	return nil
}

// takeACLNumbers reserves n list numbers for a live session and returns
// the first.
func (s *Service) takeACLNumbers(id, n int) (int, bool) {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	if _, live := s.live[id]; !live {
		return 0, false
	}
	first := s.aclNext[id]
	if first == 0 {
		first = firstSessionACL
	}
	s.aclNext[id] = first + n
	return first, true
}

// giveBackACLNumbers returns the numbers takeACLNumbers gave for a CoA
// that was refused, unless a later CoA took numbers since.
func (s *Service) giveBackACLNumbers(id, first, n int) {
	s.liveMu.Lock()
	defer s.liveMu.Unlock()
	if next, ok := s.aclNext[id]; ok && next == first+n {
		s.aclNext[id] = first
	}
}
