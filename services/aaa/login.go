package aaa

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
	"github.com/gatehouse-vpn/gatehouse/configdb/secret"
	"github.com/gatehouse-vpn/gatehouse/services/aaa/dynauth"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// Admin logins ("aaa authentication login LIST", "login authentication
// LIST" on the line): the list's methods in order, the next one only when
// the previous gave no answer. Without "aaa new-model" the local username
// database decides, as before AAA existed.

// LoginResult is an accepted login.
type LoginResult struct {
	Privilege int    // the session's starting privilege level
	Method    string // "local", "group radius", "none"...
}

// ErrLoginFailed is returned for every rejected login: it says nothing of
// whether the user or the password was wrong.
var ErrLoginFailed = errors.New("authentication failed")

// Login authenticates an admin login on a line (schema.LineKey: "vty 0").
func (s *Service) Login(ctx context.Context, line, user, password string) (LoginResult, error) {
	cfg := s.cfg.Load()
	if !cfg.newModel {
		return s.localLogin(cfg, user, password, false)
	}
	name := cfg.lines[line].LoginAuthentication
	list, ok := cfg.list(schema.ServiceAuthentication, schema.ListLogin, name)
	if !ok {
		if name != "" && name != schema.DefaultMethodList {
			// IOS refuses logins on a line whose named list is missing.
			return LoginResult{}, fmt.Errorf("%w: login list %s is not configured", ErrLoginFailed, name)
		}
		// No default list: IOS uses the local database.
		return s.localLogin(cfg, user, password, false)
	}
	uid := s.nextUniqueID()
	for _, m := range list.Methods {
		s.dbg.Debugf(logging.FlagAAAAuthentication, "AAA/AUTHEN/LOGIN (%08X): Pick method list '%s'", uid, list.Name)
		var r LoginResult
		var err error
		switch m.Kind {
		case schema.MethodLocal, schema.MethodLocalCase:
			r, err = s.localLogin(cfg, user, password, m.Kind == schema.MethodLocalCase)
			if errors.Is(err, errNoSuchUser) {
				// IOS: an unknown local user is a failure; only an empty
				// local database lets the list go on to its next method.
				err = ErrLoginFailed
				if len(cfg.users) == 0 {
					err = errNoAnswer
				}
			}
		case schema.MethodEnable:
			r, err = s.enableLogin(cfg, password)
		case schema.MethodNone:
			r = LoginResult{Privilege: 1, Method: "none"}
		case schema.MethodGroup:
			r, err = s.radiusLogin(ctx, m.Group, user, password, uid)
		default:
			continue
		}
		if errors.Is(err, errNoAnswer) {
			s.dbg.Debugf(logging.FlagAAAAuthentication, "AAA/AUTHEN/LOGIN (%08X): no answer from method %s; trying the next", uid, methodName(m))
			continue
		}
		if err != nil {
			s.dbg.Debugf(logging.FlagAAAAuthentication, "AAA/AUTHEN/LOGIN (%08X): status = FAIL", uid)
			return LoginResult{}, ErrLoginFailed
		}
		s.dbg.Debugf(logging.FlagAAAAuthentication, "AAA/AUTHEN/LOGIN (%08X): status = PASS", uid)
		return r, nil
	}
	return LoginResult{}, fmt.Errorf("%w: no method of login list %s answered", ErrLoginFailed, list.Name)
}

func methodName(m schema.Method) string {
	if m.Kind == schema.MethodGroup {
		return "group " + m.Group
	}
	return m.Kind
}

var errNoSuchUser = errors.New("no such local user")

// dummyHash is checked when the user does not exist, so that the time a
// failure takes says nothing about which part was wrong.
const dummyHash = "$9$aaaaaaaaaaaaaa$aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func (s *Service) localLogin(cfg *config, user, password string, exact bool) (LoginResult, error) {
	u, ok := cfg.user(user, exact)
	stored := u.Secret
	if stored == nil {
		stored = u.Password
	}
	if !ok || stored == nil {
		secret.Check(9, dummyHash, password)
		return LoginResult{}, errNoSuchUser
	}
	if !secret.Check(stored.Type, stored.Value, password) {
		return LoginResult{}, ErrLoginFailed
	}
	return LoginResult{Privilege: u.PrivilegeLevel(), Method: "local"}, nil
}

func (s *Service) enableLogin(cfg *config, password string) (LoginResult, error) {
	stored := cfg.system.EnableSecret
	if stored == nil {
		stored = cfg.system.EnablePassword
	}
	if stored == nil {
		return LoginResult{}, errNoAnswer
	}
	if !secret.Check(stored.Type, stored.Value, password) {
		return LoginResult{}, ErrLoginFailed
	}
	return LoginResult{Privilege: 1, Method: "enable"}, nil
}

// radiusLogin is a PAP Access-Request; the privilege comes from the
// Cisco AV-pair shell:priv-lvl=N, or 15 for Service-Type Administrative.
func (s *Service) radiusLogin(ctx context.Context, group, user, password string, uid uint32) (LoginResult, error) {
	cfg := s.cfg.Load()
	p := radius.New(radius.CodeAccessRequest, nil)
	rfc2865.UserName_SetString(p, user)
	if cfg.radius.Attribute6OnForLoginAuth {
		rfc2865.ServiceType_Set(p, rfc2865.ServiceType_Value_LoginUser)
	}
	p.Add(rfc2865.UserPassword_Type, radius.Attribute(password)) // hidden per server by the client
	ans, err := s.transport.exchange(ctx, request{group: group, packet: p, authen: true, uid: uid})
	if err != nil {
		return LoginResult{}, err
	}
	if ans.packet.Code != radius.CodeAccessAccept {
		return LoginResult{}, ErrLoginFailed
	}
	r := LoginResult{Privilege: 1, Method: "group " + group}
	if st, err := rfc2865.ServiceType_Lookup(ans.packet); err == nil && st == rfc2865.ServiceType_Value_AdministrativeUser {
		r.Privilege = 15
	}
	for _, raw := range ciscoAVPairs(ans.packet) {
		if av, err := dynauth.ParseAVPair(raw); err == nil && strings.EqualFold(av.Name, "priv-lvl") {
			if n, err := strconv.Atoi(strings.TrimSpace(av.Value)); err == nil && n >= 0 && n <= 15 {
				r.Privilege = n
			}
		}
	}
	return r, nil
}
