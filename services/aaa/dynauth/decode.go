package dynauth

import (
	"encoding/binary"
	"net/netip"
	"slices"
	"strconv"

	"layeh.com/radius"
)

// Change is what a CoA asks of the session, attribute by attribute. Each
// list keeps the order of the request.
type Change struct {
	// InterfaceConfig are the "ip:interface-config=" commands, to apply to
	// the session's virtual-access interface (seed 001:1174-1200).
	InterfaceConfig []string
	// InACL and OutACL are the per-user access-list entries
	// ("ip:inacl#N=", "ip:outacl#N="), in ascending N; BuildACL makes the
	// list. The new list replaces the interface's (seed 001:1238).
	InACL, OutACL []ACLEntry
	// QoSPolicyIn and QoSPolicyOut are "subscriber:sub-qos-policy-in=" and
	// "-out=", SubPolicyIn and SubPolicyOut "ip:sub-policy-In=" and
	// "-Out=": QoS policies for the interface, as received.
	QoSPolicyIn, QoSPolicyOut string
	SubPolicyIn, SubPolicyOut string
	// SessionTimeout and IdleTimeout are Session-Timeout (27) and
	// Idle-Timeout (28) in seconds, when present.
	SessionTimeout, IdleTimeout *uint32
	// AVPairs are the Cisco AV pairs not read into the fields above.
	AVPairs []AVPair
	// Other are the attributes the server did not read: not session
	// identification, not the fields above, not those it handles itself
	// (Event-Timestamp, Message-Authenticator, Proxy-State, NAS-IP-Address,
	// NAS-IPv6-Address, NAS-Identifier). A Handler that cannot apply one
	// answers NAK(CauseUnsupportedAttribute, "").
	Other []Attribute
}

// Attribute is one RADIUS attribute as received.
type Attribute struct {
	Type  uint8
	Value []byte
}

// IsEmpty reports whether c asks for nothing.
func (c *Change) IsEmpty() bool {
	return len(c.InterfaceConfig) == 0 && len(c.InACL) == 0 && len(c.OutACL) == 0 &&
		c.QoSPolicyIn == "" && c.QoSPolicyOut == "" && c.SubPolicyIn == "" && c.SubPolicyOut == "" &&
		c.SessionTimeout == nil && c.IdleTimeout == nil && len(c.AVPairs) == 0 && len(c.Other) == 0
}

// decoded is a request read into what the Handler gets, plus what the
// server needs for the answer and the debug lines.
type decoded struct {
	match      Match
	change     Change
	proxyState []radius.Attribute // copied into the response, in order
	list       []listEntry        // the "Attribute List" debug block
	// refuse, when set, is the answer given without calling the Handler.
	refuse *Result
	// foreign are the attribute types, in order of first appearance, that
	// are not plain session identification: IOS's "Unsupported attribute
	// type N for component" lines when no session matches.
	foreign []uint8
}

// listEntry is one line of the "Attribute List" debug block.
type listEntry struct {
	attr  iosAttr
	tag   int
	value string
}

