package aaa

import (
	"context"
	"errors"
	"fmt"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	aaaradius "github.com/gatehouse-vpn/gatehouse/services/aaa/radius"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// EAP pass-through (RFC 7296 2.16, RFC 3579): each EAP packet of the peer
// travels in an Access-Request's EAP-Message attributes with the State of
// the previous Access-Challenge; the server's EAP packet comes back in the
// Access-Challenge, -Accept or -Reject. Every round of one conversation
// goes to the server that answered the first (State means nothing to any
// other).

// EAP codes and the Identity type (RFC 3748).
const (
	eapRequest  = 1
	eapResponse = 2
	eapSuccess  = 3
	eapFailure  = 4
	eapIdentity = 1
)

// StartEAP implements ike.EAPAuthenticator.
func (s *Service) StartEAP(ctx context.Context, req ike.EAPRequest) (ike.EAPConversation, error) {
	cfg := s.cfg.Load()
	if !cfg.newModel {
		return nil, errors.New("aaa new-model is not configured")
	}
	list, ok := cfg.list(schema.ServiceAuthentication, schema.ListLogin, req.List)
	if !ok {
		return nil, fmt.Errorf("aaa authentication login %s is not configured", nameOr(req.List))
	}
	var groups []string
	for _, m := range list.Methods {
		if m.Kind == schema.MethodGroup {
			groups = append(groups, m.Group)
		}
	}
	if len(groups) == 0 {
		return nil, fmt.Errorf("aaa authentication login %s has no RADIUS group: EAP needs a server", list.Name)
	}
	s.dbg.Debugf(logging.FlagCryptoIKEv2, "IKEv2:Use authen method list %s", list.Name)
	return &eapConversation{s: s, req: req, groups: groups, uid: s.nextUniqueID()}, nil
}

func nameOr(n string) string {
	if n == "" {
		return schema.DefaultMethodList
	}
	return n
}

type eapConversation struct {
	s        *Service
	req      ike.EAPRequest
	groups   []string // the list's RADIUS groups, in order
	uid      uint32
	identity string // EAP identity from the peer's Response/Identity
	state    []byte
	group    string // pinned after the first answer
	server   string
	lastID   byte
	closed   bool
}

// Step implements ike.EAPConversation.
func (c *eapConversation) Step(ctx context.Context, fromPeer []byte) (*ike.EAPAnswer, error) {
	s := c.s
	if c.closed {
		return nil, errors.New("EAP conversation closed")
	}
	if len(fromPeer) < 4 || fromPeer[0] != eapResponse {
		return nil, errors.New("not an EAP response")
	}
	c.lastID = fromPeer[1]
	if c.identity == "" {
		if len(fromPeer) < 5 || fromPeer[4] != eapIdentity {
			return nil, errors.New("the first EAP response must be an Identity")
		}
		c.identity = string(fromPeer[5:])
		s.dbg.Debugf(logging.FlagCryptoIKEv2, "IKEv2:sending %s [EAP-Id] as username to AAA", c.identity)
	}
	build := func() *radius.Packet {
		p := radius.New(radius.CodeAccessRequest, nil)
		rfc2865.ServiceType_Set(p, rfc2865.ServiceType_Value_LoginUser)
		addAVPair(p, "service-type=Login")
		addAVPair(p, "isakmp-phase1-id="+c.req.Identity)
		rfc2865.CallingStationID_SetString(p, addrString(c.req.Peer.Addr()))
		if c.req.AuditSessionID != "" {
			addAVPair(p, "audit-session-id="+c.req.AuditSessionID)
		}
		rfc2865.UserName_SetString(p, c.identity)
		aaaradius.SetEAPMessage(p, fromPeer)
		if c.state != nil {
			aaaradius.SetState(p, c.state)
		}
		if nas := s.nasIP(c.req.Local.Addr()); nas.Is4() {
			rfc2865.NASIPAddress_Set(p, nas.AsSlice())
		}
		return p
	}
	groups := c.groups
	if c.group != "" {
		groups = []string{c.group}
	}
	var ans *answer
	var err error
	for _, g := range groups {
		ans, err = s.transport.exchange(ctx, request{group: g, packet: build(), authen: true, uid: c.uid, server: c.server})
		if errors.Is(err, errNoAnswer) && c.group == "" {
			continue
		}
		if err == nil {
			c.group, c.server = g, ans.server
		}
		break
	}
	if err != nil {
		return nil, err
	}
	p := ans.packet
	eapMsg, err := aaaradius.EAPMessage(p)
	if err != nil {
		return nil, err
	}
	switch p.Code {
	case radius.CodeAccessChallenge:
		if len(eapMsg) < 4 || eapMsg[0] != eapRequest {
			return nil, errors.New("Access-Challenge without an EAP request")
		}
		c.state = aaaradius.State(p)
		return &ike.EAPAnswer{Outcome: ike.EAPContinue, Packet: eapMsg}, nil
	case radius.CodeAccessAccept:
		if len(eapMsg) < 4 || eapMsg[0] != eapSuccess {
			eapMsg = []byte{eapSuccess, c.lastID, 0, 4}
		}
		attrs, _, err := s.replyAttributes(p, c.uid, "RADIUS EAP user "+c.identity, nil)
		if err != nil {
			return nil, err
		}
		user := rfc2865.UserName_GetString(p)
		if user == "" {
			user = c.identity
		}
		out := &ike.EAPAnswer{Outcome: ike.EAPSuccess, Packet: eapMsg, MSK: ans.msk, Username: user, Attributes: attrs,
			SessionTimeout: attrs.SessionTimeout, IdleTimeout: attrs.IdleTimeout}
		return out, nil
	default:
		if len(eapMsg) < 4 || eapMsg[0] != eapFailure {
			eapMsg = []byte{eapFailure, c.lastID, 0, 4}
		}
		return &ike.EAPAnswer{Outcome: ike.EAPFailure, Packet: eapMsg}, nil
	}
}

// Close implements ike.EAPConversation.
func (c *eapConversation) Close() { c.closed = true }

// Identity is the EAP identity the peer gave (for tests and debug).
func (c *eapConversation) Identity() string { return c.identity }
