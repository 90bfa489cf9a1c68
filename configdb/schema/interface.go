package schema

// Interface types, by how the interface comes to exist.
const (
	IfPhysical        = "physical"         // a Linux link of the daemon's namespace
	IfLoopback        = "loopback"         // virtual: an address on a dummy link (or lo)
	IfVirtualTemplate = "virtual-template" // template cloned into virtual-access interfaces
)

// Virtual-template types ("interface Virtual-TemplateN type X"); "" is
// IOS's default, a serial (PPP) template.
const (
	VTTunnel   = "tunnel"
	VTEthernet = "ethernet"
	VTSerial   = "serial"
)

// VRF styles: how the interface (or the VRF) was entered, which is how it
// is rendered back.
const (
	VRFStyleDefinition = "vrf"    // vrf definition X / vrf forwarding X
	VRFStyleLegacy     = "ip vrf" // ip vrf X / ip vrf forwarding X
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
	VRFStyle string `json:"vrf_style,omitempty"` // VRFStyleDefinition or VRFStyleLegacy

	// IPv4 holds the primary address first (when there is one) and then
	// the secondaries in the order they were added.
	IPv4             []IfAddress `json:"ipv4,omitempty"`
	IPUnnumbered     string      `json:"ip_unnumbered,omitempty"`
	IPv6             []string    `json:"ipv6,omitempty"` // prefixes X:X::X:X/M, upper case as IOS shows them
	IPv6Enable       bool        `json:"ipv6_enable,omitempty"`
	IPv6Unnumbered   string      `json:"ipv6_unnumbered,omitempty"`
	IPMTU            int         `json:"ip_mtu,omitempty"`
	TCPAdjustMSS     int         `json:"ip_tcp_adjust_mss,omitempty"` // "ip tcp adjust-mss N"
	AccessGroupIn    string      `json:"access_group_in,omitempty"`
	AccessGroupOut   string      `json:"access_group_out,omitempty"`
	ServicePolicyIn  string      `json:"service_policy_in,omitempty"`
	ServicePolicyOut string      `json:"service_policy_out,omitempty"`

	Tunnel *Tunnel `json:"tunnel,omitempty"`
}

// IfAddress is an IPv4 address with its mask.
type IfAddress struct {
	Address   string `json:"address"`
	Mask      string `json:"mask"`
	Secondary bool   `json:"secondary,omitempty"`
}

// Primary is the primary IPv4 address, or nil.
func (i *Interface) Primary() *IfAddress {
	if len(i.IPv4) > 0 && !i.IPv4[0].Secondary {
		return &i.IPv4[0]
	}
	return nil
}

// Tunnel holds the tunnel sub-commands of a virtual-template.
type Tunnel struct {
	Source      string `json:"source,omitempty"` // interface name or address
	Destination string `json:"destination,omitempty"`
	// Mode is the encapsulation: "" (IOS's default, GRE over IPv4), "gre
	// ipv6", "gre multipoint", "ipsec ipv4", "ipsec ipv4 v6-overlay",
	// "ipsec ipv6", "ipsec ipv6 v4-overlay".
	Mode              string `json:"mode,omitempty"`
	ProtectionProfile string `json:"protection_profile,omitempty"`
	ProtectionShared  bool   `json:"protection_shared,omitempty"`
	Key               int64  `json:"key,omitempty"`
	HasKey            bool   `json:"has_key,omitempty"`
}

// IsZero reports whether no tunnel sub-command is set.
func (t *Tunnel) IsZero() bool { return t == nil || *t == Tunnel{} }
