package schema

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

// PortMatch is a TCP/UDP port condition: Op is eq, neq, gt, lt (Port) or
// range (Port to Port2).
type PortMatch struct {
	Op    string `json:"op"`
	Port  int    `json:"port"`
	Port2 int    `json:"port2,omitempty"`
}
