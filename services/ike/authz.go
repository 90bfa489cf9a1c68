package ike

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/gatehouse-vpn/gatehouse/configdb/schema"
)

// Attributes are the merged authorization attributes of a session: what
// the local "crypto ikev2 authorization policy" (or, with the AAA service,
// RADIUS) says about address assignment and what to push to the client.
type Attributes struct {
	Pool, IPv6Pool string
	FramedIP       netip.Addr // a fixed address for this user
	Netmask        netip.Addr
	DNS, IPv6DNS   []netip.Addr
	WINS           []netip.Addr
	Subnets        []netip.Prefix // INTERNAL_IP4_SUBNET / IP6_SUBNET
	DefaultDomain  string
	SplitDNS       []string
	Banner         string
	BackupGateways []string
	PFS            bool
	IncludeLAN     bool
	FlowLimit      *int
	Source         []string // where each layer came from, for debug output

	// IPv6Addr and IPv6PrefixLen are a fixed IPv6 address for this user
	// (ipsec:addrv6, ipsec:prefix-len).
	IPv6Addr      netip.Addr
	IPv6PrefixLen int
	// SubnetACLs name access lists whose permitted networks are pushed as
	// INTERNAL_IP4/6_SUBNET (ipsec:route-set=access-list); the engine
	// resolves them against the running configuration.
	SubnetACLs []string
	// RouteSetInterface pushes the virtual-access interface's (or the
	// named interface's) address as a subnet (ipsec:route-set=interface).
	RouteSetInterface     bool
	RouteSetInterfaceName string
	// LocalRoutes are networks behind the peer: static routes over its
	// virtual-access interface (ipsec:route-set=local).
	LocalRoutes []LocalRoute
	// RouteAccept accepts the peer's routes ("route accept any").
	RouteAccept *RouteAccept
	// InterfaceConfig lines are applied to the virtual-access interface,
	// in order (ip:interface-config); layers append rather than replace,
	// in the order the seed defines (group, implicit, user).
	InterfaceConfig            []string
	SmartcardRemovalDisconnect bool
	ConfigURL, ConfigVersion   string
	// SessionTimeout and IdleTimeout end the session (Session-Timeout,
	// Idle-Timeout); 0: none.
	SessionTimeout, IdleTimeout time.Duration
}

// LocalRoute is one "route set local" network behind the peer.
type LocalRoute struct {
	Prefix   netip.Prefix
	NextHop  netip.Addr // invalid: the interface itself
	Tag      int
	Distance int
}

// RouteAccept is "route accept any [tag T] [distance D]".
type RouteAccept struct{ Tag, Distance int }

// merge overlays b's configured fields on a (b wins), as IOS merges user
// over group attributes.
func (a *Attributes) merge(b *Attributes) {
	if b == nil {
		return
	}
	if b.Pool != "" {
		a.Pool = b.Pool
	}
	if b.IPv6Pool != "" {
		a.IPv6Pool = b.IPv6Pool
	}
	if b.FramedIP.IsValid() {
		a.FramedIP = b.FramedIP
	}
	if b.Netmask.IsValid() {
		a.Netmask = b.Netmask
	}
	for _, f := range []struct{ dst, src *[]netip.Addr }{{&a.DNS, &b.DNS}, {&a.IPv6DNS, &b.IPv6DNS}, {&a.WINS, &b.WINS}} {
		if len(*f.src) > 0 {
			*f.dst = *f.src
		}
	}
	if len(b.Subnets) > 0 {
		a.Subnets = b.Subnets
	}
	if b.DefaultDomain != "" {
		a.DefaultDomain = b.DefaultDomain
	}
	if len(b.SplitDNS) > 0 {
		a.SplitDNS = b.SplitDNS
	}
	if b.Banner != "" {
		a.Banner = b.Banner
	}
	if len(b.BackupGateways) > 0 {
		a.BackupGateways = b.BackupGateways
	}
	a.PFS = a.PFS || b.PFS
	a.IncludeLAN = a.IncludeLAN || b.IncludeLAN
	if b.FlowLimit != nil {
		a.FlowLimit = b.FlowLimit
	}
	if b.IPv6Addr.IsValid() {
		a.IPv6Addr, a.IPv6PrefixLen = b.IPv6Addr, b.IPv6PrefixLen
	}
	if len(b.SubnetACLs) > 0 {
		a.SubnetACLs = b.SubnetACLs
	}
	if b.RouteSetInterface {
		a.RouteSetInterface, a.RouteSetInterfaceName = true, b.RouteSetInterfaceName
	}
	if len(b.LocalRoutes) > 0 {
		a.LocalRoutes = b.LocalRoutes
	}
	if b.RouteAccept != nil {
		a.RouteAccept = b.RouteAccept
	}
	a.InterfaceConfig = append(slices.Clip(a.InterfaceConfig), b.InterfaceConfig...)
	a.SmartcardRemovalDisconnect = a.SmartcardRemovalDisconnect || b.SmartcardRemovalDisconnect
	if b.ConfigURL != "" {
		a.ConfigURL = b.ConfigURL
	}
	if b.ConfigVersion != "" {
		a.ConfigVersion = b.ConfigVersion
	}
	if b.SessionTimeout > 0 {
		a.SessionTimeout = b.SessionTimeout
	}
	if b.IdleTimeout > 0 {
		a.IdleTimeout = b.IdleTimeout
	}
	a.Source = append(a.Source, b.Source...)
}

