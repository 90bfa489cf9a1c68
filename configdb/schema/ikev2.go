package schema

// IKEv2 (IKE SA) policy: proposals, policies, keyrings, profiles and the
// global "crypto ikev2" settings. The IKEv2 service reads them to choose the
// IKE SA algorithms (policy -> proposals), to bind a peer to a profile
// (profile match criteria) and to authenticate and authorize it (profile,
// keyring, trustpoints, AAA method lists).
//
// KindIKEv2Profile ("ikev2-profile", IKEv2Profile keyed by name) is declared
// in schema.go with the other core kinds.
const (
	KindIKEv2Proposal = "ikev2-proposal" // IKEv2Proposal, keyed by name
	KindIKEv2Policy   = "ikev2-policy"   // IKEv2Policy, keyed by name
	KindIKEv2Keyring  = "ikev2-keyring"  // IKEv2Keyring, keyed by name
	KindIKEv2Global   = "ikev2-global"   // IKEv2Global (singleton, key Global)
)

// IKEv2 proposals and policies named DefaultName ("default") are IOS's
// smart defaults: they exist without configuration. A stored object of that
// name holds the administrator's changes only; every field left empty
// reads as the smart default's (see EffectiveProposal and EffectivePolicy).

// IKEv2Proposal is "crypto ikev2 proposal NAME": the IKE SA transforms
// offered or accepted, each list in order of preference. A proposal is
// usable only when complete (see Incomplete).
type IKEv2Proposal struct {
	Name string `json:"name"`
	// Encryption holds the cipher keywords: "aes-cbc-128", "aes-cbc-192",
	// "aes-cbc-256", "aes-gcm-128", "aes-gcm-256", "chacha20-poly1305",
	// "3des".
	Encryption []string `json:"encryption,omitempty"`
	// Integrity holds "sha1", "sha256", "sha384", "sha512", "md5". It must
	// be empty for AEAD ciphers, which authenticate by themselves.
	Integrity []string `json:"integrity,omitempty"`
	// PRF holds the pseudo-random functions, same keywords as Integrity.
	// Empty means IOS's default: the integrity algorithms (see PRFs); an
	// AEAD proposal has no integrity algorithm and so needs PRF set.
	PRF []string `json:"prf,omitempty"`
	// Groups are Diffie-Hellman group numbers (1, 2, 5, 14, 15, 16, 19,
	// 20, 21, 24, 31).
	Groups []int `json:"groups,omitempty"`
}

// AEADCipher reports whether an IKEv2 cipher keyword names a combined-mode
// (authenticated) cipher.
func AEADCipher(cipher string) bool {
	switch cipher {
	case "aes-gcm-128", "aes-gcm-256", "chacha20-poly1305":
		return true
	}
	return false
}

// PRFs is the PRF list with IOS's default applied.
func (p *IKEv2Proposal) PRFs() []string {
	if len(p.PRF) == 0 {
		return p.Integrity
	}
	return p.PRF
}

// Incomplete says why the proposal cannot be used, or "" when it can. IOS
// requires either a non-AEAD cipher with an integrity algorithm, or an
// AEAD cipher with a PRF and no integrity algorithm; and a DH group.
func (p *IKEv2Proposal) Incomplete() string {
	aead, plain := 0, 0
	for _, c := range p.Encryption {
		if AEADCipher(c) {
			aead++
		} else {
			plain++
		}
	}
	switch {
	case len(p.Encryption) == 0:
		return "no encryption algorithm"
	case aead > 0 && plain > 0:
		return "AEAD and non-AEAD encryption algorithms mixed"
	case aead > 0 && len(p.Integrity) > 0:
		return "integrity algorithm configured with an AEAD encryption algorithm"
	case aead > 0 && len(p.PRF) == 0:
		return "no PRF algorithm"
	case plain > 0 && len(p.Integrity) == 0:
		return "no integrity algorithm"
	case len(p.Groups) == 0:
		return "no DH group"
	}
	return ""
}

