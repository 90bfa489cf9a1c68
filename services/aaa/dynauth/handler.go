package dynauth

import (
	"context"
	"net/netip"

	"layeh.com/radius/rfc3576"
	"layeh.com/radius/rfc5176"
)

// Kind is the kind of a dynamic authorization request.
type Kind uint8

// The two requests of RFC 5176.
const (
	KindDisconnect Kind = iota + 1 // Disconnect-Request (40), IOS's "POD"
	KindCoA                        // CoA-Request (43)
)

func (k Kind) String() string {
	switch k {
	case KindDisconnect:
		return "Disconnect"
	case KindCoA:
		return "CoA"
	}
	return "unknown"
}

// Handler carries out requests on the sessions. The AAA service
// implements it over the IKE engine's sessions. Both methods are called
// off the socket goroutine, at most Options.MaxConcurrent at a time, with
// a context that ends after Options.HandlerTimeout; a call still running
// then is answered with a NAK (Resources Unavailable) and its result, when
// it comes, is discarded. A Disconnect should return once the session is
// queued for deletion, as IOS does, not once the IKE DELETE exchange is
// over.
type Handler interface {
	Disconnect(ctx context.Context, m Match) Result
	CoA(ctx context.Context, m Match, c Change) Result
}

// AuthType is "auth-type all|any|session-key" of "aaa server radius
// dynamic-author": how a request's session identification attributes
// select sessions.
type AuthType uint8

const (
	// AuthAll (IOS's default): a session is selected when every
	// identification attribute the request carries matches it.
	AuthAll AuthType = iota
	// AuthAny: a session is selected when at least one of the request's
	// identification attributes matches it.
	AuthAny
	// AuthSessionKey: only the session key, the Cisco AV pair
	// audit-session-id, selects; the other identification attributes are
	// ignored. A request without one is refused with Missing Attribute,
	// unless "ignore session-key" is configured, in which case the
	// request is matched as with AuthAll.
	AuthSessionKey
)

// ParseAuthType reads the stored "auth-type" word ("" is IOS's default,
// all).
func ParseAuthType(s string) (AuthType, bool) {
	switch s {
	case "", "all":
		return AuthAll, true
	case "any":
		return AuthAny, true
	case "session-key":
		return AuthSessionKey, true
	}
	return AuthAll, false
}

func (a AuthType) String() string {
	switch a {
	case AuthAny:
		return "any"
	case AuthSessionKey:
		return "session-key"
	}
	return "all"
}

// Match is how a request names its sessions: the session identification
// attributes it carries (empty fields were absent) and the rule that
// combines them. The server never passes a Match without at least one
// identifier.
type Match struct {
	AuditSessionID string     // Cisco AV pair audit-session-id (vendor 9, type 1), the session key
	AcctSessionID  string     // Acct-Session-Id (44)
	UserName       string     // User-Name (1)
	FramedIP       netip.Addr // Framed-IP-Address (8)
	// Mode is the effective rule: AuthSessionKey only when the request
	// has an audit-session-id (see AuthSessionKey).
	Mode AuthType
}

// Identity is what a session is known by; the fields a Match compares.
type Identity struct {
	AuditSessionID string
	AcctSessionID  string
	UserName       string
	FramedIP       netip.Addr
}

// Matches reports whether m selects a session known as id. Strings
// compare exactly (a RADIUS server repeats what the NAS sent it).
// Several sessions may match one request (a User-Name alone): the
// Handler decides whether it acts on all of them or answers
// Multiple Session Selection Unsupported.
func (m Match) Matches(id Identity) bool {
	if m.Mode == AuthSessionKey {
		return m.AuditSessionID != "" && m.AuditSessionID == id.AuditSessionID
	}
	present, equal := 0, 0
	check := func(has, eq bool) {
		if has {
			present++
			if eq {
				equal++
			}
		}
	}
	check(m.AuditSessionID != "", m.AuditSessionID == id.AuditSessionID)
	check(m.AcctSessionID != "", m.AcctSessionID == id.AcctSessionID)
	check(m.UserName != "", m.UserName == id.UserName)
	check(m.FramedIP.IsValid(), m.FramedIP == id.FramedIP)
	if present == 0 {
		return false
	}
	if m.Mode == AuthAny {
		return equal > 0
	}
	return equal == present
}

