package schema

import "strconv"

// AAA configuration: method lists, accounting updates, attribute lists,
// RADIUS dynamic authorization (PoD/CoA) and the terminal lines' login
// settings. The AAA service reads these to decide, for each request, which
// servers (or the local database) to ask and in which order.
const (
	KindMethodList    = "aaa-method-list"    // MethodList, keyed by MethodListKey
	KindAAAGlobal     = "aaa-global"         // AAAGlobal (singleton, key Global)
	KindAttributeList = "aaa-attribute-list" // AttributeList, keyed by list name
	KindDynamicAuthor = "aaa-dynamic-author" // DynamicAuthor (singleton, key Global); absent = not configured
	KindLine          = "line"               // Line, keyed by LineKey ("con 0", "vty 3")
)

// AAA services: the second word of "aaa authentication|authorization|accounting".
const (
	ServiceAuthentication = "authentication"
	ServiceAuthorization  = "authorization"
	ServiceAccounting     = "accounting"
)

// Method list types (the word after the service).
const (
	ListLogin   = "login"   // authentication of logins; also the EAP list named in IKEv2 profiles
	ListEnable  = "enable"  // authentication of "enable"
	ListNetwork = "network" // authorization/accounting of network sessions (IKEv2/IPsec, PSK lookup)
	ListExec    = "exec"    // authorization/accounting of EXEC shells
)

// DefaultMethodList is the list used where none is named.
const DefaultMethodList = "default"

// MaxMethods is how many methods IOS accepts in one list.
const MaxMethods = 4

// Method kinds, tried in list order: the next method is tried only when
// the previous one gave no answer (server unreachable), never after a
// reject.
const (
	MethodGroup           = "group"            // a server group: Method.Group
	MethodLocal           = "local"            // local usernames (case-insensitive user name)
	MethodLocalCase       = "local-case"       // local usernames, case-sensitive
	MethodNone            = "none"             // succeed without checking
	MethodEnable          = "enable"           // the enable secret/password
	MethodLine            = "line"             // the line password
	MethodIfAuthenticated = "if-authenticated" // authorization succeeds when the user authenticated
)

// GroupRADIUS as Method.Group means every RADIUS server ("radius server"
// blocks in creation order, then "radius-server host" entries); any other
// value names an "aaa group server radius" group.
const GroupRADIUS = "radius"

// Accounting actions (record types sent).
const (
	AcctStartStop = "start-stop" // start record at session up, stop record at session down
	AcctStopOnly  = "stop-only"  // stop record only
	AcctNone      = "none"       // no accounting for sessions using this list
)

// MethodList is one "aaa <service> <type> <name> [action] method...". An
// accounting list entered in its sub-mode ("aaa accounting network X" then
// "action-type ..." and "group ...") may be incomplete: no Action means no
// records are sent. As in IOS, lists apply only while "aaa new-model"
// (System.AAANewModel) is on; the CLI accepts them either way.
type MethodList struct {
	Service string   `json:"service"` // ServiceAuthentication, ServiceAuthorization or ServiceAccounting
	Type    string   `json:"type"`    // ListLogin, ListEnable, ListNetwork or ListExec
	Name    string   `json:"name"`    // DefaultMethodList or a list name
	Action  string   `json:"action,omitempty"`
	Methods []Method `json:"methods,omitempty"` // in the order tried, at most MaxMethods
}

// MethodListKey is the configdb key of a method list: "accounting network acc_list".
func MethodListKey(service, typ, name string) string {
	return service + " " + typ + " " + name
}

// Method is one entry of a method list.
type Method struct {
	Kind  string `json:"kind"`            // one of the Method... constants
	Group string `json:"group,omitempty"` // MethodGroup only: GroupRADIUS or a server group name
}

// AAAGlobal holds the global AAA settings that are not lists.
type AAAGlobal struct {
	// AccountingUpdate is "aaa accounting update [newinfo] [periodic N]";
	// nil means IOS's default: no interim records.
	AccountingUpdate *AccountingUpdate `json:"accounting_update,omitempty"`
}

// AccountingUpdate controls interim accounting records.
type AccountingUpdate struct {
	NewInfo  bool `json:"newinfo,omitempty"`  // send an interim record when session information changes
	Periodic int  `json:"periodic,omitempty"` // minutes between interim records, 1-71582; 0 = not periodic
}