// decode reads an inspected request under the configuration lc. It
// refuses (without the Handler): malformed attribute values and AV pairs
// (Invalid Attribute Value, 407), Service-Type Authorize-Only, which needs
// a re-authentication the server cannot start (Unsupported Service, 405),
// and requests naming no session or, under auth-type session-key, no
// audit-session-id (Missing Attribute, 402). In a Disconnect-Request,
// attributes other than session identification are ignored, as IOS does.
func decode(req *request, lc *liveConfig) *decoded {
	d := &decoded{}
	coa := req.kind == KindCoA
	refuse := func(cause ErrorCause) {
		if d.refuse == nil {
			r := NAK(cause, "")
			d.refuse = &r
		}
	}
	foreign := func(t radius.Type) {
		if !slices.Contains(d.foreign, uint8(t)) {
			d.foreign = append(d.foreign, uint8(t))
		}
	}
	other := func(a *radius.AVP) {
		if coa {
			d.change.Other = append(d.change.Other, Attribute{Type: uint8(a.Type), Value: slices.Clone(a.Attribute)})
		}
	}
	for _, a := range req.attrs {
		v := a.Attribute
		switch a.Type {
		case attrUserName:
			d.match.UserName = string(v)
			d.list = append(d.list, listEntry{attr: iosUserName, value: string(v)})
		case attrFramedIPAddress:
			if len(v) != 4 {
				refuse(CauseInvalidAttributeValue)
				continue
			}
			d.match.FramedIP = netip.AddrFrom4([4]byte(v))
			d.list = append(d.list, listEntry{attr: iosAddr, value: d.match.FramedIP.String()})
		case attrAcctSessionID:
			d.match.AcctSessionID = string(v)
			d.list = append(d.list, listEntry{attr: iosAcctSessionID, value: string(v)})
		case attrEventTimestamp, attrMessageAuthenticator, attrNASIPAddress, attrNASIPv6Address, attrNASIdentifier:
			// Read by inspect, or NAS identification, which is not checked.
		case attrProxyState:
			d.proxyState = append(d.proxyState, slices.Clone(v))
		case attrServiceType:
			foreign(a.Type)
			if len(v) != 4 {
				refuse(CauseInvalidAttributeValue)
			} else if binary.BigEndian.Uint32(v) == serviceTypeAuthorizeOnly {
				refuse(CauseUnsupportedService)
			} else {
				other(a)
			}
		case attrSessionTimeout, attrIdleTimeout:
			foreign(a.Type)
			if !coa {
				continue
			}
			if len(v) != 4 {
				refuse(CauseInvalidAttributeValue)
				continue
			}
			n := binary.BigEndian.Uint32(v)
			attr := iosTimeout
			if a.Type == attrSessionTimeout {
				d.change.SessionTimeout = &n
			} else {
				d.change.IdleTimeout = &n
				attr = iosIdleTime
			}
			d.list = append(d.list, listEntry{attr: attr, value: strconv.FormatUint(uint64(n), 10)})
		case attrVendorSpecific:
			foreign(a.Type)
			d.vendorSpecific(a, coa, refuse, other)
		default:
			foreign(a.Type)
			other(a)
		}
	}
	if coa {
		for _, l := range [][]ACLEntry{d.change.InACL, d.change.OutACL} {
			if _, err := aclType(l); err != nil {
				refuse(CauseInvalidAttributeValue)
			}
			slices.SortStableFunc(l, func(a, b ACLEntry) int { return a.N - b.N })
		}
	}
	d.match.Mode = lc.authType
	if lc.authType == AuthSessionKey && d.match.AuditSessionID == "" {
		if !lc.ignoreSessionKey {
			refuse(CauseMissingAttribute)
		}
		d.match.Mode = AuthAll
	}
	if d.match.empty() {
		refuse(CauseMissingAttribute)
	}
	return d
}

// vendorSpecific reads a Vendor-Specific attribute: Cisco AV pairs into
// the Match and the Change, anything else into Change.Other.
func (d *decoded) vendorSpecific(a *radius.AVP, coa bool, refuse func(ErrorCause), other func(*radius.AVP)) {
	vendor, subs, ok := splitVSA(a.Attribute)
	if !ok {
		refuse(CauseInvalidAttributeValue)
		return
	}
	if vendor != ciscoVendorID {
		other(a)
		return
	}
	otherDone := false
	for _, s := range subs {
		if s.typ != ciscoAVPair {
			if !otherDone {
				other(a)
				otherDone = true
			}
			continue
		}
		p, err := ParseAVPair(string(s.value))
		if err != nil {
			refuse(CauseInvalidAttributeValue)
			continue
		}
		if p.is("audit-session-id") {
			d.match.AuditSessionID = p.Value
			d.list = append(d.list, listEntry{attr: iosAuditSessionID, value: p.Value})
			continue
		}
		if !coa {
			continue
		}
		d.ciscoChange(p, refuse)
	}
}

// ciscoChange reads a CoA's Cisco AV pair into the Change.
func (d *decoded) ciscoChange(p AVPair, refuse func(ErrorCause)) {
	c := &d.change
	entry := listEntry{attr: iosAttr{name: p.Name, flags: 0x89}, tag: p.Tag, value: p.Value}
	switch {
	case p.is("interface-config") && p.Tag == 0:
		c.InterfaceConfig = append(c.InterfaceConfig, p.Value)
		entry.attr = iosInterfaceConfig
	case (p.is("inacl") || p.is("outacl")) && p.Tag != 0:
		ace, err := ParseACE(p.Value)
		if err != nil {
			refuse(CauseInvalidAttributeValue)
			return
		}
		e := ACLEntry{N: p.Tag, Text: p.Value, ACE: ace}
		if p.is("inacl") {
			c.InACL = append(c.InACL, e)
			entry.attr = iosInACL
		} else {
			c.OutACL = append(c.OutACL, e)
			entry.attr = iosOutACL
		}
	case p.is("sub-qos-policy-in") && p.Tag == 0:
		c.QoSPolicyIn = p.Value
		entry.attr = iosQoSPolicyIn
	case p.is("sub-qos-policy-out") && p.Tag == 0:
		c.QoSPolicyOut = p.Value
		entry.attr = iosQoSPolicyOut
	case p.is("sub-policy-in") && p.Tag == 0:
		c.SubPolicyIn = p.Value
		entry.attr = iosSubPolicyIn
	case p.is("sub-policy-out") && p.Tag == 0:
		c.SubPolicyOut = p.Value
		entry.attr = iosSubPolicyOut
	default:
		c.AVPairs = append(c.AVPairs, p)
	}
	d.list = append(d.list, entry)
}