// empty reports whether m has no identifier at all.
func (m Match) empty() bool {
	return m.AuditSessionID == "" && m.AcctSessionID == "" && m.UserName == "" && !m.FramedIP.IsValid()
}

// ErrorCause is the value of the Error-Cause attribute (101, RFC 5176
// section 3.6).
type ErrorCause = rfc3576.ErrorCause

// The Error-Cause values. Values below 400 are sent in ACKs, the others
// in NAKs.
const (
	CauseResidualContextRemoved     = rfc3576.ErrorCause_Value_ResidualContextRemoved     // 201
	CauseUnsupportedAttribute       = rfc3576.ErrorCause_Value_UnsupportedAttribute       // 401
	CauseMissingAttribute           = rfc3576.ErrorCause_Value_MissingAttribute           // 402
	CauseNASIdentificationMismatch  = rfc3576.ErrorCause_Value_NASIdentificationMismatch  // 403
	CauseInvalidRequest             = rfc3576.ErrorCause_Value_InvalidRequest             // 404
	CauseUnsupportedService         = rfc3576.ErrorCause_Value_UnsupportedService         // 405
	CauseUnsupportedExtension       = rfc3576.ErrorCause_Value_UnsupportedExtension       // 406
	CauseInvalidAttributeValue      = rfc5176.ErrorCause_Value_InvalidAttributeValue      // 407
	CauseAdministrativelyProhibited = rfc3576.ErrorCause_Value_AdministrativelyProhibited // 501
	CauseSessionContextNotFound     = rfc3576.ErrorCause_Value_SessionContextNotFound     // 503
	CauseSessionContextNotRemovable = rfc3576.ErrorCause_Value_SessionContextNotRemovable // 504
	CauseResourcesUnavailable       = rfc3576.ErrorCause_Value_ResourcesUnavailable       // 506
	CauseMultipleSessionSelection   = rfc5176.ErrorCause_Value_MultipleSessionSelectionUnsupported
)

// NoSessionCause and NoSessionMessage are what IOS answers when no session
// matches (seed 001:1033-1044): a NAK with Reply-Message "No Matching
// Session" and Error-Cause Invalid Request (404, "00000194" in the seed's
// dump), not RFC 5176's Session Context Not Found (503). The seed is the
// specification here.
const (
	NoSessionCause   = CauseInvalidRequest
	NoSessionMessage = "No Matching Session"
)

// Result is a Handler's answer.
type Result struct {
	// NotFound means no session matched. The server answers as IOS does
	// (NoSessionCause, NoSessionMessage) and ignores the other fields.
	NotFound bool
	// Cause is 0 for an ACK. A value of 400 or more makes the answer a NAK
	// carrying it as Error-Cause; a 2xx value (Residual Session Context
	// Removed) is sent in the ACK.
	Cause ErrorCause
	// ReplyMessage, when not empty, is sent as a Reply-Message (at most
	// 253 bytes are sent).
	ReplyMessage string
}

// ACK is the result of a request carried out.
func ACK() Result { return Result{} }

// NAK is the result of a request refused with cause.
func NAK(cause ErrorCause, replyMessage string) Result {
	return Result{Cause: cause, ReplyMessage: replyMessage}
}

// NotFound is the result of a request that matched no session.
func NotFound() Result { return Result{NotFound: true} }

// isNAK reports whether r is answered with a NAK.
func (r Result) isNAK() bool { return r.NotFound || r.Cause >= 400 }
