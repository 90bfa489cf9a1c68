package schema

// IKEv2 name manglers and authorization policies: what the IKEv2 service
// reads to turn a peer identity into an AAA user name and to build the
// authorization attributes of a session (seed 001, "RADIUS Attributes
// Supported by the FlexVPN Server").
const (
	KindNameMangler         = "ikev2-name-mangler"         // NameMangler, keyed by name
	KindAuthorizationPolicy = "ikev2-authorization-policy" // AuthorizationPolicy, keyed by name
)

// DefaultAuthorizationPolicy is the name of IOS's smart-default policy. It
// always exists: a missing object of that name reads as an empty policy,
// and "no crypto ikev2 authorization policy default" only empties it.
const DefaultAuthorizationPolicy = "default"

// NameMangler is "crypto ikev2 name-mangler NAME": for each kind of peer
// identity, which part becomes the AAA user name. A nil rule means the
// identity kind is not mangled (IOS then uses the whole identity).
type NameMangler struct {
	Name  string      `json:"name"`
	FQDN  string      `json:"fqdn,omitempty"`  // "all", "domain" or "hostname"
	Email string      `json:"email,omitempty"` // "all", "domain" or "username"
	DN    string      `json:"dn,omitempty"`    // a DNPart
	EAP   *EAPMangler `json:"eap,omitempty"`
}

// DN parts a name mangler can extract from a distinguished name.
const (
	DNCommonName       = "common-name"
	DNCountry          = "country"
	DNDomain           = "domain"
	DNLocality         = "locality"
	DNOrganization     = "organization"
	DNOrganizationUnit = "organization-unit"
	DNState            = "state"
)

// EAPMangler is the "eap ..." rule of a name mangler.
type EAPMangler struct {
	// Part is "all", "dn", "prefix" or "suffix". For prefix/suffix the EAP
	// identity is cut at Delimiter and the part before (prefix) or after
	// (suffix) it is used; for dn, DN names the part of a DN-shaped EAP
	// identity.
	Part      string `json:"part"`
	Delimiter string `json:"delimiter,omitempty"` // ".", "@" or "\"
	DN        string `json:"dn,omitempty"`
}

// AuthorizationPolicy is "crypto ikev2 authorization policy NAME", the local
// AAA database of the FlexVPN server. Each field carries the RADIUS
// attribute it stands for; an empty field means "not configured", so the
// attribute is neither used locally nor pushed to the client.
type AuthorizationPolicy struct {
	Name string `json:"name"`

	// AAAAttributeList names an "aaa attribute list" whose attributes
	// (interface-config and others) are added to the policy's.
	AAAAttributeList string `json:"aaa_attribute_list,omitempty"`

	// Address assignment.
	Pool        string `json:"pool,omitempty"`         // Framed-Pool: IPv4 local pool
	IPv6Pool    string `json:"ipv6_pool,omitempty"`    // ipsec:ipv6-addr-pool
	DHCPServer  string `json:"dhcp_server,omitempty"`  // ipsec:group-dhcp-server: address or host name
	DHCPGiaddr  string `json:"dhcp_giaddr,omitempty"`  // ipsec:dhcp-giaddr
	DHCPTimeout int    `json:"dhcp_timeout,omitempty"` // ipsec:dhcp-timeout, seconds; 0 = IOS default 5
	Netmask     string `json:"netmask,omitempty"`      // Framed-IP-Netmask (INTERNAL_IP4_NETMASK)

	// Name servers pushed to the client, primary first (at most two each).
	DNS     []string `json:"dns,omitempty"`      // ipsec:dns-servers (INTERNAL_IP4_DNS)
	IPv6DNS []string `json:"ipv6_dns,omitempty"` // ipsec:ipv6-dns-servers-addr (INTERNAL_IP6_DNS)
	WINS    []string `json:"wins,omitempty"`     // ipsec:wins-servers (INTERNAL_IP4_NBNS)

	// SubnetACL is an IPv4 access list whose permitted subnets are pushed
	// as protected networks (Cisco unity split-include).
	SubnetACL string `json:"subnet_acl,omitempty"`

	// Routes (ipsec:route-set, ipsec:route-accept).
	RouteSetInterface *RouteSetInterface `json:"route_set_interface,omitempty"`
	RouteSetACL       string             `json:"route_set_acl,omitempty"`      // IPv4 ACL name or number
	RouteSetACLv6     string             `json:"route_set_acl_ipv6,omitempty"` // IPv6 ACL name
	RouteSetRemote    []string           `json:"route_set_remote,omitempty"`   // prefixes "10.0.0.0/8", "2001:db8::/32", in entry order
	RouteSetLocal     []LocalRoute       `json:"route_set_local,omitempty"`
	RouteAccept       *RouteAccept       `json:"route_accept,omitempty"`
	IPsecFlowLimit    *int               `json:"ipsec_flow_limit,omitempty"` // ipsec:ipsec-flow-limit; nil = no limit

	// Cisco unity attributes, pushed to FlexVPN and AnyConnect clients only.
	Banner                     *Banner  `json:"banner,omitempty"`
	DefaultDomain              string   `json:"def_domain,omitempty"`
	SplitDNS                   []string `json:"split_dns,omitempty"`
	BackupGateways             []string `json:"backup_gateways,omitempty"` // at most MaxBackupGateways
	PFS                        bool     `json:"pfs,omitempty"`
	IncludeLocalLAN            bool     `json:"include_local_lan,omitempty"`
	SmartcardRemovalDisconnect bool     `json:"smartcard_removal_disconnect,omitempty"`
	ConfigurationURL           string   `json:"configuration_url,omitempty"`
	ConfigurationVersion       int64    `json:"configuration_version,omitempty"`
}

// MaxBackupGateways is how many backup-gateway entries IOS keeps.
const MaxBackupGateways = 10

// RouteSetInterface is "route set interface [IFNAME]": push the address of
// Interface, or of the session's virtual-access interface when empty.
type RouteSetInterface struct {
	Interface string `json:"interface,omitempty"`
}

// LocalRoute is "route set local ipv4|ipv6 ...": a subnet behind the peer
// for which the server installs a static route into the session's
// virtual-access interface.
type LocalRoute struct {
	Prefix   string `json:"prefix"`             // "192.168.1.0/24" or "2001:db8:1::/48"
	NextHop  string `json:"next_hop,omitempty"` // "" = the virtual-access interface itself
	Tag      uint32 `json:"tag,omitempty"`      // 0 = no tag
	Distance int    `json:"distance,omitempty"` // 0 = IOS default 1 (static route)
}

// RouteAccept is "route accept any [tag N] [distance N]": routes the peer
// announces are installed with this tag and administrative distance.
type RouteAccept struct {
	Tag      uint32 `json:"tag,omitempty"`      // 0 = no tag
	Distance int    `json:"distance,omitempty"` // 0 = IOS default 1 (static route)
}
