package schema

// Interface types, by how the interface comes to exist.
const (
	IfPhysical        = "physical"         // a Linux link of the daemon's namespace
	IfLoopback        = "loopback"         // virtual: an address on a dummy link (or lo)
	IfVirtualTemplate = "virtual-template" // template cloned into virtual-access interfaces
)

// Interface is one "interface NAME" block. Name is the canonical IOS name
// (Ethernet0/0, Loopback0, Virtual-Template1) or a Linux link name (eth0).
type Interface struct {
	Name        string `json:"name"`
	Type        string `json:"type"`
	Number      int    `json:"number,omitempty"`     // Loopback/Virtual-Template number
	VTType      string `json:"vt_type,omitempty"`    // virtual-template "type": tunnel|ethernet|serial
	LinuxName   string `json:"linux_name,omitempty"` // Linux link an IOS-style name is bound to
	Description string `json:"description,omitempty"`
	Shutdown    bool   `json:"shutdown,omitempty"`

	VRF      string `json:"vrf,omitempty"`       // vrf forwarding / ip vrf forwarding
	VRFStyle string `json:"vrf_style,omitempty"` // "vrf" or "ip vrf": how it was entered

	IPv4             []IfAddress `json:"ipv4,omitempty"` // first is primary, rest secondary
	IPUnnumbered     string      `json:"ip_unnumbered,omitempty"`
	IPv6             []string    `json:"ipv6,omitempty"` // prefixes X:X::X:X/M
	IPv6Unnumbered   string      `json:"ipv6_unnumbered,omitempty"`
	IPMTU            int         `json:"ip_mtu,omitempty"`
	AccessGroupIn    string      `json:"access_group_in,omitempty"`
	AccessGroupOut   string      `json:"access_group_out,omitempty"`
	ServicePolicyIn  string      `json:"service_policy_in,omitempty"`
	ServicePolicyOut string      `json:"service_policy_out,omitempty"`

	Tunnel *Tunnel `json:"tunnel,omitempty"`
}

// IfAddress is an IPv4 address with its mask.
type IfAddress struct {
	Address string `json:"address"`
	Mask    string `json:"mask"`
}

// Tunnel holds the tunnel sub-commands of a virtual-template.
type Tunnel struct {
	Source            string `json:"source,omitempty"` // interface name or address
	Destination       string `json:"destination,omitempty"`
	Mode              string `json:"mode,omitempty"` // e.g. "ipsec ipv4", "gre ip"
	ProtectionProfile string `json:"protection_profile,omitempty"`
	Key               int64  `json:"key,omitempty"`
	HasKey            bool   `json:"has_key,omitempty"`
}
