package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// KindACL holds IPv4 access lists, named and numbered alike, keyed by name
// ("101" for a numbered list).
const KindACL = "ip-access-list"

// Access-list types.
const (
	ACLStandard = "standard"
	ACLExtended = "extended"
)

// ACL is an IPv4 access list. Numbered lists (1-99 and 1300-1999 standard,
// 100-199 and 2000-2699 extended) are rendered as "access-list N" lines,
// named ones as an "ip access-list" block.
type ACL struct {
	Name    string `json:"name"`
	Type    string `json:"type"` // ACLStandard or ACLExtended
	Entries []ACE  `json:"entries,omitempty"`
}

// ACE is one access-list entry, in the order of its sequence number. A
// remark is an entry with Remark set and nothing else.
type ACE struct {
	Seq    int    `json:"seq"`
	Remark string `json:"remark,omitempty"`

	Action   string `json:"action,omitempty"`   // permit or deny
	Protocol string `json:"protocol,omitempty"` // extended only: ip, tcp, udp, icmp, esp, gre, ... or a number

	Source      AddrMatch  `json:"source"`
	SourcePorts *PortMatch `json:"source_ports,omitempty"`
	Dest        AddrMatch  `json:"dest"` // extended only
	DestPorts   *PortMatch `json:"dest_ports,omitempty"`

	ICMPType *int `json:"icmp_type,omitempty"`
	ICMPCode *int `json:"icmp_code,omitempty"`

	Established bool   `json:"established,omitempty"`
	Log         string `json:"log,omitempty"` // "", "log" or "log-input"
}

// AddrMatch is an address and wildcard: any is 0.0.0.0 255.255.255.255, a
// host has wildcard 0.0.0.0. The address never has bits under the wildcard.
type AddrMatch struct {
	Address  string `json:"address"`
	Wildcard string `json:"wildcard"`
}

// The wildcards of the two address matches IOS writes with a keyword.
const (
	AnyWildcard  = "255.255.255.255" // "any", with address 0.0.0.0
	HostWildcard = "0.0.0.0"         // "host A.B.C.D" (a bare address in a standard entry)
)

// PortMatch is a TCP/UDP port condition: Op is eq, neq, gt, lt (Port) or
// range (Port to Port2).
type PortMatch struct {
	Op    string `json:"op"`
	Port  int    `json:"port"`
	Port2 int    `json:"port2,omitempty"`
}

// ACEStyle is how ACE.Text writes an entry. IOS writes one entry in a few
// ways: padded in the running configuration, with the names of ports and
// ICMP types where it knows them.
type ACEStyle struct {
	// Extended writes an extended list's entry: protocol, source, ports,
	// destination. A standard entry has a source only.
	Extended bool
	// Pad aligns "deny" under "permit", as the running configuration does.
	Pad bool
	// PortName writes a port of protocol proto ("tcp" or "udp") and
	// ICMPName an ICMP type given without a code: by the keyword IOS
	// knows it by, or as the number. Nil writes numbers.
	PortName func(proto string, port int) string
	ICMPName func(typ int) string
}

// Text writes the entry, without its sequence number, as IOS shows it and
// as an access-list command takes it.
func (e *ACE) Text(st ACEStyle) string {
	if e.Remark != "" {
		return "remark " + e.Remark
	}
	var b strings.Builder
	if st.Pad {
		fmt.Fprintf(&b, "%-6s", e.Action)
	} else {
		b.WriteString(e.Action)
	}
	if st.Extended {
		b.WriteString(" " + e.Protocol + " " + e.Source.text(true))
		b.WriteString(st.portText(e.Protocol, e.SourcePorts))
		b.WriteString(" " + e.Dest.text(true))
		b.WriteString(st.portText(e.Protocol, e.DestPorts))
	} else {
		b.WriteString(" " + e.Source.text(false))
	}
	if e.ICMPType != nil {
		if e.ICMPCode != nil {
			fmt.Fprintf(&b, " %d %d", *e.ICMPType, *e.ICMPCode)
		} else if st.ICMPName != nil {
			b.WriteString(" " + st.ICMPName(*e.ICMPType))
		} else {
			fmt.Fprintf(&b, " %d", *e.ICMPType)
		}
	}
	if e.Established {
		b.WriteString(" established")
	}
	if e.Log != "" {
		b.WriteString(" " + e.Log)
	}
	return b.String()
}

// text is "any", "host A.B.C.D" (hostKeyword) or the bare address, or
// "A.B.C.D W.X.Y.Z".
func (a AddrMatch) text(hostKeyword bool) string {
	switch {
	case a.Wildcard == AnyWildcard:
		return "any"
	case a.Wildcard != HostWildcard:
		return a.Address + " " + a.Wildcard
	case hostKeyword:
		return "host " + a.Address
	}
	return a.Address
}

func (st ACEStyle) portText(proto string, m *PortMatch) string {
	if m == nil {
		return ""
	}
	port := func(n int) string {
		if st.PortName != nil {
			return st.PortName(proto, n)
		}
		return strconv.Itoa(n)
	}
	s := " " + m.Op + " " + port(m.Port)
	if m.Op == "range" {
		s += " " + port(m.Port2)
	}
	return s
}
