package schema

// IPsec (child SA) policy: transform sets, IPsec profiles and the global
// security-association settings the IKEv2 service negotiates child SAs with
// and the data plane enforces.
const (
	KindTransformSet = "ipsec-transform-set" // TransformSet, keyed by name
	KindIPsecProfile = "ipsec-profile"       // IPsecProfile, keyed by name
	KindIPsecGlobal  = "ipsec-global"        // IPsecGlobal (singleton, key Global)
)

// DefaultName is the name of IOS's smart-default transform set and IPsec
// profile (IOS 15.2(4)M and later). They exist without configuration: a
// reader that finds no stored object named DefaultName uses
// DefaultTransformSet() or DefaultIPsecProfile(). A stored object of that
// name is the administrator's modified copy.
const DefaultName = "default"

// Encapsulation modes of a transform set.
const (
	ModeTunnel    = "tunnel"
	ModeTransport = "transport"
)

// TransformSet is "crypto ipsec transform-set NAME transforms...". IOS
// allows at most one transform of each role; GCM and GMAC carry their own
// integrity and so never come with an ESP authentication transform.
type TransformSet struct {
	Name string `json:"name"`

	AH string `json:"ah,omitempty"` // "ah-sha-hmac", "ah-sha256-hmac"... ; "" = no AH

	// ESPCipher is the ESP encryption transform: "esp-aes", "esp-gcm",
	// "esp-gmac", "esp-3des", "esp-des" or "esp-null"; "" = ESP without
	// encryption (authentication only) or no ESP at all.
	ESPCipher string `json:"esp_cipher,omitempty"`
	// ESPKeyBits is the key size of esp-aes, esp-gcm and esp-gmac (128,
	// 192 or 256; IOS's default when none is typed is 128). 0 for the
	// ciphers whose key size is fixed.
	ESPKeyBits int `json:"esp_key_bits,omitempty"`
	// ESPAuth is the ESP integrity transform: "esp-sha-hmac",
	// "esp-sha256-hmac", "esp-sha384-hmac", "esp-sha512-hmac" or
	// "esp-md5-hmac"; "" = none.
	ESPAuth string `json:"esp_auth,omitempty"`

	Mode string `json:"mode"` // ModeTunnel (IOS default) or ModeTransport
}

// CombinedMode reports whether the ESP cipher authenticates by itself.
func (t *TransformSet) CombinedMode() bool {
	return t.ESPCipher == "esp-gcm" || t.ESPCipher == "esp-gmac"
}

// DefaultTransformSet is IOS's smart default: esp-aes (128) with
// esp-sha-hmac, transport mode (IOS falls back to tunnel mode when
// transport is impossible, as for a virtual tunnel interface).
func DefaultTransformSet() *TransformSet {
	return &TransformSet{Name: DefaultName, ESPCipher: "esp-aes", ESPKeyBits: 128, ESPAuth: "esp-sha-hmac", Mode: ModeTransport}
}

// IPsecProfile is "crypto ipsec profile NAME", applied to tunnel and
// virtual-template interfaces with "tunnel protection ipsec profile".
// Zero values mean the IOS default given on each field.
type IPsecProfile struct {
	Name        string `json:"name"`
	Description string `json:"description,omitempty"`

	// TransformSets are offered in this order (at most
	// MaxProfileTransformSets).
	TransformSets []string `json:"transform_sets,omitempty"`
	// IKEv2Profile restricts the profile to SAs negotiated under that IKEv2
	// profile; "" = any.
	IKEv2Profile string `json:"ikev2_profile,omitempty"`

	// PFS requests a fresh Diffie-Hellman exchange for each child SA;
	// PFSGroup is "group14" and so on, "" for "set pfs" typed without a
	// group (see DHGroup).
	PFS      bool   `json:"pfs,omitempty"`
	PFSGroup string `json:"pfs_group,omitempty"`

	// SA lifetimes; 0 = the global "crypto ipsec security-association
	// lifetime" value (IOS default 3600 seconds and 4608000 kilobytes).
	// LifetimeDays and LifetimeSeconds are two spellings of the time
	// lifetime: at most one is set.
	LifetimeSeconds           int   `json:"lifetime_seconds,omitempty"`
	LifetimeDays              int   `json:"lifetime_days,omitempty"`
	LifetimeKilobytes         int64 `json:"lifetime_kilobytes,omitempty"`
	LifetimeKilobytesDisabled bool  `json:"lifetime_kilobytes_disabled,omitempty"` // no volume rekey

	// Anti-replay; 0 = the global window (IOS default 64 packets).
	ReplayWindowSize int  `json:"replay_window_size,omitempty"`
	ReplayDisabled   bool `json:"replay_disabled,omitempty"`

	// IdleTime deletes SAs idle for this many seconds; 0 = never.
	IdleTime int `json:"idle_time,omitempty"`

	// ResponderOnly: never initiate SAs from this profile.
	ResponderOnly bool `json:"responder_only,omitempty"`
}

// MaxProfileTransformSets is how many transform sets "set transform-set"
// takes.
const MaxProfileTransformSets = 6

// DHGroup is the PFS Diffie-Hellman group, "" without PFS. A bare "set
// pfs" means group1 in IOS.
func (p *IPsecProfile) DHGroup() string {
	switch {
	case !p.PFS:
		return ""
	case p.PFSGroup == "":
		return "group1"
	}
	return p.PFSGroup
}

// DefaultIPsecProfile is IOS's smart default profile: the default transform
// set, no PFS, global lifetimes.
func DefaultIPsecProfile() *IPsecProfile {
	return &IPsecProfile{Name: DefaultName, TransformSets: []string{DefaultName}}
}

// IOS defaults of the global SA settings.
const (
	DefaultSALifetimeSeconds   = 3600
	DefaultSALifetimeKilobytes = 4608000
	DefaultReplayWindowSize    = 64
)

// IPsecGlobal holds the "crypto ipsec security-association" globals; zero
// values mean the IOS defaults above.
type IPsecGlobal struct {
	LifetimeSeconds           int   `json:"lifetime_seconds,omitempty"`
	LifetimeKilobytes         int64 `json:"lifetime_kilobytes,omitempty"`
	LifetimeKilobytesDisabled bool  `json:"lifetime_kilobytes_disabled,omitempty"`
	ReplayWindowSize          int   `json:"replay_window_size,omitempty"`
	ReplayDisabled            bool  `json:"replay_disabled,omitempty"`
}
