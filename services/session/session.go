package session

import (
	"net/netip"
	"time"
)

// Status is the session state IOS prints on the "Session status:" line.
type Status string

// Session states as "show crypto session" prints them.
const (
	UpActive        Status = "UP-ACTIVE"        // IKE SA and at least one IPsec SA up
	UpIdle          Status = "UP-IDLE"          // IKE SA up, no IPsec SA
	DownNegotiating Status = "DOWN-NEGOTIATING" // IKE negotiation in progress
	Down            Status = "DOWN"
)

// Session is one row of the crypto session table: one peer, reached over
// one interface (a cloned Virtual-Access for FlexVPN remote access).
type Session struct {
	ID        int            // IKEv2 session id, "Session ID:" (also IKESA.SessionID)
	Interface string         // e.g. "Virtual-Access1"
	Profile   string         // IKEv2 profile name
	Username  string         // AAA user name (EAP user, mangled identity); not shown by IOS's session views
	Status    Status         // "Session status:"
	Peer      netip.AddrPort // remote IKE endpoint
	FVRF      string         // front-door VRF; "" is the global table
	IVRF      string         // inside VRF; "" is the global table
	IKE       *IKESA         // nil while no IKE SA exists
	Flows     []Flow         // IPsec flows (proxy identities)
	// Children are the session's child SAs; a rekey leaves the old pair
	// in the list only until it is deleted.
	Children []ChildSA

	// Uptime and Desc appear only in the detail view.
	Uptime time.Duration
	Desc   string
}

// IKE SA states as "show crypto ikev2 sa" prints them in the Status column.
const (
	IKEReady       = "READY"
	IKENegotiating = "IN-NEG"
	IKEDeleting    = "DELETE"
)

// IKESA is one IKEv2 SA as "show crypto ikev2 sa detail" shows it.
// Algorithm names are the IOS display names ("AES-CBC", "SHA512", "PSK"),
// not transform ids: the engine translates once, the renderers never do.
type IKESA struct {
	TunnelID  int // "Tunnel-id" column
	ConnID    int // "CE id:" (crypto engine connection id)
	SessionID int // "Session-id:"

	Local, Remote netip.AddrPort
	FVRF, IVRF    string // "" prints as "none"

	Encr       string // "3DES", "AES-CBC", ...
	KeySize    int    // bits; 0 for ciphers with a fixed key (IOS then omits "keysize:")
	PRF, Hash  string // "SHA512", "SHA96" (integrity), ...
	DHGroup    int
	AuthSign   string // method this end signs with: "PSK", "RSA", ...
	AuthVerify string // method the peer is verified with: "PSK", "EAP", ...

	Lifetime time.Duration // configured IKE SA lifetime
	Active   time.Duration // time since the SA was established

	LocalSPI, RemoteSPI uint64
	LocalID, RemoteID   string
	RemoteEAPID         string // "" when the peer did not authenticate with EAP

	Status string // IKEReady, IKENegotiating, IKEDeleting

	Caps Capabilities // shown by "show crypto session detail"
}

// Capabilities are the per-SA feature letters of "show crypto session
// detail" ("Capabilities:CDN"), in the legend's order.
type Capabilities uint16

// Capability flags, one per letter of the IOS legend.
const (
	CapConfigMode    Capabilities = 1 << iota // C - IKE Configuration mode
	CapDPD                                    // D - Dead Peer Detection
	CapKeepalives                             // K - Keepalives
	CapNATT                                   // N - NAT-traversal
	CapCTCP                                   // T - cTCP encapsulation
	CapXauth                                  // X - IKE Extended Authentication
	CapFragmentation                          // F - IKE Fragmentation
	CapAutoReconnect                          // R - IKE Auto Reconnect
	CapDynamicRoute                           // U - IKE Dynamic Route Update
	CapSIPVPN                                 // S - SIP VPN
)

const capLetters = "CDKNTXFRUS"

// String is the IOS rendering: the letters of the set flags, or "(none)".
func (c Capabilities) String() string {
	var b []byte
	for i := 0; i < len(capLetters); i++ {
		if c&(1<<i) != 0 {
			b = append(b, capLetters[i])
		}
	}
	if len(b) == 0 {
		return "(none)"
	}
	return string(b)
}

// Flow is one IPsec flow (a pair of proxy identities) of a session.
// A prefix of full length (/32, /128) prints as "host A".
type Flow struct {
	Proto         int // IP protocol; 0 prints as "ip"
	Local, Remote netip.Prefix
	ActiveSAs     int    // inbound plus outbound IPsec SAs
	Origin        string // "crypto-map" for tunnel protection, as IOS says
}

