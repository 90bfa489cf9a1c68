package ike

import (
	"context"
	"net/netip"
	"time"

	"github.com/gatehouse-vpn/gatehouse/dataplane"
)

// The engine's contract with the AAA service (services/aaa). Authorizer
// (authz.go) answers authorization; the interfaces here cover the rest of
// what a FlexVPN server asks of AAA: EAP pass-through, AAA-based pre-shared
// keys and the session events that drive accounting. Every method may block
// on a RADIUS round trip: the engine calls them off its workers, never
// holding an SA lock, with a context that ends when the peer's patience
// (the EAP timeout, the half-open timeout) does.

// EAPAuthenticator starts EAP pass-through conversations (RFC 7296 2.16):
// the engine relays the peer's EAP packets to the server named by the
// profile's "aaa authentication eap" list and the server's answers back.
type EAPAuthenticator interface {
	StartEAP(ctx context.Context, req EAPRequest) (EAPConversation, error)
}

// EAPRequest names the list and the peer of one EAP conversation.
type EAPRequest struct {
	List     string         // "aaa authentication eap LIST" of the profile ("default" when unnamed)
	Identity string         // the peer's IKE identity (IDi) as text
	Peer     netip.AddrPort // the peer's IKE address (Calling-Station-Id)
	Local    netip.AddrPort // our IKE address (NAS-IP-Address, Called-Station-Id)
	// AuditSessionID ties the conversation's RADIUS packets to the session
	// (Cisco AV-pair audit-session-id).
	AuditSessionID string
}

// EAPConversation is one EAP exchange with the authentication server. The
// engine calls Step for each EAP packet the peer sends (the first is the
// peer's EAP-Response/Identity, real or synthesised from IDi) and Close
// when it abandons the conversation for any reason.
type EAPConversation interface {
	Step(ctx context.Context, fromPeer []byte) (*EAPAnswer, error)
	Close()
}

// EAPOutcome says where a conversation stands after a Step.
type EAPOutcome int

const (
	EAPContinue EAPOutcome = iota // Access-Challenge: Packet is the next EAP request
	EAPSuccess                    // Access-Accept: Packet is EAP-Success
	EAPFailure                    // Access-Reject: Packet is EAP-Failure
)

// EAPAnswer is the server's answer to one Step.
type EAPAnswer struct {
	Outcome EAPOutcome
	Packet  []byte // the EAP packet for the peer (always set: a Failure is built when the server sent none)
	// On success: the MSK (MS-MPPE-Recv-Key then MS-MPPE-Send-Key, 64
	// bytes) when the method generates keys, else nil; the user name the
	// server returned (User-Name of the Access-Accept, else the EAP
	// identity), which becomes the session's AAA user; and the
	// authorization attributes the Access-Accept carried.
	MSK        []byte
	Username   string
	Attributes *Attributes
	// SessionTimeout and IdleTimeout from the Access-Accept (0: none).
	SessionTimeout, IdleTimeout time.Duration
}

// PSKLookup fetches pre-shared keys for "keyring aaa LIST": an
// Access-Request for the (mangled) peer identity with the keyring's
// password, answered with Tunnel-Password or the Cisco AV-pairs
// ipsec:ikev2-password-local / ipsec:ikev2-password-remote.
type PSKLookup interface {
	LookupPSK(ctx context.Context, req PSKRequest) (*PSKAnswer, error)
}

// PSKRequest is one AAA pre-shared-key lookup.
type PSKRequest struct {
	List     string // the keyring's authorization method list
	Username string // the peer identity after the keyring's name mangler
	Password string // the keyring's AAA password ("cisco" by default)
	Peer     netip.AddrPort
	Local    netip.AddrPort // our IKE address (NAS-IP-Address)
	// AuditSessionID names the session the key is for (seed 001's
	// Access-Request carries it).
	AuditSessionID string
}

// PSKAnswer carries the keys (Remote verifies the peer's AUTH, Local signs
// ours; a lone Tunnel-Password is both) and, for "aaa authorization user
// psk cached", the attributes of the same Access-Accept.
type PSKAnswer struct {
	Local, Remote []byte
	Attributes    *Attributes
}

// SessionObserver hears of sessions coming up and going down (the AAA
// service sends accounting from these). Calls are made in order for one
// session, from a goroutine of their own; implementations must not block
// for long.
type SessionObserver interface {
	SessionUp(s SessionRecord)
	SessionDown(s SessionRecord, cause TerminateCause)
}

// SessionRecord is what accounting needs to know of a session.
type SessionRecord struct {
	ID             int    // IOS session number
	AuditSessionID string // Cisco audit-session-id
	Username       string // AAA user name (EAP identity, mangled identity)
	Identity       string // the peer's IKE identity (isakmp-phase1-id)
	Profile        string
	AccountingList string // the profile's "aaa accounting" list for the peer's method class ("" = none)
	AuthMethod     string // schema.AAAPSK, AAAEAP, AAACert
	Peer, Local    netip.AddrPort
	FramedIP       netip.Addr
	VirtualAccess  string // "Virtual-Access1"
	IVRF           string
	Up             time.Time
	// Counters are the virtual-access interface's counters, read by the
	// engine just before it removes the interface (SessionDown only).
	Counters dataplane.Counters
}

// TerminateCause is why a session ended, as RADIUS Acct-Terminate-Cause
// (RFC 2866 5.10) names it.
type TerminateCause int

const (
	CauseUserRequest    TerminateCause = 1  // the peer deleted the IKE SA
	CauseLostCarrier    TerminateCause = 2  // dead peer detection
	CauseIdleTimeout    TerminateCause = 4  // Idle-Timeout
	CauseSessionTimeout TerminateCause = 5  // Session-Timeout
	CauseAdminReset     TerminateCause = 6  // clear crypto session, Disconnect-Request
	CauseNASRequest     TerminateCause = 10 // configuration change, shutdown
	CauseNASError       TerminateCause = 9  // internal failure
)