// AuthorizationRequest asks a method list for a user's attributes.
type AuthorizationRequest struct {
	List     string // "aaa authorization network" list name
	Username string
	Peer     netip.AddrPort
	Local    netip.AddrPort // our IKE address (NAS-IP-Address)
	Group    bool           // group (true) or user authorization
	// AuditSessionID names the session in RADIUS (Cisco AV-pair).
	AuditSessionID string
}

// Authorizer answers authorization requests the engine cannot answer from
// the local configuration (RADIUS: the AAA service). Authorize may block;
// the engine calls it off its workers.
type Authorizer interface {
	Authorize(ctx context.Context, req AuthorizationRequest) (*Attributes, error)
}

// errRemoteAuthorization marks a method list that needs the Authorizer.
var errRemoteAuthorization = errors.New("authorization needs a RADIUS method list")

// localPolicy turns a "crypto ikev2 authorization policy" into attributes.
func (c *config) localPolicy(name string) (*Attributes, error) {
	p, ok := c.authz[name]
	if !ok {
		if name != schema.DefaultName {
			return nil, fmt.Errorf("authorization policy %q not found", name)
		}
		return &Attributes{}, nil
	}
	a := &Attributes{Pool: p.Pool, IPv6Pool: p.IPv6Pool, DefaultDomain: p.DefaultDomain, SplitDNS: p.SplitDNS,
		BackupGateways: p.BackupGateways, PFS: p.PFS, IncludeLAN: p.IncludeLocalLAN, FlowLimit: p.IPsecFlowLimit,
		Source: []string{"authorization policy " + name}}
	a.Netmask, _ = netip.ParseAddr(p.Netmask)
	a.DNS = parseAddrs(p.DNS)
	a.IPv6DNS = parseAddrs(p.IPv6DNS)
	a.WINS = parseAddrs(p.WINS)
	// Split tunnelling: IOS pushes the subnet ACL, the route set ACL and
	// the route set remote prefixes as INTERNAL_IP4/6_SUBNET.
	for _, acl := range []string{p.SubnetACL, p.RouteSetACL} {
		if acl != "" {
			a.Subnets = append(a.Subnets, c.subnets(acl)...)
		}
	}
	for _, r := range p.RouteSetRemote {
		if pfx, err := netip.ParsePrefix(r); err == nil {
			a.Subnets = append(a.Subnets, pfx.Masked())
		}
	}
	if p.Banner != nil {
		a.Banner = p.Banner.Text
	}
	if p.RouteSetACLv6 != "" {
		a.Subnets = append(a.Subnets, c.subnets(p.RouteSetACLv6)...)
	}
	if p.RouteSetInterface != nil {
		a.RouteSetInterface, a.RouteSetInterfaceName = true, p.RouteSetInterface.Interface
	}
	for _, r := range p.RouteSetLocal {
		pfx, err := netip.ParsePrefix(r.Prefix)
		if err != nil {
			continue
		}
		lr := LocalRoute{Prefix: pfx.Masked(), Tag: int(r.Tag), Distance: r.Distance}
		lr.NextHop, _ = netip.ParseAddr(r.NextHop)
		a.LocalRoutes = append(a.LocalRoutes, lr)
	}
	if p.RouteAccept != nil {
		a.RouteAccept = &RouteAccept{Tag: int(p.RouteAccept.Tag), Distance: p.RouteAccept.Distance}
	}
	a.SmartcardRemovalDisconnect = p.SmartcardRemovalDisconnect
	a.ConfigURL = p.ConfigurationURL
	if p.ConfigurationVersion != 0 {
		a.ConfigVersion = strconv.FormatInt(p.ConfigurationVersion, 10)
	}
	// The policy's "aaa attribute list": interface-config and any other
	// attribute by its AAA name, applied after the policy's own commands.
	if p.AAAAttributeList != "" {
		l, ok := c.attrLists[p.AAAAttributeList]
		if !ok {
			return nil, fmt.Errorf("aaa attribute list %q (authorization policy %s) not found", p.AAAAttributeList, name)
		}
		for _, at := range l.Attributes {
			if err := a.Apply(nil, at.Name, at.Value); err != nil {
				if at.Mandatory || !errors.Is(err, ErrUnknownAttribute) {
					return nil, fmt.Errorf("aaa attribute list %s: %w", l.Name, err)
				}
			}
		}
	}
	return a, nil
}