// DefaultIKEv2Proposal is IOS-XE's smart default proposal.
func DefaultIKEv2Proposal() *IKEv2Proposal {
	return &IKEv2Proposal{
		Name:       DefaultName,
		Encryption: []string{"aes-cbc-256"},
		Integrity:  []string{"sha512", "sha384"},
		PRF:        []string{"sha512", "sha384"},
		Groups:     []int{19, 14, 21, 5},
	}
}

// EffectiveProposal is what a proposal means once IOS's smart default is
// applied: for "default", each field the administrator left empty is the
// smart default's. stored is nil when no object is stored.
func EffectiveProposal(name string, stored *IKEv2Proposal) *IKEv2Proposal {
	if name != DefaultName {
		return stored
	}
	d := DefaultIKEv2Proposal()
	if stored == nil {
		return d
	}
	out := *stored
	if len(out.Encryption) == 0 {
		out.Encryption = d.Encryption
	}
	if len(out.Integrity) == 0 && len(out.PRF) == 0 {
		out.Integrity, out.PRF = d.Integrity, d.PRF
	}
	if len(out.Groups) == 0 {
		out.Groups = d.Groups
	}
	return &out
}

// IKEv2Policy is "crypto ikev2 policy NAME": which proposals apply to IKE
// SAs in a front-door VRF and on local addresses.
type IKEv2Policy struct {
	Name      string   `json:"name"`
	Proposals []string `json:"proposals,omitempty"` // in order of preference
	// MatchFVRF is the front-door VRF the policy applies to: a VRF name,
	// "any", or "" for IOS's default (the global routing table; "any" for
	// the smart-default policy).
	MatchFVRF string `json:"match_fvrf,omitempty"`
	// MatchAddressLocal lists the local addresses (IPv4 dotted, IPv6 upper
	// case) the policy applies to; empty = any.
	MatchAddressLocal []string `json:"match_address_local,omitempty"`
}

// FVRFAny is the "match fvrf any" value.
const FVRFAny = "any"

// EffectivePolicy applies IOS's smart-default policy (match fvrf any,
// proposal default) to the policy named "default".
func EffectivePolicy(name string, stored *IKEv2Policy) *IKEv2Policy {
	if name != DefaultName {
		return stored
	}
	out := IKEv2Policy{Name: DefaultName}
	if stored != nil {
		out = *stored
	}
	if out.MatchFVRF == "" {
		out.MatchFVRF = FVRFAny
	}
	if len(out.Proposals) == 0 {
		out.Proposals = []string{DefaultName}
	}
	return &out
}

// IKEv2Keyring is "crypto ikev2 keyring NAME": pre-shared keys by peer.
type IKEv2Keyring struct {
	Name  string        `json:"name"`
	Peers []KeyringPeer `json:"peers,omitempty"` // in configuration order
}

