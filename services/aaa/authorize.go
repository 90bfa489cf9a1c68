package aaa

import (
	"context"
	"errors"
	"fmt"
	"net/netip"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// defaultAuthorPassword is the password IOS sends in authorization
// Access-Requests when none is configured.
const defaultAuthorPassword = "cisco"

// request is one RADIUS transaction for the transport.
type request struct {
	group  string
	acct   bool
	packet *radius.Packet
	authen bool   // an authentication (login, EAP), not an authorization
	uid    uint32 // AAA unique id for debug lines
	// server pins the request to one server of the group (EAP rounds after
	// the first); "" lets the transport choose and fail over.
	server string
}

// answer is what the transport hands back.
type answer struct {
	packet *radius.Packet
	server string // the name of the server that answered
	// tunnelPassword and msk are decrypted with the answering server's
	// secret and the request authenticator (nil when absent).
	tunnelPassword []byte
	msk            []byte
}

// accessAnswer runs an authorization-style Access-Request through the
// methods of a network list: the first group that answers decides (reject
// or accept); "local" and "none" are handled by the caller's local
// function (nil: not applicable).
func (s *Service) accessAnswer(ctx context.Context, listName string, uid uint32, build func() *radius.Packet,
	local func(m schema.Method) (*answer, error)) (*answer, error) {
	cfg := s.cfg.Load()
	if !cfg.newModel {
		return nil, errors.New("aaa new-model is not configured")
	}
	list, ok := cfg.list(schema.ServiceAuthorization, schema.ListNetwork, listName)
	if !ok {
		return nil, fmt.Errorf("aaa authorization network %s is not configured", listName)
	}
	for _, m := range list.Methods {
		switch m.Kind {
		case schema.MethodGroup:
			s.dbg.Debugf(logging.FlagAAAAuthorization, "AAA SRV(%08X): process author req", uid)
			s.dbg.Debugf(logging.FlagAAAAuthorization, "AAA SRV(%08X): Author method=SERVER_GROUP %s", uid, m.Group)
			ans, err := s.transport.exchange(ctx, request{group: m.Group, packet: build(), uid: uid})
			if errors.Is(err, errNoAnswer) {
				continue
			}
			if err != nil {
				return nil, err
			}
			if ans.packet.Code != radius.CodeAccessAccept {
				s.dbg.Debugf(logging.FlagAAAAuthorization, "AAA SRV(%08X): protocol reply FAIL for Authorization", uid)
				return nil, fmt.Errorf("%w by RADIUS (%s)", ErrRejected, ans.packet.Code)
			}
			s.dbg.Debugf(logging.FlagAAAAuthorization, "AAA SRV(%08X): protocol reply PASS for Authorization", uid)
			s.dbg.Debugf(logging.FlagAAAAuthorization, "AAA SRV(%08X): Return Authorization status=PASS", uid)
			return ans, nil
		default:
			if local == nil {
				continue
			}
			return local(m)
		}
	}
	return nil, fmt.Errorf("%w: no method of list %s answered", errNoAnswer, list.Name)
}

// authorPacket is the Access-Request FlexVPN sends for authorization and
// AAA pre-shared keys (seed 001: User-Name, User-Password, Calling-Station-
// Id, audit-session-id, Service-Type Outbound, NAS-IP-Address).
func (s *Service) authorPacket(user, password string, peer, local netip.AddrPort, audit string) *radius.Packet {
	p := radius.New(radius.CodeAccessRequest, nil)
	rfc2865.UserName_SetString(p, user)
	// In the clear: the RADIUS client hides it for each server it tries.
	p.Add(rfc2865.UserPassword_Type, radius.Attribute(password))
	if peer.IsValid() {
		rfc2865.CallingStationID_SetString(p, peer.Addr().String())
	}
	if audit != "" {
		addAVPair(p, "audit-session-id="+audit)
	}
	rfc2865.ServiceType_Set(p, rfc2865.ServiceType_Value_OutboundUser)
	if nas := s.nasIP(local.Addr()); nas.Is4() {
		rfc2865.NASIPAddress_Set(p, nas.AsSlice())
	}
	return p
}

// Authorize implements ike.Authorizer for lists whose first method is a
// RADIUS group.
func (s *Service) Authorize(ctx context.Context, req ike.AuthorizationRequest) (*ike.Attributes, error) {
	uid := s.nextUniqueID()
	kind := "user"
	if req.Group {
		kind = "group"
	}
	s.dbg.Debugf(logging.FlagCryptoIKEv2, "IKEv2:Using mlist %s and username %s for %s author request", req.List, req.Username, kind)
	ans, err := s.accessAnswer(ctx, req.List, uid, func() *radius.Packet {
		return s.authorPacket(req.Username, defaultAuthorPassword, req.Peer, req.Local, req.AuditSessionID)
	}, func(m schema.Method) (*answer, error) {
		if m.Kind == schema.MethodNone {
			return &answer{packet: radius.New(radius.CodeAccessAccept, nil)}, nil
		}
		return nil, fmt.Errorf("method %s of list %s cannot answer after a RADIUS group", m.Kind, req.List)
	})
	if err != nil {
		return nil, err
	}
	a, _, err := s.replyAttributes(ans.packet, uid, fmt.Sprintf("RADIUS %s authorization list %s user %s", kind, req.List, req.Username), nil)
	return a, err
}

// LookupPSK implements ike.PSKLookup ("keyring aaa LIST").
func (s *Service) LookupPSK(ctx context.Context, req ike.PSKRequest) (*ike.PSKAnswer, error) {
	uid := s.nextUniqueID()
	s.dbg.Debugf(logging.FlagCryptoIKEv2Internal, "IKEv2-INTERNAL: Using AAA method list %s for peer %s", req.List, req.Username)
	pw := req.Password
	if pw == "" {
		pw = defaultAuthorPassword
	}
	ans, err := s.accessAnswer(ctx, req.List, uid, func() *radius.Packet {
		return s.authorPacket(req.Username, pw, req.Peer, req.Local, req.AuditSessionID)
	}, nil)
	if err != nil {
		return nil, err
	}
	attrs, keys, err := s.replyAttributes(ans.packet, uid, "AAA pre-shared key list "+req.List+" user "+req.Username, ans.tunnelPassword)
	if err != nil {
		return nil, err
	}
	if keys.Local == nil && keys.Remote == nil {
		return nil, fmt.Errorf("RADIUS accepted %s but returned no pre-shared key (Tunnel-Password or ipsec:ikev2-password-*)", req.Username)
	}
	switch {
	case keys.Local != nil && keys.Remote != nil && string(keys.Local) == string(keys.Remote):
		s.dbg.Debugf(logging.FlagCryptoIKEv2Internal, "IKEv2-INTERNAL:Received symmetric password from radius server")
	default:
		s.dbg.Debugf(logging.FlagCryptoIKEv2Internal, "IKEv2-INTERNAL:Received asymmetric password from radius server")
	}
	return &ike.PSKAnswer{Local: keys.Local, Remote: keys.Remote, Attributes: attrs}, nil
}
