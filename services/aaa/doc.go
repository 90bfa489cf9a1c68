// Package aaa is the AAA service of the head-end: method lists, the local
// username database, the RADIUS client (package radius), accounting and
// dynamic authorization (package dynauth), wired into the IKEv2 engine
// through the interfaces services/ike defines (Authorizer,
// EAPAuthenticator, PSKLookup, SessionObserver) and into admin logins.
//
// # What it owns
//
// The runtime of "aaa new-model" configuration: which method list applies
// to a request and the order its methods are tried in (the next method
// only when the previous one gave no answer, never after a reject); the
// Access-Requests FlexVPN sends (EAP pass-through, AAA pre-shared keys,
// group and user authorization) and the mapping of their answers (IETF
// attributes and Cisco AV-pairs) onto ike.Attributes; the accounting
// records of every session (start, interim, stop), queued and retried until
// a server takes them; the session side of RADIUS Disconnect and CoA; and
// the operational views "show aaa servers", "show aaa user all" and
// "show aaa sessions" together with "debug aaa" output in seed 001's format.
//
// # What it must not do
//
// It never blocks an IKE worker: every call that may wait for a RADIUS
// server runs on the caller's goroutine, which the engine has already taken
// off its workers, bounded by the caller's context. It holds no IKE key
// material beyond the MSK it hands back, parses no IKE bytes, and changes
// sessions only through the engine's own operations (clear, reapply).
package aaa
