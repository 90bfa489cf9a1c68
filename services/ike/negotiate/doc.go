// Package negotiate turns IKEv2 and IPsec configuration into what Gatehouse
// accepts, and picks, as a responder, from what a peer offers (RFC 7296
// 2.7). Everything here is a pure function of its arguments: no state, no
// sockets, no logging, so the engine can call it from any worker.
//
// Configuration is resolved once per change (IKEPolicies, ESPAcceptable)
// into IANA transform IDs; selection (SelectIKE, SelectESP) then compares
// numbers only. Algorithms the suite package cannot run are left out when
// resolving, so a selected IKE proposal is always one the engine can key.
//
// Selection follows the peer's proposal order, as IOS does as a responder;
// within a proposal, the transform of each type is the one the
// configuration prefers (its first acceptable entry the peer offered).
package negotiate