// AttributeList is "aaa attribute list NAME": a local set of AAA attributes
// (for FlexVPN, referenced from an IKEv2 authorization policy and applied as
// if a RADIUS server had returned them).
type AttributeList struct {
	Name       string      `json:"name"`
	Attributes []Attribute `json:"attributes,omitempty"` // in the order configured; a name may repeat
}

// Attribute is one "attribute type NAME VALUE [service S] [protocol P]
// [mandatory]". Value is unquoted: interface-config "ip mtu 1000" stores
// ip mtu 1000, which the virtual-access interface applies as a command.
type Attribute struct {
	Name  string `json:"name"` // AAA attribute name, e.g. interface-config
	Value string `json:"value"`
	// Quoted records that the value was typed in double quotes, so the
	// running configuration shows it the same way.
	Quoted    bool   `json:"quoted,omitempty"`
	Service   string `json:"service,omitempty"`  // e.g. ike; "" = any service
	Protocol  string `json:"protocol,omitempty"` // e.g. ip; "" = any protocol
	Mandatory bool   `json:"mandatory,omitempty"`
}

// DynamicAuthorPort is IOS's default UDP port of "aaa server radius
// dynamic-author" (the seed's PoD exchange uses it; RFC 5176 names 3799).
const DynamicAuthorPort = 1700

// DynamicAuthor is "aaa server radius dynamic-author": the RADIUS dynamic
// authorization server (RFC 5176) that accepts Disconnect (PoD) and CoA
// requests from the listed clients.
type DynamicAuthor struct {
	Clients   []DynamicAuthorClient `json:"clients,omitempty"`    // in the order configured
	ServerKey *Secret               `json:"server_key,omitempty"` // shared secret for clients without their own
	Port      int                   `json:"port,omitempty"`       // UDP port; 0 = DynamicAuthorPort
	// AuthType is how request attributes must match the session: "all",
	// "any" or "session-key"; "" = IOS default (all).
	AuthType         string `json:"auth_type,omitempty"`
	IgnoreServerKey  bool   `json:"ignore_server_key,omitempty"`  // do not check the request authenticator
	IgnoreSessionKey bool   `json:"ignore_session_key,omitempty"` // do not require the session key attribute
}

// ListenPort is the UDP port with IOS's default applied.
func (d *DynamicAuthor) ListenPort() int {
	if d.Port == 0 {
		return DynamicAuthorPort
	}
	return d.Port
}

// DynamicAuthorClient is one "client ADDRESS [vrf VRF] [server-key KEY]".
type DynamicAuthorClient struct {
	Address   string  `json:"address"` // IPv4, IPv6 or host name, as typed
	VRF       string  `json:"vrf,omitempty"`
	ServerKey *Secret `json:"server_key,omitempty"` // nil = the global server key
}

// Terminal line types.
const (
	LineConsole = "con"
	LineVTY     = "vty"
)

// LineKey is the configdb key of one terminal line: "con 0", "vty 3" (the
// CLI session IDs).
func LineKey(typ string, n int) string { return typ + " " + strconv.Itoa(n) }

// DefaultExecTimeout is IOS's exec-timeout: 10 minutes.
const DefaultExecTimeout = 10 * 60

// Line holds the settings of one terminal line. "line vty 0 4" stores the
// same settings in each of vty 0 to vty 4; the running configuration
// groups consecutive lines with equal settings back into ranges.
type Line struct {
	Name string `json:"name"` // LineKey
	// ExecTimeout is the idle timeout; nil = DefaultExecTimeout. Minutes
	// and seconds 0 0 mean never.
	ExecTimeout *ExecTimeout `json:"exec_timeout,omitempty"`
	// LoginAuthentication names the login method list; "" = DefaultMethodList.
	LoginAuthentication string `json:"login_authentication,omitempty"`
	// TransportInput is "all", "none", "ssh" or "telnet"; "" = IOS default.
	TransportInput string `json:"transport_input,omitempty"`
	// Privilege is the level a session starts at; nil = 1.
	Privilege *int `json:"privilege,omitempty"`
}

// ExecTimeout is "exec-timeout MINUTES [SECONDS]".
type ExecTimeout struct {
	Minutes int `json:"minutes"`
	Seconds int `json:"seconds,omitempty"`
}

// TimeoutSeconds is the line's idle timeout in seconds with IOS's default applied
// (0 = never).
func (l *Line) TimeoutSeconds() int {
	if l.ExecTimeout == nil {
		return DefaultExecTimeout
	}
	return l.ExecTimeout.Minutes*60 + l.ExecTimeout.Seconds
}
