package aaa

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"layeh.com/radius"
	"layeh.com/radius/rfc2865"
	"layeh.com/radius/rfc2869"

	"github.com/gatehouse-vpn/gatehouse/services/aaa/dynauth"
	aaaradius "github.com/gatehouse-vpn/gatehouse/services/aaa/radius"
	"github.com/gatehouse-vpn/gatehouse/services/ike"
	"github.com/gatehouse-vpn/gatehouse/services/logging"
)

// Turning an Access-Accept into authorization attributes: the IETF
// attributes FlexVPN reads (Framed-IP-Address, Framed-IP-Netmask,
// Framed-Pool, Session-Timeout, Idle-Timeout, Tunnel-Password) and every
// Cisco AV-pair, each applied by its AAA name (ike.Attributes.Apply). An
// unknown optional AV-pair ("attr*value") is ignored; an unknown mandatory
// one fails the authorization, as IOS does.

// ipsecRelevant says whether an AV-pair protocol is one FlexVPN reads.
func ipsecRelevant(protocol string) bool {
	switch protocol {
	case "", "ipsec", "ip", "ipv6", "subscriber", "shell":
		return true
	}
	return false
}

// replyAttributes maps an Access-Accept onto attributes and keys.
// tunnelPassword decodes Tunnel-Password (it needs the request
// authenticator and the server's secret), nil when absent.
func (s *Service) replyAttributes(p *radius.Packet, uid uint32, source string, tunnelPassword []byte) (*ike.Attributes, ike.PSKKeys, error) {
	a := &ike.Attributes{Source: []string{source}}
	var keys ike.PSKKeys
	if tunnelPassword != nil {
		keys.Local, keys.Remote = tunnelPassword, tunnelPassword
	}
	set := func(name, value string) error {
		if s.dbg.On(logging.FlagAAAPerUser) && name == "interface-config" {
			s.dbg.Debugf(logging.FlagAAAPerUser, "INFO: AAA/AUTHOR: Processing PerUser AV interface-config")
		}
		return a.Apply(&keys, name, value)
	}
	if ip, err := rfc2865.FramedIPAddress_Lookup(p); err == nil {
		if err := set("Framed-IP-Address", ip.String()); err != nil {
			return nil, keys, err
		}
	}
	if m, err := rfc2865.FramedIPNetmask_Lookup(p); err == nil {
		if err := set("Framed-IP-Netmask", m.String()); err != nil {
			return nil, keys, err
		}
	}
	if pool, err := rfc2869.FramedPool_LookupString(p); err == nil {
		a.Pool = pool
	}
	if t, err := rfc2865.SessionTimeout_Lookup(p); err == nil {
		set("Session-Timeout", strconv.FormatUint(uint64(t), 10))
	}
	if t, err := rfc2865.IdleTimeout_Lookup(p); err == nil {
		set("Idle-Timeout", strconv.FormatUint(uint64(t), 10))
	}
	for _, raw := range ciscoAVPairs(p) {
		av, err := dynauth.ParseAVPair(raw)
		if err != nil {
			s.dbg.Debugf(logging.FlagAAAAuthorization, "AAA/AUTHOR (%08X): ignoring malformed AV-pair %q", uid, raw)
			continue
		}
		if !ipsecRelevant(av.Protocol) {
			continue
		}
		err = set(av.Name, av.Value)
		switch {
		case err == nil:
		case errors.Is(err, ike.ErrUnknownAttribute) && (av.Optional || ignorable(av.Name)):
			s.dbg.Debugf(logging.FlagAAAAuthorization, "AAA/AUTHOR (%08X): ignoring unsupported optional AV %s", uid, av.Name)
		default:
			return nil, keys, fmt.Errorf("RADIUS attribute %s: %w", raw, err)
		}
	}
	return a, keys, nil
}

// ignorable are AV-pairs servers send for other services (login shells,
// session bookkeeping) that carry nothing for an IKE session.
func ignorable(name string) bool {
	switch name {
	case "priv-lvl", "audit-session-id", "service-type", "isakmp-phase1-id", "isakmp-initator-ip", "connect-progress", "disc-cause-ext":
		return true
	}
	return false
}

// ciscoAVPairs returns the packet's Cisco AV-pair strings in order.
func ciscoAVPairs(p *radius.Packet) []string { return aaaradius.CiscoAVPairs(p) }

// addAVPair appends a Cisco AV-pair (cut to what one attribute holds).
func addAVPair(p *radius.Packet, s string) {
	if len(s) > 253-8 {
		s = s[:253-8]
	}
	aaaradius.AddCiscoAVPair(p, s)
}

// addrString is an address attribute's text ("" when invalid).
func addrString(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	return a.String()
}
