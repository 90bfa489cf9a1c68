package aaa

import (
	"context"
	"fmt"
	"slices"

	"github.com/gatehouse-vpn/gatehouse/services/aaa/dynauth"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
)

// The session side of RADIUS Disconnect and CoA (RFC 5176): requests name
// sessions by audit-session-id, Acct-Session-Id, User-Name or
// Framed-IP-Address; a Disconnect clears them (IKE DELETE, accounting
// stop with Admin-Reset), a CoA applies interface configuration to their
// virtual-access interfaces.

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

// CoA implements dynauth.Handler: interface-config lines and QoS policies
// are applied to the session's virtual-access interface. Per-user ACL
// entries (inacl/outacl) and attributes Gatehouse cannot apply are refused
// with Unsupported-Attribute, so the server knows nothing changed.
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
	if len(c.InACL) > 0 || len(c.OutACL) > 0 || len(c.Other) > 0 || c.IdleTimeout != nil {
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
	if len(lines) > 0 {
		if err := h.s.opt.Sessions.ApplyInterfaceConfig(found[0].ID, lines); err != nil {
			h.s.log.Info("aaa: CoA not applied", "session", found[0].ID, "err", err)
			return dynauth.NAK(dynauth.CauseInvalidAttributeValue, err.Error())
		}
	}
	if c.SessionTimeout != nil && *c.SessionTimeout > 0 {
		if err := h.s.opt.Sessions.SetSessionTimeout(found[0].ID, *c.SessionTimeout); err != nil {
			return dynauth.NAK(dynauth.CauseInvalidAttributeValue, err.Error())
		}
	}
	return dynauth.ACK()
}