// KeyringPeer is one "peer NAME" of a keyring. A peer is looked up by
// address (Address/Mask or an IPv6 prefix in Address), Hostname or
// Identity. Either PreSharedKey (symmetric) or LocalKey/RemoteKey
// (asymmetric) is set, never both.
type KeyringPeer struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`
	// Address is an IPv4 address (with Mask, "" meaning a host) or an
	// upper-case IPv6 prefix "2001:DB8::/32".
	Address  string         `json:"address,omitempty"`
	Mask     string         `json:"mask,omitempty"`
	Hostname string         `json:"hostname,omitempty"`
	Identity *IKEv2Identity `json:"identity,omitempty"`
	// PreSharedKey signs and verifies; LocalKey signs the router's AUTH
	// payload, RemoteKey verifies the peer's.
	PreSharedKey *Secret `json:"pre_shared_key,omitempty"`
	LocalKey     *Secret `json:"local_key,omitempty"`
	RemoteKey    *Secret `json:"remote_key,omitempty"`
}

// IKE identity types.
const (
	IDAddress = "address"
	IDFQDN    = "fqdn"
	IDEmail   = "email"
	IDKeyID   = "key-id"
	IDDN      = "dn"  // local identity only: the certificate's subject
	IDAny     = "any" // match identity remote any
)

// IKEv2Identity is an IKE identity as the match, identity and keyring
// commands name it.
type IKEv2Identity struct {
	Type string `json:"type"` // ID...
	// Value: for IDAddress an IPv4 address or an upper-case IPv6 address
	// or prefix; the FQDN, e-mail address or key-id otherwise; empty for
	// IDDN and IDAny.
	Value string `json:"value,omitempty"`
	// Mask qualifies an IPv4 address in match criteria; "" = this host
	// only (255.255.255.255).
	Mask string `json:"mask,omitempty"`
	// Domain: an FQDN or e-mail identity matches any name in Value's
	// domain ("fqdn domain example.com").
	Domain bool `json:"domain,omitempty"`
}

// Authentication methods of an IKEv2 profile.
const (
	AuthPreShare      = "pre-share"
	AuthRSASig        = "rsa-sig"
	AuthECDSASig      = "ecdsa-sig"
	AuthEAP           = "eap"
	AuthAnyConnectEAP = "anyconnect-eap" // remote only
)

// AAA method classes: the remote authentication method that selects an
// AAA authorization or accounting list.
const (
	AAAPSK           = "psk"
	AAAEAP           = "eap"
	AAACert          = "cert"
	AAAAnyConnectEAP = "anyconnect-eap"
)

// AAAClasses lists the AAA method classes in rendering order.
var AAAClasses = []string{AAAPSK, AAAEAP, AAACert, AAAAnyConnectEAP}

// IOS defaults of an IKEv2 profile.
const (
	DefaultIKEv2Lifetime    = 86400 // seconds
	DefaultEAPTimeout       = 90    // seconds
	DefaultReconnectTimeout = 1800  // seconds
	DefaultIKEv2Window      = 5
	DefaultFragmentationMTU = 576
)

// IKEv2Profile is "crypto ikev2 profile NAME": how peers that match it are
// authenticated, authorized and given a virtual-access interface. Zero
// values mean the IOS default given on each field. Names of other objects
// (keyrings, trustpoints, name manglers, VRFs, the virtual-template) may
// refer to objects that do not exist yet.
type IKEv2Profile struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	// Match criteria: a peer is bound to the profile when it arrives in
	// MatchFVRF, on one of MatchAddressLocal (when set), and its identity
	// matches one of MatchIdentities or its certificate one of
	// MatchCertificates.
	MatchFVRF         string              `json:"match_fvrf,omitempty"` // VRF name, FVRFAny, "" = global table
	MatchAddressLocal []LocalAddress      `json:"match_address_local,omitempty"`
	MatchIdentities   []IKEv2Identity     `json:"match_identity_remote,omitempty"`
	MatchCertificates []string            `json:"match_certificate,omitempty"` // certificate map names
	LocalIdentity     *IKEv2Identity      `json:"identity_local,omitempty"`    // nil: address (PSK) or DN (certificates)
	LocalAuth         *LocalAuth          `json:"authentication_local,omitempty"`
	RemoteAuth        []RemoteAuth        `json:"authentication_remote,omitempty"` // one per method, in configuration order
	Keyring           *ProfileKeyring     `json:"keyring,omitempty"`
	Trustpoints       []ProfileTrustpoint `json:"pki_trustpoints,omitempty"`

	Lifetime      int        `json:"lifetime,omitempty"`      // IKE SA seconds; 0 = DefaultIKEv2Lifetime
	DPD           *IKEv2DPD  `json:"dpd,omitempty"`           // nil = the global DPD (off by default)
	NATKeepalive  int        `json:"nat_keepalive,omitempty"` // seconds; 0 = the global setting
	NATForceEncap bool       `json:"nat_force_encap,omitempty"`
	IVRF          string     `json:"ivrf,omitempty"` // inside VRF of the sessions; "" = global table
	Reconnect     *Reconnect `json:"reconnect,omitempty"`

	// VirtualTemplate is the virtual-template number cloned for each
	// session (0 = none); ModeAuto detects the tunnel mode from the SA.
	VirtualTemplate         int  `json:"virtual_template,omitempty"`
	VirtualTemplateModeAuto bool `json:"virtual_template_mode_auto,omitempty"`

	// AAA method lists: authentication of EAP / AnyConnect-EAP users,
	// authorization and accounting keyed by the remote method's class.
	AAAAuthenticationEAP           string             `json:"aaa_authentication_eap,omitempty"`
	AAAAuthenticationAnyConnectEAP string             `json:"aaa_authentication_anyconnect_eap,omitempty"`
	AAAAuthorizationGroup          []AAAAuthorization `json:"aaa_authorization_group,omitempty"` // at most one per class
	AAAAuthorizationUser           []AAAAuthorization `json:"aaa_authorization_user,omitempty"`  // at most one per class
	AAAAccounting                  []AAAAccounting    `json:"aaa_accounting,omitempty"`          // at most one per class

	// Configuration exchange is on by default in all three directions;
	// these record "no config-exchange ...".
	NoConfigExchangeRequest   bool `json:"no_config_exchange_request,omitempty"`
	NoConfigExchangeSetSend   bool `json:"no_config_exchange_set_send,omitempty"`
	NoConfigExchangeSetAccept bool `json:"no_config_exchange_set_accept,omitempty"`

	Shutdown bool `json:"shutdown,omitempty"`
}

// LocalAddress is one "match address local": an address (IPv4, or IPv6
// upper case) or an interface (canonical name) whose addresses match.
type LocalAddress struct {
	Address   string `json:"address,omitempty"`
	Interface string `json:"interface,omitempty"`
}

// LocalAuth is "authentication local METHOD": how the router proves its
// identity. Key is the profile's own pre-shared key (nil: the keyring's);
// EAP is set for the eap method (FlexVPN client side).
type LocalAuth struct {
	Method string    `json:"method"` // AuthPreShare, AuthRSASig, AuthECDSASig, AuthEAP
	Key    *Secret   `json:"key,omitempty"`
	EAP    *LocalEAP `json:"eap,omitempty"`
}

// CertificateBased reports whether the method signs with a certificate.
func CertificateBased(method string) bool {
	return method == AuthRSASig || method == AuthECDSASig
}

// LocalEAP is "authentication local eap [gtc|md5|mschapv2] [username U]
// [password P]".
type LocalEAP struct {
	Method   string  `json:"method,omitempty"` // "gtc", "md5", "mschapv2"; "" = negotiated
	Username string  `json:"username,omitempty"`
	Password *Secret `json:"password,omitempty"`
}

// RemoteAuth is one "authentication remote METHOD": a method peers may
// authenticate with. EAP (and AnyConnect-EAP) require a certificate-based
// local method.
type RemoteAuth struct {
	Method string  `json:"method"`        // Auth...
	Key    *Secret `json:"key,omitempty"` // pre-share: the profile's own key (nil: the keyring's)
	// EAP: send an EAP identity request; how long to wait for the peer's
	// EAP responses (0 = DefaultEAPTimeout).
	QueryIdentity bool `json:"query_identity,omitempty"`
	Timeout       int  `json:"timeout,omitempty"`
	// AnyConnect-EAP: aggregate authentication (always set, IOS requires
	// it) and, with CertRequest, a client certificate as second factor.
	Aggregate   bool `json:"aggregate,omitempty"`
	CertRequest bool `json:"cert_request,omitempty"`
}

// ProfileKeyring is "keyring local NAME" or "keyring aaa LIST ...":
// exactly one of Local and AAAList is set.
type ProfileKeyring struct {
	Local string `json:"local,omitempty"` // IKEv2Keyring name
	// AAAList is an AAA authorization method list that returns the keys of
	// the peer's identity (mangled by NameMangler when set), sent with
	// Password as the AAA password (nil: IOS's default, "cisco").
	AAAList     string  `json:"aaa_list,omitempty"`
	NameMangler string  `json:"name_mangler,omitempty"`
	Password    *Secret `json:"password,omitempty"`
}

// ProfileTrustpoint is "pki trustpoint NAME [sign|verify]".
type ProfileTrustpoint struct {
	Name  string `json:"name"`
	Usage string `json:"usage,omitempty"` // "sign", "verify", "" = both
}

// IKEv2DPD is "dpd INTERVAL RETRY on-demand|periodic".
type IKEv2DPD struct {
	Interval int    `json:"interval"` // seconds
	Retry    int    `json:"retry"`    // seconds between retransmissions
	Mode     string `json:"mode"`     // "on-demand" or "periodic"
}

// Reconnect is "reconnect [timeout N]": AnyConnect auto-reconnect.
type Reconnect struct {
	Timeout int `json:"timeout,omitempty"` // seconds; 0 = DefaultReconnectTimeout
}

// AAAAuthorization is one "aaa authorization group|user CLASS ...": the
// method list queried for the peers that authenticated with the class's
// method, under the user name Username, or the peer identity mangled by
// NameMangler, or (both empty) the whole peer identity. Cached (user
// authorization only) uses the attributes received during EAP or AAA-PSK
// authentication instead of a new query.
type AAAAuthorization struct {
	Class       string `json:"class"`              // AAA...
	Override    bool   `json:"override,omitempty"` // group only: group attributes win over user attributes
	Cached      bool   `json:"cached,omitempty"`
	List        string `json:"list,omitempty"`
	NameMangler string `json:"name_mangler,omitempty"`
	Username    string `json:"username,omitempty"`
}

// AAAAccounting is "aaa accounting CLASS LIST".
type AAAAccounting struct {
	Class string `json:"class"`
	List  string `json:"list"`
}

// IKEv2Global holds the global "crypto ikev2 ..." settings; zero values
// mean the IOS defaults.
type IKEv2Global struct {
	// Fragmentation of IKE messages larger than FragmentationMTU (0 =
	// DefaultFragmentationMTU).
	Fragmentation    bool `json:"fragmentation,omitempty"`
	FragmentationMTU int  `json:"fragmentation_mtu,omitempty"`
	// CookieChallenge asks for a cookie once this many SAs are half-open;
	// 0 = never.
	CookieChallenge int `json:"cookie_challenge,omitempty"`
	// Limits; 0 = unlimited. MaxInNegotiationSA applies to both
	// directions, the directional ones to one each.
	MaxSA                      int64 `json:"max_sa,omitempty"`
	MaxInNegotiationSA         int64 `json:"max_in_negotiation_sa,omitempty"`
	MaxInNegotiationSAIncoming int64 `json:"max_in_negotiation_sa_incoming,omitempty"`
	MaxInNegotiationSAOutgoing int64 `json:"max_in_negotiation_sa_outgoing,omitempty"`
	// HTTPURLCertDisabled records "no crypto ikev2 http-url cert" (IOS
	// offers HTTP certificate URLs by default; AnyConnect needs them off).
	HTTPURLCertDisabled bool      `json:"http_url_cert_disabled,omitempty"`
	DPD                 *IKEv2DPD `json:"dpd,omitempty"`           // nil = off
	NATKeepalive        int       `json:"nat_keepalive,omitempty"` // seconds; 0 = off
	Window              int       `json:"window,omitempty"`        // 0 = DefaultIKEv2Window
}
