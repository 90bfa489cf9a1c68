package schema

// Kinds: the configdb bucket of each object type. The key of a singleton
// kind is Global.
const (
	Global = "global"

	KindSystem       = "system"          // System (singleton)
	KindUsername     = "username"        // Username, keyed by user name
	KindInterface    = "interface"       // Interface, keyed by canonical IOS name
	KindIPPool       = "ip-local-pool"   // IPPool, keyed by pool name
	KindIPv6Pool     = "ipv6-local-pool" // IPv6Pool, keyed by pool name
	KindIKEv2Profile = "ikev2-profile"   // IKEv2Profile, keyed by name
)

// Secret is a password or key as IOS keeps it: Type 0 (clear text, shown
// encrypted with type 7 when service password-encryption is on), 6 (AES,
// kept as typed), 7 (reversible, kept decoded), 5/8/9 (one-way hashes, kept
// as the hash string).
type Secret struct {
	Type  int    `json:"type"`
	Value string `json:"value"`
}

// System holds the global singletons.
type System struct {
	Hostname                  string           `json:"hostname,omitempty"` // default "Router"
	DomainName                string           `json:"domain_name,omitempty"`
	ServicePasswordEncryption bool             `json:"service_password_encryption,omitempty"`
	EnableSecret              *Secret          `json:"enable_secret,omitempty"`
	EnablePassword            *Secret          `json:"enable_password,omitempty"`
	AAANewModel               bool             `json:"aaa_new_model,omitempty"`
	AAASessionIDCommon        bool             `json:"aaa_session_id_common,omitempty"`
	LoggingBuffered           *LoggingBuffered `json:"logging_buffered,omitempty"`
	BannerMOTD                *Banner          `json:"banner_motd,omitempty"`
}

// LoggingBuffered is "logging buffered [SIZE] [LEVEL]".
type LoggingBuffered struct {
	Size  int    `json:"size,omitempty"`  // bytes; 0 = default 4096
	Level string `json:"level,omitempty"` // severity keyword; "" = debugging
}

// Banner is a banner text with the delimiter it was entered with.
type Banner struct {
	Delimiter string `json:"delimiter"`
	Text      string `json:"text"`
}

// Username is a local user.
type Username struct {
	Name      string  `json:"name"`
	Privilege int     `json:"privilege,omitempty"` // 0 = default 1
	Secret    *Secret `json:"secret,omitempty"`
	Password  *Secret `json:"password,omitempty"`
}

// PrivilegeLevel is the user's privilege with IOS's default of 1.
func (u *Username) PrivilegeLevel() int {
	if u.Privilege == 0 {
		return 1
	}
	return u.Privilege
}