func parseAddrs(ss []string) []netip.Addr {
	var out []netip.Addr
	for _, s := range ss {
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, a)
		}
	}
	return out
}

// authorizationSteps lists the lookups a profile asks for, group first, for
// the class of the peer's authentication method. Each is answered locally
// when the method list's first method is "local", else by the Authorizer.
type authzStep struct {
	req      AuthorizationRequest
	local    bool
	override bool
}

func (c *config) authorizationSteps(p *schema.IKEv2Profile, class string, remote identity) ([]authzStep, error) {
	var steps []authzStep
	add := func(list []schema.AAAAuthorization, group bool) error {
		for _, a := range list {
			if a.Class != class || a.Cached {
				continue
			}
			name := a.Username
			if name == "" {
				var m *schema.NameMangler
				if a.NameMangler != "" {
					if mm, ok := c.manglers[a.NameMangler]; ok {
						m = &mm
					}
				}
				name = mangle(m, remote)
			}
			ml, ok := c.lists[schema.MethodListKey(schema.ServiceAuthorization, schema.ListNetwork, a.List)]
			if !ok {
				return fmt.Errorf("aaa authorization network %s is not configured", a.List)
			}
			local := len(ml.Methods) > 0 && (ml.Methods[0].Kind == schema.MethodLocal || ml.Methods[0].Kind == schema.MethodLocalCase)
			steps = append(steps, authzStep{req: AuthorizationRequest{List: a.List, Username: name, Group: group},
				local: local, override: a.Override})
		}
		return nil
	}
	if err := add(p.AAAAuthorizationGroup, true); err != nil {
		return nil, err
	}
	if err := add(p.AAAAuthorizationUser, false); err != nil {
		return nil, err
	}
	return steps, nil
}

// authorize runs the steps: group then user attributes, user winning
// unless the group step says override.
func (e *Engine) authorize(ctx context.Context, c *config, steps []authzStep) (*Attributes, error) {
	var group, user *Attributes
	override := false
	for _, s := range steps {
		var a *Attributes
		var err error
		switch {
		case s.local:
			a, err = c.localPolicy(s.req.Username)
		case e.opt.Authorizer != nil:
			a, err = e.opt.Authorizer.Authorize(ctx, s.req)
		default:
			err = fmt.Errorf("%w (list %s)", errRemoteAuthorization, s.req.List)
		}
		if err != nil {
			return nil, err
		}
		if s.req.Group {
			group, override = a, s.override
		} else {
			user = a
		}
	}
	return layered(group, user, override), nil
}

// layered merges a session's group and user attributes: the user's win
// where both set one, unless the group's authorization says override.
func layered(group, user *Attributes, override bool) *Attributes {
	out := &Attributes{}
	if override {
		out.merge(user)
		out.merge(group)
	} else {
		out.merge(group)
		out.merge(user)
	}
	return out
}
