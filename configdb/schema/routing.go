package schema

// Kinds of the routing area.
const (
	KindVRF       = "vrf"        // VRF, keyed by VRF name
	KindIPRoute   = "ip-route"   // IPRoute, keyed by IPRoute.Key()
	KindIPv6Route = "ipv6-route" // IPv6Route, keyed by IPv6Route.Key()
)

// VRF is a "vrf definition NAME" (Style VRFStyleDefinition) or legacy
// "ip vrf NAME" (Style VRFStyleLegacy) block.
type VRF struct {
	Name        string `json:"name"`
	Style       string `json:"style"`
	Description string `json:"description,omitempty"`
	RD          string `json:"rd,omitempty"` // ASN:nn or A.B.C.D:nn
	// IPv4 and IPv6 record "address-family ipv4|ipv6" of a vrf definition
	// (a legacy ip vrf is IPv4 only and leaves them false).
	IPv4 bool `json:"ipv4,omitempty"`
	IPv6 bool `json:"ipv6,omitempty"`
}

// IPRoute is one "ip route [vrf V] PREFIX MASK {NEXTHOP | IFNAME [NEXTHOP]}
// [DISTANCE] [tag T] [permanent] [name N]".
type IPRoute struct {
	VRF       string `json:"vrf,omitempty"`
	Prefix    string `json:"prefix"` // network address, no host bits
	Mask      string `json:"mask"`
	Interface string `json:"interface,omitempty"` // canonical interface name
	NextHop   string `json:"next_hop,omitempty"`
	Distance  int    `json:"distance,omitempty"` // 0 = default 1
	Tag       uint32 `json:"tag,omitempty"`
	Name      string `json:"name,omitempty"`
	Permanent bool   `json:"permanent,omitempty"`
}

// Key identifies a static route: IOS keeps one route per VRF, prefix and
// next hop; entering it again replaces its distance, tag and name.
func (r *IPRoute) Key() string {
	return r.VRF + "|" + r.Prefix + "|" + r.Mask + "|" + r.Interface + "|" + r.NextHop
}

// IPv6Route is one "ipv6 route PREFIX/LEN {NEXTHOP | IFNAME [NEXTHOP]}
// [DISTANCE]".
type IPv6Route struct {
	Prefix    string `json:"prefix"` // X:X::/M, upper case, no host bits
	Interface string `json:"interface,omitempty"`
	NextHop   string `json:"next_hop,omitempty"` // upper case
	Distance  int    `json:"distance,omitempty"` // 0 = default 1
}

// Key identifies an IPv6 static route (prefix and next hop).
func (r *IPv6Route) Key() string { return r.Prefix + "|" + r.Interface + "|" + r.NextHop }