// ChildSA is one IPsec SA pair (inbound and outbound) as "show crypto ipsec sa" shows it.
type ChildSA struct {
	Interface                                                                string         // "Virtual-Access1"
	Local, Remote                                                            netip.AddrPort // outer IKE/ESP endpoints ("local crypto endpt.", "remote crypto endpt.")
	FVRF, IVRF                                                               string
	Proto                                                                    int          // proxy identity protocol, 0 = ip
	LocalTS, RemoteTS                                                        netip.Prefix // "local  ident (addr/mask/prot/port)"
	InboundSPI, OutboundSPI                                                  uint32
	Transform                                                                string // IOS transform string, e.g. "esp-gcm 256 ," or "esp-256-aes esp-sha256-hmac ,"
	Mode                                                                     string // "Tunnel" or "Transport"
	UDPEncap                                                                 bool   // NAT-T: mode shows "Tunnel UDP-Encaps"
	PFS                                                                      int    // DH group, 0 = N
	ConnIDIn, ConnIDOut                                                      int    // "conn id:"
	FlowIDIn, FlowIDOut                                                      int
	Lifetime                                                                 time.Duration // configured
	LifetimeKB                                                               uint64
	Remaining                                                                time.Duration // "sa timing: remaining key lifetime (k/sec): (KB/SEC)"
	RemainingKB                                                              uint64
	ReplayWindow                                                             int
	PktsEncaps, PktsEncrypt, PktsDigest, PktsDecaps, PktsDecrypt, PktsVerify uint64
	SendErrors, RecvErrors                                                   uint64
	VerifyFailed, ReplayFailed                                               uint64 // parts of RecvErrors
	Status                                                                   string // "ACTIVE(ACTIVE)"
}

// IKEv2Stats are the counters of "show crypto ikev2 stats".
//
// The fields follow the IOS-XE sample output kept by Cisco's genieparser
// tests (https://github.com/CiscoTestAutomation/genieparser, file
// src/genie/libs/parser/iosxe/tests/ShowCryptoIkev2Stats/cli/equal/golden_output_output.txt),
// down to "Total Deleted sessions of Cert Revoked Peers"; the lines that
// sample prints after it (queue limit, SA strength, quantum resistance, PPK)
// are IOS-XE 17 additions and are left out.
type IKEv2Stats struct {
	// Limits of the header line. They are configuration, not counters: the
	// CLI fills MaxSA and MaxInNego* from "crypto ikev2 limit". Zero
	// MaxInNego* print as IOS's defaults (40 incoming, 400 outgoing).
	ResourceLimit              uint64 // "System Resource Limit:" (call admission), 0 = none
	MaxSA                      uint64 // "Max IKEv2 SAs:", 0 = unlimited
	MaxInNegoIn, MaxInNegoOut  uint64 // "Max in nego(in/out):"
	InSAs, InActive, InNego    int    // "Total incoming IKEv2 SA Count: ... active: ... negotiating:"
	OutSAs, OutActive, OutNego int    // "Total outgoing IKEv2 SA Count: ..."

	InRequests, InAccepted, InRejected         uint64 // "Incoming IKEv2 Requests:"
	OutRequests, OutAccepted, OutRejected      uint64 // "Outgoing IKEv2 Requests:"
	Rejected, RejectedRsrcLow, RejectedSALimit uint64 // "Rejected IKEv2 Requests: ... rsrc low: ... SA limit:"
	DroppedAtDispatch                          uint64 // "IKEv2 packets dropped at dispatch:"
	DroppedLowQ                                uint64 // "Incoming Requests dropped as LOW Q limit reached :"

	CookieChallenged, CookieAccepted, CookieRejected, CookieRejectedNoCookie uint64 // "Incoming IKEV2 Cookie Challenged Requests:"
	CertRevokedDeleted                                                       uint64 // "Total Deleted sessions of Cert Revoked Peers:"

	Reconnect ReconnectStats // "show crypto ikev2 stats reconnect"
}

// ReconnectStats are the counters of "show crypto ikev2 stats reconnect"
// (AnyConnect auto-reconnect), seed 001 line 1446.
type ReconnectStats struct {
	Incoming, Success, Failed      uint64 // "Total incoming/Success/Failed reconnect connection:"
	CapableActive, CapableInactive int    // "Reconnect capable active/inactive session count:"
}

// ClearRequest is one "clear crypto ..." command as the engine receives it.
// Zero addresses and an unset FVRF match everything.
type ClearRequest struct {
	Sessions bool // "clear crypto session": IKE SAs and their child SAs
	IKE      bool // "clear crypto ikev2 sa"
	Remote   netip.Addr
	Local    netip.Addr
	FVRF     string
	HasFVRF  bool // FVRF was given ("" alone would mean the global table)
	Stats    bool // "clear crypto ikev2 stats": reset IKEv2Stats counters
}
