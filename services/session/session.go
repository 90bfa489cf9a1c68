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
	Status    Status         // "Session status:"
	Peer      netip.AddrPort // remote IKE endpoint
	FVRF      string         // front-door VRF; "" is the global table
	IVRF      string         // inside VRF; "" is the global table
	IKE       *IKESA         // nil while no IKE SA exists
	Flows     []Flow         // IPsec flows (proxy identities)

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
