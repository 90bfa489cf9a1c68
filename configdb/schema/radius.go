package schema

// RADIUS client configuration: the servers, the server groups that method
// lists name, and the global radius-server defaults. The RADIUS client
// reads these; per-server values override the globals.
const (
	KindRADIUSServer = "radius-server"        // RADIUSServer, keyed by name ("radius server NAME")
	KindServerGroup  = "aaa-server-group"     // ServerGroup, keyed by group name
	KindRADIUSGlobal = "radius-server-global" // RADIUSGlobal (singleton, key Global)
)

// IOS's RADIUS defaults.
const (
	DefaultAuthPort   = 1645 // Cisco's historical authentication port (RFC 2865 names 1812)
	DefaultAcctPort   = 1646 // Cisco's historical accounting port (RFC 2866 names 1813)
	DefaultTimeout    = 5    // seconds to wait for a reply
	DefaultRetransmit = 3    // retries before the next server is tried
)

// RADIUSServer is one "radius server NAME" block. A server without an
// Address is configured but unusable.
type RADIUSServer struct {
	Name string `json:"name"`
	// Seq is the creation order: "group radius" tries servers in it and
	// the running configuration lists them in it.
	Seq     int            `json:"seq"`
	Address *RADIUSAddress `json:"address,omitempty"`
	Key     *Secret        `json:"key,omitempty"`     // nil = the global radius-server key
	Timeout int            `json:"timeout,omitempty"` // seconds, 1-1000; 0 = global timeout
	// Retransmit is 0-100 retries; nil = global retransmit.
	Retransmit     *int            `json:"retransmit,omitempty"`
	AutomateTester *AutomateTester `json:"automate_tester,omitempty"`
}

// RADIUSAddress is "address ipv4|ipv6 HOST [auth-port N] [acct-port N]".
// A port of 0 means the server is not used for that service.
type RADIUSAddress struct {
	IPv6     bool   `json:"ipv6,omitempty"`
	Host     string `json:"host"` // IPv4 address, host name (ipv4 only) or IPv6 address
	AuthPort int    `json:"auth_port"`
	AcctPort int    `json:"acct_port"`
}

// AutomateTester is "automate-tester username NAME [probe-on]": the server
// is probed with requests for a dummy user; with ProbeOn it is probed only
// while marked dead, to detect that it came back.
type AutomateTester struct {
	Username string `json:"username"`
	ProbeOn  bool   `json:"probe_on,omitempty"`
}

// ServerGroup is "aaa group server radius NAME": the servers a method list
// naming the group tries, in order.
type ServerGroup struct {
	Name    string        `json:"name"`
	Servers []GroupServer `json:"servers,omitempty"`
	// Deadtime is how long (minutes, 1-1440) a server that stopped
	// answering is skipped; 0 = the global radius-server deadtime.
	Deadtime        int    `json:"deadtime,omitempty"`
	SourceInterface string `json:"source_interface,omitempty"` // canonical interface name; "" = routing decides
	VRF             string `json:"vrf,omitempty"`              // "ip vrf forwarding": VRF the servers are reached in
	// LeastOutstanding ("load-balance method least-outstanding") spreads
	// transactions over the servers instead of using the first live one.
	LeastOutstanding bool `json:"least_outstanding,omitempty"`
}

// GroupServer is one member of a server group: either a named "radius
// server" block (Name) or a legacy "server A.B.C.D" entry.
type GroupServer struct {
	Name     string `json:"name,omitempty"`
	Address  string `json:"address,omitempty"`
	AuthPort int    `json:"auth_port,omitempty"` // legacy entries only
	AcctPort int    `json:"acct_port,omitempty"` // legacy entries only
}

// RADIUSGlobal holds the "radius-server ..." commands.
type RADIUSGlobal struct {
	Hosts      []RADIUSHost `json:"hosts,omitempty"`   // legacy servers, in the order configured
	Key        *Secret      `json:"key,omitempty"`     // default shared secret
	Timeout    int          `json:"timeout,omitempty"` // seconds, 1-1000; 0 = DefaultTimeout
	Retransmit *int         `json:"retransmit,omitempty"`
	// Deadtime is how long (minutes, 1-1440) a dead server is skipped;
	// 0 = never skipped.
	Deadtime     int           `json:"deadtime,omitempty"`
	DeadCriteria *DeadCriteria `json:"dead_criteria,omitempty"`
	// Attribute44InAccessReq sends Acct-Session-Id in Access-Requests.
	Attribute44InAccessReq bool `json:"attribute_44_include_in_access_req,omitempty"`
	// Attribute6OnForLoginAuth sends Service-Type in login Access-Requests.
	Attribute6OnForLoginAuth bool `json:"attribute_6_on_for_login_auth,omitempty"`
	VSASendAccounting        bool `json:"vsa_send_accounting,omitempty"`     // send Cisco VSAs in accounting
	VSASendAuthentication    bool `json:"vsa_send_authentication,omitempty"` // send Cisco VSAs in authentication
}

// RetransmitCount is the global retransmit count with IOS's default.
func (g *RADIUSGlobal) RetransmitCount() int {
	if g.Retransmit == nil {
		return DefaultRetransmit
	}
	return *g.Retransmit
}

// TimeoutSeconds is the global timeout with IOS's default.
func (g *RADIUSGlobal) TimeoutSeconds() int {
	if g.Timeout == 0 {
		return DefaultTimeout
	}
	return g.Timeout
}

// DeadCriteria is "radius-server dead-criteria [time N] [tries N]": a
// server is marked dead when it has not answered for Time seconds and
// Tries requests; 0 = computed by IOS from timeout and retransmit.
type DeadCriteria struct {
	Time  int `json:"time,omitempty"`  // seconds, 1-120
	Tries int `json:"tries,omitempty"` // 1-100
}

// RADIUSHost is a legacy "radius-server host A.B.C.D ..." server.
type RADIUSHost struct {
	Address  string  `json:"address"`
	AuthPort int     `json:"auth_port"`
	AcctPort int     `json:"acct_port"`
	Key      *Secret `json:"key,omitempty"` // nil = the global key
}
