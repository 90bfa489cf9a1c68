// Package dynauth is the RADIUS Dynamic Authorization Server of RFC 5176,
// IOS's "aaa server radius dynamic-author": it takes Disconnect-Requests
// (IOS's Packet of Disconnect, "POD") and CoA-Requests from the
// configured dynamic authorization clients and answers them with ACKs and
// NAKs (seed 001, "RADIUS Packet of Disconnect" and "RADIUS Change of
// Authorization").
//
// # What it owns
//
// The UDP socket (IOS's port 1700 unless "port" says otherwise; RFC 5176
// names 3799), the checks a request must pass, the duplicate cache, the
// reading of request attributes into a Match (which sessions) and a
// Change (what to do to them), the responses, the counters (Stats) and
// the "debug aaa pod" / "debug aaa coa" lines.
//
// A datagram is read only when its source address is a configured client.
// It is then dropped, unanswered and counted (Stats.Drops), when it is not
// a well-formed CoA-Request or Disconnect-Request, when its Request
// Authenticator or Message-Authenticator is not right for the client's
// key (compared in constant time), or when its Event-Timestamp is more
// than the window (300 s) away from the clock (RFC 5176 section 3.5 says
// such requests are silently discarded). A retransmission (same source,
// Identifier and authenticator) inside the duplicate window gets the
// response already sent, without running the request again.
//
// Clients are told apart by source address only: the "vrf" of a client is
// kept but not enforced, since the server listens on one socket in the
// global routing table. NAS identification attributes (NAS-IP-Address,
// NAS-Identifier, NAS-IPv6-Address) are not checked against the router.
//
// # Session selection
//
// A request names its sessions by the Cisco AV pair audit-session-id (the
// one identifier FlexVPN supports, seed 001:902), Acct-Session-Id,
// User-Name and Framed-IP-Address. With "auth-type all" (the default)
// every identifier present must match the same session; with "any" one
// suffices; with "session-key" only the audit-session-id counts, and a
// request without one is refused unless "ignore session-key". See
// Match.Matches.
//
// When no session matches, the answer is IOS's, not RFC 5176's: a NAK
// with Reply-Message "No Matching Session" and Error-Cause Invalid
// Request (404), as the seed shows at 001:1033-1044 (its dump reads
// "00000194"), rather than Session Context Not Found (503).
//
// # Debug output
//
// The lines are the seed's byte for byte, with two liberties the seed
// forces: the book's U+00A0 are ASCII spaces (IOS prints spaces; see
// docs/dev/seedcat/README.md) and its line wraps are joined. The first
// column of an attribute list line is a memory address in IOS; here it is
// made up. IOS attribute numbers other than the seed's four are guesses.
//
// # What it must not do
//
// It never touches sessions itself: the Handler (the AAA service, over
// the IKE engine) does, off the socket goroutine, with a bounded number
// of calls at once and a timeout. It does not write configdb, does not
// resolve host names (FromSchema takes a resolver) and does not use the
// RADIUS client package: the few RADIUS encodings it needs (Cisco
// vendor-specific attributes, the debug dump) are its own.
package dynauth
